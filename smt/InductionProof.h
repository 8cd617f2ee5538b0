#pragma once
/// InductionProof: closure, exact-count and nr-devices (with the strengthening the encoder states)
/// hold initially and are kept by every allowed operation, for every tree of at most N devices:
/// a proof for sequences of any length. A failure names the part (initiation or consecution) and,
/// for consecution, the counterexample-to-induction and whether bounded search reaches it.

#include "smt/Encoding.h"
#include "smt/SmtResult.h"

namespace bridgepath {

/// What to prove.
struct InductionOptions {
    int maxDevices = 8;
    int maxDepth = 7;
    SmtSetup setup;
    double timeoutSeconds = 60;
    int reachabilitySteps = 6; ///< bounded search depth for checking whether a CTI is reachable
};

/// Runs the proof for n = 1..maxDevices, each query split per operation kind and target device on
/// `(then simplify solve-eqs smt)`.
SmtOutcome proveByInduction(const InductionOptions &options);

} // namespace bridgepath
