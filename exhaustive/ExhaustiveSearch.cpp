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

// The forests of every size searched (by device count) and the work items over them.
struct Work {
    std::vector<std::vector<ForestShape>> forests;
    std::vector<WorkItem> items;
    std::size_t trees = 0;
};

Work workOf(const ExhaustiveOptions &o) {
    BP_REQUIRE(o.minDevices >= 1 && o.minDevices <= o.maxDevices && o.maxDevices <= 16 &&
                   o.generations >= 1,
               "1 <= minDevices <= maxDevices <= 16 and at least one generation");
    const TreeEnumerator trees(TreeFamily::Pci, o.maxDevices);
    Work w;
    w.forests.resize(o.maxDevices + 1);
    for (std::size_t n = o.minDevices; n <= o.maxDevices; ++n) {
        w.forests[n] = trees.forests(n);
        if (!o.forests.empty()) { // the given ones of this size only
            w.forests[n].clear();
            for (const ForestShape &f : o.forests)
                if (deviceCount(f) == n)
                    w.forests[n].push_back(f);
        }
        for (std::size_t i = 0; i < w.forests[n].size(); ++i, ++w.trees) {
            if (o.abi == Abi::V6 && o.faults.count(FaultClass::Alloc))
                for (std::size_t cap = 1; cap <= n; ++cap)
                    w.items.push_back(WorkItem{n, i, w.trees, cap});
            else
                w.items.push_back(WorkItem{n, i, w.trees, o.abi == Abi::V6 ? n : 0});
        }
    }
    return w;
}

// Adds one search's count and finding of a check, found in work item `item`.
void addFound(ShardCheck &check, const Found &f, std::size_t item, const WorkItem &it) {
    check.count += f.count;
    check.maxSlots = std::max(check.maxSlots, f.maxSlots);
    if (!f.has)
        return;
    ShardFinding found{it.devices, f.depth, item, f.ops};
    if (!check.smallest || smallerFinding(found, *check.smallest))
        check.smallest = std::move(found);
}

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

std::vector<WorkItem> workItems(const ExhaustiveOptions &o) {
    return workOf(o).items;
}

