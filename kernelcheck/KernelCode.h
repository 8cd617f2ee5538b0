#pragma once
/// KernelCode: a real drivers/pci/liveupdate.c, compiled as it is against bridgepath's user-space
/// emulation of the kernel API (kernelcheck/c/bridgepath_kernel.h) and the machine around it
/// (kernelcheck/c/bridgepath_harness.c: PCI core, LUO's FLB, KHO memory), and loaded.
///
/// The only change made to the file is instrumentation: each walk-step function
/// (pci_liveupdate_{preserve,unpreserve,finish}_device) is renamed and wrapped so that an armed
/// fail-next makes that step return -EIO before it runs, as the kernel's fail-nth would. When the
/// file sits in a kernel tree, the tree's drivers/pci/liveupdate.h and
/// include/linux/kho/abi/pci.h are used; otherwise the stub supplies what the detected version
/// needs. Failure to find or compile is an InputError naming every identifier the stub lacks with
/// its file:line (the CLI's exit 2).

#include "kernelcheck/KernelShape.h"
#include "topology/KernelEvent.h"
#include "topology/Op.h"
#include "topology/Result.h"
#include "topology/State.h"
#include "topology/Topology.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bridgepath {

/// LUO's calls of the file's FLB ops so far (every generation).
struct FlbCalls {
    unsigned preserve = 0, unpreserve = 0, retrieve = 0, finish = 0;
};

/// What the loaded code holds after a step, in the model's terms: the running kernel's outgoing
/// side (its own session's table) beside the incoming side it inherited at its kexec.
struct KernelSnapshot {
    Phase phase = Phase::Outgoing;
    unsigned generation = 0;               ///< kexecs so far
    std::uint32_t nrDevices = 0;           ///< outgoing
    std::vector<SlotEntry> slots;          ///< outgoing (empty while the session has no table)
    std::map<Bdf, std::uint16_t> dangling; ///< outgoing pointers into freed memory
    std::uint32_t incomingNrDevices = 0;
    std::vector<SlotEntry> incomingSlots; ///< the handed-over table (empty if none was)
    std::vector<KernelEvent> events;
    /// Events the model has no kind for (a BUG or panic elsewhere), in words.
    std::vector<std::string> otherEvents;
    /// How LUO drove the FLB (not compared with the model: what the tests of the harness read).
    FlbCalls calls;
};

/// Loaded kernel code; one run at a time (the code keeps global state), in a child process.
class KernelCode {
  public:
    /// Reads, detects, instruments, compiles and loads `source` (a liveupdate.c, or a kernel
    /// tree holding drivers/pci/liveupdate.c). `mutate` (if set) rewrites the file's text before
    /// instrumentation (mutation testing). InputError when the file has no bridge walk, lacks an
    /// entry point, or does not compile against the stub.
    static std::unique_ptr<KernelCode>
    build(const std::string &source,
          const std::function<std::string(const std::string &)> &mutate = {},
          bool keepOnFailure = true);
    ~KernelCode();
    KernelCode(const KernelCode &) = delete;
    KernelCode &operator=(const KernelCode &) = delete;

    /// What the file is (detected from its text).
    const KernelShape &shape() const { return shape_; }
    /// The file as given (for messages).
    const std::string &file() const { return file_; }

    /// A fresh machine on `t` (call once per process: the code's globals start as loaded);
    /// InputError-free: false with `why` if the file's registration fails.
    bool setUp(const Topology &t, std::string &why, std::size_t memoryLimit = 256u << 20);
    /// Applies one operation; the result where the API returns one (preserve) or the harness
    /// decides (lose, set-refcount, vanish, freeze, unplug of a missing device), else nullopt.
    std::optional<Result> apply(const Topology &t, const Op &op);
    /// The state the code holds now.
    KernelSnapshot snapshot(const Topology &t) const;
    /// Sets the function the machine calls (in the child) when the code crashes.
    void onCrash(void (*hook)(const char *what));
    /// Remembers the loaded library's writable data (the code's and the machine's globals) as
    /// they are now; call once in a fresh process, before setUp().
    void snapshot();
    /// Frees what the last case allocated and puts the writable data back as snapshot() saw
    /// it: the next setUp() starts from a freshly loaded library, in the same process.
    void reset();

  private:
    KernelCode() = default;
    struct Api;
    std::unique_ptr<Api> api_;
    void *handle_ = nullptr;
    std::string dir_, file_;
    KernelShape shape_;
    bool keep_ = false;
    std::string lib_;
    std::vector<std::pair<char *, std::string>> data_; // writable segments and their contents
};

/// The kernel-check operation alphabet for this file: whether `op` can be driven (a freeze
/// needs a freeze function, an unplug a cleanup function, a fail-next of an unpreserve or finish
/// step a per-device step function).
bool kernelCheckable(const Op &op, const KernelShape &shape);

/// Removes every scratch folder kernel-check made that is still there, from a signal handler
/// (async-signal-safe: runs `rm -rf` on the folders' names).
void removeKernelScratchOnSignal();

} // namespace bridgepath
