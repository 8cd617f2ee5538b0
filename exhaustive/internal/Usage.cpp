#include "exhaustive/internal/Usage.h"

#include "properties/Misuse.h"
#include "properties/UsageUpdate.h"

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

// usageUpdate's view of the masks and the move's device.
struct MaskUpdateView {
    const TreeContext &c;
    Meta &m;
    std::uint8_t device;
    bool outgoingGenerated; // the kernel running after the move generates outgoing operations

    void freeze() { m.frozen |= 1u << device; }
    void vanishTop() { m.vanishedTops |= 1u << device; }
    void stopEnumerating() { m.notEnumerated |= c.subtreeMask[device]; }
    void endFrozen() {
        // Only outgoing operations read the frozen devices: in the last kernel, where none is
        // generated, the mask is kept as it was (so a single Live Update keeps the state counts
        // of the search before chains). The key differs, no verdict does.
        if (outgoingGenerated)
            m.frozen = 0;
    }
    void stopEnumeratingVanished() {
        for (DeviceId d = 0; d < c.topology.size(); ++d)
            if (m.vanishedTops >> d & 1u)
                m.notEnumerated |= c.subtreeMask[d];
    }
};

} // namespace

bool misuse(const TreeContext &c, const PciLiveUpdate &impl, const Meta &m, const Move &mv) {
    return misuseOf(mv.kind, MaskUsageView{c, impl, m, mv.device});
}

void update(const TreeContext &c, Meta &m, const Move &mv, Result result, unsigned generation,
            unsigned generations) {
    MaskUpdateView v{c, m, mv.device, generation < generations};
    usageUpdate(mv.kind, result, v);
}

} // namespace bridgepath::exhaustive
