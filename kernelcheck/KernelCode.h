#pragma once
/// KernelCode: a kernel tree's Live Update walk functions, extracted from their C file, compiled
/// with the system C compiler against bridgepath's stub header and the harness shim, and loaded.
///
/// The entry points are the kernel's API (preserve, unpreserve, finish of a device); everything
/// they call in the file comes along (static helpers, macros, variables). The device-step
/// functions are wrapped so that an armed fail-next makes the step return -EIO before it runs.
/// Failure to find or compile is an InputError naming the symbol or the file:line and what the
/// compiler said (the CLI's exit 2).

#include "topology/LiveUpdateConfig.h"
#include "topology/Op.h"
#include "topology/Result.h"
#include "topology/State.h"
#include "topology/Topology.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bridgepath {

/// Which functions of the file are what (defaults: the names of the v6 posting).
struct KernelNames {
    std::string preserve = "pci_liveupdate_preserve";       ///< int (struct pci_dev *)
    std::string unpreserve = "pci_liveupdate_unpreserve";   ///< void (struct pci_dev *)
    std::string finish = "pci_liveupdate_finish";           ///< void (struct pci_dev *)
    std::string preserveStep = "pci_liveupdate_preserve_device";     ///< one device, wrapped
    std::string unpreserveStep = "pci_liveupdate_unpreserve_device"; ///< one device, wrapped
    std::string finishStep = "pci_liveupdate_finish_device";         ///< one device, wrapped
};

/// The slot table as the loaded code holds it.
struct KernelTable {
    bool incoming = false;
    std::uint32_t nrDevices = 0;
    std::vector<SlotEntry> slots;
};

/// Loaded kernel code; one run at a time (the code keeps global state).
class KernelCode {
  public:
    /// Extracts from `source` (a liveupdate.c, or a kernel tree: drivers/pci/liveupdate.c),
    /// compiles for `abi` and loads. InputError when a function is missing or does not compile.
    static std::unique_ptr<KernelCode> build(const std::string &source, Abi abi,
                                             const KernelNames &names = {});
    ~KernelCode();
    KernelCode(const KernelCode &) = delete;
    KernelCode &operator=(const KernelCode &) = delete;

    /// A fresh run on `t` (v6: `capacity` slots; v7: room to grow to every device).
    void setUp(const Topology &t, std::size_t capacity);
    /// Applies one operation of the kernel-check alphabet (preserve, unpreserve, kexec, finish,
    /// fail-next, lose); nullopt for the void API functions (unpreserve, finish), whose result the
    /// caller does not see.
    std::optional<Result> apply(const Topology &t, const Op &op);
    /// The table the code holds now.
    KernelTable table() const;
    /// How many BUG()s the code hit.
    unsigned bugs() const;
    /// The generated translation unit (for --keep and messages).
    const std::string &unitPath() const { return unit_; }

  private:
    KernelCode() = default;
    struct Api;
    std::unique_ptr<Api> api_;
    void *handle_ = nullptr;
    std::string dir_, unit_;
    bool keep_ = false; // a failed build keeps its folder for the user to read
};

/// The kernel-check operation alphabet: whether `k` is one.
bool kernelCheckable(OpKind k);

} // namespace bridgepath
