#include "exhaustive/internal/Searcher.h"

#include "impl/internal/SearchState.h"
#include "model/InvariantRules.h"
#include "properties/BridgeOnBothSides.h"
#include "properties/Harness.h"

#include <algorithm>
#include <cstring>
#include <set>

namespace bridgepath::exhaustive {

// bridgeOnBothSidesOf's view of impl_: the devices its incoming entries and outgoing slots in
// use name, a bit per device (a tree of the search has at most 16).
class Searcher::SidesView {
  public:
    SidesView(const Topology &t, const PciLiveUpdate &impl)
        : t_(t), generation_(impl.generation()) {
        if (generation_ == 0)
            return; // the rule reads nothing else
        in_ = held(impl.incomingSlots());
        out_ = held(impl.slots());
    }

    unsigned generation() const { return generation_; }
    std::uint32_t devices() const { return static_cast<std::uint32_t>(t_.size()); }
    bool heldIncoming(std::uint32_t d) const { return (in_ >> d & 1u) != 0; }
    bool heldOutgoing(std::uint32_t d) const { return (out_ >> d & 1u) != 0; }
    bool isBridge(std::uint32_t d) const { return t_.isBridge(d); }

  private:
    std::uint32_t held(const std::vector<SlotEntry> &slots) const {
        std::uint32_t mask = 0;
        for (const SlotEntry &e : slots)
            if (e.refcount != 0)
                if (const auto d = t_.find(e.address()))
                    mask |= 1u << *d;
        return mask;
    }

    const Topology &t_;
    unsigned generation_;
    std::uint32_t in_ = 0, out_ = 0;
};

Searcher::Searcher(const TreeContext &c, const LiveUpdateConfig &config, const ExhaustiveOptions &o)
    : c_(c), config_(config), o_(o), moves_(alphabet(c, o.faults)), impl_(c.topology, config),
      judge_(c.topology,
             config.abi == Abi::V6 ? std::optional<std::size_t>(config.capacity) : std::nullopt),
      canonical_(c) {
    for (Invariant inv : o.invariants)
        checked_ |= 1u << static_cast<int>(inv);
    misuseAllowed_ = o.faults.count(FaultClass::Misuse) != 0;
    symmetry_ = o.symmetry && c.symmetric;
    // With no more targets than E the bound never bites: leave it out of the key.
    boundTargets_ = c.targets.size() > o.endpoints;
}

ItemResult Searcher::run() {
    ItemResult r;
    r.invariants.resize(o_.invariants.size());
    internal::SearchState::save(impl_, scratch_);
    addNode(Meta{}, NodeRecord{}, r);
    for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
        if (nodes_[i].depth >= o_.maxOps)
            continue;
        expand(i, r);
    }
    r.distinct = nodes_.size();
    r.bytes = visited_.bytes() + nodes_.capacity() * sizeof(NodeRecord) +
              edges_.capacity() * sizeof(edges_[0]);
    r.sequences = countSequences();
    r.done = true;
    return r;
}

std::uint32_t Searcher::addNode(const Meta &m, const NodeRecord &rec, ItemResult &r) {
    // scratch_ holds impl's bytes; the meta completes the key.
    const auto *mb = reinterpret_cast<const std::uint8_t *>(&m);
    scratch_.insert(scratch_.end(), mb, mb + sizeof(Meta));
    const auto [index, inserted] = visited_.insert(scratch_.data(), scratch_.size());
    if (!inserted)
        return index;
    nodes_.push_back(rec);
    judgeNew(index, m, r);
    return index;
}

void Searcher::judgeNew(std::uint32_t index, const Meta &m, ItemResult &r) {
    const std::optional<DeviceId> fault = m.faultUsed && m.faultDevice != kNoDevice
                                              ? std::optional<DeviceId>(m.faultDevice)
                                              : std::nullopt;
    const Judgement j = judge_.judge(impl_, fault);
    if (o_.crossCheckJudge)
        crossCheck(j, fault, r);
    for (std::size_t i = 0; i < o_.invariants.size(); ++i)
        if (o_.invariants[i] != Invariant::AtomicPreserve && j.fails(o_.invariants[i]))
            record(r.invariants[i], index, std::nullopt, 0);
    if (bridgeOnBothSidesOf(SidesView(c_.topology, impl_)))
        record(r.bothSides, index, std::nullopt, 0);
    const OutcomeFacts facts = outcomeFactsOf(j);
    for (std::size_t k = 0; k < kOutcomeCount; ++k)
        if (shows(static_cast<Outcome>(k), facts))
            record(r.outcomes[k], index, std::nullopt,
                   static_cast<Outcome>(k) == Outcome::Leak ? j.leakedSlots : 0);
}

