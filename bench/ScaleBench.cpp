// Scale: the implementation, the reference model and a bare refcount loop on machine-shaped trees
// of 1,000 / 10,000 / 100,000 functions, and importing plus checking a 10,000- and a
// 100,000-function tree.
//   build/bridgepath_bench --benchmark_filter='Impl_Preserve|Model_Preserve|BareLoop|Import'

#include "bench/MachineTree.h"
#include "impl/PciLiveUpdate.h"
#include "model/ReferenceModel.h"
#include "properties/PropertyCheck.h"
#include "properties/TreeShape.h"
#include "topology/LspciParser.h"
#include "topology/LspciRenderer.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

namespace bridgepath {
namespace {

/// One preserve or unpreserve of the stream.
struct Step {
    DeviceId dev;
    bool preserve;
};

/// A tree, its config, and a preserve/unpreserve stream over its non-VF endpoints that ends
/// with nothing preserved (so one object runs it again and again).
struct Workload {
    std::string error; ///< set if the tree or the stream is not what the benchmark claims
    Topology topology;
    LiveUpdateConfig config;
    std::vector<Step> steps;
    std::vector<Op> ops;       ///< the same stream as Ops, for the model
    std::size_t pathSteps = 0; ///< devices walked by the whole stream
    std::size_t endpoints = 0;
};

constexpr std::size_t kHeld = 64;        // preserved at once: bridges get shared refcounts
constexpr std::size_t kPreserves = 8192; // per stream; as many unpreserves follow

std::unique_ptr<Workload> makeWorkload(std::size_t target) {
    auto w = std::make_unique<Workload>();
    const ForestShape shape = bench::machineShape(target);
    w->topology = buildTopology(shape);
    const Topology &t = w->topology;
    if (t.size() != deviceCount(shape))
        w->error = "buildTopology dropped devices of the shape";
    else if (t.size() * 10 < target * 9 || t.size() * 10 > target * 11)
        w->error = "tree has " + std::to_string(t.size()) + " devices, not within 10% of " +
                   std::to_string(target);
    w->config = LiveUpdateConfig{Policy::Bail, Abi::V6, t.size()};

    std::vector<DeviceId> candidates;
    for (DeviceId d = 0; d < t.size(); ++d)
        if (!t.isBridge(d) && !t.isVf(d))
            candidates.push_back(d);
    w->endpoints = candidates.size();
    if (candidates.size() < 2 * kHeld) {
        w->error = "too few endpoints";
        return w;
    }
    std::mt19937 rng(0xb41d9e);
    std::uniform_int_distribution<std::size_t> any(0, candidates.size() - 1);
    std::deque<DeviceId> held;
    std::unordered_set<DeviceId> isHeld;
    const auto add = [&](DeviceId d, bool preserve) {
        w->steps.push_back({d, preserve});
        Op op;
        op.kind = preserve ? OpKind::Preserve : OpKind::Unpreserve;
        op.bdf = t.bdf(d);
        w->ops.push_back(op);
        w->pathSteps += t.upstreamPath(d).size();
    };
    for (std::size_t i = 0; i < kPreserves; ++i) {
        // A held endpoint would answer -EBUSY; draw again.
        DeviceId d = candidates[any(rng)];
        while (isHeld.count(d))
            d = candidates[any(rng)];
        add(d, true);
        held.push_back(d);
        isHeld.insert(d);
        if (held.size() == kHeld) {
            add(held.front(), false);
            isHeld.erase(held.front());
            held.pop_front();
        }
    }
    for (DeviceId d : held)
        add(d, false);
    return w;
}

const Workload &workload(std::size_t target) {
    static std::map<std::size_t, std::unique_ptr<Workload>> cache;
    auto &w = cache[target];
    if (!w)
        w = makeWorkload(target);
    return *w;
}

double threadCpuNs() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

void reportCounters(benchmark::State &state, const Workload &w, double cpuNs) {
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * w.steps.size()));
    // Timed here rather than as an inverted rate counter: the console prints those with a seconds
    // unit, and this way the value is nanoseconds in the console, JSON and CSV alike.
    state.counters["ns_per_step"] =
        cpuNs / (static_cast<double>(state.iterations()) * static_cast<double>(w.pathSteps));
    state.counters["devices"] = static_cast<double>(w.topology.size());
    state.counters["steps_per_op"] =
        static_cast<double>(w.pathSteps) / static_cast<double>(w.steps.size());
}

/// PciLiveUpdate::preserve/unpreserve by DeviceId over the stream (64 held at once).
void BM_Impl_PreserveUnpreserve(benchmark::State &state) {
    const Workload &w = workload(static_cast<std::size_t>(state.range(0)));
    if (!w.error.empty()) {
        state.SkipWithError(w.error.c_str());
        return;
    }
    PciLiveUpdate impl(w.topology, w.config);
    std::size_t failed = 0;
    const double start = threadCpuNs();
    for (auto _ : state)
        for (const Step &s : w.steps)
            failed += (s.preserve ? impl.preserve(s.dev) : impl.unpreserve(s.dev)) != Result::Ok;
    const double cpuNs = threadCpuNs() - start;
    if (failed)
        state.SkipWithError("an operation of the stream did not return ok");
    reportCounters(state, w, cpuNs);
}
BENCHMARK(BM_Impl_PreserveUnpreserve)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMicrosecond);

