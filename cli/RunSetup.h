#pragma once
/// RunSetup: the tree, configuration and operations one simulate/replay/sweep run uses, from a
/// trace's header and the flags that override it.

#include "cli/Flags.h"

#include "model/Invariant.h"
#include "smt/QueryDecision.h"
#include "topology/Design.h"
#include "topology/FaultClass.h"
#include "topology/LiveUpdateConfig.h"
#include "topology/Topology.h"
#include "topology/Trace.h"

#include <string>

namespace bridgepath {

/// Everything a run needs.
struct RunSetup {
    Trace trace;
    Topology topology;
    std::string topologyName; ///< the file, or where the inline tree was
    LiveUpdateConfig config;
};

/// `--policy` if given (InputError naming the flag if unknown), else `fallback`.
Policy policyFlag(const Flags &flags, Policy fallback);
/// `--abi` if given (InputError naming the flag if unknown), else `fallback`.
Abi abiFlag(const Flags &flags, Abi fallback);

/// `--design D` if given (a current kernel, v6 / later / latest, or WALK/RECORD/RELEASE/END as
/// topology/Design.h prints it): InputError naming the flag if unknown, or if `--policy` is
/// given too.
std::optional<Design> designFlag(const Flags &flags);

/// `--solver z3|cvc5|both` if given (InputError naming the flag if unknown), else `fallback`.
SolverChoice solverFlag(const Flags &flags, SolverChoice fallback);

/// `--invariants LIST` (comma-separated names, or `all`: every invariant) if given, else all.
/// InputError naming the flag on an unknown name.
std::vector<Invariant> invariantsFlag(const Flags &flags);

/// `--faults LIST` (comma-separated classes, `all`, `none`) if given, else `fallback`; InputError
/// naming the flag on an unknown class. `text` gets the list as the user wrote it (`none` when it
/// means correct use only).
std::set<FaultClass> faultsFlag(const Flags &flags, const std::string &fallback, std::string *text);

/// Resolves the run: the topology from `--topology`, else the trace's (inline or file); policy,
/// abi and capacity from the flags, else the trace header, else bail / v6 / one slot per device;
/// the design switches from `--design` (where the command takes it), else the trace's record,
/// release and end headers, else what the abi implies.
/// InputError if no topology is named, a capacity is given for v7, or an op names an unknown BDF.
RunSetup setUpRun(Trace trace, const std::string &source, const Flags &flags);

} // namespace bridgepath