// The facts the outcomes are judged on, read from the implementation's accessors and the
// judge's verdicts (what outcomeFacts reads from the State).
OutcomeFacts Searcher::outcomeFactsOf(const Judgement &j) const {
    OutcomeFacts f;
    f.leak = j.leakedSlots > 0;
    f.nrDevicesDrift = j.fails(Invariant::NrDevices);
    f.prematureRelease = j.fails(Invariant::NoPrematureRelease);
    f.panicked = impl_.panicked();
    // Every kind that happened (shows() reads the bits of the outcomes' kinds).
    for (KernelEventKind k : allKernelEvents())
        if (impl_.happened(k))
            f.happened |= 1u << static_cast<int>(k);
    return f;
}

void Searcher::crossCheck(const Judgement &j, std::optional<DeviceId> fault, ItemResult &r) {
    const State s = impl_.state();
    std::vector<Bdf> faults;
    if (fault)
        faults.push_back(c_.topology.bdf(*fault));
    const std::optional<std::size_t> capacity =
        config_.abi == Abi::V6 ? std::optional<std::size_t>(config_.capacity) : std::nullopt;
    const OutcomeFacts judged = outcomeFactsOf(j), exactFacts = outcomeFacts(c_.topology, s);
    for (std::size_t k = 0; k < kOutcomeCount; ++k) {
        const bool exact = shows(static_cast<Outcome>(k), exactFacts);
        if (exact != shows(static_cast<Outcome>(k), judged) && r.judgeDisagreements++ == 0)
            r.firstJudgeDisagreement = std::string(toString(static_cast<Outcome>(k))) +
                                       ": the State says " + (exact ? "yes" : "no") + " after " +
                                       pathText(static_cast<std::uint32_t>(nodes_.size() - 1));
    }
    const bool both = bridgeOnBothSides(c_.topology, s);
    if (both != bridgeOnBothSidesOf(SidesView(c_.topology, impl_)) && r.judgeDisagreements++ == 0)
        r.firstJudgeDisagreement = std::string("bridge on both sides: the State says ") +
                                   (both ? "yes" : "no") + " after " +
                                   pathText(static_cast<std::uint32_t>(nodes_.size() - 1));
    for (Invariant inv : allInvariants()) {
        if (inv == Invariant::AtomicPreserve)
            continue;
        InvariantInput in{c_.topology, s, capacity};
        in.faults = &faults;
        const bool exact = !check(inv, in).holds;
        if (exact == j.fails(inv))
            continue;
        if (r.judgeDisagreements++ == 0)
            r.firstJudgeDisagreement = std::string(toString(inv)) + ": model/Invariant says " +
                                       (exact ? "fails" : "holds") + " after " +
                                       pathText(static_cast<std::uint32_t>(nodes_.size() - 1));
    }
}

// The search's misuse rule against the Harness's isMisuse, on the State.
void Searcher::crossCheckMisuse(const Meta &m, const Move &mv, bool judged, std::uint32_t node,
                                ItemResult &r) {
    const Topology &t = c_.topology;
    std::set<Bdf> frozen, notEnumerated;
    for (DeviceId d = 0; d < t.size(); ++d) {
        if (m.frozen >> d & 1u)
            frozen.insert(t.bdf(d));
        if (m.notEnumerated >> d & 1u)
            notEnumerated.insert(t.bdf(d));
    }
    const Op op = opOf(t, mv.kind, mv.device);
    if (isMisuse(t, op, impl_.state(), frozen, notEnumerated) == judged)
        return;
    if (r.judgeDisagreements++ == 0)
        r.firstJudgeDisagreement = "misuse of '" + op.toString() + "': the Harness says " +
                                   (judged ? "no" : "yes") + " after " + pathText(node);
}

std::string Searcher::pathText(std::uint32_t node) const {
    std::string out;
    for (const Op &op : opsTo(node, nullptr, 0))
        out += (out.empty() ? "" : "; ") + op.toString();
    return out.empty() ? "no operation" : out;
}

