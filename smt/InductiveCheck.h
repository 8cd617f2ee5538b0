#pragma once
/// InductiveCheck: the one induction loop of the proofs that carry a fault (containment, a
/// design's claims). A predicate `inductive` over the encoding's state and a ghost (whether the
/// sequence's one fault happened, the device it named) must hold initially and be kept by every
/// allowed operation, one query per operation kind and target depth (the target's path numbered
/// first, as in the induction proof); `claim` must follow from it in every such state. Holds for
/// every tree of at most maxDevices devices and sequences of any length, at most one fault.

#include "smt/Encoding.h"
#include "smt/QueryDecision.h"

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace bridgepath {

/// The ghosts: whether the one fault happened, and the device it named (-1 before it).
struct FaultGhost {
    z3::expr faulted;
    z3::expr at;
};

/// A formula over one state and its ghosts.
using GhostPredicate = std::function<z3::expr(Encoder &, const SmtState &, const FaultGhost &)>;

/// What to check.
struct InductiveCheckOptions {
    int maxDevices = 6;
    int maxDepth = 5;
    SmtSetup setup;
    GhostPredicate inductive;
    GhostPredicate claim;
    std::string name;       ///< names the queries (and a saved one)
    double deadlineSeconds; ///< the time left for the whole check
    SolverChoice solver = SolverChoice::Z3;
    std::string queryDir = "/tmp/bridgepath-queries";
};

/// Where the check failed: `initiation`, or the operation kind and target depth whose step
/// leaves the invariant (not a counterexample: the state it starts from may be unreachable).
struct InductiveGap {
    std::string part;
    bool initiation = false;
};

/// nullopt: proved. Throws ProofUndecided when a query is not decided in time.
[[nodiscard]] std::optional<InductiveGap> checkInductive(const InductiveCheckOptions &options);

} // namespace bridgepath