ShardResult searchShard(const ExhaustiveOptions &o, const Shard &shard,
                        const ExhaustiveProgress &progress) {
    BP_REQUIRE(shard.index >= 1 && shard.index <= shard.count, "1 <= shard index <= count");
    const auto start = std::chrono::steady_clock::now();
    const Work work = workOf(o);
    ShardResult result;
    result.shard = shard;
    for (std::size_t t = 0; t < work.trees; ++t)
        result.trees += shardHolds(shard, t) ? 1 : 0;
    std::vector<std::size_t> mine; // this shard's work items, in canonical order
    for (std::size_t i = 0; i < work.items.size(); ++i)
        if (shardHolds(shard, work.items[i].treeId))
            mine.push_back(i);

    std::vector<ItemResult> results(mine.size());
    std::atomic<std::size_t> nextItem{0}, doneItems{0};
    std::atomic<std::uint64_t> generated{0};
    std::atomic<std::size_t> firstViolating{SIZE_MAX};
    auto worker = [&] {
        for (;;) {
            const std::size_t i = nextItem.fetch_add(1);
            if (i >= mine.size() || (o.stopAtFirst && i > firstViolating.load()))
                return;
            const WorkItem &it = work.items[mine[i]];
            const exhaustive::TreeContext c =
                exhaustive::prepare(work.forests[it.devices][it.tree]);
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
        progress(doneItems.load(), mine.size(), generated.load());
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    for (std::thread &t : pool)
        t.join();
    if (progress)
        progress(doneItems.load(), mine.size(), generated.load());

    // Merge in item order (up to the first violating item when stopping early), so the thread
    // count never changes what is reported. The smallest example of each check: fewest devices,
    // then fewest operations, then item order (smallerFinding).
    const std::size_t end = o.stopAtFirst && firstViolating.load() != SIZE_MAX
                                ? firstViolating.load() + 1
                                : mine.size();
    result.stoppedEarly = end < mine.size();
    result.threads = threads;
    result.invariants.resize(o.invariants.size());
    std::set<std::size_t> searchedTrees;
    for (std::size_t i = 0; i < end; ++i) {
        const ItemResult &r = results[i];
        const WorkItem &it = work.items[mine[i]];
        BP_REQUIRE(r.done, "every search ran to its end");
        ++result.searches;
        searchedTrees.insert(it.treeId);
        result.sequences += r.sequences;
        result.statesGenerated += r.generated;
        result.distinctStates += r.distinct;
        result.storedBytes += r.bytes;
        result.largestSearchBytes = std::max(result.largestSearchBytes, r.bytes);
        result.judgeDisagreements += r.judgeDisagreements;
        if (result.firstJudgeDisagreement.empty())
            result.firstJudgeDisagreement = r.firstJudgeDisagreement;
        for (std::size_t k = 0; k < o.invariants.size(); ++k)
            addFound(result.invariants[k], r.invariants[k], mine[i], it);
        addFound(result.bothSides, r.bothSides, mine[i], it);
        for (std::size_t k = 0; k < kOutcomeCount; ++k)
            addFound(result.outcomes[k], r.outcomes[k], mine[i], it);
    }
    if (result.stoppedEarly)
        result.trees = searchedTrees.size();
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

ExhaustiveResult replayFindings(const ExhaustiveOptions &o, const ShardResult &found) {
    BP_REQUIRE(found.invariants.size() == o.invariants.size(),
               "the shards checked the options' invariants");
    const Work work = workOf(o);
    ExhaustiveResult result;
    result.trees = found.trees;
    result.searches = found.searches;
    result.sequences = found.sequences;
    result.statesGenerated = found.statesGenerated;
    result.distinctStates = found.distinctStates;
    result.storedBytes = found.storedBytes;
    result.largestSearchBytes = found.largestSearchBytes;
    result.seconds = found.seconds;
    result.threads = found.threads;
    result.stoppedEarly = found.stoppedEarly;
    result.judgeDisagreements = found.judgeDisagreements;
    result.firstJudgeDisagreement = found.firstJudgeDisagreement;
    result.bothSidesStates = found.bothSides.count;

    // The finding's tree and configuration, its operations replayed through the Harness.
    auto example = [&](const ShardCheck &check, auto what,
                       bool &disagrees) -> std::optional<Counterexample> {
        if (!check.smallest)
            return std::nullopt;
        BP_REQUIRE(check.smallest->item < work.items.size(), "a finding names a work item");
        const WorkItem &it = work.items[check.smallest->item];
        const Topology t = buildTopology(work.forests[it.devices][it.tree]);
        const LiveUpdateConfig config = searchConfig(o, it.capacity);
        auto c = confirm(t, config, check.smallest->ops, what, o.faults);
        disagrees = !c;
        return c;
    };
    result.tallies.resize(o.invariants.size());
    for (std::size_t k = 0; k < o.invariants.size(); ++k) {
        InvariantTally &t = result.tallies[k];
        t.invariant = o.invariants[k];
        t.violations = found.invariants[k].count;
        t.smallest = example(found.invariants[k], o.invariants[k], t.harnessDisagrees);
    }
    for (std::size_t k = 0; k < kOutcomeCount; ++k) {
        OutcomeTally &t = result.outcomes[k];
        t.outcome = static_cast<Outcome>(k);
        t.states = found.outcomes[k].count;
        t.maxSlots = found.outcomes[k].maxSlots;
        t.smallest = example(found.outcomes[k], t.outcome, t.harnessDisagrees);
    }
    if (const auto &both = found.bothSides.smallest) {
        BP_REQUIRE(both->item < work.items.size(), "a finding names a work item");
        const WorkItem &it = work.items[both->item];
        const Topology t = buildTopology(work.forests[it.devices][it.tree]);
        const LiveUpdateConfig config = searchConfig(o, it.capacity);
        result.bothSidesSmallest =
            confirm(t, config, both->ops, o.faults, {},
                    [&](const StepOutcome &, const State &s) { return bridgeOnBothSides(t, s); });
    }
    return result;
}

ExhaustiveResult runExhaustive(const ExhaustiveOptions &o, const ExhaustiveProgress &progress) {
    const auto start = std::chrono::steady_clock::now();
    ExhaustiveResult result = replayFindings(o, searchShard(o, Shard{}, progress));
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

} // namespace bridgepath
