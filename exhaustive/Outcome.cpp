#include "exhaustive/Outcome.h"

#include "model/IdealSpec.h"

#include <vector>

namespace bridgepath {

const char *toString(Outcome o) {
    switch (o) {
    case Outcome::Leak:
        return "leak";
    case Outcome::NrDevicesDrift:
        return "nr-devices-drift";
    case Outcome::PrematureRelease:
        return "premature-release";
    case Outcome::Panic:
        return "panic";
    case Outcome::TableFreedWithReferences:
        return "table-freed-with-references";
    case Outcome::UseAfterFree:
        return "use-after-free";
    case Outcome::BugAtRelease:
        return "bug-at-release";
    }
    return "?";
}

std::optional<KernelEventKind> eventOf(Outcome o) {
    switch (o) {
    case Outcome::Leak:
    case Outcome::NrDevicesDrift:
    case Outcome::PrematureRelease:
    case Outcome::Panic: // panic-at-finish or incoming-held, by version: judged on panicked()
        return std::nullopt;
    case Outcome::TableFreedWithReferences:
        return KernelEventKind::TableFreedWithReferences;
    case Outcome::UseAfterFree:
        return KernelEventKind::UseAfterFree;
    case Outcome::BugAtRelease:
        return KernelEventKind::BugAtRelease;
    }
    return std::nullopt;
}

bool shows(Outcome o, const OutcomeFacts &f) {
    switch (o) {
    case Outcome::Leak:
        return f.leak;
    case Outcome::NrDevicesDrift:
        return f.nrDevicesDrift;
    case Outcome::PrematureRelease:
        return f.prematureRelease;
    case Outcome::Panic:
        return f.panicked;
    case Outcome::TableFreedWithReferences:
    case Outcome::UseAfterFree:
    case Outcome::BugAtRelease:
        return (f.happened >> static_cast<int>(*eventOf(o)) & 1u) != 0;
    }
    return false;
}

OutcomeFacts outcomeFacts(const Topology &t, const State &s) {
    OutcomeFacts f;
    f.leak = s.directlyPreserved.empty() && (!s.slots().empty() || !s.dangling.empty());
    if (!f.leak && s.generation != 0 && s.incoming.directlyPreserved.empty())
        for (const SlotEntry &e : s.incoming.table)
            f.leak = f.leak || e.refcount != 0;
    auto drifts = [](const std::vector<SlotEntry> &table, std::uint32_t nr) {
        std::uint32_t inUse = 0;
        for (const SlotEntry &e : table)
            inUse += e.refcount != 0 ? 1 : 0;
        return nr != inUse;
    };
    f.nrDevicesDrift = drifts(s.table, s.nrDevices) ||
                       (s.generation != 0 && drifts(s.incoming.table, s.incoming.nrDevices));
    f.prematureRelease = !releasedEarlyDevices(t, s.outgoingSide()).empty() ||
                         (s.generation != 0 && !releasedEarlyDevices(t, s.incomingSide()).empty());
    f.panicked = s.panicked;
    for (const KernelEvent &e : s.events)
        f.happened |= 1u << static_cast<int>(e.kind);
    return f;
}

bool shows(Outcome o, const Topology &t, const State &s) {
    return shows(o, outcomeFacts(t, s));
}

} // namespace bridgepath
