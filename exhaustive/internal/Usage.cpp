#include "exhaustive/internal/Usage.h"

#include "properties/Misuse.h"

namespace bridgepath::exhaustive {

namespace {

// misuseOf's view of the implementation, the masks and the move's device.
struct MaskUsageView {
    const TreeContext &c;
    const PciLiveUpdate &impl;
    const Meta &m;
    std::uint8_t device;

    bool crashed() const { return impl.crashed(); }
    Phase phase() const { return impl.phase(); }
    bool directlyPreserved() const { return impl.directlyPreserved(device); }
    bool isVf() const { return c.topology.isVf(device); }
    bool frozenOnPath() const { return (c.pathMask[device] & m.frozen) != 0; }
    bool directlyIncoming() const { return impl.directlyIncoming(device); }
    bool enumeratedIncomingUnfinished() const {
        for (DeviceId d = 0; d < c.topology.size(); ++d)
            if (impl.directlyIncoming(d) && !(m.notEnumerated >> d & 1u))
                return true;
        return false;
    }
};

} // namespace

bool misuse(const TreeContext &c, const PciLiveUpdate &impl, const Meta &m, const Move &mv) {
    return misuseOf(mv.kind, MaskUsageView{c, impl, m, mv.device});
}

void update(const TreeContext &c, Meta &m, const Move &mv, Result result, unsigned generation,
            unsigned generations) {
    switch (mv.kind) {
    case OpKind::Freeze:
        m.frozen |= 1u << mv.device;
        break;
    case OpKind::Vanish:
        if (result == Result::Ok)
            m.vanishedTops |= 1u << mv.device;
        break;
    case OpKind::Unplug:
        if (result != Result::Enodev && result != Result::Enoent)
            m.notEnumerated |= c.subtreeMask[mv.device];
        break;
    case OpKind::Kexec:
        if (result != Result::Enoent) {
            for (DeviceId d = 0; d < c.topology.size(); ++d)
                if (m.vanishedTops >> d & 1u)
                    m.notEnumerated |= c.subtreeMask[d];
            // Frozen devices belong to the outgoing session. Only outgoing operations read
            // them: in the last kernel, where none is generated, the mask is kept as it was
            // (so a single Live Update keeps the state counts of the search before chains).
            if (generation < generations)
                m.frozen = 0;
        }
        break;
    case OpKind::Preserve:
    case OpKind::Unpreserve:
    case OpKind::Finish:
    case OpKind::FinishAll:
    case OpKind::FailNext:
    case OpKind::Lose:
    case OpKind::SetRefcount:
        break;
    }
}

} // namespace bridgepath::exhaustive
