// ExhaustiveSearch: what small-scope checking must find, must not find, and must not depend on.

#include "exhaustive/ExhaustiveSearch.h"

#include "model/IdealSpec.h"

#include <gtest/gtest.h>

namespace bridgepath {
namespace {

ExhaustiveOptions options(std::size_t devices, std::size_t ops, std::set<FaultClass> faults,
                          Policy policy = Policy::Bail) {
    ExhaustiveOptions o;
    o.maxDevices = devices;
    o.maxOps = ops;
    o.faults = std::move(faults);
    o.policy = policy;
    o.invariants = allInvariants();
    return o;
}

const InvariantTally &tally(const ExhaustiveResult &r, Invariant inv) {
    for (const InvariantTally &t : r.tallies)
        if (t.invariant == inv)
            return t;
    throw std::logic_error("invariant not checked");
}

TEST(ExhaustiveSearch, CorrectUseKeepsEveryInvariantOnEveryForestUpToSixDevices) {
    for (Policy p : {Policy::Bail, Policy::Continue, Policy::Guarded}) {
        for (Abi abi : {Abi::V6, Abi::V7}) {
            ExhaustiveOptions o = options(6, 6, {}, p);
            o.abi = abi;
            o.threads = 2;
            const ExhaustiveResult r = runExhaustive(o);
            EXPECT_EQ(r.trees, 497u); // 2 + 5 + 13 + 37 + 108 + 332 forests
            EXPECT_GT(r.distinctStates, 100000u);
            for (const InvariantTally &t : r.tallies)
                EXPECT_EQ(t.violations, 0u) << toString(t.invariant) << " under " << toString(p);
        }
    }
}

TEST(ExhaustiveSearch, StoredBytesHoldEveryStoredStatesRecord) {
    const ExhaustiveResult r = runExhaustive(options(4, 4, {FaultClass::Step}));
    ASSERT_GT(r.distinctStates, 0u);
    // Each stored state has at least its offset (4 bytes), its hash (8), its node and one record
    // byte; a search's figure is one of the summed ones.
    EXPECT_GE(r.storedBytes, r.distinctStates * 13);
    EXPECT_GT(r.largestSearchBytes, 0u);
    EXPECT_LE(r.largestSearchBytes, r.storedBytes);
    EXPECT_LT(r.largestSearchBytes, r.storedBytes) << "57 trees: more than one search";
}

TEST(ExhaustiveSearch, FindsTheReviewLeakUnderBail) {
    // A failing unpreserve step at a device leaves every bridge above it counted.
    const ExhaustiveResult r = runExhaustive(options(4, 4, {FaultClass::Step}));
    const InvariantTally &t = tally(r, Invariant::Containment);
    ASSERT_GT(t.violations, 0u);
    ASSERT_TRUE(t.smallest);
    const Counterexample &c = *t.smallest;
    const Topology &tree = c.setup->topology;
    ASSERT_GE(c.ops.size(), 2u);
    const Op &armed = c.ops[c.ops.size() - 2];
    const Op &walk = c.ops.back();
    ASSERT_EQ(armed.kind, OpKind::FailNext);
    EXPECT_EQ(walk.kind, OpKind::Unpreserve);
    EXPECT_EQ(c.results.back(), Result::Eio);
    // Every device above the failing one keeps a count nobody needs.
    const State &after = c.states.back();
    const auto path = tree.upstreamPath(*tree.find(armed.bdf));
    ASSERT_GE(path.size(), 2u) << "the failing device has a bridge above it";
    const auto leaked = leakedDevices(tree, after);
    for (std::size_t i = 1; i < path.size(); ++i)
        EXPECT_NE(std::find(leaked.begin(), leaked.end(), tree.bdf(path[i])), leaked.end())
            << tree.bdf(path[i]).toString() << " is not leaked";
    EXPECT_FALSE(t.harnessDisagrees);
}

TEST(ExhaustiveSearch, ContinueContainsEveryFailedStepThatBailLeaks) {
    const ExhaustiveResult bail = runExhaustive(options(5, 4, {FaultClass::Step}, Policy::Bail));
    const ExhaustiveResult cont =
        runExhaustive(options(5, 4, {FaultClass::Step}, Policy::Continue));
    EXPECT_GT(tally(bail, Invariant::Containment).violations, 0u);
    EXPECT_EQ(tally(cont, Invariant::Containment).violations, 0u);
    // Both explored the same sequences: only the policy differs.
    EXPECT_EQ(bail.trees, cont.trees);
}

TEST(ExhaustiveSearch, SameResultsWithOneAndTwoThreads) {
    ExhaustiveOptions o =
        options(5, 4, {FaultClass::Step, FaultClass::LostSlot, FaultClass::Misuse});
    o.threads = 1;
    const ExhaustiveResult one = runExhaustive(o);
    o.threads = 2;
    const ExhaustiveResult two = runExhaustive(o);
    EXPECT_EQ(one.trees, two.trees);
    EXPECT_EQ(one.sequences, two.sequences);
    EXPECT_EQ(one.statesGenerated, two.statesGenerated);
    EXPECT_EQ(one.distinctStates, two.distinctStates);
    ASSERT_EQ(one.tallies.size(), two.tallies.size());
    for (std::size_t i = 0; i < one.tallies.size(); ++i) {
        EXPECT_EQ(one.tallies[i].violations, two.tallies[i].violations);
        ASSERT_EQ(one.tallies[i].smallest.has_value(), two.tallies[i].smallest.has_value());
        if (one.tallies[i].smallest) {
            EXPECT_EQ(one.tallies[i].smallest->ops, two.tallies[i].smallest->ops);
            EXPECT_EQ(one.tallies[i].smallest->setup->topology,
                      two.tallies[i].smallest->setup->topology);
        }
    }
}

TEST(ExhaustiveSearch, StateJudgeAgreesWithTheModelInvariantsInEveryState) {
    std::uint64_t violations = 0;
    for (Policy p : {Policy::Bail, Policy::Continue, Policy::Guarded})
        for (Abi abi : {Abi::V6, Abi::V7}) {
            ExhaustiveOptions o = options(
                4, 4, std::set<FaultClass>(allFaultClasses().begin(), allFaultClasses().end()), p);
            o.abi = abi;
            o.crossCheckJudge = true;
            const ExhaustiveResult r = runExhaustive(o);
            EXPECT_EQ(r.judgeDisagreements, 0u) << r.firstJudgeDisagreement;
            for (const InvariantTally &t : r.tallies) {
                violations += t.violations;
                EXPECT_FALSE(t.harnessDisagrees) << toString(t.invariant);
            }
        }
    // Not vacuous: the faults break invariants in many states.
    EXPECT_GT(violations, 10000u);
}

TEST(ExhaustiveSearch, CountsEverySequenceOfTheOneDeviceForests) {
    // By hand, for an endpoint (and alike for an empty bridge) in correct use, up to 3 ops:
    // preserve | kexec; preserve;unpreserve | preserve;kexec | kexec;finish-all;
    // preserve;unpreserve;preserve | preserve;unpreserve;kexec | preserve;kexec;finish = 8.
    ExhaustiveOptions o = options(1, 3, {});
    const ExhaustiveResult r = runExhaustive(o);
    EXPECT_EQ(r.trees, 2u);
    EXPECT_EQ(r.sequences, 16u);
}

TEST(ExhaustiveSearch, StopFirstReportsTheSameSmallestExample) {
    ExhaustiveOptions o = options(4, 4, {FaultClass::LostSlot});
    o.invariants = {Invariant::NoLeak};
    const ExhaustiveResult all = runExhaustive(o);
    o.stopAtFirst = true;
    o.threads = 2;
    const ExhaustiveResult first = runExhaustive(o);
    ASSERT_TRUE(all.tallies[0].smallest && first.tallies[0].smallest);
    EXPECT_EQ(all.tallies[0].smallest->ops, first.tallies[0].smallest->ops);
    EXPECT_TRUE(first.stoppedEarly);
    EXPECT_LT(first.distinctStates, all.distinctStates);
}

TEST(ExhaustiveSearch, EndpointBoundLimitsTheTargetsOfOneSequence) {
    // Four endpoints below one bridge: with E = 1 a sequence touches one endpoint only, so no
    // state has two preserved devices and the bridge's refcount never reaches 2.
    ExhaustiveOptions o = options(5, 4, {});
    o.minDevices = 5;
    o.endpoints = 1;
    const ExhaustiveResult one = runExhaustive(o);
    o.endpoints = 2;
    const ExhaustiveResult two = runExhaustive(o);
    EXPECT_LT(one.distinctStates, two.distinctStates);
    EXPECT_LT(one.sequences, two.sequences);
}

TEST(ExhaustiveSearch, OutcomesClassifyLeaksWithTheirSize) {
    const ExhaustiveResult r = runExhaustive(options(4, 4, {FaultClass::Step}));
    const OutcomeTally &leak = r.outcomes[static_cast<int>(Outcome::Leak)];
    EXPECT_GT(leak.states, 0u);
    EXPECT_GE(leak.maxSlots, 3u); // a chain of 3 bridges and an endpoint failing at the bottom
    ASSERT_TRUE(leak.smallest);
    EXPECT_GT(leak.smallest->states.back().slots().size(), 0u);
    EXPECT_EQ(r.outcomes[static_cast<int>(Outcome::PrematureRelease)].states, 0u);
}

} // namespace
} // namespace bridgepath

