// Throughput of the stateful harness (sequences/s on 64-device trees with 30 ops) and of the
// implementation against the reference model on the same operations.
//   build/bridgepath_bench --benchmark_min_time=1

#include "impl/PciLiveUpdate.h"
#include "model/ReferenceModel.h"
#include "properties/Generators.h"
#include "properties/PropertyCheck.h"

#include <benchmark/benchmark.h>

namespace bridgepath {
namespace {

// Machine-shaped trees of 60-68 devices, drawn from fixed seeds.
const std::vector<std::shared_ptr<const CaseSetup>> &cases64() {
    static const auto cases = [] {
        std::vector<std::shared_ptr<const CaseSetup>> out;
        for (std::uint64_t seed = 1; out.size() < 16; ++seed) {
            const ForestShape shape = genMachineShape()(rc::Random(seed), 100).value();
            if (deviceCount(shape) < 60 || deviceCount(shape) > 68)
                continue;
            auto setup = std::make_shared<CaseSetup>();
            setup->topology = buildTopology(shape);
            setup->config = LiveUpdateConfig{Policy::Bail, Abi::V6, setup->topology.size()};
            setup->kinds = {OpKind::Preserve,  OpKind::Unpreserve, OpKind::Kexec,    OpKind::Finish,
                            OpKind::FinishAll, OpKind::Freeze,     OpKind::FailNext, OpKind::Lose};
            setup->faults = {FaultClass::Step, FaultClass::LostSlot};
            out.push_back(std::move(setup));
        }
        return out;
    }();
    return cases;
}

// One sequence = generate 30 commands for the case (RapidCheck generators, the model's
// preconditions) and run them on impl and model, judging every invariant after every step.
void BM_StatefulHarness_64Devices_30Ops(benchmark::State &state) {
    const auto &cases = cases64();
    std::uint64_t seed = 0, kexecs = 0;
    for (auto _ : state) {
        const auto &setup = cases[seed % cases.size()];
        const std::vector<Op> ops = sampleSequence(++seed, setup, 30);
        Harness h(setup->topology, setup->config, allInvariants());
        for (const Op &op : ops)
            benchmark::DoNotOptimize(h.step(op));
        kexecs += h.coverage().kexecs;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.counters["sequences/s"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
    // Sequences are chains of Live Updates: how long the chains drawn are.
    state.counters["kexecs/sequence"] =
        static_cast<double>(kexecs) / static_cast<double>(std::max<std::uint64_t>(1, seed));
}
BENCHMARK(BM_StatefulHarness_64Devices_30Ops);

// The same, running only (sequences drawn beforehand): where the time goes.
void BM_HarnessRunOnly_64Devices_30Ops(benchmark::State &state) {
    const auto &cases = cases64();
    std::vector<std::vector<Op>> sequences;
    for (std::uint64_t seed = 1; seed <= 64; ++seed)
        sequences.push_back(sampleSequence(seed, cases[seed % cases.size()], 30));
    std::size_t i = 0;
    for (auto _ : state) {
        const auto &setup = cases[(i + 1) % cases.size()];
        Harness h(setup->topology, setup->config, allInvariants());
        for (const Op &op : sequences[i % sequences.size()])
            benchmark::DoNotOptimize(h.step(op));
        ++i;
    }
    state.counters["sequences/s"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_HarnessRunOnly_64Devices_30Ops);

// Impl vs model on the same preserve/unpreserve stream (baseline for the ratio).
template <class Machine> void preserveUnpreserve(benchmark::State &state) {
    const auto &setup = cases64().front();
    const Topology &t = setup->topology;
    std::vector<Op> ops;
    for (DeviceId d = 0; d < t.size(); ++d)
        if (!t.isBridge(d) && !t.isVf(d)) {
            Op p;
            p.kind = OpKind::Preserve;
            p.bdf = t.bdf(d);
            ops.push_back(p);
        }
    const std::size_t n = ops.size();
    for (std::size_t k = 0; k < n; ++k) {
        Op u = ops[k];
        u.kind = OpKind::Unpreserve;
        ops.push_back(u);
    }
    for (auto _ : state) {
        Machine m(t, setup->config);
        for (const Op &op : ops)
            benchmark::DoNotOptimize(m.apply(op));
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * ops.size()));
}
void BM_Impl_PreserveUnpreserve_64Devices(benchmark::State &s) {
    preserveUnpreserve<PciLiveUpdate>(s);
}
void BM_Model_PreserveUnpreserve_64Devices(benchmark::State &s) {
    preserveUnpreserve<ReferenceModel>(s);
}
BENCHMARK(BM_Impl_PreserveUnpreserve_64Devices);
BENCHMARK(BM_Model_PreserveUnpreserve_64Devices);

} // namespace
} // namespace bridgepath

BENCHMARK_MAIN();
