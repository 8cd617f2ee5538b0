#pragma once
/// DesignProof: what Z3 proves of one design of the fix (topology/Design.h) under one fault
/// class, for every tree of at most N devices and sequences of any length with at most one fault
/// of that class at any point:
///   no-crash           no BUG_ON, use after free or crashing panic (the encoding's no-crash);
///   no-premature-release  no device's count below what the preserved devices under it need;
///   no-leak-after-release once the outgoing session's table is released nothing is held: no
///                      slot, no pointer into freed memory, nr_devices 0;
///   containment        every device but the faulty one keeps its ideal count (step faults).
/// Each is an induction (smt/InductiveCheck) over an invariant that adds, to the claim: the phase
/// in range, no device dangling, and while outgoing nr_devices equal to the devices holding a
/// slot (premature release: also every slot held with refcount >= 1); containment is
/// smt/ContainmentProof's. Where the induction fails, bounded search from the initial state
/// decides: a reachable failure is a counterexample (replayed on impl and model), else unknown.
/// A claim no design can make is not asked: a lost slot or an overwritten refcount is itself a
/// premature release of its device (designClaims).

#include "smt/Encoding.h"
#include "smt/QueryDecision.h"
#include "smt/SmtResult.h"
#include "topology/Design.h"

#include <string>
#include <vector>

namespace bridgepath {

/// What a design proof states.
enum class DesignClaim { NoCrash, NoPrematureRelease, NoLeakAfterRelease, Containment };

/// `no-crash`, `no-premature-release`, `no-leak-after-release`, `containment`.
const char *toString(DesignClaim c);

/// Every claim, in declaration order.
const std::vector<DesignClaim> &allDesignClaims();

/// Whether the claim is made under the fault class: not no-premature-release under lost-slot and
/// refcount (the fault itself lowers its device's count); containment under step only.
bool designClaims(DesignClaim claim, FaultClass fault);

/// The fault classes the encoding carries (alloc on v6 only: v7 never -ENOSPC); vanish and
/// unplug are the exhaustive search's alone.
std::vector<FaultClass> designProofFaults(Abi abi);

/// What to prove.
struct DesignProofOptions {
    Design design;
    Abi abi = Abi::V7;
    int maxDevices = 8;
    FaultClass fault = FaultClass::Step; ///< one of designProofFaults(abi)
    double timeoutSeconds = 120;         ///< per claim
    int reachabilitySteps = 5;           ///< bounded search depth when an induction fails
    int reachabilityDevices = 3;         ///< and its tree bound
    SolverChoice solver = SolverChoice::Z3;
    std::string queryDir = "/tmp/bridgepath-queries";
};

/// One claim's verdict.
struct ClaimProof {
    DesignClaim claim = DesignClaim::NoCrash;
    SmtOutcome outcome;
};

/// Proves every claim designClaims makes under the fault class, in allDesignClaims order.
std::vector<ClaimProof> proveDesign(const DesignProofOptions &options);

} // namespace bridgepath
