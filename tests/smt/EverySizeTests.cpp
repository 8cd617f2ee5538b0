// The every-size proof: the fault-free invariants for trees of every size, decided by both solvers;
// the mutants come back as counterexamples (or unknown where bounded search cannot reach them),
// never as proofs.

#include "smt/EverySizeProof.h"

#include <gtest/gtest.h>

namespace bridgepath {
namespace {

// The obligations, counted by hand from EverySizeProof.cpp: 1 (the axioms admit a bridge with a
// device below) + 5 (the walk lemma) + 12 (initiation, one per invariant conjunct) + 12 per
// operation kind (preserve, unpreserve, kexec, finish, finish-all, no change: 72) + 5 (what else a
// step shows: no walk step refuses in preserve, unpreserve and finish; unpreserve's release finds
// every refcount 0 and no slot in use) + 8 (implied: a device in use has a direct one below,
// closure, exact-count, nr-devices, no-leak, no-premature-release, no-panic-at-finish, no-crash)
// = 103.
constexpr const char *kObligations = "103 obligations";

EverySizeOptions options(Abi abi) {
    EverySizeOptions o;
    o.setup.abi = abi;
    o.timeoutSeconds = 300;
    return o;
}

// A mutant's failing query is never decided; a short share sends it to bounded search sooner.
EverySizeOptions mutantOptions(Abi abi) {
    EverySizeOptions o = options(abi);
    o.setup.mutantSkipRoot = true;
    o.queryShareSeconds = 3;
    return o;
}

TEST(EverySize, EveryFaultFreeInvariantHoldsForEveryTreeOfEverySizeUnderBothAbis) {
    for (Abi abi : {Abi::V6, Abi::V7}) {
        EverySizeOptions o = options(abi);
        o.solver = cvc5Binary() ? SolverChoice::Both : SolverChoice::Z3;
        const SmtOutcome r = proveEverySize(o);
        EXPECT_EQ(r.verdict, SmtVerdict::Proved) << toString(abi) << ": " << r.detail;
        EXPECT_EQ(r.method, "every-size");
        EXPECT_NE(r.detail.find(kObligations), std::string::npos) << r.detail;
        EXPECT_FALSE(r.counterexample);
    }
}

TEST(EverySize, EveryPolicyIsProvedAlikeBecauseNoWalkStepRefuses) {
    for (Policy p : {Policy::Bail, Policy::Continue, Policy::Guarded}) {
        EverySizeOptions o = options(Abi::V6);
        o.setup.policy = p;
        EXPECT_EQ(proveEverySize(o).verdict, SmtVerdict::Proved) << toString(p);
    }
}

// An unpreserve that skips the device on the root bus leaves that device's refcount one too high:
// a counterexample with a trace, which the real code does not reproduce. Smallest by hand: one
// device, preserve and unpreserve it. v6: the release finds nr_devices 1 and BUG_ONs (no-crash,
// exact-count); v7 frees the table under the device's slot, which is left dangling (no-leak).
TEST(EverySize, TheSkipRootMutantIsACounterexampleNeverAProof) {
    for (Abi abi : {Abi::V6, Abi::V7}) {
        EverySizeOptions o = mutantOptions(abi);
        const SmtOutcome r = proveEverySize(o);
        ASSERT_EQ(r.verdict, SmtVerdict::Counterexample) << toString(abi) << ": " << r.detail;
        ASSERT_TRUE(r.counterexample);
        EXPECT_EQ(r.counterexample->topology.size(), 1u);
        EXPECT_EQ(r.counterexample->ops.size(), 2u);
        EXPECT_FALSE(r.counterexample->replayAgrees) << "the real code walks every device";
        EXPECT_NE(r.detail.find("unpreserve keeping refcount-is-ideal is not proved"),
                  std::string::npos)
            << r.detail;
    }
}

// The mutant below 3 bridges needs a device with 3 bridges above it (4 devices), which the
// fallback's bounded search over trees of at most 4 devices reaches; below 4 bridges it needs 5
// devices, out of that search's reach: unknown, never proved.
TEST(EverySize, ADeepOnlyMutantIsCaughtWhereBoundedSearchReachesItAndUnknownBeyond) {
    EverySizeOptions o = mutantOptions(Abi::V6);
    o.setup.mutantFromDepth = 3;
    o.reachabilitySteps = 2; // preserve the deep device, unpreserve it
    const SmtOutcome caught = proveEverySize(o);
    ASSERT_EQ(caught.verdict, SmtVerdict::Counterexample) << caught.detail;
    EXPECT_EQ(caught.counterexample->topology.size(), 4u);
    o.setup.mutantFromDepth = 4;
    const SmtOutcome beyond = proveEverySize(o);
    EXPECT_EQ(beyond.verdict, SmtVerdict::Unknown) << beyond.detail;
    EXPECT_NE(beyond.detail.find("not a counterexample"), std::string::npos) << beyond.detail;
}

TEST(EverySize, FaultsAndATimeoutAreUnknownNeverProved) {
    EverySizeOptions o = options(Abi::V6);
    o.setup.faults = {FaultClass::Step};
    EXPECT_EQ(proveEverySize(o).verdict, SmtVerdict::Unknown);
    o.setup.faults.clear();
    o.timeoutSeconds = 1e-6;
    const SmtOutcome r = proveEverySize(o);
    EXPECT_EQ(r.verdict, SmtVerdict::Unknown) << r.detail;
    EXPECT_NE(r.detail.find("out of time"), std::string::npos) << r.detail;
}

} // namespace
} // namespace bridgepath