namespace bridgepath {
namespace {

TEST(ExhaustiveSearch, SymmetryReductionChangesNoVerdictOnlyTheStateCount) {
    for (FaultClass f : allFaultClasses())
        for (Policy p : {Policy::Bail, Policy::Continue}) {
            ExhaustiveOptions o = options(5, 4, {f}, p);
            o.threads = 2;
            o.symmetry = false;
            const ExhaustiveResult plain = runExhaustive(o);
            o.symmetry = true;
            const ExhaustiveResult reduced = runExhaustive(o);
            const std::string where = std::string(toString(f)) + " " + toString(p);
            EXPECT_LE(reduced.distinctStates, plain.distinctStates) << where;
            for (std::size_t i = 0; i < plain.tallies.size(); ++i) {
                const InvariantTally &a = plain.tallies[i], &b = reduced.tallies[i];
                const std::string what = where + " " + toString(a.invariant);
                EXPECT_EQ(a.violations == 0, b.violations == 0) << what;
                ASSERT_EQ(a.smallest.has_value(), b.smallest.has_value()) << what;
                EXPECT_FALSE(b.harnessDisagrees) << what;
                if (a.smallest) {
                    EXPECT_EQ(a.smallest->setup->topology.size(),
                              b.smallest->setup->topology.size())
                        << what;
                    EXPECT_EQ(a.smallest->ops.size(), b.smallest->ops.size()) << what;
                }
            }
            for (std::size_t k = 0; k < kOutcomeCount; ++k) {
                const OutcomeTally &a = plain.outcomes[k], &b = reduced.outcomes[k];
                EXPECT_EQ(a.states == 0, b.states == 0) << where << " " << toString(a.outcome);
                EXPECT_EQ(a.maxSlots, b.maxSlots) << where << " " << toString(a.outcome);
                EXPECT_FALSE(b.harnessDisagrees) << where << " " << toString(a.outcome);
            }
        }
}

} // namespace
} // namespace bridgepath

