#include "properties/Expectations.h"

namespace bridgepath {

namespace {

// The table, one fault class at a time. `reason` explains the expected failures.
bool holds(Invariant inv, FaultClass fault, Policy policy, Abi abi, std::string *reason) {
    auto no = [reason](const char *why) {
        if (reason)
            *reason = why;
        return false;
    };
    const bool bail = policy == Policy::Bail;
    const bool cont = policy == Policy::Continue;
    if (inv == Invariant::NoCrash) {
        switch (fault) {
        case FaultClass::None:
        case FaultClass::Alloc:
            return true;
        case FaultClass::Vanish:
            if (abi == Abi::V6)
                return true; // v6 holds the incoming state forever instead of panicking
            return no("a device that does not come back is never finished: later kernels panic "
                      "when the Live Update ends");
        case FaultClass::Unplug:
            if (abi == Abi::V6)
                return no("when the cleanup walk of a removed device fails (it is frozen), v6's "
                          "cleanup of the bridge above walks again from the bridge: the count "
                          "left by the device reaches the table's release, BUG_ON");
            return no("later kernels only warn at hot-unplug: the removed device stays "
                      "preserved and the Live Update ends in a panic");
        case FaultClass::Step:
        case FaultClass::LostSlot:
        case FaultClass::Refcount:
        case FaultClass::Misuse:
            return no(abi == Abi::V6 ? "a leaked count reaches the table's release: BUG_ON"
                                     : "a leaked count ends in a panic at the end, or the "
                                       "table is freed under it and used after");
        }
        return true;
    }
    switch (fault) {
    case FaultClass::None:
    case FaultClass::Alloc:  // -ENOSPC is rolled back exactly when nothing else fails
    case FaultClass::Vanish: // counts stay right; the panic is "never finished", not a leak
        return true;
    case FaultClass::Unplug:
        // The kernel unpreserves/finishes the removed subtree itself (v6), children first; a
        // bridge that still holds a slot when its turn comes walks from itself (real v6
        // pci_liveupdate_cleanup_device looks at the device's pointers). Where a device's own
        // walk failed (frozen), the bridge above is freed under the device's slot.
        switch (inv) {
        case Invariant::NrDevices:
        case Invariant::AtomicPreserve:
        case Invariant::NoPrematureRelease: // the device below is gone with its bridge
            return true;
        case Invariant::Closure:
        case Invariant::ExactCount:
        case Invariant::NoLeak:
        case Invariant::Containment:
        case Invariant::NoPanicAtFinish:
        case Invariant::NoCrash: // handled above
            if (abi != Abi::V6)
                return true; // later kernels only warn: the counts stay as they were
            return no("a removed device whose own cleanup walk fails (frozen) keeps its slot "
                      "while the bridge above unpreserves itself");
        }
        return true;
    case FaultClass::Step:
        switch (inv) {
        case Invariant::NrDevices:
        case Invariant::NoPrematureRelease:
            return true; // a failed step only leaves counts too high, and frees nothing
        case Invariant::Containment:
            if (cont)
                return true;
            return no(bail ? "bail leaves every bridge above the failing step counted"
                           : "guarded bails when the named device's own step fails");
        case Invariant::Closure:
            return no("continue keeps the failing device's slot above freed parents; two faults "
                      "(a failed preserve and its rollback) do it under bail too");
        case Invariant::AtomicPreserve:
            return no("a failing rollback step leaves part of a failed preserve behind");
        case Invariant::ExactCount:
        case Invariant::NoLeak:
        case Invariant::NoPanicAtFinish:
        case Invariant::NoCrash: // handled above
            return no("a failed step's count is never returned");
        }
        return true;
    case FaultClass::LostSlot:
    case FaultClass::Refcount:
        switch (inv) {
        case Invariant::AtomicPreserve:
            return true; // a walk that meets a bad slot fails before changing it and rolls back
        case Invariant::Containment:
            if (cont)
                return true;
            return no(bail ? "bail leaves every bridge above the corrupted slot counted"
                           : "guarded bails when the named device's own slot is the bad one");
        case Invariant::Closure:
        case Invariant::ExactCount:
        case Invariant::NrDevices:
        case Invariant::NoLeak:
        case Invariant::NoPrematureRelease:
        case Invariant::NoPanicAtFinish:
        case Invariant::NoCrash: // handled above
            return no("the corruption itself breaks the counts (and a lost slot's nr_devices "
                      "share is never returned)");
        }
        return true;
    case FaultClass::Misuse:
        switch (inv) {
        case Invariant::NrDevices:
        case Invariant::AtomicPreserve:
            return true; // misuse never frees a slot without nr_devices-- nor half-preserves
        case Invariant::Closure:
        case Invariant::ExactCount:
        case Invariant::NoLeak:
        case Invariant::NoPrematureRelease:
        case Invariant::Containment:
        case Invariant::NoPanicAtFinish:
        case Invariant::NoCrash: // handled above
            return no("a bridge preserved twice is counted twice, and unpreserving a bridge "
                      "that is only preserved through a device below releases it early");
        }
        return true;
    }
    return true;
}

} // namespace

bool expectedToHold(Invariant inv, const std::set<FaultClass> &faults, Policy policy, Abi abi) {
    for (FaultClass f : faults)
        if (!holds(inv, f, policy, abi, nullptr))
            return false;
    return true;
}

std::string expectationReason(Invariant inv, FaultClass fault, Policy policy, Abi abi) {
    std::string reason;
    return holds(inv, fault, policy, abi, &reason) ? "expected to hold" : reason;
}

} // namespace bridgepath