// The operations from the root to `node`, then `last` (a transition not stored as a node).
std::vector<Op> Searcher::opsTo(std::uint32_t node, const Move *last,
                                std::uint16_t lastValue) const {
    std::vector<std::uint32_t> chain;
    for (std::uint32_t i = node; nodes_[i].parent != kNoParent; i = nodes_[i].parent)
        chain.push_back(i);
    // A stored state is the real one renamed; `real[x]` is the real device the stored state
    // calls x.
    Perm real = identity();
    auto realMove = [&](Move mv) {
        if (mv.device != kNoDevice)
            mv.device = real[mv.device];
        if (mv.failAt != kNoDevice)
            mv.failAt = real[mv.failAt];
        return mv;
    };
    std::vector<Op> ops;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        const NodeRecord &rec = nodes_[*it];
        appendOps(c_.topology, realMove(moves_[rec.move]), rec.value, ops);
        followRenaming(real, rec.renamed, c_.topology.size());
    }
    if (last)
        appendOps(c_.topology, realMove(*last), lastValue, ops);
    return ops;
}

// Records a violation at `node` (or on the transition `last` out of it).
void Searcher::record(Found &f, std::uint32_t node,
                      std::optional<std::pair<Move, std::uint16_t>> last, std::uint32_t slots) {
    ++f.count;
    f.maxSlots = std::max(f.maxSlots, slots);
    if (f.has)
        return; // breadth first: the first one is the shortest
    f.has = true;
    f.depth = nodes_[node].depth + (last ? 1u : 0u);
    f.ops = last ? opsTo(node, &last->first, last->second) : opsTo(node, nullptr, 0);
}

void Searcher::expand(std::uint32_t from, ItemResult &r) {
    visited_.copyRecord(from, base_);
    const std::vector<std::uint8_t> &base = base_;
    Meta m;
    std::memcpy(&m, base.data() + base.size() - sizeof(Meta), sizeof(Meta));
    const std::size_t implBytes = base.size() - sizeof(Meta);
    internal::SearchState::restore(impl_, base.data(), implBytes);
    if (impl_.crashed())
        return; // v6's BUG_ON: like after finish-all, nothing can change any more
    bool dirty = false;
    const std::uint8_t depth = static_cast<std::uint8_t>(nodes_[from].depth + 1);
    for (std::uint32_t mi = 0; mi < moves_.size(); ++mi) {
        const Move &mv = moves_[mi];
        if (dirty) {
            internal::SearchState::restore(impl_, base.data(), implBytes);
            dirty = false;
        }
        if (!phaseAllows(mv.kind, impl_.phase(), impl_.generation(), o_.generations))
            continue;
        if (mv.fault && m.faultUsed)
            continue;
        Meta next = m;
        bool spends = mv.fault;
        if (mv.target != kNoDevice && boundTargets_ && !(m.targetsUsed >> mv.target & 1u)) {
            if (static_cast<std::size_t>(__builtin_popcount(m.targetsUsed)) >= o_.endpoints)
                continue; // a new target beyond E
            next.targetsUsed |= 1u << mv.target;
        }
        const bool isMisuse = misuse(c_, impl_, m, mv);
        if (o_.crossCheckJudge)
            crossCheckMisuse(m, mv, isMisuse, from, r);
        if (isMisuse && (mv.failAt != kNoDevice || !misuseAllowed_ || m.faultUsed))
            continue; // a fail-next on top of misuse would be a second fault
        spends = spends || isMisuse;
        std::uint16_t value = 0;
        if (mv.kind == OpKind::SetRefcount) {
            const auto held = impl_.heldRefcount(mv.device);
            if (!held)
                continue;
            switch (mv.change) {
            case RefcountChange::Zero:
                value = 0;
                break;
            case RefcountChange::Minus:
                if (*held <= 1)
                    continue; // 0 is the Zero move
                value = static_cast<std::uint16_t>(*held - 1);
                break;
            case RefcountChange::Plus:
                value = static_cast<std::uint16_t>(*held + 1);
                break;
            }
        }
        // Keep what atomic-preserve compares.
        const bool judgeAtomic =
            mv.kind == OpKind::Preserve && (checked_ >> int(Invariant::AtomicPreserve) & 1u);
        if (judgeAtomic) {
            beforeSlots_ = impl_.slots();
            beforeNr_ = impl_.nrDevices();
        }
        dirty = true;
        if (mv.failAt != kNoDevice)
            (void)impl_.failNext(mv.failAt, mv.failKind);
        const Result result = applyMove(impl_, mv, value);
        if (mv.failAt != kNoDevice && impl_.failNextPending(mv.failAt, mv.failKind))
            continue; // that step is not on this walk: not a placement
        if (mv.fault && mv.failAt == kNoDevice &&
            (result == Result::Enoent || result == Result::Enodev))
            continue; // the fault did nothing
        ++r.generated;
        if (spends) {
            next.faultUsed = 1;
            next.faultDevice = mv.failAt != kNoDevice ? mv.failAt : mv.device;
        }
        update(c_, next, mv, result, impl_.generation(), o_.generations);
        if (judgeAtomic && atomicBroken(mv, result, base, implBytes)) {
            const std::size_t i = static_cast<std::size_t>(
                std::find(o_.invariants.begin(), o_.invariants.end(), Invariant::AtomicPreserve) -
                o_.invariants.begin());
            record(r.invariants[i], from, std::make_pair(mv, value), 0);
        }
        // Renamed only after atomic-preserve compared the state with the one before.
        Perm renamed = identity();
        if (symmetry_)
            renamed = canonical_.canonicalize(impl_, next);
        scratch_.clear();
        internal::SearchState::save(impl_, scratch_);
        const std::uint32_t to = addNode(next, NodeRecord{from, mi, value, depth, renamed}, r);
        edges_.push_back({from, to});
    }
}

