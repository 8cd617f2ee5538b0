#include "exhaustive/ExhaustiveSearch.h"

#include "exhaustive/internal/Replay.h"
#include "exhaustive/internal/Searcher.h"
#include "exhaustive/internal/TreeContext.h"
#include "topology/Contract.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <thread>
#include <tuple>
#include <utility>

namespace bridgepath {

namespace {

using exhaustive::confirm;
using exhaustive::Found;
using exhaustive::ItemResult;

// One work item: a forest and the v6 capacity it is searched with (0 for v7).
struct Item {
    std::size_t devices = 0;
    std::size_t tree = 0;   // index among the forests of that size
    std::size_t treeId = 0; // global tree number
    std::size_t capacity = 0;
};

} // namespace

void applyDesign(ExhaustiveOptions &o, const Design &d) {
    o.policy = d.walk;
    o.directRecord = d.record;
    o.releaseCheck = d.release;
    o.endOfUpdate = d.end;
}

LiveUpdateConfig searchConfig(const ExhaustiveOptions &o, std::size_t capacity) {
    LiveUpdateConfig c{o.policy, o.abi, capacity};
    c.directRecord = o.directRecord;
    c.releaseCheck = o.releaseCheck;
    c.endOfUpdate = o.endOfUpdate;
    return c;
}

ExhaustiveResult runExhaustive(const ExhaustiveOptions &o, const ExhaustiveProgress &progress) {
    BP_REQUIRE(o.minDevices >= 1 && o.minDevices <= o.maxDevices && o.maxDevices <= 16 &&
                   o.generations >= 1,
               "1 <= minDevices <= maxDevices <= 16 and at least one generation");
    const auto start = std::chrono::steady_clock::now();
    const TreeEnumerator trees(TreeFamily::Pci, o.maxDevices);
    std::vector<std::vector<ForestShape>> forests(o.maxDevices + 1);
    std::vector<Item> items;
    ExhaustiveResult result;
    std::size_t treeId = 0;
    for (std::size_t n = o.minDevices; n <= o.maxDevices; ++n) {
        forests[n] = trees.forests(n);
        if (!o.forests.empty()) { // the given ones of this size only
            forests[n].clear();
            for (const ForestShape &f : o.forests)
                if (deviceCount(f) == n)
                    forests[n].push_back(f);
        }
        result.trees += forests[n].size();
        for (std::size_t i = 0; i < forests[n].size(); ++i, ++treeId) {
            if (o.abi == Abi::V6 && o.faults.count(FaultClass::Alloc))
                for (std::size_t cap = 1; cap <= n; ++cap)
                    items.push_back(Item{n, i, treeId, cap});
            else
                items.push_back(Item{n, i, treeId, o.abi == Abi::V6 ? n : 0});
        }
    }

    std::vector<ItemResult> results(items.size());
    std::atomic<std::size_t> nextItem{0}, doneItems{0};
    std::atomic<std::uint64_t> generated{0};
    std::atomic<std::size_t> firstViolating{SIZE_MAX};
    auto worker = [&] {
        for (;;) {
            const std::size_t i = nextItem.fetch_add(1);
            if (i >= items.size() || (o.stopAtFirst && i > firstViolating.load()))
                return;
            const Item &it = items[i];
            const exhaustive::TreeContext c = exhaustive::prepare(forests[it.devices][it.tree]);
            const LiveUpdateConfig config = searchConfig(o, it.capacity);
            results[i] = exhaustive::Searcher(c, config, o).run();
            generated += results[i].generated;
            ++doneItems;
            bool violated = false;
            for (const Found &f : results[i].invariants)
                violated = violated || f.has;
            if (violated) {
                std::size_t seen = firstViolating.load();
                while (i < seen && !firstViolating.compare_exchange_weak(seen, i)) {
                }
            }
        }
    };
    const unsigned threads = std::max(1u, o.threads);
    std::atomic<unsigned> finished{0};
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
        pool.emplace_back([&] {
            worker();
            ++finished;
        });
    while (progress && finished.load() < threads) {
        progress(doneItems.load(), items.size(), generated.load());
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    for (std::thread &t : pool)
        t.join();
    if (progress)
        progress(doneItems.load(), items.size(), generated.load());

    // Merge in item order (up to the first violating item when stopping early), so the thread
    // count never changes what is reported.
    const std::size_t end = o.stopAtFirst && firstViolating.load() != SIZE_MAX
                                ? firstViolating.load() + 1
                                : items.size();
    result.stoppedEarly = end < items.size();
    result.threads = threads;
    result.tallies.resize(o.invariants.size());
    for (std::size_t k = 0; k < o.invariants.size(); ++k)
        result.tallies[k].invariant = o.invariants[k];
    for (std::size_t k = 0; k < kOutcomeCount; ++k)
        result.outcomes[k].outcome = static_cast<Outcome>(k);
    // The smallest example of each check: fewest devices, then fewest operations, then item order.
    std::vector<std::pair<std::size_t, const Found *>> bestInv(o.invariants.size(), {0, nullptr});
    std::array<std::pair<std::size_t, const Found *>, kOutcomeCount> bestOut{};
    std::pair<std::size_t, const Found *> bestBoth{0, nullptr};
    auto better = [&](std::size_t i, const Found &f,
                      const std::pair<std::size_t, const Found *> &b) {
        if (!f.has)
            return false;
        if (!b.second)
            return true;
        const auto key = [&](std::size_t item, const Found &x) {
            return std::make_tuple(items[item].devices, x.depth, item);
        };
        return key(i, f) < key(b.first, *b.second);
    };
    std::set<std::size_t> searchedTrees;
    for (std::size_t i = 0; i < end; ++i) {
        const ItemResult &r = results[i];
        BP_REQUIRE(r.done, "every search ran to its end");
        ++result.searches;
        searchedTrees.insert(items[i].treeId);
        result.sequences += r.sequences;
        result.statesGenerated += r.generated;
        result.distinctStates += r.distinct;
        result.judgeDisagreements += r.judgeDisagreements;
        if (result.firstJudgeDisagreement.empty())
            result.firstJudgeDisagreement = r.firstJudgeDisagreement;
        for (std::size_t k = 0; k < o.invariants.size(); ++k) {
            result.tallies[k].violations += r.invariants[k].count;
            if (better(i, r.invariants[k], bestInv[k]))
                bestInv[k] = {i, &r.invariants[k]};
        }
        result.bothSidesStates += r.bothSides.count;
        if (better(i, r.bothSides, bestBoth))
            bestBoth = {i, &r.bothSides};
        for (std::size_t k = 0; k < kOutcomeCount; ++k) {
            result.outcomes[k].states += r.outcomes[k].count;
            result.outcomes[k].maxSlots =
                std::max(result.outcomes[k].maxSlots, r.outcomes[k].maxSlots);
            if (better(i, r.outcomes[k], bestOut[k]))
                bestOut[k] = {i, &r.outcomes[k]};
        }
    }
    if (result.stoppedEarly)
        result.trees = searchedTrees.size();

    auto example = [&](const std::pair<std::size_t, const Found *> &best, auto what,
                       bool &disagrees) -> std::optional<Counterexample> {
        if (!best.second)
            return std::nullopt;
        const Item &it = items[best.first];
        const Topology t = buildTopology(forests[it.devices][it.tree]);
        const LiveUpdateConfig config = searchConfig(o, it.capacity);
        auto c = confirm(t, config, best.second->ops, what, o.faults);
        disagrees = !c;
        return c;
    };
    for (std::size_t k = 0; k < o.invariants.size(); ++k)
        result.tallies[k].smallest =
            example(bestInv[k], o.invariants[k], result.tallies[k].harnessDisagrees);
    for (std::size_t k = 0; k < kOutcomeCount; ++k)
        result.outcomes[k].smallest =
            example(bestOut[k], static_cast<Outcome>(k), result.outcomes[k].harnessDisagrees);
    if (bestBoth.second) {
        const Item &it = items[bestBoth.first];
        const Topology t = buildTopology(forests[it.devices][it.tree]);
        const LiveUpdateConfig config = searchConfig(o, it.capacity);
        result.bothSidesSmallest =
            confirm(t, config, bestBoth.second->ops, o.faults, {},
                    [&](const StepOutcome &, const State &s) { return bridgeOnBothSides(t, s); });
    }
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

} // namespace bridgepath
