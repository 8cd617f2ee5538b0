#include "exhaustive/ShardResult.h"

#include "topology/Contract.h"

#include <algorithm>

namespace bridgepath {

namespace {

void addCheck(ShardCheck &into, const ShardCheck &part) {
    into.count += part.count;
    into.maxSlots = std::max(into.maxSlots, part.maxSlots);
    if (part.smallest && (!into.smallest || smallerFinding(*part.smallest, *into.smallest)))
        into.smallest = part.smallest;
}

} // namespace

bool shardHolds(const Shard &s, std::size_t treeId) {
    return s.count <= 1 || treeId % s.count == s.index - 1;
}

bool smallerFinding(const ShardFinding &a, const ShardFinding &b) {
    return std::make_tuple(a.devices, a.depth, a.item) <
           std::make_tuple(b.devices, b.depth, b.item);
}

void addShard(ShardResult &into, const ShardResult &part) {
    BP_REQUIRE(into.invariants.size() == part.invariants.size(),
               "shards of one search check the same invariants");
    into.trees += part.trees;
    into.searches += part.searches;
    into.sequences += part.sequences;
    into.statesGenerated += part.statesGenerated;
    into.distinctStates += part.distinctStates;
    into.storedBytes += part.storedBytes;
    into.largestSearchBytes = std::max(into.largestSearchBytes, part.largestSearchBytes);
    into.seconds += part.seconds;
    into.threads = std::max(into.threads, part.threads);
    into.stoppedEarly = into.stoppedEarly || part.stoppedEarly;
    for (std::size_t k = 0; k < into.invariants.size(); ++k)
        addCheck(into.invariants[k], part.invariants[k]);
    for (std::size_t k = 0; k < kOutcomeCount; ++k)
        addCheck(into.outcomes[k], part.outcomes[k]);
    addCheck(into.bothSides, part.bothSides);
    into.judgeDisagreements += part.judgeDisagreements;
    if (into.firstJudgeDisagreement.empty())
        into.firstJudgeDisagreement = part.firstJudgeDisagreement;
}

} // namespace bridgepath
