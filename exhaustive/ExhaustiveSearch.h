#pragma once
/// ExhaustiveSearch: small-scope checking (as TLC and Alloy do). Every PCI forest up to N devices
/// (TreeEnumerator, once up to isomorphism), every operation sequence up to K operations over up
/// to E endpoints, every single fault placement; the reachable states of each (tree, capacity) are
/// explored breadth first with a visited set keyed by the implementation's saved state, and every
/// checked invariant is judged in every state.
///
/// The alphabet of one tree (targets: its leaves, endpoints and empty bridges, at most E distinct
/// ones per sequence), by kernel of the chain (G = `generations`, the kexecs explored):
///   kernels 0 .. G-1   preserve T, unpreserve T, freeze T, kexec, in every phase
///   kernels 1 .. G     finish T, finish-all while phase Incoming
///   kernel G           only that: once it ended nothing is generated
/// (freeze T only with misuse or unplug: in correct use a frozen device only takes options away.)
/// With G = 1 (the default) this is the single Live Update: kernel 0 preserves and kexecs, kernel
/// 1 only finishes. Without `misuse` only correct use is generated (the Harness's isMisuse);
/// operations of the wrong phase are never generated (they return -ENOENT and change nothing).
/// One fault per sequence at most, from the selected classes:
///   step       fail-nth: an operation whose walk (or rollback) has its i-th step failing -EIO,
///              for every i the walk reaches (written `fail-next KIND D` before the operation)
///   lost-slot  lose D;  refcount  set-refcount D to 0, refcount - 1 or refcount + 1
///   vanish     vanish D (kernels 0 .. G-1);  unplug  unplug D;  misuse  one API operation that
///              is not correct use
///   alloc      (v6) every capacity 1..devices, so -ENOSPC can meet every step of a preserve walk
/// where D is any device. lose, set-refcount and unplug are generated in every phase of kernels
/// 0 .. G-1 and before kernel G ended. A fault operation that changes nothing (-ENOENT) is not
/// generated.
///
/// Results do not depend on the thread count: work items are (tree, capacity) pairs, each
/// searched on one thread, merged in item order. Nor on sharding: shards of the trees
/// (searchShard) added up (addShard) and replayed give what one run gives.

