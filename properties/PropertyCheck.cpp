#include "properties/PropertyCheck.h"

#include "properties/Expectations.h"
#include "properties/Generators.h"
#include "properties/StatefulCommands.h"

#include <rapidcheck.h>

#include <algorithm>

namespace bridgepath {

std::uint64_t shardSeed(std::uint64_t seed, std::size_t shardIndex) {
    // splitmix64 of (seed, shard): shards draw unrelated cases, shard 0 of 1 keeps the seed.
    if (shardIndex == 0)
        return seed;
    std::uint64_t z = seed + 0x9e3779b97f4a7c15ull * (shardIndex + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

std::set<FaultClass> faultClassesUsed(const Topology &t, const std::vector<Op> &ops,
                                      const std::vector<Result> &results,
                                      const std::vector<State> &states) {
    std::set<FaultClass> out;
    UsageTracker usage;
    for (std::size_t i = 0; i < ops.size(); ++i) {
        if (auto f = faultClassOf(ops[i].kind))
            out.insert(*f);
        if (usage.misuse(t, ops[i], states[i]))
            out.insert(FaultClass::Misuse);
        if (results[i] == Result::Enospc)
            out.insert(FaultClass::Alloc);
        usage.update(t, ops[i], results[i]);
    }
    return out;
}

std::optional<Counterexample> failingRun(std::shared_ptr<const CaseSetup> setup,
                                         const std::vector<Op> &ops, Invariant inv) {
    for (const Op &op : ops)
        if (op.hasDevice() && !setup->topology.find(op.bdf))
            return std::nullopt;
    Harness h(setup->topology, setup->config, {inv});
    for (const Op &op : ops) {
        const StepOutcome out = h.step(op);
        if (out.mismatch || out.violated)
            return failureOf(setup, h, out);
    }
    return std::nullopt;
}

namespace {

// The tree without `drop` and everything below it (BDFs unchanged, so the ops still apply).
Topology without(const Topology &t, DeviceId drop) {
    const std::vector<DeviceSpec> all = t.specs();
    std::vector<DeviceSpec> specs;
    for (DeviceId id = 0; id < t.size(); ++id) {
        bool below = false;
        for (DeviceId up : t.upstreamPath(id))
            below = below || up == drop;
        if (!below)
            specs.push_back(all[id]);
    }
    return Topology::build(std::move(specs), "shrunk tree");
}

} // namespace

GeneratedCase sampleCase(std::uint64_t seed, int size, Policy policy, Abi abi,
                         const std::set<FaultClass> &faults, const std::optional<Topology> &fixed,
                         unsigned generations) {
    const auto gen = rc::gen::exec([&] {
        Topology t = fixed ? *fixed : buildTopology(*genTreeShape());
        GeneratedCase c;
        auto setup =
            std::make_shared<CaseSetup>(*genCaseSetup(std::move(t), policy, abi, faults, {}));
        setup->generations = generations;
        c.setup = std::move(setup);
        const auto commands = *rc::state::gen::commands(GenModel(c.setup), &genCommand);
        for (const auto &cmd : commands)
            c.ops.push_back(static_cast<const OpCommand &>(*cmd).op());
        return c;
    });
    return gen(rc::Random(seed), size).value();
}

std::vector<Op> sampleSequence(std::uint64_t seed, const std::shared_ptr<const CaseSetup> &setup,
                               std::size_t length) {
    const auto gen = rc::gen::exec([&] {
        GenModel m(setup);
        std::vector<Op> ops;
        for (std::size_t tries = 0; ops.size() < length && tries < 100 * length; ++tries) {
            const auto cmd = *genCommand(m);
            if (!rc::state::isValidCommand(*cmd, m))
                continue;
            ops.push_back(static_cast<const OpCommand &>(*cmd).op());
            cmd->apply(m);
        }
        return ops;
    });
    return gen(rc::Random(seed), 40).value();
}

Topology namedOnly(const Topology &t, const std::vector<Op> &ops) {
    std::vector<bool> keep(t.size(), false);
    for (const Op &op : ops) {
        if (!op.hasDevice())
            continue;
        const auto id = t.find(op.bdf);
        if (!id)
            continue;
        for (DeviceId up : t.upstreamPath(*id))
            keep[up] = true;
        if (op.kind == OpKind::Unplug || op.kind == OpKind::Vanish)
            for (DeviceId d = *id + 1; d < t.size(); ++d)
                for (auto p = t.parent(d); p && !keep[d]; p = t.parent(*p))
                    keep[d] = *p == *id;
    }
    const std::vector<DeviceSpec> all = t.specs();
    std::vector<DeviceSpec> specs;
    for (DeviceId id = 0; id < t.size(); ++id)
        if (keep[id])
            specs.push_back(all[id]);
    return Topology::build(std::move(specs), "shrunk tree");
}

Counterexample minimize(Counterexample c, Invariant inv) {
    // A smaller run counts only if it fails the same way with no fault class the original did
    // not use: dropping a `vanish` must not turn a later finish-all into misuse.
    auto used = [](const Counterexample &x) {
        return faultClassesUsed(x.setup->topology, x.ops, x.results, x.states);
    };
    std::set<FaultClass> allowed(allFaultClasses().begin(), allFaultClasses().end());
    if (c.states.size() == c.ops.size() + 1 && c.results.size() == c.ops.size())
        allowed = used(c);
    else if (const auto again = failingRun(c.setup, c.ops, inv)) // c carries only its ops
        allowed = used(*again);
    auto better = [&](const std::optional<Counterexample> &smaller) {
        if (!smaller || smaller->mismatch != c.mismatch)
            return false;
        const std::set<FaultClass> now = used(*smaller);
        return std::includes(allowed.begin(), allowed.end(), now.begin(), now.end());
    };
    // RapidCheck shrinks tree and sequence together, regenerating the sequence when the tree
    // shrinks; this pass then drops single operations and the devices no remaining operation
    // needs, keeping the BDFs, as long as the same invariant (or the same mismatch) still fails.
    // First, in one step, every device no operation names or walks through: trying devices one at
    // a time costs a rebuild each, far too many on a machine-sized tree.
    if (const Topology cut = namedOnly(c.setup->topology, c.ops);
        cut.size() != 0 && cut.size() < c.setup->topology.size()) {
        auto setup = std::make_shared<CaseSetup>(*c.setup);
        setup->topology = cut;
        if (setup->config.abi == Abi::V6 && setup->config.capacity == c.setup->topology.size())
            setup->config.capacity = cut.size(); // "one slot per device" stays so
        if (auto smaller = failingRun(setup, c.ops, inv); better(smaller))
            c = std::move(*smaller);
    }
    bool progress = true;
    while (progress) {
        progress = false;
        for (std::size_t i = 0; i < c.ops.size() && !progress; ++i) {
            std::vector<Op> fewer = c.ops;
            fewer.erase(fewer.begin() + static_cast<long>(i));
            if (auto smaller = failingRun(c.setup, fewer, inv); better(smaller)) {
                c = std::move(*smaller);
                progress = true;
            }
        }
        const Topology &t = c.setup->topology;
        for (DeviceId id = t.size(); id-- > 0 && !progress;) {
            if (t.size() == 1)
                break;
            auto setup = std::make_shared<CaseSetup>(*c.setup);
            setup->topology = without(t, id);
            if (setup->topology.size() == 0)
                continue;
            if (setup->config.abi == Abi::V6 && setup->config.capacity == t.size())
                setup->config.capacity = setup->topology.size(); // "one slot per device" stays so
            if (auto smaller = failingRun(setup, c.ops, inv); better(smaller)) {
                c = std::move(*smaller);
                progress = true;
            }
        }
    }
    return c;
}

std::vector<InvariantResult> runChecks(const CheckOptions &options, const CheckProgress &progress) {
    std::vector<InvariantResult> out;
    const std::size_t perShard =
        (options.cases + options.shardCount - 1) / std::max<std::size_t>(1, options.shardCount);
    for (std::size_t i = 0; i < options.invariants.size(); ++i) {
        const Invariant inv = options.invariants[i];
        const auto property = [&options, inv]() {
            Topology t = options.topology ? *options.topology : buildTopology(*genTreeShape());
            const auto setup =
                genCaseSetup(std::move(t), options.policy, options.abi, options.faults, {inv});
            GenModel initial(setup);
            Harness harness(setup->topology, setup->config, setup->checked);
            rc::state::check(initial, harness, &genCommand);
        };
        rc::detail::TestParams params;
        params.seed = shardSeed(options.seed, options.shardIndex);
        params.maxSuccess = static_cast<int>(perShard);
        params.maxSize = options.maxSize;
        params.maxDiscardRatio = 20;
        rc::detail::TestMetadata meta;
        meta.id = toString(inv);
        meta.description = toString(inv);
        lastFailure().reset();
        const rc::detail::TestResult result =
            rc::detail::checkProperty(rc::detail::toProperty(property), meta, params);

        InvariantResult r;
        r.invariant = inv;
        rc::detail::SuccessResult success;
        rc::detail::FailureResult failure;
        rc::detail::GaveUpResult gaveUp;
        rc::detail::Error error;
        if (result.match(success)) {
            r.casesRun = success.numSuccess;
        } else if (result.match(failure)) {
            r.pass = false;
            r.casesRun = failure.numSuccess + 1;
            if (lastFailure()) {
                Counterexample c = minimize(std::move(*lastFailure()), inv);
                c.message = failure.description;
                c.faultsUsed = faultClassesUsed(c.setup->topology, c.ops, c.results, c.states);
                r.counterexample = std::move(c);
            }
        } else if (result.match(gaveUp)) {
            r.pass = false;
            r.gaveUp = true;
            r.casesRun = gaveUp.numSuccess;
            r.error = gaveUp.description;
        } else if (result.match(error)) {
            r.pass = false;
            r.gaveUp = true;
            r.error = error.description;
        }
        if (r.pass)
            r.expected = expectedToHold(inv, options.faults, options.policy, options.abi);
        else if (r.counterexample && !r.counterexample->mismatch)
            r.expected =
                !expectedToHold(inv, r.counterexample->faultsUsed, options.policy, options.abi);
        else
            r.expected = false;
        out.push_back(std::move(r));
        if (progress)
            progress(i + 1, options.invariants.size());
    }
    return out;
}

} // namespace bridgepath
