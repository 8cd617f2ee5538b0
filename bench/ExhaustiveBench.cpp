// Exhaustive small-scope search: distinct states per second, and how the time grows with N
// (devices) and K (operations per sequence).
//   build/bridgepath_bench --benchmark_filter=Exhaustive

#include "exhaustive/ExhaustiveSearch.h"

#include <benchmark/benchmark.h>

namespace bridgepath {
namespace {

void run(benchmark::State &state, ExhaustiveOptions o) {
    o.invariants = allInvariants();
    ExhaustiveResult r;
    for (auto _ : state)
        r = runExhaustive(o);
    state.counters["trees"] = static_cast<double>(r.trees);
    state.counters["distinct_states"] = static_cast<double>(r.distinctStates);
    state.counters["states_generated"] = static_cast<double>(r.statesGenerated);
    state.counters["sequences"] = static_cast<double>(r.sequences);
    state.counters["states_per_s"] = benchmark::Counter(
        static_cast<double>(r.distinctStates) * state.iterations(), benchmark::Counter::kIsRate);
    std::uint64_t violations = 0;
    for (const InvariantTally &t : r.tallies)
        violations += t.violations;
    if (o.faults.empty() && violations != 0)
        state.SkipWithError("a fault-free run found a violation");
}

/// Fault-free, every forest of at most N devices, sequences of at most K ops, one thread.
void BM_Exhaustive_FaultFree_N_K(benchmark::State &state) {
    ExhaustiveOptions o;
    o.maxDevices = static_cast<std::size_t>(state.range(0));
    o.maxOps = static_cast<std::size_t>(state.range(1));
    run(state, o);
}
BENCHMARK(BM_Exhaustive_FaultFree_N_K)
    ->ArgsProduct({{3, 4, 5, 6, 7}, {4, 6, 8}})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime(); // the search runs on worker threads: CPU time of this thread is not its cost

/// The Spin comparison: every tree shape up to 6 devices, fault-free, up to 8 ops; 1 and 2
/// threads, with and without symmetry reduction (Spin stores every state).
void BM_Exhaustive_SpinWorkload_Threads_Symmetry(benchmark::State &state) {
    ExhaustiveOptions o;
    o.maxDevices = 6;
    o.maxOps = 8;
    o.threads = static_cast<unsigned>(state.range(0));
    o.symmetry = state.range(1) != 0;
    run(state, o);
}
BENCHMARK(BM_Exhaustive_SpinWorkload_Threads_Symmetry)
    ->ArgsProduct({{1, 2}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();

/// Every single fail-nth placement: forests of at most N devices, at most 6 ops over at most 3
/// endpoints, two threads.
void BM_Exhaustive_StepFaults_N(benchmark::State &state) {
    ExhaustiveOptions o;
    o.maxDevices = static_cast<std::size_t>(state.range(0));
    o.maxOps = 6;
    o.endpoints = 3;
    o.faults = {FaultClass::Step};
    o.threads = 2;
    run(state, o);
}
BENCHMARK(BM_Exhaustive_StepFaults_N)
    ->DenseRange(4, 7)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();

/// Chains of Live Updates: forests of at most N devices, fault-free, at most 6 ops, over a chain
/// of G kexecs (G = 1: the single Live Update), two threads.
void BM_Exhaustive_Generations_N_G(benchmark::State &state) {
    ExhaustiveOptions o;
    o.maxDevices = static_cast<std::size_t>(state.range(0));
    o.maxOps = 6;
    o.generations = static_cast<unsigned>(state.range(1));
    o.threads = 2;
    run(state, o);
}
BENCHMARK(BM_Exhaustive_Generations_N_G)
    ->ArgsProduct({{3, 4, 5}, {1, 2, 3}})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();

} // namespace
} // namespace bridgepath
