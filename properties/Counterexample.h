#pragma once
/// Counterexample: a failing case as the property checks, the search and the reports pass it on
/// (no RapidCheck here: the layers above read it without compiling against RapidCheck).

#include "model/Invariant.h"
#include "properties/Harness.h"
#include "topology/FaultClass.h"
#include "topology/LiveUpdateConfig.h"
#include "topology/Op.h"
#include "topology/Result.h"
#include "topology/State.h"
#include "topology/Topology.h"
#include "topology/Trace.h"

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace bridgepath {

/// One generated case: the tree, the configuration and what the swarm enabled.
struct CaseSetup {
    Topology topology;
    LiveUpdateConfig config;
    std::set<FaultClass> faults; ///< fault classes this case may use (swarm subset)
    std::set<OpKind> kinds;      ///< command kinds this case may generate (swarm subset)
    std::vector<Invariant> checked;
    /// Swarm: unpreserve the last preserved device as often as any other (reaching the table's
    /// release), instead of rarely (reaching shared bridges and the kexec).
    bool drain = false;
    /// The chain's length: at most this many kexecs are drawn, and the kernel after the last one
    /// only finishes what it inherited (1: a single Live Update, as before chains).
    unsigned generations = 3;
};

/// A failing case: the tree and configuration, the operations up to and including the failing
/// step, and what each did.
struct Counterexample {
    std::shared_ptr<const CaseSetup> setup;
    std::vector<Op> ops;
    std::vector<Result> results;
    std::vector<State> states; ///< before the first op, then after each
    std::string why;
    bool mismatch = false; ///< impl and model disagreed: a bug in one of them, not a finding
    std::string message;   ///< RapidCheck's failure description
    std::set<FaultClass> faultsUsed; ///< the fault classes its operations belong to
};

/// The counterexample a harness holds after `out`, a failing step (a mismatch or a violation).
Counterexample failureOf(std::shared_ptr<const CaseSetup> setup, const Harness &h,
                         const StepOutcome &out);

/// The last failing run of this thread (shrinking only visits failing cases, so after a property
/// fails this is the minimal one); empty before any failure.
std::optional<Counterexample> &lastFailure();

/// The counterexample as a trace file's contents: the tree inline, the configuration, the
/// expectation that `inv` fails (or `mismatch`) and the operations; `bridgepath replay` runs it.
Trace counterexampleTrace(const Counterexample &c, Invariant inv);

} // namespace bridgepath
