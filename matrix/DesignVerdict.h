#pragma once
/// DesignVerdict: the best design proved, and why each of its changes is needed. Z3 proves the
/// design's claims (smt/DesignProof) under every fault class the encoding carries, for every tree
/// of at most N devices; then each switch that differs from the latest kernel is turned back, one
/// at a time, and that runner-up's failure is shown as a counterexample: Z3's (found from the
/// initial state, replayed on impl and model) where one of the claims breaks, else the exhaustive
/// search's smallest containment breach (replayed through the Harness).

#include "properties/Counterexample.h"
#include "smt/DesignProof.h"

#include <optional>
#include <string>
#include <vector>

namespace bridgepath {

/// What to prove.
struct DesignVerdictOptions {
    Design design;
    Abi abi = Abi::V7;
    int proveDevices = 8;
    double timeoutSeconds = 300; ///< per claim
    SolverChoice solver = SolverChoice::Both;
};

/// One fault class's claims.
struct FaultProofs {
    FaultClass fault = FaultClass::Step;
    std::vector<ClaimProof> claims;
};

/// One switch turned back, and what then breaks.
struct RunnerUp {
    Design design;
    std::string change; ///< `record none`, `walk bail`, ...
    /// Z3's counterexample to a claim (with the claim and fault), if one breaks.
    std::optional<FaultClass> fault;
    std::optional<DesignClaim> claim;
    std::optional<SmtCounterexample> z3;
    /// Else the exhaustive search's smallest containment breach under step faults.
    std::optional<Counterexample> breach;

    /// Z3's counterexample or the breach is there.
    bool hasExample() const { return z3 || breach; }
    /// The example's tree; requires hasExample().
    const Topology &tree() const { return z3 ? z3->topology : breach->setup->topology; }
    /// The example's operations; requires hasExample().
    const std::vector<Op> &ops() const { return z3 ? z3->ops : breach->ops; }
};

/// The verdict.
struct DesignVerdict {
    DesignVerdictOptions options;
    std::vector<FaultProofs> proofs; ///< in designProofFaults(abi) order
    std::vector<RunnerUp> runnerUps; ///< walk, record, release, end: the switches that differ
    double seconds = 0;
};

/// Proves and compares; same options, same verdict.
DesignVerdict proveBestDesign(const DesignVerdictOptions &options);

/// Whether every claim of every fault class is proved.
bool allProved(const DesignVerdict &v);

} // namespace bridgepath
