// The Z3 encoding: the five statements of the proof issue with their answers, every SAT result
// replayed on impl and model, the symbolic tree agreeing with concrete trees, and a mutant that
// a proof must catch.

#include "smt/BoundedSearch.h"
#include "smt/InductionProof.h"

#include "TestSupport.h"
#include "properties/Conformance.h"

#include <functional>
#include <gtest/gtest.h>

namespace bridgepath {
namespace {

SmtOutcome bmc(Policy p, std::set<FaultClass> faults, std::vector<Invariant> invs, int devices,
               int steps, std::optional<Topology> t = std::nullopt, bool finishOnly = false,
               bool endpointsOnly = false, bool lostBelowBridge = false) {
    BoundedSearchOptions o;
    o.maxDevices = devices;
    o.maxDepth = std::max(0, devices - 1);
    o.steps = steps;
    o.setup.policy = p;
    o.setup.faults = std::move(faults);
    o.setup.finishStepFaultsOnly = finishOnly;
    o.setup.endpointsOnly = endpointsOnly;
    o.setup.lostSlotBelowBridge = lostBelowBridge;
    o.invariants = std::move(invs);
    o.topology = std::move(t);
    o.timeoutSeconds = 60;
    return boundedSearch(o);
}

void expectReplayed(const SmtOutcome &r) {
    ASSERT_EQ(r.verdict, SmtVerdict::Counterexample) << r.detail;
    ASSERT_TRUE(r.counterexample);
    EXPECT_TRUE(r.counterexample->replayAgrees) << r.counterexample->replayNote;
}

// (1) Without faults every policy keeps the invariants, for every tree of <= 6 devices and
// sequences of any length.
TEST(Statement1, CorrectUseKeepsTheInvariantsUnderEveryPolicyByInduction) {
    for (Policy p : {Policy::Bail, Policy::Continue, Policy::Guarded}) {
        InductionOptions o;
        o.maxDevices = 6;
        o.maxDepth = 5;
        o.setup.policy = p;
        const SmtOutcome r = proveByInduction(o);
        EXPECT_EQ(r.verdict, SmtVerdict::Proved) << toString(p) << ": " << r.detail;
    }
}

TEST(Statement1, BoundedSearchWithoutFaultsFindsNothing) {
    const SmtOutcome r = bmc(Policy::Bail, {}, {Invariant::ExactCount, Invariant::NoLeak,
                                                Invariant::NoPanicAtFinish},
                             3, 4);
    EXPECT_EQ(r.verdict, SmtVerdict::Proved) << r.detail;
}

// (2) Under bail one lost slot leaks every bridge above it: on the review's tree, with drivers
// preserving endpoints, a lost slot on the path leaves the bridges above it counted.
TEST(Statement2, UnderBailOneLostSlotLeaksEveryBridgeAboveIt) {
    const Topology t = test::reviewTree();
    const SmtOutcome r = bmc(Policy::Bail, {FaultClass::LostSlot}, {Invariant::NoLeak}, 5, 4, t,
                             false, /*endpointsOnly=*/true, /*lostBelowBridge=*/true);
    expectReplayed(r);
    const SmtCounterexample &c = *r.counterexample;
    const RunResult run = runSideBySide(c.topology, c.config, c.ops);
    const auto leaked = judge(c.topology, c.config, run).leaked;
    const auto lost = std::find_if(c.ops.begin(), c.ops.end(),
                                   [](const Op &op) { return op.kind == OpKind::Lose; });
    ASSERT_NE(lost, c.ops.end());
    const auto path = c.topology.upstreamPath(*c.topology.find(lost->bdf));
    ASSERT_GE(path.size(), 2u) << "the lost slot has a bridge above it";
    for (std::size_t i = 1; i < path.size(); ++i)
        EXPECT_NE(std::find(leaked.begin(), leaked.end(), c.topology.bdf(path[i])), leaked.end())
            << c.topology.bdf(path[i]).toString() << " above the lost slot stays counted";
}

// (3) Under continue a lost slot still breaks no-leak: refuted, in one device and three ops
// (nr_devices keeps the lost slot's count), whatever the policy.
TEST(Statement3, UnderContinueALostSlotStillLeaksNrDevices) {
    const SmtOutcome r = bmc(Policy::Continue, {FaultClass::LostSlot}, {Invariant::NoLeak}, 3, 4);
    expectReplayed(r);
    EXPECT_EQ(r.counterexample->topology.size(), 1u);
    EXPECT_EQ(r.counterexample->ops.size(), 3u);
}

// (4) Under continue, unpreserving a never-preserved device releases a bridge early.
TEST(Statement4, UnderContinueUnpreservingANeverPreservedDeviceReleasesABridgeEarly) {
    const SmtOutcome r =
        bmc(Policy::Continue, {FaultClass::Misuse}, {Invariant::NoPrematureRelease}, 3, 3);
    expectReplayed(r);
    bool unpreserve = false;
    for (const Op &op : r.counterexample->ops)
        unpreserve = unpreserve || op.kind == OpKind::Unpreserve;
    EXPECT_TRUE(unpreserve);
}

// (5) A failed finish step ends in the panic at finish-all, under every policy.
TEST(Statement5, AFailedFinishStepEndsInThePanicUnderEveryPolicy) {
    for (Policy p : {Policy::Bail, Policy::Continue, Policy::Guarded}) {
        const SmtOutcome r = bmc(p, {FaultClass::Step}, {Invariant::NoPanicAtFinish}, 3, 5,
                                 std::nullopt, /*finishOnly=*/true);
        expectReplayed(r);
        bool failedFinish = false;
        for (const Op &op : r.counterexample->ops)
            failedFinish = failedFinish || (op.kind == OpKind::FailNext && op.step == StepKind::Finish);
        EXPECT_TRUE(failedFinish) << toString(p);
        EXPECT_EQ(r.counterexample->ops.back().kind, OpKind::FinishAll);
    }
}

// A proof is never vacuous: an unpreserve that skips the device on the root bus is caught by
// induction and by bounded search, and its "counterexample" does not replay on the real code.
TEST(Mutant, UnpreserveSkippingTheRootDeviceIsCaught) {
    InductionOptions o;
    o.maxDevices = 3;
    o.maxDepth = 2;
    o.setup.mutantSkipRoot = true;
    o.reachabilitySteps = 3;
    EXPECT_EQ(proveByInduction(o).verdict, SmtVerdict::Counterexample);
    BoundedSearchOptions b;
    b.maxDevices = 2;
    b.maxDepth = 1;
    b.steps = 3;
    b.setup.mutantSkipRoot = true;
    b.invariants = {Invariant::ExactCount};
    const SmtOutcome r = boundedSearch(b);
    ASSERT_EQ(r.verdict, SmtVerdict::Counterexample);
    EXPECT_FALSE(r.counterexample->replayAgrees) << "the real code does not skip the root device";
}

// The symbolic-tree query and the concrete-tree query agree on every tree of <= 5 devices
// (internal devices bridges, leaves endpoints), here for bail with lost slots and no-leak.
TEST(Encoding, SymbolicAndConcreteTreesAgreeUpToFiveDevices) {
    int trees = 0;
    for (int n = 1; n <= 5; ++n) {
        std::vector<int> parent(n, -1);
        std::function<void(int)> each = [&](int i) {
            if (i == n) {
                std::vector<bool> bridge(n, false);
                for (int j = 0; j < n; ++j)
                    if (parent[j] >= 0)
                        bridge[parent[j]] = true;
                // The concrete tree, numbered as the decoder numbers a model.
                z3::context c;
                SmtTree sym = SmtTree::symbolic(c, n, n);
                z3::solver pin(c);
                for (int j = 0; j < n; ++j)
                    pin.add(sym.parent[j] == parent[j] && sym.bridge[j] == c.bool_val(bridge[j]));
                pin.add(sym.wellFormed);
                ASSERT_EQ(pin.check(), z3::sat);
                const Topology t = decodeTree(pin.get_model(), sym);
                BoundedSearchOptions o;
                o.maxDevices = n;
                o.maxDepth = n;
                o.steps = 3;
                o.setup.faults = {FaultClass::LostSlot};
                o.invariants = {Invariant::NoLeak, Invariant::Closure};
                o.topology = t;
                const SmtOutcome concrete = boundedSearch(o);
                o.topology.reset();
                o.pinnedParent = parent;
                o.pinnedBridge = bridge;
                const SmtOutcome symbolic = boundedSearch(o);
                ASSERT_EQ(concrete.verdict, symbolic.verdict) << n << " devices";
                if (concrete.counterexample && symbolic.counterexample) {
                    EXPECT_EQ(concrete.counterexample->violated, symbolic.counterexample->violated);
                    EXPECT_EQ(concrete.counterexample->ops.size(), symbolic.counterexample->ops.size());
                    EXPECT_TRUE(concrete.counterexample->replayAgrees);
                    EXPECT_TRUE(symbolic.counterexample->replayAgrees);
                }
                ++trees;
                return;
            }
            for (int p = -1; p < i; ++p) {
                parent[i] = p;
                each(i + 1);
            }
        };
        each(0);
    }
    EXPECT_EQ(trees, 1 + 2 + 6 + 24 + 120);
}

} // namespace
} // namespace bridgepath
