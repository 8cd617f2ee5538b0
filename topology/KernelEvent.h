#pragma once
/// KernelEvent: what the kernel itself does about a broken refcount (BUG, WARN and free, use after
/// free, panic), in the order it happens; part of the observable state, like the kernel log.

#include "topology/Bdf.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bridgepath {

/// The kernel-visible consequences the harness reports (DOMAIN.md, "Versions").
enum class KernelEventKind {
    BugAtRelease, ///< v6: the table is released with nr_devices != 0: BUG_ON, the outgoing kernel
                  ///< dies
    TableFreedWithReferences, ///< v7: the same moment: WARN, and the table is freed under live
                              ///< references
    UseAfterFree,    ///< a walk step read or wrote a freed slot through a stale cached index
    PanicAtFinish,   ///< v7: the Live Update ends with nr_devices != 0: panic
    IncomingHeld,    ///< v6: the same moment: the incoming state is never released
    RetrieveFailed,  ///< the incoming kernel cannot index the table (two slots name one device):
                     ///< later kernels panic, v6 frees it and LUO retries on freed memory
    NullDereference, ///< early file: a finish step goes through a NULL incoming pointer (a bridge
                     ///< already finished, or never incoming): Oops, the kernel dies
    ReleaseCleared,  ///< design warn-clear-and-free: the table released with nr_devices != 0,
                     ///< WARN, every cached pointer cleared, then freed (nothing dangles)
    CountDropped,    ///< design warn-and-reconcile: at that release the device's count is dropped
    LeakDropped,     ///< design panic-if-direct-unfinished: the update ends with counts only on
                     ///< bridges: WARN, dropped, no panic
};

/// Number of KernelEventKind values.
inline constexpr int kKernelEventKinds = 10;

/// `bug-at-release`, `table-freed-with-references`, `use-after-free`, `panic-at-finish`,
/// `incoming-held`, `retrieve-failed`, `null-dereference`, `release-cleared`, `count-dropped`,
/// `leak-dropped`.
const char *toString(KernelEventKind k);
/// Inverse of toString.
std::optional<KernelEventKind> parseKernelEvent(std::string_view name);
/// Every kind, in declaration order.
const std::vector<KernelEventKind> &allKernelEvents();
/// The crashes (bug-at-release, use-after-free, panic-at-finish, retrieve-failed,
/// null-dereference): what the
/// no-crash invariant forbids.
bool isCrash(KernelEventKind k);

/// One event: its kind, the device whose stale slot was touched (use-after-free), and nr_devices
/// at that moment (release and end events).
struct KernelEvent {
    KernelEventKind kind = KernelEventKind::BugAtRelease;
    std::optional<Bdf> device;
    std::uint32_t nrDevices = 0;

    friend bool operator==(const KernelEvent &a, const KernelEvent &b) {
        return a.kind == b.kind && a.device == b.device && a.nrDevices == b.nrDevices;
    }
    friend bool operator!=(const KernelEvent &a, const KernelEvent &b) { return !(a == b); }
};

/// Whether `events` hold an event of kind `k`.
bool happened(const std::vector<KernelEvent> &events, KernelEventKind k);

/// Whether an event of kind `k` kills the kernel: bug-at-release, retrieve-failed,
/// panic-at-finish, null-dereference (a panic at the end of one update also ends the chain).
constexpr bool killsKernel(KernelEventKind k) {
    // A use after free is a crash (isCrash) but the harness lets the access go on, as a kernel
    // without KASAN would: the kernel is dead only after these.
    switch (k) {
    case KernelEventKind::BugAtRelease:
    case KernelEventKind::RetrieveFailed:
    case KernelEventKind::PanicAtFinish:
    case KernelEventKind::NullDereference:
        return true;
    case KernelEventKind::TableFreedWithReferences:
    case KernelEventKind::UseAfterFree:
    case KernelEventKind::IncomingHeld:
    case KernelEventKind::ReleaseCleared:
    case KernelEventKind::CountDropped:
    case KernelEventKind::LeakDropped:
        return false;
    }
    return false;
}

/// Whether `events` hold an event that kills the kernel (killsKernel): after it every operation
/// is refused.
bool crashedBy(const std::vector<KernelEvent> &events);

/// The event in the words a reviewer would use, e.g. "kernel BUG: the table is released with
/// nr_devices 2 (BUG_ON): the outgoing kernel crashes".
std::string describe(const KernelEvent &e);

} // namespace bridgepath