#include "exhaustive/Outcome.h"
#include "exhaustive/ShardResult.h"
#include "exhaustive/TreeEnumerator.h"
#include "model/Invariant.h"
#include "properties/Counterexample.h"
#include "topology/Design.h"
#include "topology/FaultClass.h"
#include "topology/LiveUpdateConfig.h"
#include "topology/Policy.h"

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace bridgepath {

/// What to search.
struct ExhaustiveOptions {
    std::size_t minDevices = 1;
    std::size_t maxDevices = 4; ///< N
    std::size_t maxOps = 4;     ///< K: operations per sequence (a fault placement on a
                                ///< walk is part of its operation)
    std::size_t endpoints = 3;  ///< E: distinct targets per sequence
    Policy policy = Policy::Bail;
    Abi abi = Abi::V6;
    /// The design switches beside the policy (topology/Design.h; unset: what the abi implies).
    DirectRecord directRecord = DirectRecord::None;
    std::optional<ReleaseCheck> releaseCheck;
    std::optional<EndOfUpdate> endOfUpdate;
    std::set<FaultClass> faults;       ///< empty: correct use only
    std::vector<Invariant> invariants; ///< judged in every state
    unsigned threads = 1;
    bool stopAtFirst = false; ///< stop once a violation is found (still the smallest)
    /// Store states once up to renaming interchangeable siblings (same subtree shape): counts
    /// are then of states up to symmetry. Verdicts and smallest examples do not change.
    bool symmetry = true;
    /// Also judge every new state with model/Invariant, its outcomes and bridge-on-both-sides on
    /// the State, and every move's misuse with the Harness's isMisuse, and count disagreements
    /// (tests).
    bool crossCheckJudge = false;
    /// G: kexecs explored (>= 1). Kernel G, the last, only finishes what it inherited.
    unsigned generations = 1;
    /// When not empty: search these forests (those of minDevices..maxDevices devices) instead
    /// of every forest of that many devices.
    std::vector<ForestShape> forests;
};

/// How often one outcome was reached, and its smallest example.
struct OutcomeTally {
    Outcome outcome = Outcome::Leak;
    std::uint64_t states = 0;
    std::uint32_t maxSlots = 0; ///< leak: the most slots held with nothing preserved
    std::optional<Counterexample> smallest;
    bool harnessDisagrees = false;
};

/// One invariant's tally.
struct InvariantTally {
    Invariant invariant;
    std::uint64_t violations = 0; ///< distinct states (atomic-preserve: transitions) violating it
    /// The smallest example (fewest devices, then fewest operations, then first in canonical
    /// order), replayed through the Harness (impl and model, exact invariants).
    std::optional<Counterexample> smallest;
    /// The replay did not fail this invariant: the search's judge and the Harness disagree.
    bool harnessDisagrees = false;
};

/// What the search did.
struct ExhaustiveResult {
    std::uint64_t trees = 0;           ///< forests searched
    std::uint64_t searches = 0;        ///< (tree, capacity) state spaces explored
    std::uint64_t sequences = 0;       ///< operation sequences of length <= K covered
    std::uint64_t statesGenerated = 0; ///< transitions taken (successor states computed)
    std::uint64_t distinctStates = 0;  ///< states stored in the visited sets (up to symmetry
                                       ///< when options.symmetry)
    /// What the stored states took: each search's visited set, nodes and edges at its end, summed
    /// (a search frees them when it ends), and the largest one search's.
    std::uint64_t storedBytes = 0, largestSearchBytes = 0;
    double seconds = 0;
    unsigned threads = 1;
    bool stoppedEarly = false;
    std::vector<InvariantTally> tallies;              ///< in the order of options.invariants
    std::array<OutcomeTally, kOutcomeCount> outcomes; ///< by Outcome, always judged
    /// Coverage of chains: distinct states where a bridge is incoming and outgoing at once
    /// (bridgeOnBothSides), and the smallest such run, replayed through the Harness.
    std::uint64_t bothSidesStates = 0;
    std::optional<Counterexample> bothSidesSmallest;
    std::uint64_t judgeDisagreements = 0; ///< crossCheckJudge only
    std::string firstJudgeDisagreement;   ///< crossCheckJudge only
};

/// Sets the policy and the design switches to `d`'s.
void applyDesign(ExhaustiveOptions &o, const Design &d);

/// The configuration one (tree, capacity) search runs under.
LiveUpdateConfig searchConfig(const ExhaustiveOptions &o, std::size_t capacity);

/// Progress: searches done, searches in all, states generated so far.
using ExhaustiveProgress = std::function<void(std::uint64_t, std::uint64_t, std::uint64_t)>;

/// One work item of a search: a forest and the v6 capacity it is searched with (0 for v7).
struct WorkItem {
    std::size_t devices = 0;  ///< of the forest
    std::size_t tree = 0;     ///< its index among the forests of that many devices
    std::size_t treeId = 0;   ///< its number over the whole search (what shards divide)
    std::size_t capacity = 0; ///< every capacity 1..devices with the alloc fault class on v6
};

/// The search's work items in canonical order: trees by size, then in the enumerator's order,
/// each tree's capacities ascending (ShardFinding::item numbers them).
[[nodiscard]] std::vector<WorkItem> workItems(const ExhaustiveOptions &options);

/// Searches the trees of one shard (exhaustive/ShardResult.h); what it finds is not replayed
/// yet. Requires what runExhaustive does and 1 <= shard.index <= shard.count.
[[nodiscard]] ShardResult searchShard(const ExhaustiveOptions &options, const Shard &shard,
                                      const ExhaustiveProgress &progress = nullptr);

/// The result of the search whose shards added up to `found` (or of one shard): the counts, and
/// each check's smallest finding replayed through the Harness (impl and model, exact
/// invariants) as its counterexample, or marked a harness disagreement if the replay does not
/// show it. Requires `found` to check the options' invariants and name its work items.
[[nodiscard]] ExhaustiveResult replayFindings(const ExhaustiveOptions &options,
                                              const ShardResult &found);

/// Runs the search: replayFindings of its one shard, 1/1. Requires 1 <= minDevices <= maxDevices <=
/// 16, endpoints <= 16 and generations >= 1.
ExhaustiveResult runExhaustive(const ExhaustiveOptions &options,
                               const ExhaustiveProgress &progress = nullptr);

} // namespace bridgepath