namespace bridgepath {
namespace {

// RC -> B -> EP: a root port with one bridge straight below it and an endpoint at the end.
ForestShape rootPortBridgeEndpoint() {
    DeviceShape ep;
    DeviceShape rc;
    rc.bridge = true;
    rc.chain = 1;
    rc.children = {ep};
    return ForestShape{{{RootBusShape{{rc}}}}};
}

// RC -> {EP, EP}: a root port with two endpoints below it.
ForestShape rootPortTwoEndpoints() {
    DeviceShape ep;
    DeviceShape rc;
    rc.bridge = true;
    rc.children = {ep, ep};
    return ForestShape{{{RootBusShape{{rc}}}}};
}

ExhaustiveOptions chainOptions(const ForestShape &f, unsigned generations) {
    ExhaustiveOptions o = options(deviceCount(f), 6, {});
    o.forests = {f};
    o.generations = generations;
    o.crossCheckJudge = true;
    return o;
}

TEST(ExhaustiveSearch, OneGenerationNeverMakesABridgeOutgoingAgain) {
    // With one kexec the last kernel only finishes: nothing is preserved for a next kernel.
    for (const ForestShape &f : {rootPortBridgeEndpoint(), rootPortTwoEndpoints()}) {
        const ExhaustiveResult r = runExhaustive(chainOptions(f, 1));
        EXPECT_EQ(r.trees, 1u);
        EXPECT_EQ(r.bothSidesStates, 0u);
        EXPECT_FALSE(r.bothSidesSmallest);
    }
}

TEST(ExhaustiveSearch, TwoGenerationsReachABridgeIncomingAndOutgoingAtOnce) {
    for (const ForestShape &f : {rootPortBridgeEndpoint(), rootPortTwoEndpoints()}) {
        const ExhaustiveResult r = runExhaustive(chainOptions(f, 2));
        EXPECT_EQ(r.judgeDisagreements, 0u) << r.firstJudgeDisagreement;
        for (const InvariantTally &t : r.tallies)
            EXPECT_EQ(t.violations, 0u) << toString(t.invariant) << ": correct use over a chain";
        EXPECT_GT(r.bothSidesStates, 0u);
        ASSERT_TRUE(r.bothSidesSmallest) << "the replay through the Harness shows it too";
        // By hand, the shortest way: preserve EP; kexec; preserve EP (kernel 1 preserves it again
        // for kernel 2 before finishing it): RC is incoming with 1 and outgoing with 1.
        const Counterexample &c = *r.bothSidesSmallest;
        ASSERT_EQ(c.ops.size(), 3u);
        EXPECT_EQ(c.ops[0].kind, OpKind::Preserve);
        EXPECT_EQ(c.ops[1].kind, OpKind::Kexec);
        EXPECT_EQ(c.ops[2].kind, OpKind::Preserve);
        const State &s = c.states.back();
        EXPECT_EQ(s.generation, 1u);
        EXPECT_EQ(s.refcount(c.setup->topology.bdf(0)), 1u);
        EXPECT_EQ(s.incomingSide().refcount(c.setup->topology.bdf(0)), 1u);
    }
}

TEST(ExhaustiveSearch, MoreGenerationsExploreMoreStatesAndOneKeepsTheSingleUpdate) {
    const ForestShape f = rootPortTwoEndpoints();
    ExhaustiveOptions o = chainOptions(f, 1);
    o.crossCheckJudge = false;
    const ExhaustiveResult one = runExhaustive(o);
    o.generations = 2;
    const ExhaustiveResult two = runExhaustive(o);
    EXPECT_LT(one.distinctStates, two.distinctStates);
    EXPECT_LT(one.sequences, two.sequences);
}

TEST(ExhaustiveSearch, SymmetryReductionOverAChainChangesNoVerdict) {
    // The incoming side is part of each device's words: renaming interchangeable siblings keeps
    // what a state does over two kexecs too.
    for (FaultClass f : allFaultClasses()) {
        ExhaustiveOptions o = options(4, 5, {f});
        o.generations = 2;
        o.threads = 2;
        o.symmetry = false;
        const ExhaustiveResult plain = runExhaustive(o);
        o.symmetry = true;
        const ExhaustiveResult reduced = runExhaustive(o);
        const std::string where = toString(f);
        EXPECT_LE(reduced.distinctStates, plain.distinctStates) << where;
        EXPECT_EQ(plain.bothSidesStates == 0, reduced.bothSidesStates == 0) << where;
        for (std::size_t i = 0; i < plain.tallies.size(); ++i) {
            const InvariantTally &a = plain.tallies[i], &b = reduced.tallies[i];
            const std::string what = where + " " + toString(a.invariant);
            EXPECT_EQ(a.violations == 0, b.violations == 0) << what;
            ASSERT_EQ(a.smallest.has_value(), b.smallest.has_value()) << what;
            EXPECT_FALSE(b.harnessDisagrees) << what;
            if (a.smallest) {
                EXPECT_EQ(a.smallest->ops.size(), b.smallest->ops.size()) << what;
            }
        }
    }
}

TEST(ExhaustiveSearch, TwoGenerationsUnderFaultsAgreeWithTheHarness) {
    // Faults in kernel 1 too: a fail-next on its finish or its unpreserve, a lost entry, an
    // unplug between the kexecs. Every smallest example replays through impl and model.
    for (Abi abi : {Abi::V6, Abi::V7}) {
        ExhaustiveOptions o = options(
            3, 5, {FaultClass::Step, FaultClass::LostSlot, FaultClass::Unplug, FaultClass::Misuse});
        o.abi = abi;
        o.generations = 2;
        o.crossCheckJudge = true;
        o.threads = 2;
        const ExhaustiveResult r = runExhaustive(o);
        EXPECT_EQ(r.judgeDisagreements, 0u) << r.firstJudgeDisagreement;
        for (const InvariantTally &t : r.tallies)
            EXPECT_FALSE(t.harnessDisagrees) << toString(t.invariant);
        for (const OutcomeTally &t : r.outcomes)
            EXPECT_FALSE(t.harnessDisagrees) << toString(t.outcome);
        EXPECT_GT(r.bothSidesStates, 0u);
    }
}

} // namespace
} // namespace bridgepath
