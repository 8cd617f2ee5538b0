// ShardResult: shards of a search, added up in any order and replayed, are the whole search
// (every count, every outcome, every smallest example), and each tree is in exactly one shard.

#include "exhaustive/ExhaustiveSearch.h"
#include "exhaustive/ShardResult.h"

#include <gtest/gtest.h>
#include <set>

namespace bridgepath {
namespace {

ExhaustiveOptions options(std::size_t devices, std::size_t ops, std::set<FaultClass> faults,
                          unsigned generations = 1) {
    ExhaustiveOptions o;
    o.maxDevices = devices;
    o.maxOps = ops;
    o.faults = std::move(faults);
    o.invariants = allInvariants();
    o.generations = generations;
    o.threads = 2;
    return o;
}

std::vector<std::string> opsText(const std::optional<Counterexample> &c) {
    std::vector<std::string> out;
    if (c)
        for (const Op &op : c->ops)
            out.push_back(op.toString());
    return out;
}

// The fields of two results that must agree (not seconds or threads).
void expectSame(const ExhaustiveResult &a, const ExhaustiveResult &b) {
    EXPECT_EQ(a.trees, b.trees);
    EXPECT_EQ(a.searches, b.searches);
    EXPECT_EQ(a.sequences, b.sequences);
    EXPECT_EQ(a.statesGenerated, b.statesGenerated);
    EXPECT_EQ(a.distinctStates, b.distinctStates);
    EXPECT_EQ(a.stoppedEarly, b.stoppedEarly);
    ASSERT_EQ(a.tallies.size(), b.tallies.size());
    for (std::size_t k = 0; k < a.tallies.size(); ++k) {
        const InvariantTally &x = a.tallies[k], &y = b.tallies[k];
        EXPECT_EQ(x.violations, y.violations) << toString(x.invariant);
        EXPECT_EQ(x.smallest.has_value(), y.smallest.has_value()) << toString(x.invariant);
        EXPECT_EQ(opsText(x.smallest), opsText(y.smallest)) << toString(x.invariant);
        if (x.smallest && y.smallest) {
            EXPECT_EQ(x.smallest->setup->topology.size(), y.smallest->setup->topology.size());
            EXPECT_EQ(x.smallest->setup->config.capacity, y.smallest->setup->config.capacity);
            EXPECT_EQ(x.smallest->why, y.smallest->why);
            EXPECT_TRUE(x.smallest->states == y.smallest->states) << toString(x.invariant);
        }
        EXPECT_EQ(x.harnessDisagrees, y.harnessDisagrees);
    }
    for (std::size_t k = 0; k < kOutcomeCount; ++k) {
        const OutcomeTally &x = a.outcomes[k], &y = b.outcomes[k];
        EXPECT_EQ(x.states, y.states) << toString(x.outcome);
        EXPECT_EQ(x.maxSlots, y.maxSlots) << toString(x.outcome);
        EXPECT_EQ(opsText(x.smallest), opsText(y.smallest)) << toString(x.outcome);
        EXPECT_EQ(x.harnessDisagrees, y.harnessDisagrees) << toString(x.outcome);
    }
    EXPECT_EQ(a.bothSidesStates, b.bothSidesStates);
    EXPECT_EQ(opsText(a.bothSidesSmallest), opsText(b.bothSidesSmallest));
}

TEST(ShardResult, ShardsAddedUpInAnyOrderAreTheWholeSearch) {
    for (const ExhaustiveOptions &o :
         {options(4, 4, {FaultClass::Step, FaultClass::LostSlot}),
          options(4, 3, {FaultClass::Alloc, FaultClass::Refcount}), options(4, 4, {}),
          options(3, 4, {FaultClass::LostSlot}, 2)}) {
        const ExhaustiveResult whole = runExhaustive(o);
        for (std::size_t n : {1u, 2u, 3u, 7u}) {
            ShardResult sum;
            sum.invariants.resize(o.invariants.size());
            for (std::size_t i = n; i >= 1; --i) // last shard first: order does not matter
                addShard(sum, searchShard(o, Shard{i, n}));
            SCOPED_TRACE(std::to_string(n) + " shards");
            expectSame(replayFindings(o, sum), whole);
        }
    }
}

TEST(ShardResult, EveryWorkItemIsInExactlyOneShardAndATreesCapacitiesStayTogether) {
    const ExhaustiveOptions o = options(5, 1, {FaultClass::Alloc});
    const std::vector<WorkItem> items = workItems(o);
    ASSERT_GT(items.size(), 165u); // 165 trees, more than one capacity for most
    for (std::size_t n : {1u, 2u, 3u, 10u}) {
        std::set<std::size_t> trees;
        for (const WorkItem &it : items) {
            std::size_t holders = 0;
            for (std::size_t i = 1; i <= n; ++i)
                holders += shardHolds(Shard{i, n}, it.treeId) ? 1 : 0;
            EXPECT_EQ(holders, 1u) << "tree " << it.treeId << " of " << n << " shards";
            trees.insert(it.treeId);
        }
        EXPECT_EQ(trees.size(), 165u);
        std::uint64_t searched = 0, searches = 0;
        for (std::size_t i = 1; i <= n; ++i) {
            const ShardResult r = searchShard(o, Shard{i, n});
            searched += r.trees;
            searches += r.searches;
        }
        EXPECT_EQ(searched, 165u);
        EXPECT_EQ(searches, items.size());
    }
}

TEST(ShardResult, TheSmallerFindingIsFewerDevicesThenFewerMovesThenTheEarlierItem) {
    const ShardFinding a{2, 3, 9, {}}, fewerDevices{1, 5, 20, {}}, fewerMoves{2, 2, 30, {}},
        earlier{2, 3, 4, {}};
    EXPECT_TRUE(smallerFinding(fewerDevices, a));
    EXPECT_TRUE(smallerFinding(fewerMoves, a));
    EXPECT_TRUE(smallerFinding(earlier, a));
    EXPECT_FALSE(smallerFinding(a, a));
    EXPECT_FALSE(smallerFinding(a, earlier));
}

} // namespace
} // namespace bridgepath
