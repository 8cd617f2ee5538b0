#pragma once
/// ShardResult: what one shard of an exhaustive search found, before its smallest findings are
/// replayed through the Harness; shards of one search add up to the whole search's ShardResult.
///
/// A search's work items are (tree, capacity) pairs in canonical order (trees by size, then in
/// the enumerator's order; capacities ascending). Shard I of N takes the trees whose number in
/// that order is I - 1 modulo N, with every capacity of each: each tree's state space is
/// independent, so the shards 1..N of a search cover its work items exactly once.

#include "exhaustive/Outcome.h"
#include "topology/Op.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace bridgepath {

/// Which part of a search's trees: shard `index` of `count` (1 <= index <= count).
struct Shard {
    std::size_t index = 1;
    std::size_t count = 1;
};

/// Whether shard `s` searches the tree numbered `treeId` in canonical order.
[[nodiscard]] bool shardHolds(const Shard &s, std::size_t treeId);

/// One check's smallest finding, as the search left it (not replayed yet).
struct ShardFinding {
    std::size_t devices = 0; ///< of its tree
    std::size_t depth = 0;   ///< moves (a fault placed on a walk is part of its operation)
    std::size_t item = 0;    ///< its work item, numbered over the whole search (canonical order)
    std::vector<Op> ops;     ///< the example, as a trace writes it
};

/// The search's order of findings: fewest devices, then fewest moves, then first work item.
[[nodiscard]] bool smallerFinding(const ShardFinding &a, const ShardFinding &b);

/// One check (an invariant, an outcome, bridge-on-both-sides) over a shard's work items.
struct ShardCheck {
    std::uint64_t count = 0;    ///< distinct states (atomic-preserve: transitions) showing it
    std::uint32_t maxSlots = 0; ///< leak: the most slots held with nothing preserved
    std::optional<ShardFinding> smallest;
};

/// What a shard's search did and found.
struct ShardResult {
    Shard shard;
    std::uint64_t trees = 0;    ///< forests searched
    std::uint64_t searches = 0; ///< (tree, capacity) state spaces explored
    std::uint64_t sequences = 0;
    std::uint64_t statesGenerated = 0;
    std::uint64_t distinctStates = 0;
    /// The stored states' bytes, summed over the searches, and the largest one search's
    /// (ExhaustiveResult's).
    std::uint64_t storedBytes = 0, largestSearchBytes = 0;
    double seconds = 0; ///< the search's wall-clock time (shards added: their sum)
    unsigned threads = 1;
    bool stoppedEarly = false;
    std::vector<ShardCheck> invariants; ///< in the order of the options' invariants
    std::array<ShardCheck, kOutcomeCount> outcomes{};
    ShardCheck bothSides;
    std::uint64_t judgeDisagreements = 0; ///< crossCheckJudge only
    std::string firstJudgeDisagreement;   ///< crossCheckJudge only
};

/// Adds `part`, another shard of the same search (the same invariants), into `into`: counts and
/// seconds summed, the most slots kept, each check's smaller finding kept. Shards of a search
/// added in any order give the same counts and findings as the whole search.
void addShard(ShardResult &into, const ShardResult &part);

} // namespace bridgepath
