#pragma once
/// KernelShape: what a drivers/pci/liveupdate.c is, read from its text: the entry points it
/// defines, how its table is held (fixed array or KHO block set), what its FLB's .unpreserve does
/// with nr_devices != 0 (BUG_ON or WARN_ON), whether its FLB's .finish panics, where it refuses
/// a VF, and the walk macro it uses. What the text cannot show for sure (the walk policy, the
/// order of the EBUSY and refcount-0 checks) is found by running it against each model variant.

#include "kernelcheck/CSource.h"
#include "topology/LiveUpdateConfig.h"

#include <optional>
#include <string>
#include <vector>

namespace bridgepath {

/// The detected version of one file.
struct KernelShape {
    bool blockSet = false;     ///< table in a kho_block_set (else a fixed devices[] array)
    bool versionField = false; ///< struct pci_ser has `version`
    ReleaseCheck release = ReleaseCheck::BugOn;
    EndOfUpdate end = EndOfUpdate::HeldForever;
    VfCheck vf = VfCheck::NamedDevice;
    CheckOrder order = CheckOrder::ZeroRefcountFirst; ///< as the text reads (runs confirm it)
    WalkOrder walk = WalkOrder::LeafFirst; ///< RootFirst: the walks recurse to the root first
    StepChecks checks =
        StepChecks::Full;            ///< None: a preserve step with no -EBUSY, no refcount-0 check
    bool ownPathMacro = false;       ///< the file defines for_each_pci_dev_in_path itself
    bool cleanupUnpreserves = false; ///< its cleanup function calls the unpreserve API (v6)
    /// When a device's reference on the incoming FLB is put: in its finish step (v6), once per
    /// finish call (v4 06/11, the early file), or at its setup already (the latest file).
    IncomingPut put = IncomingPut::PerDevice;
    /// Checked: the file keeps bridgepath's record of direct preservation (reads
    /// dev->liveupdate.preserved_directly), a design no kernel has.
    DirectRecord record = DirectRecord::None;
    std::string preserve, unpreserve, finish, registerFlb; ///< entry points
    std::optional<std::string> setup, cleanup, freeze;     ///< PCI-core hooks it has
    std::string preserveStep, unpreserveStep, finishStep;  ///< the walk steps (wrapped)
    /// The unpreserve and finish steps are recursive walks (the function is the walk): they
    /// are tracked, but a fail-next cannot make one device's step fail without its bridges'.
    bool recursiveSteps = false;
    std::string flbUnpreserve, flbFinish; ///< its FLB ops' functions
    std::vector<std::string> notes;       ///< how each feature was recognised, for the report

    /// The ABI the table layout matches (v6: fixed array, v7: block set).
    Abi abi() const { return blockSet ? Abi::V7 : Abi::V6; }
    /// The model configuration for this shape with `policy` and `order`.
    LiveUpdateConfig config(Policy policy, CheckOrder order) const;
    /// The model configuration as detected: policy bail where the text does not say, continue
    /// for recursive walks (a void recursion has no way to stop).
    LiveUpdateConfig config() const {
        return config(recursiveSteps ? Policy::Continue : Policy::Bail, order);
    }
    /// One line: "fixed array, BUG_ON at release, no end-of-update panic, VF refused first".
    std::string describe() const;
};

/// Reads `src` (InputError naming `src.path()` when it has no bridge walk or lacks an entry
/// point kernel-check drives).
KernelShape detectShape(const CSource &src);

} // namespace bridgepath
