#include "smt/ContainmentProof.h"

#include "exhaustive/ExhaustiveSearch.h"

#include <gtest/gtest.h>

namespace bridgepath {
namespace {

SmtOutcome prove(FaultClass f, Policy p, Abi abi, int n, SolverChoice solver) {
    ContainmentOptions o;
    o.fault = f;
    o.policy = p;
    o.abi = abi;
    o.maxDevices = n;
    o.maxDepth = n - 1;
    o.solver = solver;
    return proveContainment(o);
}

const std::vector<FaultClass> kEncoded{FaultClass::Step, FaultClass::LostSlot,
                                       FaultClass::Refcount};

// Under continue a walk steps every other device whatever the faulty one does, a failed preserve
// rolls back, and the release finds every other device at its ideal 0: nothing else is touched.
TEST(Containment, ContinueContainsEveryEncodedFaultZ3AndCvc5Agree) {
    for (FaultClass f : kEncoded)
        for (Abi abi : {Abi::V6, Abi::V7}) {
            const SmtOutcome r = prove(f, Policy::Continue, abi, 5, SolverChoice::Both);
            EXPECT_EQ(r.verdict, SmtVerdict::Proved)
                << toString(f) << " " << toString(abi) << ": " << r.detail;
        }
}

TEST(Containment, ContinueContainsAFailedStepOnEveryTreeOf16Devices) {
    const SmtOutcome r = prove(FaultClass::Step, Policy::Continue, Abi::V6, 16, SolverChoice::Z3);
    EXPECT_EQ(r.verdict, SmtVerdict::Proved) << r.detail;
    EXPECT_EQ(r.devices, 16);
}

// Bail stops at the failing device (everything above keeps its count); guarded refuses the whole
// walk when the named device fails. Same encoding, other policy: the proof is not vacuous.
TEST(Containment, BailAndGuardedAreNeverProved) {
    for (FaultClass f : kEncoded)
        for (Policy p : {Policy::Bail, Policy::Guarded})
            for (Abi abi : {Abi::V6, Abi::V7}) {
                const SmtOutcome r = prove(f, p, abi, 4, SolverChoice::Z3);
                EXPECT_EQ(r.verdict, SmtVerdict::Unknown)
                    << toString(f) << " " << toString(p) << " " << toString(abi);
                EXPECT_NE(r.detail.find("not inductive"), std::string::npos) << r.detail;
            }
}

// By hand: a bridge 00:00.0 over one endpoint 01:00.0. Preserve the endpoint (both counts 1),
// fail its own unpreserve step: bail stops there, so the bridge keeps 1 with ideal 0, and the
// bridge is not the faulty device. One device cannot show it (the faulty one is all there is).
TEST(Containment, BailsSmallestBreachIsTheBridgeAboveAFailedStep) {
    ExhaustiveOptions o;
    o.maxDevices = 3;
    o.maxOps = 3;
    o.policy = Policy::Bail;
    o.faults = {FaultClass::Step};
    o.invariants = {Invariant::Containment};
    const ExhaustiveResult r = runExhaustive(o);
    ASSERT_EQ(r.tallies.size(), 1U);
    ASSERT_TRUE(r.tallies[0].smallest);
    const Counterexample &c = *r.tallies[0].smallest;
    EXPECT_FALSE(r.tallies[0].harnessDisagrees);
    EXPECT_EQ(c.setup->topology.size(), 2U);
    std::vector<std::string> ops;
    for (const Op &op : c.ops)
        ops.push_back(op.toString());
    EXPECT_EQ(ops, (std::vector<std::string>{"preserve 0000:01:00.0",
                                             "fail-next unpreserve 0000:01:00.0",
                                             "unpreserve 0000:01:00.0"}));
}

// The search agrees with the proof within its bound: under continue no breach is reachable.
TEST(Containment, ContinueHasNoBreachWithinTheSearchBound) {
    for (FaultClass f : kEncoded) {
        ExhaustiveOptions o;
        o.maxDevices = 4;
        o.maxOps = 4;
        o.policy = Policy::Continue;
        o.faults = {f};
        o.invariants = {Invariant::Containment};
        const ExhaustiveResult r = runExhaustive(o);
        ASSERT_EQ(r.tallies.size(), 1U);
        EXPECT_EQ(r.tallies[0].violations, 0U) << toString(f);
        EXPECT_GT(r.distinctStates, 100U);
    }
}

} // namespace
} // namespace bridgepath
