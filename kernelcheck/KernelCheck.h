#pragma once
/// KernelCheck: does a real drivers/pci/liveupdate.c behave like the model? Random cases (tree and
/// operations, drawn as `bridgepath check` draws them: the whole Live Update, kexec, finish-all,
/// fail-next, lost slots, refcounts, vanished devices, unplug and freeze where the file has them)
/// run on the loaded code, driven as LUO drives it, and on the reference model configured as the
/// file's version. After every step the result (where the API returns one), the phase,
/// nr_devices, every slot, the dangling cached slots and the kernel events (BUG at the release,
/// WARN and free, use after free, panic at the end, incoming held) must agree. Each case runs in
/// a child process under a per-step time limit and a memory limit, so code that crashes, loops
/// or runs away is a disagreement, not a failure of the tool. The first disagreement is shrunk.

#include "kernelcheck/KernelCode.h"
#include "topology/Trace.h"

#include <cstdint>
#include <optional>
#include <string>

namespace bridgepath {

/// What to check.
struct KernelCheckOptions {
    std::size_t cases = 1000;
    std::uint64_t seed = 1;
    std::optional<Topology> topology;     ///< every case on this tree (default: random trees)
    unsigned stepSeconds = 10;            ///< a step of the code that takes longer counts as hung
    std::size_t memoryLimit = 256u << 20; ///< bytes the code may allocate in one case
};

/// The first disagreement, shrunk.
struct KernelDisagreement {
    Topology topology;
    LiveUpdateConfig config;
    std::vector<Op> ops;       ///< up to and including the disagreeing step
    std::size_t step = 0;      ///< 0-based
    std::string what;          ///< "result EBUSY (model) vs EINVAL (kernel code)", a slot, ...
    std::size_t caseIndex = 0; ///< which case found it (before shrinking)
    std::size_t originalOps = 0;
};

/// The verdict of one run against one model variant.
struct KernelCheckResult {
    LiveUpdateConfig config; ///< the model variant compared with
    std::size_t cases = 0;   ///< cases run
    std::size_t steps = 0;   ///< operations compared
    std::size_t faultSteps =
        0; ///< of which a fault (fail-next, lose, set-refcount, vanish, unplug)
    std::size_t eventSteps = 0; ///< steps at which a kernel event happened (on both sides)
    std::size_t kexecSteps = 0; ///< of which kexecs
    std::size_t chainCases = 0; ///< cases that ran two kexecs or more (a chain of Live Updates)
    std::optional<KernelDisagreement> disagreement;
};

/// The cases a run draws for `shape` (tree and operations; the same seed gives the same cases).
std::vector<std::pair<Topology, std::vector<Op>>> drawKernelCheckCases(const KernelShape &shape,
                                                                       const KernelCheckOptions &o);

/// One sequence on one tree against `config`: nullopt if the code agrees at every step, else the
/// shrunk disagreement.
std::optional<KernelDisagreement> checkOne(KernelCode &code, const Topology &t,
                                           const LiveUpdateConfig &config,
                                           const std::vector<Op> &ops,
                                           const KernelCheckOptions &options = {});

/// Runs the cases on `code` against `config`; same options, same result.
KernelCheckResult runKernelCheck(KernelCode &code, const LiveUpdateConfig &config,
                                 const KernelCheckOptions &options);

/// One model variant the file may behave as, and how the run against it went.
struct VariantVerdict {
    Policy policy = Policy::Bail;
    CheckOrder order = CheckOrder::ZeroRefcountFirst;
    VfCheck vf = VfCheck::NamedDevice;
    WalkOrder walk = WalkOrder::LeafFirst;
    KernelCheckResult result;
};

/// Every candidate variant (policy x check order x VF check x walk order, the rest as
/// detected; one check order for a file without step checks), each run with the same cases;
/// the ones that agree come first.
std::vector<VariantVerdict> matchVariants(KernelCode &code, const KernelCheckOptions &options);

/// What the code held after one step of observeKernel().
struct KernelStep {
    std::optional<Result> result; ///< where the API returns one (as in KernelCode::apply)
    KernelSnapshot state;
};

/// Runs `ops` on the loaded code in a child process and gives the state after every step (the
/// steps run, fewer if the code crashed or hung; `crash` then says how): what the harness's own
/// tests read, the model not involved.
std::vector<KernelStep> observeKernel(KernelCode &code, const Topology &t,
                                      const std::vector<Op> &ops, std::string *crash = nullptr,
                                      const KernelCheckOptions &options = {});

/// The disagreement as a replayable trace (inline tree, policy, abi and the variant's switches).
Trace disagreementTrace(const KernelDisagreement &d);

/// The model's variant switches as trace-header-like words: "policy bail, abi v7, check order
/// zero-refcount-first, vf every-device, release warn-and-free, end held-forever".
std::string describeVariant(const LiveUpdateConfig &c);

} // namespace bridgepath
