#pragma once
/// PropertyCheck: runs one RapidCheck property per invariant (conformance is checked in all of
/// them) and returns, per invariant, a pass or the minimal counterexample.

#include "model/Invariant.h"
#include "properties/Counterexample.h"
#include "topology/FaultClass.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace bridgepath {

/// What to check.
struct CheckOptions {
    Policy policy = Policy::Bail;
    Abi abi = Abi::V6;
    std::set<FaultClass> faults;       ///< empty: correct use only (`none`)
    std::vector<Invariant> invariants; ///< in report order
    std::size_t cases = 200;           ///< per invariant (split over shards)
    std::uint64_t seed = 1;
    std::optional<Topology> topology; ///< fixed tree (ops still shrink); else random trees
    std::size_t shardIndex = 0;       ///< 0-based
    std::size_t shardCount = 1;
    int maxSize = 40; ///< RapidCheck size: bounds sequence length and trees
};

/// The fault classes a sequence uses: its fault operations, misuse (judged in the state each op
/// ran in) and -ENOSPC (alloc).
std::set<FaultClass> faultClassesUsed(const Topology &t, const std::vector<Op> &ops,
                                      const std::vector<Result> &results,
                                      const std::vector<State> &states);

/// The verdict on one invariant.
struct InvariantResult {
    Invariant invariant;
    bool pass = true;
    bool gaveUp = false; ///< RapidCheck discarded too many cases
    std::string error;   ///< RapidCheck's message when it gave up or errored
    int casesRun = 0;
    std::optional<Counterexample> counterexample;
    /// The outcome is the one the expectations table states: a pass where the invariant is
    /// expected to hold under the allowed faults, a failure whose counterexample uses a fault
    /// class under which it is expected to fail. Otherwise it is a finding.
    bool expected = true;
};

/// Called after each invariant is done (for a progress line).
using CheckProgress = std::function<void(std::size_t done, std::size_t total)>;

/// Runs the checks; same options (seed, shard) give the same cases and results.
std::vector<InvariantResult> runChecks(const CheckOptions &options,
                                       const CheckProgress &progress = nullptr);

/// Runs `ops` on a harness checking `inv`: the counterexample up to the first failing step, or
/// nullopt if the sequence keeps it (or names a device not in the tree).
std::optional<Counterexample> failingRun(std::shared_ptr<const CaseSetup> setup,
                                         const std::vector<Op> &ops, Invariant inv);

/// The tree cut down to what the operations name: each named device's upstream path, and the
/// subtree of every device an unplug or vanish names (BDFs unchanged).
Topology namedOnly(const Topology &t, const std::vector<Op> &ops);

/// Makes a counterexample smaller still: drops operations and devices no operation needs (keeping
/// BDFs) while `inv` (or the same model mismatch) still fails.
Counterexample minimize(Counterexample c, Invariant inv);

/// One case as the property generates it, without running it (coverage tests and benchmarks).
struct GeneratedCase {
    std::shared_ptr<const CaseSetup> setup;
    std::vector<Op> ops;
};

/// Draws the case RapidCheck would draw from `seed` at `size`: a tree (or `fixed`), the swarm and
/// a command sequence valid for its preconditions, over a chain of at most `generations` kexecs
/// (CaseSetup::generations; 1: a single Live Update, whose last kernel only finishes).
GeneratedCase sampleCase(std::uint64_t seed, int size, Policy policy, Abi abi,
                         const std::set<FaultClass> &faults,
                         const std::optional<Topology> &fixed = std::nullopt,
                         unsigned generations = CaseSetup{}.generations);

/// A sequence of exactly `length` commands valid for their preconditions, drawn from `seed` for a
/// given case setup (benchmarks: fixed tree and length).
std::vector<Op> sampleSequence(std::uint64_t seed, const std::shared_ptr<const CaseSetup> &setup,
                               std::size_t length);

/// The RapidCheck seed a shard uses.
std::uint64_t shardSeed(std::uint64_t seed, std::size_t shardIndex);

} // namespace bridgepath
