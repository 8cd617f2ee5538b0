#pragma once
/// KernelCheck: does the kernel's own C code behave like the model? Random cases (tree and
/// operations, drawn as `bridgepath check` draws them, restricted to what the walk functions do:
/// preserve, unpreserve, kexec, finish, fail-next, lose) run on the loaded code and on the
/// reference model (policy bail, the chosen ABI, one table for the whole run); after every step
/// the result (where the API returns one), the phase, nr_devices and every slot must agree. Each
/// case runs in a child process, so code that crashes is a disagreement, not a crash of the tool.
/// The first disagreement is shrunk (operations, then devices no operation needs).

#include "kernelcheck/KernelCode.h"
#include "topology/Trace.h"

#include <cstdint>
#include <optional>
#include <string>

namespace bridgepath {

/// What to check.
struct KernelCheckOptions {
    Abi abi = Abi::V6;
    std::size_t cases = 1000;
    std::uint64_t seed = 1;
    std::optional<Topology> topology; ///< every case on this tree (default: random trees)
    unsigned stepSeconds = 10; ///< a step of the code that takes longer counts as hung
};

/// The first disagreement, shrunk.
struct KernelDisagreement {
    Topology topology;
    LiveUpdateConfig config;
    std::vector<Op> ops;        ///< up to and including the disagreeing step
    std::size_t step = 0;       ///< 0-based
    std::string what;           ///< "result EBUSY (model) vs EINVAL (kernel code)", a slot, ...
    std::size_t caseIndex = 0;  ///< which case found it (before shrinking)
    std::size_t originalOps = 0;
};

/// The verdict.
struct KernelCheckResult {
    std::size_t cases = 0;      ///< cases run
    std::size_t steps = 0;      ///< operations compared
    std::size_t faultSteps = 0; ///< of which fail-next or lose
    std::optional<KernelDisagreement> disagreement;
};

/// One sequence on one tree (policy bail, one table for the run): nullopt if the code agrees with
/// the model at every step, else the shrunk disagreement.
std::optional<KernelDisagreement> checkOne(KernelCode &code, const Topology &t,
                                           const LiveUpdateConfig &config,
                                           const std::vector<Op> &ops, unsigned stepSeconds = 10);

/// Runs the cases on `code`; same options, same result.
KernelCheckResult runKernelCheck(KernelCode &code, const KernelCheckOptions &options);

/// The disagreement as a replayable trace (inline tree, policy bail, abi, capacity).
Trace disagreementTrace(const KernelDisagreement &d);

} // namespace bridgepath