/// ReferenceModel::apply over the same stream as Ops (its only entry point; built beforehand).
void BM_Model_PreserveUnpreserve(benchmark::State &state) {
    const Workload &w = workload(static_cast<std::size_t>(state.range(0)));
    if (!w.error.empty()) {
        state.SkipWithError(w.error.c_str());
        return;
    }
    ReferenceModel model(w.topology, w.config);
    std::size_t failed = 0;
    const double start = threadCpuNs();
    for (auto _ : state)
        for (const Op &op : w.ops)
            failed += model.apply(op) != Result::Ok;
    const double cpuNs = threadCpuNs() - start;
    if (failed)
        state.SkipWithError("an operation of the stream did not return ok");
    reportCounters(state, w, cpuNs);
}
BENCHMARK(BM_Model_PreserveUnpreserve)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMicrosecond);

/// The limit: ++/-- a u16 per device up a flat parent array; no slots, no checks.
void BM_BareLoop_PreserveUnpreserve(benchmark::State &state) {
    const Workload &w = workload(static_cast<std::size_t>(state.range(0)));
    if (!w.error.empty()) {
        state.SkipWithError(w.error.c_str());
        return;
    }
    const Topology &t = w.topology;
    std::vector<std::uint32_t> parent(t.size(), UINT32_MAX);
    for (DeviceId d = 0; d < t.size(); ++d)
        if (auto p = t.parent(d))
            parent[d] = static_cast<std::uint32_t>(*p);
    std::vector<std::uint16_t> count(t.size(), 0);
    benchmark::DoNotOptimize(count.data());
    const double start = threadCpuNs();
    for (auto _ : state) {
        for (const Step &s : w.steps) {
            if (s.preserve)
                for (auto d = static_cast<std::uint32_t>(s.dev); d != UINT32_MAX; d = parent[d])
                    ++count[d];
            else
                for (auto d = static_cast<std::uint32_t>(s.dev); d != UINT32_MAX; d = parent[d])
                    --count[d];
            benchmark::ClobberMemory();
        }
    }
    const double cpuNs = threadCpuNs() - start;
    if (std::any_of(count.begin(), count.end(), [](std::uint16_t c) { return c != 0; }))
        state.SkipWithError("the stream did not end with every count at zero");
    reportCounters(state, w, cpuNs);
}
BENCHMARK(BM_BareLoop_PreserveUnpreserve)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMicrosecond);

/// The machine tree of `functions` functions as `lspci -tv` text (bridgepath_machine_tree's).
// -tv, not -t: the names carry the VF flags, which plain -t drops, so the parsed tree is the
// benchmark's tree.
const std::string &lspciText(std::size_t functions) {
    static std::map<std::size_t, std::string> texts;
    std::string &text = texts[functions];
    if (text.empty())
        text = renderLspci(workload(functions).topology, true);
    return text;
}

/// parseLspci of the 10,000-function tree.
void BM_Import_10kFunctions(benchmark::State &state) {
    const std::string &text = lspciText(10000);
    if (parseLspci(text, "bench.lspci") != workload(10000).topology) {
        state.SkipWithError("the parsed tree differs from the rendered one");
        return;
    }
    for (auto _ : state)
        benchmark::DoNotOptimize(parseLspci(text, "bench.lspci"));
    state.counters["devices"] = static_cast<double>(workload(10000).topology.size());
    state.counters["bytes"] = static_cast<double>(text.size());
}
BENCHMARK(BM_Import_10kFunctions)->Unit(benchmark::kMillisecond);

/// parseLspci plus runChecks with `bridgepath check --topology FILE`'s defaults (bail, v6, all
/// faults, all invariants, 200 cases, seed 1) on the machine tree of range(0) functions; trace
/// files and the report are not included.
void BM_ImportAndCheck(benchmark::State &state) {
    const auto functions = static_cast<std::size_t>(state.range(0));
    const std::string &text = lspciText(functions);
    std::string bad;
    const auto faults = parseFaultClasses("all", &bad);
    std::size_t failed = 0;
    for (auto _ : state) {
        CheckOptions o;
        o.faults = *faults;
        o.invariants = allInvariants();
        o.topology = parseLspci(text, "bench.lspci");
        // As the CLI does: RapidCheck's configuration line on std::cerr is not output.
        std::ostringstream rapidcheckNoise;
        std::streambuf *err = std::cerr.rdbuf(rapidcheckNoise.rdbuf());
        const std::vector<InvariantResult> results = runChecks(o);
        std::cerr.rdbuf(err);
        // Nor its exit-time "reproduce with RC_PARAMS" note (check reproduces with --seed): this
        // handler is registered after RapidCheck's, so it runs before it.
        static const int silenced = std::atexit([] { std::cerr.setstate(std::ios::badbit); });
        benchmark::DoNotOptimize(silenced);
        failed = 0;
        for (const InvariantResult &r : results)
            failed += r.pass ? 0 : 1;
    }
    state.counters["devices"] = static_cast<double>(workload(functions).topology.size());
    state.counters["invariants_failed"] = static_cast<double>(failed);
}
BENCHMARK(BM_ImportAndCheck)->Arg(10000)->Arg(100000)->Iterations(3)->Unit(benchmark::kMillisecond);

} // namespace
} // namespace bridgepath
