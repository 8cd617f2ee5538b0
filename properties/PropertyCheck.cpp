#include "properties/PropertyCheck.h"

#include "properties/Expectations.h"
#include "properties/Generators.h"

#include <rapidcheck.h>

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

std::vector<InvariantResult> runChecks(const CheckOptions &options, const CheckProgress &progress) {
    std::vector<InvariantResult> out;
    const std::size_t perShard =
        (options.cases + options.shardCount - 1) / std::max<std::size_t>(1, options.shardCount);
    for (std::size_t i = 0; i < options.invariants.size(); ++i) {
        const Invariant inv = options.invariants[i];
        const auto property = [&options, inv]() {
            Topology t = options.topology ? *options.topology : buildTopology(*genTreeShape());
            const auto setup = genCaseSetup(std::move(t), options.policy, options.abi,
                                            options.faults, {inv});
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
        lastFailure() = FailureRecord{};
        const rc::detail::TestResult result = rc::detail::checkProperty(
            rc::detail::toProperty(property), meta, params);

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
            const FailureRecord &f = lastFailure();
            Counterexample c;
            c.setup = f.setup;
            c.ops = f.ops;
            c.results = f.results;
            c.states = f.states;
            c.why = f.why;
            c.mismatch = f.mismatch;
            c.message = failure.description;
            r.counterexample = std::move(c);
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
        r.expected = r.pass == expectedToHold(inv, options.faults, options.policy);
        out.push_back(std::move(r));
        if (progress)
            progress(i + 1, options.invariants.size());
    }
    return out;
}

} // namespace bridgepath