// rules::atomicPreserve's view of the move just made: impl_ after it; before it, the slots and
// counter kept in beforeSlots_ and beforeNr_, and the stored state `base`, restored into the
// probe only when the rule first reads the directly preserved set or the incoming side.
class Searcher::MoveStep {
  public:
    MoveStep(Searcher &s, const std::vector<std::uint8_t> &base, std::size_t implBytes)
        : s_(s), base_(base), implBytes_(implBytes) {}

    bool sameTable() const { return s_.impl_.slots() == s_.beforeSlots_; }
    bool sameCounter() const { return s_.impl_.nrDevices() == s_.beforeNr_; }
    bool sameDirectlyPreserved() const {
        const PciLiveUpdate &b = before();
        for (DeviceId d = 0; d < s_.c_.topology.size(); ++d)
            if (b.directlyPreserved(d) != s_.impl_.directlyPreserved(d))
                return false;
        return true;
    }
    bool sameIncoming() const {
        const PciLiveUpdate &b = before(), &a = s_.impl_;
        if (b.incomingNrDevices() != a.incomingNrDevices() ||
            b.incomingSlots() != a.incomingSlots())
            return false;
        for (DeviceId d = 0; d < s_.c_.topology.size(); ++d)
            if (b.directlyIncoming(d) != a.directlyIncoming(d))
                return false;
        return true;
    }

  private:
    const PciLiveUpdate &before() const {
        if (!restored_) {
            if (!s_.probe_)
                s_.probe_ = std::make_unique<PciLiveUpdate>(s_.c_.topology, s_.config_);
            internal::SearchState::restore(*s_.probe_, base_.data(), implBytes_);
            restored_ = true;
        }
        return *s_.probe_;
    }

    Searcher &s_;
    const std::vector<std::uint8_t> &base_;
    std::size_t implBytes_;
    mutable bool restored_ = false;
};

// Whether the move, which returned `result`, broke atomic-preserve (model/InvariantRules.h).
bool Searcher::atomicBroken(const Move &mv, Result result, const std::vector<std::uint8_t> &base,
                            std::size_t implBytes) {
    return !rules::atomicPreserve(mv.kind, result, MoveStep(*this, base, implBytes));
}

std::uint64_t Searcher::countSequences() const {
    // Sequences of length 1..K: paths of the transition graph from the initial state. Every
    // sequence is covered: a state reached again later behaves as where it was first found.
    std::vector<std::uint64_t> ways(nodes_.size(), 0), next(nodes_.size(), 0);
    ways[0] = 1;
    std::uint64_t total = 0;
    for (std::size_t d = 0; d < o_.maxOps; ++d) {
        std::fill(next.begin(), next.end(), 0);
        for (const auto &[from, to] : edges_)
            next[to] += ways[from];
        for (std::uint64_t w : next)
            total += w;
        ways.swap(next);
    }
    return total;
}

} // namespace bridgepath::exhaustive
