#pragma once
/// ContainmentProof: the policy matrix's containment cells proved, not sampled. Under one failed
/// walk step (-EIO at any device of any walk, at any point of a sequence of any length), every
/// device but the failing one keeps its count in use equal to its ideal in every later state:
/// model/Invariant's containment, for every tree of at most N devices under one policy and ABI.
/// Lost slots and overwritten refcounts are not claimed (containmentEncodes): the encoding has
/// no slot identity, and in the kernel the zeroed slot is reused under the faulty device's cached
/// pointer, a breach the exhaustive search finds on 3 devices under continue.
///
/// The proof is an induction over the encoding's whole state (dangling copies, crash, use after
/// free and panic are free after the fault) and two ghosts: whether the fault happened and the
/// device it named. The inductive invariant: before the fault, the fault-free one
/// (Encoder::faultFreeInductive); after it, every other device exactly as fault-free
/// (Encoder::exactAt) and, while outgoing and alive, the table allocated exactly when something
/// is directly preserved. A step fault is one on a walk's own step (the encoding never fails a
/// rollback step; the exhaustive search does). A failed consecution is `unknown`, not a
/// counterexample: the matrix's exhaustive search is what finds (and replays) a reachable one.

#include "smt/Encoding.h"
#include "smt/QueryDecision.h"
#include "smt/SmtResult.h"

namespace bridgepath {

/// What to prove.
struct ContainmentOptions {
    int maxDevices = 6;
    int maxDepth = 5;
    Policy policy = Policy::Continue;
    Abi abi = Abi::V6;
    FaultClass fault = FaultClass::Step; ///< requires containmentEncodes(fault)
    /// The design switches beside the policy (SmtSetup's; unset: what the abi implies).
    DirectRecord record = DirectRecord::None;
    std::optional<ReleaseCheck> release;
    std::optional<EndOfUpdate> end;
    double timeoutSeconds = 60;
    SolverChoice solver = SolverChoice::Z3;
    std::string queryDir = "/tmp/bridgepath-queries";
};

/// Whether containment under the fault class can be proved in the encoding: step only.
bool containmentEncodes(FaultClass f);

/// Proves containment for every tree of at most maxDevices devices (depth <= maxDepth): proved,
/// unknown (not inductive, timeout) or disagreement; never a counterexample.
SmtOutcome proveContainment(const ContainmentOptions &options);

} // namespace bridgepath
