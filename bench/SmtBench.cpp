// Z3 proof times: induction against N (devices), bounded search against K (steps), and the
// review's leak found by bounded search; induction on one concrete tree against its size; the
// same induction decided by Z3 alone, cvc5 alone and both; the every-size proof by each solver.
//   build/bridgepath_bench --benchmark_filter='Induction|Bounded|ReviewLeak|Solver|EverySize'

#include "smt/BoundedSearch.h"
#include "smt/ContainmentProof.h"
#include "smt/DesignProof.h"
#include "smt/EverySizeProof.h"
#include "smt/InductionProof.h"
#include "topology/TopologyLoader.h"

#include <benchmark/benchmark.h>

namespace bridgepath {
namespace {

void BM_InductionFaultFree_AllTreesUpToN(benchmark::State &state) {
    InductionOptions o;
    o.maxDevices = static_cast<int>(state.range(0));
    o.maxDepth = o.maxDevices - 1;
    o.timeoutSeconds = 60; // beyond that the figure is "not reached", not a time
    for (auto _ : state) {
        const SmtOutcome r = proveByInduction(o);
        if (r.verdict != SmtVerdict::Proved)
            state.SkipWithError(r.detail.c_str());
    }
}
BENCHMARK(BM_InductionFaultFree_AllTreesUpToN)
    ->Arg(4)
    ->Arg(8)
    ->Arg(12)
    ->Arg(16)
    ->Arg(24)
    ->Arg(32)
    ->Unit(benchmark::kMillisecond);

void BM_BoundedSearchFaultFree_AllTreesUpTo4_KSteps(benchmark::State &state) {
    BoundedSearchOptions o;
    o.maxDevices = 4;
    o.maxDepth = 3;
    o.steps = static_cast<int>(state.range(0));
    o.invariants = {Invariant::Closure, Invariant::ExactCount,         Invariant::NrDevices,
                    Invariant::NoLeak,  Invariant::NoPrematureRelease, Invariant::NoPanicAtFinish};
    o.timeoutSeconds = 600;
    for (auto _ : state) {
        const SmtOutcome r = boundedSearch(o);
        if (r.verdict != SmtVerdict::Proved)
            state.SkipWithError(r.detail.c_str());
    }
}
BENCHMARK(BM_BoundedSearchFaultFree_AllTreesUpTo4_KSteps)
    ->DenseRange(2, 5, 1)
    ->Unit(benchmark::kMillisecond);

void BM_ReviewLeakFoundByBoundedSearch(benchmark::State &state) {
    BoundedSearchOptions o;
    o.topology = loadTopologyFile(std::string(BRIDGEPATH_SOURCE_DIR) +
                                  "/tests/topologies/review-rc-b1-b2-ep0-ep1.lspci-tv");
    o.steps = 5;
    o.setup.faults = {FaultClass::LostSlot};
    o.setup.endpointsOnly = true;
    o.setup.lostSlotBelowBridge = true;
    o.invariants = {Invariant::NoLeak};
    for (auto _ : state) {
        const SmtOutcome r = boundedSearch(o);
        if (r.verdict != SmtVerdict::Counterexample)
            state.SkipWithError("the review's leak was not found");
    }
}
BENCHMARK(BM_ReviewLeakFoundByBoundedSearch)->Unit(benchmark::kMillisecond);

// Induction on a real tree (any length of sequence): 5, 16 and 48 devices.
void BM_InductionFaultFree_ConcreteTree(benchmark::State &state) {
    static const char *const trees[] = {"review-rc-b1-b2-ep0-ep1.lspci-tv",
                                        "grid-k1-m60-onboard-pex-switches-two-roots.lspci-t",
                                        "supermicro-x9drg-8x-rtx2080ti-pex8747-abridged.lspci-t"};
    InductionOptions o;
    o.topology = loadTopologyFile(std::string(BRIDGEPATH_SOURCE_DIR) + "/tests/topologies/" +
                                  trees[state.range(0)]);
    o.timeoutSeconds = 600;
    for (auto _ : state) {
        const SmtOutcome r = proveByInduction(o);
        if (r.verdict != SmtVerdict::Proved)
            state.SkipWithError(r.detail.c_str());
    }
    state.counters["devices"] = static_cast<double>(o.topology->size());
}
BENCHMARK(BM_InductionFaultFree_ConcreteTree)
    ->DenseRange(0, 2, 1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

// The same proof (every tree of at most 5 devices) decided by z3 (0), cvc5 (1) or both (2).
void BM_SolverInductionUpTo5(benchmark::State &state) {
    InductionOptions o;
    o.maxDevices = 5;
    o.maxDepth = 4;
    o.timeoutSeconds = 600;
    o.solver = static_cast<SolverChoice>(state.range(0));
    state.SetLabel(toString(o.solver));
    for (auto _ : state) {
        const SmtOutcome r = proveByInduction(o);
        if (r.verdict != SmtVerdict::Proved)
            state.SkipWithError(r.detail.c_str());
    }
}
BENCHMARK(BM_SolverInductionUpTo5)->DenseRange(0, 2, 1)->Unit(benchmark::kMillisecond);

// The fault-free invariants for every tree of every size, decided by z3 (0), cvc5 (1) or both
// (2): against BM_SolverInductionUpTo5, the same invariants for trees of at most 5 devices.
void BM_EverySizeProof(benchmark::State &state) {
    EverySizeOptions o;
    o.solver = static_cast<SolverChoice>(state.range(0));
    state.SetLabel(toString(o.solver));
    for (auto _ : state) {
        const SmtOutcome r = proveEverySize(o);
        if (r.verdict != SmtVerdict::Proved)
            state.SkipWithError(r.detail.c_str());
    }
}
BENCHMARK(BM_EverySizeProof)->DenseRange(0, 2, 1)->Unit(benchmark::kMillisecond);

// Containment of one failed walk step under continue (v6, Z3) for every tree of at most N
// devices, against the fault-free induction at the same N (BM_InductionFaultFree).
void BM_ContainmentProof(benchmark::State &state) {
    ContainmentOptions o;
    o.maxDevices = static_cast<int>(state.range(0));
    o.maxDepth = o.maxDevices - 1;
    for (auto _ : state) {
        const SmtOutcome r = proveContainment(o);
        if (r.verdict != SmtVerdict::Proved)
            state.SkipWithError(r.detail.c_str());
    }
}
BENCHMARK(BM_ContainmentProof)->Arg(4)->Arg(8)->Arg(12)->Arg(16)->Unit(benchmark::kMillisecond);

// The best design's claims under one failed walk step (v7, Z3) for every tree of at most N
// devices: no-crash, no-premature-release, no-leak-after-release, containment.
void BM_DesignProof(benchmark::State &state) {
    DesignProofOptions o;
    o.design = Design{Policy::Continue, DirectRecord::Checked, ReleaseCheck::WarnClearAndFree,
                      EndOfUpdate::HeldForever};
    o.maxDevices = static_cast<int>(state.range(0));
    o.fault = FaultClass::Step;
    for (auto _ : state)
        for (const ClaimProof &c : proveDesign(o))
            if (c.outcome.verdict != SmtVerdict::Proved)
                state.SkipWithError(c.outcome.detail.c_str());
}
BENCHMARK(BM_DesignProof)->Arg(4)->Arg(6)->Arg(8)->Arg(10)->Arg(12)->Unit(benchmark::kMillisecond);

} // namespace
} // namespace bridgepath
