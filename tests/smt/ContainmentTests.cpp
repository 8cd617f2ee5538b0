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

// Under continue a walk steps every other device whatever the failing one does, a failed
// preserve rolls back, and the release finds every other device at its ideal 0.
TEST(Containment, ContinueContainsAFailedStepZ3AndCvc5Agree) {
    for (Abi abi : {Abi::V6, Abi::V7}) {
        const SmtOutcome r = prove(FaultClass::Step, Policy::Continue, abi, 5, SolverChoice::Both);
        EXPECT_EQ(r.verdict, SmtVerdict::Proved) << toString(abi) << ": " << r.detail;
    }
}

TEST(Containment, OnlyStepFaultsAreClaimed) {
    for (FaultClass f : allFaultClasses())
        EXPECT_EQ(containmentEncodes(f), f == FaultClass::Step) << toString(f);
}

TEST(Containment, ContinueContainsAFailedStepOnEveryTreeOf16Devices) {
    const SmtOutcome r = prove(FaultClass::Step, Policy::Continue, Abi::V6, 16, SolverChoice::Z3);
    EXPECT_EQ(r.verdict, SmtVerdict::Proved) << r.detail;
    EXPECT_EQ(r.devices, 16);
}

// Bail stops at the failing device (everything above keeps its count); guarded refuses the whole
// walk when the named device fails. Same encoding, other policy: the proof is not vacuous.
TEST(Containment, BailAndGuardedAreNeverProved) {
    for (Policy p : {Policy::Bail, Policy::Guarded})
        for (Abi abi : {Abi::V6, Abi::V7}) {
            const SmtOutcome r = prove(FaultClass::Step, p, abi, 4, SolverChoice::Z3);
            EXPECT_EQ(r.verdict, SmtVerdict::Unknown) << toString(p) << " " << toString(abi);
            EXPECT_NE(r.detail.find("not inductive"), std::string::npos) << r.detail;
        }
}

// Containment judged by the exhaustive search: every forest of at most `devices` devices, every
// sequence of at most `ops` operations with one fault of class `f`.
InvariantTally searchContainment(Policy p, FaultClass f, std::size_t devices, std::size_t ops,
                                 std::uint64_t *states = nullptr) {
    ExhaustiveOptions o;
    o.maxDevices = devices;
    o.maxOps = ops;
    o.policy = p;
    o.faults = {f};
    o.invariants = {Invariant::Containment};
    const ExhaustiveResult r = runExhaustive(o);
    if (states)
        *states = r.distinctStates;
    return r.tallies.at(0);
}

// The operations of a counterexample, as trace lines.
std::vector<std::string> opsOf(const Counterexample &c) {
    std::vector<std::string> ops;
    for (const Op &op : c.ops)
        ops.push_back(op.toString());
    return ops;
}

// By hand: a bridge 00:00.0 over one endpoint 01:00.0. Preserve the endpoint (both counts 1),
// fail its own unpreserve step: bail stops there, so the bridge keeps 1 with ideal 0, and the
// bridge is not the faulty device. One device cannot show it (the faulty one is all there is).
TEST(Containment, BailsSmallestBreachIsTheBridgeAboveAFailedStep) {
    const InvariantTally t = searchContainment(Policy::Bail, FaultClass::Step, 3, 3);
    ASSERT_TRUE(t.smallest);
    EXPECT_FALSE(t.harnessDisagrees);
    EXPECT_EQ(t.smallest->setup->topology.size(), 2U);
    EXPECT_EQ(opsOf(*t.smallest), (std::vector<std::string>{"preserve 0000:01:00.0",
                                                            "fail-next unpreserve 0000:01:00.0",
                                                            "unpreserve 0000:01:00.0"}));
}

// The search agrees with the proof within its bound: under continue no failed step breaches.
TEST(Containment, ContinueHasNoStepBreachWithinTheSearchBound) {
    std::uint64_t states = 0;
    EXPECT_EQ(searchContainment(Policy::Continue, FaultClass::Step, 4, 5, &states).violations, 0U);
    EXPECT_GT(states, 100U);
}

// Why a lost slot is not claimed, by hand (v6, capacity 3): R = 00:01.0 keeps the session alive,
// preserving E = 01:00.0 gives E slot 1 and its bridge B = 00:00.0 slot 2 (nr_devices 3). Lose B
// (slot 2 free, nr_devices stays 3); unpreserve E frees slot 1 (nr_devices 2), B's step refuses.
// Preserving E again probes from 2 mod 3: slot 2, under B's cached pointer, so B's step adds to
// E's slot: E counts 2 and is not the faulty device.
TEST(Containment, ALostSlotIsReusedUnderTheFaultyDevicesPointer) {
    const InvariantTally t = searchContainment(Policy::Continue, FaultClass::LostSlot, 3, 5);
    ASSERT_TRUE(t.smallest);
    const Counterexample &c = *t.smallest;
    EXPECT_FALSE(t.harnessDisagrees);
    EXPECT_EQ(opsOf(c), (std::vector<std::string>{"preserve 0000:00:01.0", "preserve 0000:01:00.0",
                                                  "lose 0000:00:00.0", "unpreserve 0000:01:00.0",
                                                  "preserve 0000:01:00.0"}));
    EXPECT_NE(c.why.find("01:00.0"), std::string::npos) << c.why;
}

} // namespace
} // namespace bridgepath
