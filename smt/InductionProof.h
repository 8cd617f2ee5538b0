#pragma once
/// InductionProof: every invariant the encoding covers (closure, exact-count, nr-devices, no-leak,
/// no-premature-release, no-panic-at-finish, no-crash; with the strengthening the encoder states)
/// holds initially and is kept by every allowed operation under the setup's ABI, for every tree of
/// at most N devices: a proof for sequences of any length. A failure names the part (initiation or
/// consecution). A failed consecution is a counterexample only when bounded search from the
/// initial state reaches a failure on the counterexample-to-induction's tree; otherwise the
/// verdict is unknown (the invariant may hold but is not inductive as stated).

#include "smt/Encoding.h"
#include "smt/QueryDecision.h"
#include "smt/SmtResult.h"

#include <optional>

namespace bridgepath {

/// What to prove.
struct InductionOptions {
    int maxDevices = 8;
    int maxDepth = 7;
    /// A concrete tree instead (maxDevices and maxDepth unused): the proof is for that tree.
    std::optional<Topology> topology;
    SmtSetup setup; ///< policy, ABI, faults (a proof is meant for correct use: faults none)
    double timeoutSeconds = 60;
    int reachabilitySteps = 6; ///< bounded search depth for checking whether a CTI is reachable
    SolverChoice solver = SolverChoice::Z3;           ///< who decides each query (QueryDecision)
    std::string queryDir = "/tmp/bridgepath-queries"; ///< where a disputed query is saved
};

/// Runs the proof for n = 1..maxDevices (or for the one concrete tree), each query split per
/// operation kind and target device on `(then simplify solve-eqs smt)`.
SmtOutcome proveByInduction(const InductionOptions &options);

} // namespace bridgepath
