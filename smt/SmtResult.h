#pragma once
/// SmtResult: what a proof attempt ends in; `unknown` (timeout, incomplete) is never a proof.

#include "model/Invariant.h"
#include "topology/KernelEvent.h"
#include "topology/LiveUpdateConfig.h"
#include "topology/Op.h"
#include "topology/Topology.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace bridgepath {

/// All the way to the exit code (0, 1, 3, 4).
enum class SmtVerdict {
    Proved,
    Counterexample,
    Unknown,
    Disagreement, ///< Z3 and cvc5 answered one query oppositely (the query is saved): neither is
                  ///< believed
};

/// `proved`, `counterexample`, `unknown`, `disagreement`.
const char *toString(SmtVerdict v);

/// Seconds since `t0`, for the outcomes' timings.
inline double secondsSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// A satisfying assignment decoded into a tree and a trace, and what replaying it showed.
struct SmtCounterexample {
    Topology topology;
    LiveUpdateConfig config;
    std::vector<Op> ops;
    /// The encoding's steps (each operation with its fail-next, if any) after which it fails.
    int step = 0;
    Invariant violated = Invariant::Closure;
    /// Replaying the trace on impl and model fails the same invariant with no mismatch. False is
    /// a disagreement between the Z3 encoding and the implementation: a harness bug.
    bool replayAgrees = false;
    /// What the replay showed, in words (with the kernel events it produced).
    std::string replayNote;
    /// The kernel events of the replay on the implementation, in order.
    std::vector<KernelEvent> replayEvents;
};

/// The outcome of `prove`.
struct SmtOutcome {
    SmtVerdict verdict = SmtVerdict::Unknown;
    std::string method; ///< `bmc` or `induction`
    int devices = 0;    ///< the bound proved for (or the tree size of the counterexample)
    int depth = 0;
    int steps = 0;
    double seconds = 0;
    std::string detail; ///< what was proved / why unknown / the strengthening
    std::optional<SmtCounterexample> counterexample;
};

} // namespace bridgepath
