#include "topology/KernelEvent.h"

namespace bridgepath {

const char *toString(KernelEventKind k) {
    switch (k) {
    case KernelEventKind::BugAtRelease:
        return "bug-at-release";
    case KernelEventKind::TableFreedWithReferences:
        return "table-freed-with-references";
    case KernelEventKind::UseAfterFree:
        return "use-after-free";
    case KernelEventKind::PanicAtFinish:
        return "panic-at-finish";
    case KernelEventKind::IncomingHeld:
        return "incoming-held";
    case KernelEventKind::RetrieveFailed:
        return "retrieve-failed";
    case KernelEventKind::NullDereference:
        return "null-dereference";
    case KernelEventKind::ReleaseCleared:
        return "release-cleared";
    case KernelEventKind::CountDropped:
        return "count-dropped";
    case KernelEventKind::LeakDropped:
        return "leak-dropped";
    }
    return "?";
}

const std::vector<KernelEventKind> &allKernelEvents() {
    static const std::vector<KernelEventKind> all{
        KernelEventKind::BugAtRelease,    KernelEventKind::TableFreedWithReferences,
        KernelEventKind::UseAfterFree,    KernelEventKind::PanicAtFinish,
        KernelEventKind::IncomingHeld,    KernelEventKind::RetrieveFailed,
        KernelEventKind::NullDereference, KernelEventKind::ReleaseCleared,
        KernelEventKind::CountDropped,    KernelEventKind::LeakDropped};
    return all;
}

std::optional<KernelEventKind> parseKernelEvent(std::string_view name) {
    for (KernelEventKind k : allKernelEvents())
        if (name == toString(k))
            return k;
    return std::nullopt;
}

bool isCrash(KernelEventKind k) {
    switch (k) {
    case KernelEventKind::BugAtRelease:
    case KernelEventKind::UseAfterFree:
    case KernelEventKind::PanicAtFinish:
    case KernelEventKind::RetrieveFailed:
    case KernelEventKind::NullDereference:
        return true;
    case KernelEventKind::TableFreedWithReferences:
    case KernelEventKind::IncomingHeld:
    case KernelEventKind::ReleaseCleared:
    case KernelEventKind::CountDropped:
    case KernelEventKind::LeakDropped:
        return false;
    }
    return false;
}

bool happened(const std::vector<KernelEvent> &events, KernelEventKind k) {
    for (const KernelEvent &e : events)
        if (e.kind == k)
            return true;
    return false;
}

bool crashedBy(const std::vector<KernelEvent> &events) {
    for (const KernelEvent &e : events)
        if (killsKernel(e.kind))
            return true;
    return false;
}

std::string describe(const KernelEvent &e) {
    const std::string nr = std::to_string(e.nrDevices);
    switch (e.kind) {
    case KernelEventKind::BugAtRelease:
        return "kernel BUG: nothing is preserved any more but nr_devices is " + nr +
               ", so releasing the table hits BUG_ON(nr_devices): the outgoing kernel crashes";
    case KernelEventKind::TableFreedWithReferences:
        return "WARN: the table is freed with nr_devices " + nr +
               ": the leaked bridges keep pointers into freed memory";
    case KernelEventKind::UseAfterFree:
        return "use after free: " + (e.device ? e.device->toString() : std::string("a device")) +
               " reads its slot through a pointer into the freed table (KASAN would report it)";
    case KernelEventKind::PanicAtFinish:
        return "panic: the Live Update ends with nr_devices " + nr +
               " (\"preserved device(s) were never finished\")";
    case KernelEventKind::IncomingHeld:
        if (e.nrDevices == 0)
            return "the Live Update ends with every count at 0, but a device never put its "
                   "reference on the incoming state: it is held forever";
        return "the Live Update ends with nr_devices " + nr +
               ": the incoming state is held forever (v6 does not panic)";
    case KernelEventKind::RetrieveFailed:
        return "the incoming kernel cannot retrieve the table (two slots name one device, "
               "nr_devices " +
               nr +
               "): later kernels panic, v6 frees it and LUO retries the "
               "retrieve on freed memory";
    case KernelEventKind::NullDereference:
        return "Oops: NULL pointer dereference: " +
               (e.device ? e.device->toString() : std::string("a device")) +
               " is finished through its incoming pointer, which is NULL (a bridge already "
               "finished, or never incoming): the incoming kernel crashes";
    case KernelEventKind::ReleaseCleared:
        return "WARN: nothing is preserved any more but nr_devices is " + nr +
               ": every cached pointer is cleared and the table freed (nothing dangles)";
    case KernelEventKind::CountDropped:
        return "WARN: " + (e.device ? e.device->toString() : std::string("a device")) +
               " still holds a count with nothing preserved: dropped (nr_devices " + nr + ")";
    case KernelEventKind::LeakDropped:
        return "WARN: the Live Update ends with nr_devices " + nr +
               " but every directly preserved device finished: the bridge counts are dropped";
    }
    return "?";
}

} // namespace bridgepath
