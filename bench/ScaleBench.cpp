// Scale: the implementation, the reference model and a bare refcount loop on machine-shaped trees
// of 1,000 / 10,000 / 100,000 functions, and importing plus checking a 10,000-function tree.
//   build/bridgepath_bench --benchmark_filter='Impl_Preserve|Model_Preserve|BareLoop|Import'

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

int pick(std::mt19937 &rng, int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
}

DeviceShape endpoint(std::vector<bool> functions) {
    DeviceShape d;
    d.functions = std::move(functions);
    return d;
}

DeviceShape bridge(std::vector<DeviceShape> children) {
    DeviceShape d;
    d.bridge = true;
    d.children = std::move(children);
    return d;
}

/// What sits on the secondary bus of a root or downstream port.
std::vector<DeviceShape> portBus(std::mt19937 &rng) {
    const int r = pick(rng, 0, 99);
    if (r < 30) {
        // An SR-IOV NIC with its VFs on the same bus (ARI): each device number a PF and 7 VFs.
        static const int sizes[] = {1, 1, 2, 4, 4, 8, 16, 32};
        const int n = sizes[pick(rng, 0, 7)];
        std::vector<bool> fns(8, true);
        fns[0] = false;
        return std::vector<DeviceShape>(static_cast<std::size_t>(n), endpoint(fns));
    }
    if (r < 40) {
        // Dual-port SR-IOV NIC: two PFs, six VFs per device number.
        const int n = pick(rng, 1, 8);
        return std::vector<DeviceShape>(
            static_cast<std::size_t>(n),
            endpoint({false, false, true, true, true, true, true, true}));
    }
    if (r < 65)
        return {endpoint({false})}; // NVMe
    if (r < 80)
        return {endpoint(std::vector<bool>(static_cast<std::size_t>(pick(rng, 2, 8)), false))};
    if (r < 90)
        return std::vector<DeviceShape>(static_cast<std::size_t>(pick(rng, 2, 4)),
                                        endpoint({false}));
    return {}; // empty slot
}

/// A PCIe switch: the upstream port bridge, its downstream port bridges, what sits below them.
DeviceShape pcieSwitch(std::mt19937 &rng, int level) {
    std::vector<DeviceShape> downstream;
    const int ports = level == 1 ? pick(rng, 2, 8) : pick(rng, 2, 4);
    for (int p = 0; p < ports; ++p) {
        if (level == 1 && pick(rng, 0, 99) < 15)
            downstream.push_back(bridge({pcieSwitch(rng, 2)}));
        else
            downstream.push_back(bridge(portBus(rng)));
    }
    return bridge(std::move(downstream));
}

DeviceShape rootPort(std::mt19937 &rng) {
    const int r = pick(rng, 0, 99);
    if (r < 45)
        return bridge({pcieSwitch(rng, 1)});
    if (r < 88)
        return bridge(portBus(rng));
    return bridge({}); // empty hotplug slot
}

std::size_t functionCount(const DeviceShape &d) {
    if (!d.bridge)
        return d.functions.size();
    std::size_t n = 1 + d.chain;
    for (const DeviceShape &c : d.children)
        n += functionCount(c);
    return n;
}

unsigned busCount(const DeviceShape &d) {
    if (!d.bridge)
        return 0;
    unsigned n = 1u + d.chain;
    for (const DeviceShape &c : d.children)
        n += busCount(c);
    return n;
}

/// A machine of about `target` PCI functions: domains of four root buses, each with a host
/// bridge and root ports leading to switches (one or two levels), SR-IOV and multifunction
/// endpoints and empty slots. Deterministic (fixed-seed std::mt19937).
ForestShape machineShape(std::size_t target) {
    std::mt19937 rng(0x5ca1e);
    ForestShape f;
    std::size_t count = 0;
    // A root bus of a four-root domain owns 64 bus numbers: itself and 63 secondary buses.
    unsigned busesLeft = 0;
    std::vector<DeviceShape> *rootBus = nullptr;
    const auto newRootBus = [&] {
        if (f.domains.empty() || f.domains.back().size() == 4)
            f.domains.emplace_back();
        f.domains.back().emplace_back();
        rootBus = &f.domains.back().back().devices;
        busesLeft = 63;
        rootBus->push_back(endpoint({false})); // host bridge
        count += 1;
        if (f.domains.back().size() == 1) {
            rootBus->push_back(endpoint({false, false, false, false})); // chipset functions
            count += 4;
        }
    };
    while (count < target) {
        DeviceShape port = rootPort(rng);
        // Near the target only small ports, so the total lands within a few percent of it.
        if (count + functionCount(port) > target + target / 20)
            port = bridge(
                {endpoint(std::vector<bool>(std::min<std::size_t>(8, target - count), false))});
        if (!rootBus || busCount(port) > busesLeft || rootBus->size() >= 18)
            newRootBus();
        busesLeft -= busCount(port);
        count += functionCount(port);
        rootBus->push_back(std::move(port));
    }
    return f;
}

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
    const ForestShape shape = machineShape(target);
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

/// The 10,000-function tree as `lspci -tv` text.
// -tv, not -t: the names carry the VF flags, which plain -t drops, so the parsed tree is the
// benchmark's tree.
const std::string &lspciText10k() {
    static const std::string text = renderLspci(workload(10000).topology, true);
    return text;
}

/// parseLspci of the 10,000-function tree.
void BM_Import_10kFunctions(benchmark::State &state) {
    const std::string &text = lspciText10k();
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
/// faults, all invariants, 200 cases, seed 1); trace files and the report are not included.
void BM_ImportAndCheck_10kFunctions(benchmark::State &state) {
    const std::string &text = lspciText10k();
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
    state.counters["devices"] = static_cast<double>(workload(10000).topology.size());
    state.counters["invariants_failed"] = static_cast<double>(failed);
}
// One iteration: on 10,000 functions the check takes minutes, not the 2 s it is meant to.
BENCHMARK(BM_ImportAndCheck_10kFunctions)->Iterations(1)->Unit(benchmark::kMillisecond);

} // namespace
} // namespace bridgepath
