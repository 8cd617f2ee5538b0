// The fail-nth sweep on long traces: the merged sweep (sweepFaultSites) against running every
// faulted sequence alone (sweepEachSiteAlone, the definition), in one run.
//   build/bridgepath_bench --benchmark_filter=Sweep

#include "properties/FailNthSweep.h"
#include "properties/PropertyCheck.h"
#include "topology/TopologyLoader.h"

#include <benchmark/benchmark.h>

namespace bridgepath {
namespace {

// A real desktop tree and correct use over a chain of Live Updates as long as the trace: the trace
// a user sweeps (the sweep adds the faults).
std::shared_ptr<const CaseSetup> sweepSetup(Policy policy) {
    auto setup = std::make_shared<CaseSetup>();
    setup->topology = loadTopologyFile(std::string(BRIDGEPATH_SOURCE_DIR) +
                                       "/tests/topologies/msi-x99s-xeon-e5v3-fiji-hawaii.lspci-tv");
    setup->config = LiveUpdateConfig{policy, Abi::V7, setup->topology.size()};
    setup->kinds = {OpKind::Preserve, OpKind::Unpreserve, OpKind::Kexec, OpKind::Finish,
                    OpKind::FinishAll};
    setup->generations = 100000;
    return setup;
}

template <SweepResult (*Sweep)(const Topology &, const LiveUpdateConfig &, const std::vector<Op> &)>
void sweep(benchmark::State &state) {
    const auto setup = sweepSetup(static_cast<Policy>(state.range(1)));
    const std::vector<Op> ops = sampleSequence(7, setup, static_cast<std::size_t>(state.range(0)));
    SweepResult r;
    for (auto _ : state)
        benchmark::DoNotOptimize(r = Sweep(setup->topology, setup->config, ops));
    state.counters["sites"] = static_cast<double>(r.sites.size());
    state.counters["steps/site"] = static_cast<double>(r.stats.steps) /
                                   static_cast<double>(std::max<std::size_t>(1, r.sites.size()));
}

void BM_Sweep_Merged(benchmark::State &state) {
    sweep<sweepFaultSites>(state);
}
void BM_Sweep_Alone(benchmark::State &state) {
    sweep<sweepEachSiteAlone>(state);
}

BENCHMARK(BM_Sweep_Merged)
    ->ArgsProduct({{125, 250, 500, 1000, 2000}, {0, 1}})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Sweep_Alone)
    ->ArgsProduct({{125, 250, 500, 1000}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

} // namespace
} // namespace bridgepath
