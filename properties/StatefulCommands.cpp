#include "properties/StatefulCommands.h"

#include <algorithm>
#include <map>

#include "properties/Uniform.h"

namespace bridgepath {

namespace gen = rc::gen;

GenModel::GenModel(std::shared_ptr<const CaseSetup> s) : setup(std::move(s)) {
    ReferenceModel model(setup->topology, setup->config);
    State state = model.state();
    now = std::make_shared<const GenSnapshot>(
        GenSnapshot{std::move(model), std::move(state), {}, {}});
}

void GenModel::apply(const Op &op) {
    auto next = std::make_shared<GenSnapshot>(*now);
    const Result r = next->model.apply(op);
    next->state = next->model.state();
    next->usage.update(topology(), op, r);
    if (op.kind == OpKind::Preserve && r == Result::Ok)
        next->lastPreserved = op.bdf;
    now = std::move(next);
}

OpCommand::OpCommand(const GenModel &m, OpKind kind) {
    if (!m.setup->kinds.count(kind))
        RC_DISCARD("kind not enabled in this case");
    op_.kind = kind;
}

void OpCommand::checkPreconditions(const GenModel &m) const {
    RC_PRE(m.setup->kinds.count(op_.kind) != 0);
    RC_PRE(!op_.hasDevice() || m.topology().find(op_.bdf).has_value());
    if (!m.setup->faults.count(FaultClass::Misuse))
        RC_PRE(!m.now->usage.misuse(m.topology(), op_, m.state()));
}

void OpCommand::run(const GenModel &m, Harness &h) const {
    const StepOutcome out = h.step(op_);
    if (!out.mismatch && !out.violated)
        return;
    lastFailure() = failureOf(m.setup, h, out);
    if (out.mismatch)
        RC_FAIL("MODEL MISMATCH at " + op_.toString() + ": " + *out.mismatch);
    RC_FAIL(std::string(toString(*out.violated)) + " fails after " + op_.toString() + ": " +
            out.why);
}

namespace {

const Topology &topo(const GenModel &m) {
    return m.topology();
}

Bdf anyDevice(const GenModel &m) {
    const Topology &t = topo(m);
    return t.bdf(*uniformIn<DeviceId>(0, t.size()));
}

Bdf anyEndpoint(const GenModel &m) {
    const Topology &t = topo(m);
    const std::vector<DeviceId> &eps = t.endpoints();
    if (eps.empty())
        return anyDevice(m);
    return t.bdf(eps[*uniformIn<std::size_t>(0, eps.size())]);
}

Bdf pick(const std::vector<Bdf> &v) {
    return v[*uniformIn<std::size_t>(0, v.size())];
}

// Devices on the upstream path of any directly preserved or directly incoming device (where
// faults bite).
std::vector<Bdf> onPreservedPaths(const GenModel &m) {
    const Topology &t = topo(m);
    std::set<Bdf> out;
    for (const std::set<Bdf> *side :
         {&m.state().directlyPreserved, &m.state().incoming.directlyPreserved})
        for (const Bdf &b : *side)
            if (auto id = t.find(b))
                for (DeviceId up : t.upstreamPath(*id))
                    out.insert(t.bdf(up));
    return {out.begin(), out.end()};
}

std::vector<Bdf> direct(const GenModel &m) {
    return {m.state().directlyPreserved.begin(), m.state().directlyPreserved.end()};
}

std::vector<Bdf> directIncoming(const GenModel &m) {
    const std::set<Bdf> &in = m.state().incoming.directlyPreserved;
    return {in.begin(), in.end()};
}

// Argument bias for preserve: below a preserved bridge, siblings of preserved devices, the device
// preserved last (a double preserve), else any endpoint.
Bdf preserveTarget(const GenModel &m) {
    const Topology &t = topo(m);
    const State &s = m.state();
    // Devices below a bridge holding a slot (or a freed one), and devices with directly preserved
    // siblings (once per such sibling), in device order: only the children of those bridges are
    // candidates.
    std::map<DeviceId, bool> parents; // bridge -> holds a slot
    std::map<DeviceId, unsigned> directChildren;
    for (const auto &[bdf, rc] : s.slots())
        if (const auto id = t.find(bdf); id && t.isBridge(*id))
            parents[*id] = true;
    for (const auto &[bdf, rc] : s.dangling) // a bridge still pointing into a freed table
        if (const auto id = t.find(bdf); id && t.isBridge(*id))
            parents[*id] = true;
    // A bridge incoming from the last kernel: preserving below it makes it outgoing too.
    for (const SlotEntry &e : s.incoming.table)
        if (e.refcount != 0)
            if (const auto id = t.find(e.address()); id && t.isBridge(*id))
                parents[*id] = true;
    for (const Bdf &b : s.directlyPreserved)
        if (const auto id = t.find(b))
            if (const auto p = t.parent(*id)) {
                parents.emplace(*p, false);
                ++directChildren[*p];
            }
    std::vector<DeviceId> candidates;
    for (const auto &[p, holdsSlot] : parents)
        for (DeviceId d : t.children(p))
            candidates.push_back(d);
    std::sort(candidates.begin(), candidates.end());
    std::vector<Bdf> below, siblings;
    for (DeviceId d : candidates) {
        if (s.directlyPreserved.count(t.bdf(d)))
            continue;
        const DeviceId p = *t.parent(d);
        if (parents.at(p))
            below.push_back(t.bdf(d));
        const auto it = directChildren.find(p);
        for (unsigned k = 0; it != directChildren.end() && k < it->second; ++k)
            siblings.push_back(t.bdf(d));
    }
    const bool misuse = m.setup->faults.count(FaultClass::Misuse) != 0;
    const int what = *gen::weightedElement<int>({{below.empty() ? 0u : 3u, 0},
                                                 {siblings.empty() ? 0u : 2u, 1},
                                                 {m.now->lastPreserved && misuse ? 1u : 0u, 2},
                                                 {4, 3}});
    switch (what) {
    case 0:
        return pick(below);
    case 1:
        return pick(siblings);
    case 2:
        return *m.now->lastPreserved;
    default:
        return *gen::weightedElement<int>({{4, 0}, {1, 1}}) == 0 ? anyEndpoint(m) : anyDevice(m);
    }
}

// A device on a preserved path mostly, else any.
Bdf faultTarget(const GenModel &m) {
    const auto on = onPreservedPaths(m);
    if (!on.empty() && *gen::weightedElement<int>({{5, 0}, {1, 1}}) == 0)
        return pick(on);
    return anyDevice(m);
}

// A directly preserved device mostly; with misuse enabled now and then a device that is not
// (a bridge preserved only through a device below it, or any other device).
Bdf preservedOrAny(const GenModel &m, const std::vector<Bdf> &d) {
    const bool misuse = m.setup->faults.count(FaultClass::Misuse) != 0;
    if (!d.empty() && (!misuse || *gen::weightedElement<int>({{4, 0}, {1, 1}}) == 0))
        return pick(d);
    return misuse ? faultTarget(m) : anyEndpoint(m);
}

Bdf preservedOrAny(const GenModel &m) {
    return preservedOrAny(m, direct(m));
}

} // namespace

PreserveCommand::PreserveCommand(const GenModel &m) : OpCommand(m, OpKind::Preserve) {
    op_.bdf = preserveTarget(m);
}

UnpreserveCommand::UnpreserveCommand(const GenModel &m) : OpCommand(m, OpKind::Unpreserve) {
    op_.bdf = preservedOrAny(m);
}

FreezeCommand::FreezeCommand(const GenModel &m) : OpCommand(m, OpKind::Freeze) {
    op_.bdf = preservedOrAny(m);
}

KexecCommand::KexecCommand(const GenModel &m) : OpCommand(m, OpKind::Kexec) {}

FinishCommand::FinishCommand(const GenModel &m) : OpCommand(m, OpKind::Finish) {
    op_.bdf = preservedOrAny(m, directIncoming(m));
}

FinishAllCommand::FinishAllCommand(const GenModel &m) : OpCommand(m, OpKind::FinishAll) {}

FailNextCommand::FailNextCommand(const GenModel &m) : OpCommand(m, OpKind::FailNext) {
    op_.bdf = faultTarget(m);
    const bool last = m.state().generation >= m.setup->generations;
    switch (last ? Phase::Incoming : m.state().phase) {
    case Phase::Outgoing:
    case Phase::Ended: // the outgoing side's walks, and a finish of the next kernel
        op_.step = *gen::weightedElement<StepKind>(
            {{4, StepKind::Unpreserve}, {2, StepKind::Preserve}, {1, StepKind::Finish}});
        break;
    case Phase::Incoming:
        if (last) { // only finishes walk in the last kernel
            op_.step = StepKind::Finish;
            break;
        }
        op_.step = *gen::weightedElement<StepKind>(
            {{4, StepKind::Finish}, {2, StepKind::Unpreserve}, {1, StepKind::Preserve}});
        break;
    }
}

LoseCommand::LoseCommand(const GenModel &m) : OpCommand(m, OpKind::Lose) {
    op_.bdf = faultTarget(m);
}

SetRefcountCommand::SetRefcountCommand(const GenModel &m) : OpCommand(m, OpKind::SetRefcount) {
    op_.bdf = faultTarget(m);
    op_.value = *gen::weightedElement<std::uint16_t>({{4, 0}, {4, 1}, {3, 2}, {2, 3}, {1, 65535}});
}

VanishCommand::VanishCommand(const GenModel &m) : OpCommand(m, OpKind::Vanish) {
    op_.bdf = faultTarget(m);
}

UnplugCommand::UnplugCommand(const GenModel &m) : OpCommand(m, OpKind::Unplug) {
    op_.bdf = faultTarget(m);
}

namespace {

using CommandPtr = std::shared_ptr<const rc::state::Command<GenModel, Harness>>;

template <class C> rc::Gen<CommandPtr> make(const GenModel &m) {
    return gen::exec([m] { return CommandPtr(std::make_shared<const C>(m)); });
}

} // namespace

rc::Gen<CommandPtr> genCommand(const GenModel &m) {
    const State &s = m.state();
    const bool misuse = m.setup->faults.count(FaultClass::Misuse) != 0;
    const bool anyDirect = !s.directlyPreserved.empty();
    const bool anyIncoming = !s.incoming.directlyPreserved.empty();
    // After a crash (BUG at release, a failed retrieve, a panic at the end) every operation is
    // refused with -ENOENT: nothing can change any more.
    // The kernel after the last kexec drawn only finishes: once that update ended, likewise.
    const bool last = s.generation >= m.setup->generations;
    if (s.crashed() || (last && s.phase == Phase::Ended))
        return make<FinishAllCommand>(m);
    std::vector<std::pair<unsigned, rc::Gen<CommandPtr>>> options;
    auto add = [&](OpKind kind, unsigned weight, rc::Gen<CommandPtr> g) {
        if (weight > 0 && m.setup->kinds.count(kind))
            options.emplace_back(weight, std::move(g));
    };
    // Weights follow the phase, so that few drawn commands are discarded by their preconditions.
    // The outgoing side works in every phase: after a kexec the kernel finishes what it inherited
    // and preserves for the next one, so chains of kexecs (up to setup->generations) are drawn.
    const bool in = s.phase == Phase::Incoming;
    const bool out = !last;
    add(OpKind::Preserve, !out ? 0 : in ? 5 : 6, make<PreserveCommand>(m));
    // Unpreserving the last preserved device releases the table: in half the cases rarely, so
    // that they reach shared bridges and the kexec.
    const unsigned unpreserveWeight = m.setup->drain || s.directlyPreserved.size() > 1 ? 5 : 1;
    add(OpKind::Unpreserve, out && (anyDirect || misuse) ? unpreserveWeight : 0,
        make<UnpreserveCommand>(m));
    add(OpKind::Freeze, out ? 1 : 0, make<FreezeCommand>(m));
    add(OpKind::Kexec, out ? (s.phase == Phase::Ended ? 2 : 1) : 0, make<KexecCommand>(m));
    add(OpKind::Finish, in && (anyIncoming || misuse) ? 6 : 0, make<FinishCommand>(m));
    add(OpKind::FinishAll, in ? 1 : (misuse ? 1 : 0), make<FinishAllCommand>(m));
    add(OpKind::FailNext, 2, make<FailNextCommand>(m));
    add(OpKind::Lose, 1, make<LoseCommand>(m));
    add(OpKind::SetRefcount, 1, make<SetRefcountCommand>(m));
    add(OpKind::Vanish, out ? 1 : 0, make<VanishCommand>(m));
    add(OpKind::Unplug, 1, make<UnplugCommand>(m));
    if (options.empty()) // every enabled kind is out of reach: a refused no-op
        return make<FinishAllCommand>(m);
    unsigned total = 0;
    for (const auto &o : options)
        total += o.first;
    return gen::exec([options, total] {
        unsigned r = *uniformIn(0u, total);
        for (const auto &[weight, g] : options) {
            if (r < weight)
                return *g;
            r -= weight;
        }
        return *options.back().second;
    });
}

std::shared_ptr<const CaseSetup> genCaseSetup(Topology t, Policy policy, Abi abi,
                                              const std::set<FaultClass> &allowed,
                                              std::vector<Invariant> checked) {
    auto setup = std::make_shared<CaseSetup>();
    setup->topology = std::move(t);
    setup->config.policy = policy;
    setup->config.abi = abi;
    setup->config.capacity = setup->topology.size();
    setup->checked = std::move(checked);
    setup->kinds = {OpKind::Preserve, OpKind::Unpreserve, OpKind::Kexec, OpKind::Finish,
                    OpKind::FinishAll};
    if (*gen::weightedElement<int>({{1, 0}, {1, 1}}) == 1)
        setup->kinds.insert(OpKind::Freeze);
    setup->drain = *gen::weightedElement<int>({{1, 0}, {1, 1}}) == 1;
    for (FaultClass f : allowed) {
        // Swarm: each allowed class is drawn in 3 cases of 4, so cases differ in what they mix.
        if (allowed.size() > 1 && *gen::weightedElement<int>({{3, 1}, {1, 0}}) == 0)
            continue;
        setup->faults.insert(f);
        switch (f) {
        case FaultClass::None:
        case FaultClass::Misuse:
            break;
        case FaultClass::Alloc:
            if (abi == Abi::V6)
                setup->config.capacity =
                    *uniformIn<std::size_t>(1, std::max<std::size_t>(2, setup->topology.size()));
            break;
        case FaultClass::Step:
            setup->kinds.insert(OpKind::FailNext);
            break;
        case FaultClass::LostSlot:
            setup->kinds.insert(OpKind::Lose);
            break;
        case FaultClass::Refcount:
            setup->kinds.insert(OpKind::SetRefcount);
            break;
        case FaultClass::Vanish:
            setup->kinds.insert(OpKind::Vanish);
            break;
        case FaultClass::Unplug:
            setup->kinds.insert(OpKind::Unplug);
            break;
        }
    }
    return setup;
}

} // namespace bridgepath
