#pragma once
/// FailNthSweep: the kernel's fail-nth, applied to one sequence. Every step of every walk the
/// sequence takes is a fault site; the sequence is run once per site with that one step failing
/// (-EIO), and every invariant is judged after every step of each run.

#include "properties/Conformance.h"

#include <vector>

namespace bridgepath {

/// One fault site: the `kind` step at `device` during operation `op` (0-based), the first such
/// step of that operation (a later step of the same kind at the same device in one operation,
/// as in unplug's several walks, is not separately reachable with fail-next).
struct FaultSite {
    std::size_t op = 0;
    Bdf device;
    StepKind kind = StepKind::Preserve;
};

/// The run with one site failing.
struct SiteOutcome {
    FaultSite site;
    Result opResult = Result::Ok;  ///< what the faulted operation returned
    std::vector<Invariant> broken; ///< invariants failing at some step that the unfaulted
                                   ///< run keeps at every step
    bool mismatch = false;
};

/// How much work a sweep did.
struct SweepStats {
    std::size_t steps = 0;  ///< harness steps of the faulted runs
    std::size_t merged = 0; ///< runs ended because another run was in the same state
    std::size_t died = 0;   ///< runs ended because their kernel was dead
};

/// The sweep of one sequence.
struct SweepResult {
    std::vector<Invariant> baseline; ///< invariants the unfaulted sequence breaks at some step
    std::vector<SiteOutcome> sites;  ///< in order of operation, then walk order
    SweepStats stats;
};

/// Runs `ops` once unfaulted to find the sites, and each site's faulted sequence from the
/// unfaulted state before its operation. The result is that of running every faulted sequence
/// on its own from the start; the work is not. All runs advance one operation at a time, and
/// before each one runs whose machines are equal (Harness::sameFuture) merge: they have one
/// future, so it is run once and booked to each. A run also ends when its kernel is dead (every
/// later operation is refused and changes nothing: a mismatch the implementation would show
/// after that is left to the conformance tests) or on a mismatch. The cost is the sequence's
/// length times the distinct machines alive at a step (a leak of one device is one machine,
/// whichever step leaked it), not times the number of sites.
SweepResult sweepFaultSites(const Topology &t, const LiveUpdateConfig &config,
                            const std::vector<Op> &ops);

/// The sweep by its definition: every faulted sequence run on its own from the start (quadratic
/// in the sequence's length). sweepFaultSites must give the same baseline and sites; tests and
/// benchmarks compare the two. Its stats count the faulted runs' steps only.
SweepResult sweepEachSiteAlone(const Topology &t, const LiveUpdateConfig &config,
                               const std::vector<Op> &ops);

} // namespace bridgepath
