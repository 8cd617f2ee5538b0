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

/// The sweep of one sequence.
struct SweepResult {
    std::vector<Invariant> baseline; ///< invariants the unfaulted sequence breaks at some step
    std::vector<SiteOutcome> sites;  ///< in order of operation, then walk order
};

/// Runs `ops` once unfaulted to find the sites, then once per site.
SweepResult sweepFaultSites(const Topology &t, const LiveUpdateConfig &config,
                            const std::vector<Op> &ops);

} // namespace bridgepath
