#pragma once
/// PciLiveUpdate: the kernel-faithful implementation of PCI Live Update bridge-path preservation.
///
///      preserve / unpreserve / freeze            finish / finish-all
///   +----------+    kexec (serialize slots)  +----------+   finish-all   +-------+
///   | Outgoing | --------------------------> | Incoming | -------------> | Ended |
///   +----------+                             +----------+                +-------+
///
/// Mirrors drivers/pci/liveupdate.c: a slot table of `pci_dev_ser` with a separate nr_devices
/// counter, each device caching the index of its slot, a walk from the device up to the root bus
/// (dev, dev->bus->self, ...), rollback of a failed preserve, and a switchable failure policy for the
/// walks down (unpreserve, finish, rollback). Flat arrays indexed by DeviceId; no allocation per
/// step. Every operation returns 0 (Result::Ok) or the kernel's error code; see each method.
///
/// Faults are operations too (fail-next, lose, set-refcount, vanish, unplug), so a trace can place
/// them anywhere.
///
/// Where kernel versions differ, each choice is the config's accessor (checkOrderOf, vfCheckOf,
/// releaseCheckOf, endOfUpdateOf; default: what `abi` implies, written v6 / v7 below) and honours
/// every override, as does tableSizedToPresent; the table layout, KHO image and hot-unplug follow
/// `abi`.
///
/// The table lives per Live Update session: it is allocated at the first preserve (v6: `capacity`
/// zeroed slots, or one per device present with tableSizedToPresent; v7: empty) and released
/// when, after an outgoing operation, no device is directly preserved any more. At that release
/// nr_devices != 0 means: BugOn (v6) BUG_ON, event bug-at-release (the outgoing kernel is dead and
/// every later operation returns -ENOENT); WarnAndFree (v7) WARN, event
/// table-freed-with-references. Either way the table is then freed: nr_devices is 0 and every
/// device still caching a slot keeps a pointer into freed memory ("dangling"). Freed memory keeps
/// its contents: a walk step that reads or writes such a slot emits use-after-free and acts on the
/// freed copy (never on the live table or nr_devices, which live in the new table's header).
/// Kexec hands over no slot while no table is allocated. finish-all with nr_devices != 0 emits
/// panic-at-finish (EndOfUpdate::Panic, v7) or incoming-held (HeldForever, v6).

#include "impl/SlotTable.h"
#include "topology/KernelEvent.h"
#include "topology/LiveUpdateConfig.h"
#include "topology/Op.h"
#include "topology/Result.h"
#include "topology/State.h"
#include "topology/Topology.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace bridgepath {

/// One Live Update over one topology.
class PciLiveUpdate {
  public:
    /// Outgoing phase, empty table (v6: `config.capacity` free slots; with tableSizedToPresent
    /// one per device), nr_devices 0. Every config is honoured.
    PciLiveUpdate(const Topology &topology, const LiveUpdateConfig &config);

    /// Applies one operation; requires every BDF it names to be in the topology.
    Result apply(const Op &op);

    /// Outgoing. -ENOENT after a crash (first: a dead kernel runs nothing); VfCheck::NamedDevice
    /// (v6): -EINVAL for a VF, before the phase check, so in every phase; -ENOENT after kexec;
    /// -ENODEV if unplugged. Allocates the table if none is. Walks dev up to the root bus; per
    /// device: pending fail-next -> -EIO; VfCheck::EveryDevice (v7): a VF -> -EINVAL; frozen ->
    /// -EINVAL; no slot -> allocate with refcount 1 (-ENOSPC when the table is full),
    /// nr_devices++; slot with refcount 0 -> -EINVAL (WARN); endpoint with a slot -> -EBUSY
    /// (CheckOrder::EbusyFirst, v7, checks this before refcount 0); bridge -> refcount++ (u16).
    /// On a failure at device D the devices from dev up to D (exclusive) are unpreserved again
    /// under the policy, D's error is returned, and the table is released if nothing is directly
    /// preserved. On success dev becomes directly preserved.
    Result preserve(DeviceId dev);
    /// Outgoing. -ENOENT after kexec; -ENODEV if unplugged. dev stops being directly preserved
    /// whatever happens. Walks the path under the policy; per device: fail-next -> -EIO; frozen ->
    /// -EINVAL; no slot -> -EINVAL; refcount 0 -> -EINVAL (WARN); else refcount--, and at 0 the slot
    /// is zeroed, the device forgets it and nr_devices--. Returns the first error (bail: the only).
    /// Afterwards the table is released if nothing is directly preserved.
    Result unpreserve(DeviceId dev);
    /// Outgoing. Later preserve/unpreserve steps at dev fail -EINVAL. -ENOENT after kexec.
    Result freeze(DeviceId dev);
    /// Outgoing -> Incoming: serializes slots and nr_devices (KhoImage), decodes them, indexes slots
    /// with refcount != 0 by domain << 16 | bdf; each enumerated device (not vanished, not unplugged)
    /// with a key in the index becomes incoming. -EEXIST on a duplicate key (nothing incoming then).
    Result kexec();
    /// Incoming. -ENOENT before kexec; -ENODEV if dev is not enumerated. dev stops being directly
    /// preserved. Walks the path under the policy; per device: fail-next -> -EIO; not incoming ->
    /// -EINVAL; refcount 0 -> -EINVAL (WARN); else refcount--, at 0 the device stops being incoming
    /// and nr_devices--.
    Result finish(DeviceId dev);
    /// Incoming -> Ended. Result::Panic if nr_devices != 0 ("never finished"; event
    /// panic-at-finish under EndOfUpdate::Panic, v7; incoming-held under HeldForever, v6), else Ok.
    Result finishAll();

    /// The next step of `kind` at dev fails once with -EIO, before any other check.
    Result failNext(DeviceId dev, StepKind kind);
    /// Zeroes dev's slot (domain, bdf, refcount; a dangling device's freed copy); dev keeps the
    /// index, nr_devices is untouched. -ENOENT if dev has no slot (outgoing) or is not incoming
    /// (incoming).
    Result lose(DeviceId dev);
    /// Overwrites the refcount of dev's slot; -ENOENT as for lose.
    Result setRefcount(DeviceId dev, std::uint16_t value);
    /// Outgoing: dev and its subtree will not be enumerated after kexec. -ENOENT after kexec.
    Result vanish(DeviceId dev);
    /// Hot-removal of dev and its subtree, deepest first. v6: each removed device that is directly
    /// preserved is unpreserved (outgoing) or finished (incoming) by the kernel under the policy.
    /// v7 only warns: a removed device stays directly preserved and keeps its counts. Returns the
    /// first error; -ENODEV if already removed. Outgoing, the table is then released if nothing is
    /// directly preserved.
    Result unplug(DeviceId dev);

    /// The observable state.
    State state() const;

    /// Where the Live Update is.
    Phase phase() const { return phase_; }
    /// The slot table `state().table` reports (outgoing table, or the decoded incoming entries),
    /// without copying it.
    const std::vector<SlotEntry> &slots() const {
        if (phase_ != Phase::Outgoing)
            return incoming_;
        return tableLive_ ? table_.entries() : kNoSlots;
    }
    /// The nr_devices counter.
    std::uint32_t nrDevices() const { return nrDevices_; }
    /// finish-all ran with nr_devices != 0.
    bool panicked() const { return panicked_; }
    /// The outgoing kernel hit BUG_ON at the table's release.
    bool crashed() const {
        return happened(KernelEventKind::BugAtRelease) || happened(KernelEventKind::RetrieveFailed);
    }
    /// Every kernel event so far, in order (after restore(): one event per kind that happened,
    /// without device or count: the record keeps only the kinds).
    const std::vector<KernelEvent> &events() const { return events_; }
    /// An event of kind k happened (restore() keeps this).
    bool happened(KernelEventKind k) const { return seen_ & (1u << static_cast<int>(k)); }
    /// dev caches a pointer into a released table.
    bool dangling(DeviceId dev) const { return slot_[dev] == kStale; }
    /// dev's preserve succeeded and no unpreserve/finish of it was called since.
    bool directlyPreserved(DeviceId dev) const { return direct_[dev] != 0; }
    /// A fail-next of `kind` at dev is armed and has not fired yet.
    bool failNextPending(DeviceId dev, StepKind kind) const { return failNext_[dev] & bit(kind); }
    /// The refcount of the slot dev holds (outgoing: its cached slot; incoming: its entry), or
    /// nullopt when it holds none (what lose and set-refcount act on).
    std::optional<std::uint16_t> heldRefcount(DeviceId dev) const {
        if (slot_[dev] == kNone || phase_ == Phase::Ended)
            return std::nullopt;
        if (slot_[dev] == kStale)
            return ghost_[dev];
        return slots()[slot_[dev]].refcount;
    }

    /// Appends the complete mutable state as bytes to `out`: two instances over the same topology
    /// and config whose bytes are equal behave the same under every future operation (the key of
    /// an explicit-state search). Allocation-free once `out` has capacity.
    void save(std::vector<std::uint8_t> &out) const;
    /// Restores what save() wrote on an instance of the same topology and config; `bytes` must be
    /// exactly such a record.
    void restore(const std::uint8_t *bytes, std::size_t size);

    /// Each device's own part of the state in one word (indexed by DeviceId): its cached slot
    /// index, its flags (frozen, pending fail-next, vanished, removed, directly preserved) and a
    /// bit per slot (of the first 24) whose entry names it. Devices with equal words and equal
    /// subtrees are interchangeable.
    void deviceWords(std::vector<std::uint64_t> &out) const;
    /// Renames the devices by an automorphism `perm` of the topology (a bijection that keeps
    /// parents: parent(perm[d]) == perm[parent(d)], and keeps 0000:00:00.0, the address a zeroed
    /// slot names): afterwards perm[d] holds what d held (cached slot, flags) and every slot naming
    /// d names perm[d]. The renamed state behaves as the original with every device renamed.
    void relabel(const std::vector<DeviceId> &perm);

  private:
    static constexpr std::uint32_t kNone = UINT32_MAX;
    // slot_ of a device whose slot was in a released table (its freed copy is in ghost_).
    static constexpr std::uint32_t kStale = UINT32_MAX - 1;
    static const std::vector<SlotEntry> kNoSlots;

    // A bit per StepKind in failNext_.
    static std::uint8_t bit(StepKind k) { return static_cast<std::uint8_t>(1u << static_cast<int>(k)); }

    Result preserveDevice(DeviceId dev);
    Result unpreserveDevice(DeviceId dev);
    Result finishDevice(DeviceId dev);
    bool takeFailNext(DeviceId dev, StepKind kind);
    // Runs `step` on dev, parent, ... up to (excluding) `end` (kNone: to the root) under the policy.
    template <class Step> Result walkDown(DeviceId dev, std::uint32_t end, Step step);
    Result unplugTree(DeviceId dev);
    // The refcount a step reads at dev's cached slot (a dangling device's: use-after-free).
    std::uint16_t readSlot(DeviceId dev);
    // Writes it back (u16: a wrap to 0 leaves the slot cached, as the kernel's ++ does).
    // Writes a dangling device's freed copy, and that of every device sharing the slot.
    void writeGhost(DeviceId dev, std::uint16_t refcount);
    void writeSlot(DeviceId dev, std::uint16_t refcount);
    // Zeroes dev's slot and forgets it (live table: nr_devices--).
    void freeSlot(DeviceId dev);
    void emit(KernelEventKind k, std::optional<DeviceId> dev = std::nullopt);
    void setDirect(DeviceId dev, bool on);
    // Outgoing, after an operation: with nothing directly preserved the table is released.
    void releaseIfUnused();

    const Topology &topology_;
    LiveUpdateConfig config_;
    Phase phase_ = Phase::Outgoing;
    SlotTable table_;
    std::uint32_t nrDevices_ = 0;
    bool panicked_ = false;
    bool tableLive_ = false;  // allocated at the first preserve, released when unused
    std::uint8_t seen_ = 0;   // a bit per KernelEventKind that happened
    bool retrievePending_ = false; // a duplicate key waits for the retrieve at the session's end
    std::vector<KernelEvent> events_;
    std::uint32_t directCount_ = 0;
    std::uint32_t holders_ = 0; // devices caching a slot of the live table
    std::vector<SlotEntry> incoming_;

    // Per device, indexed by DeviceId.
    std::vector<std::uint32_t> parent_;   // kNone on a root bus
    std::vector<std::uint8_t> isBridge_;
    std::vector<std::uint8_t> isVf_;
    std::vector<std::uint32_t> slot_;     // cached slot index (outgoing) or incoming index; kNone
    std::vector<std::uint8_t> frozen_;
    std::vector<std::uint8_t> failNext_;
    std::vector<std::uint8_t> vanished_;
    std::vector<std::uint8_t> removed_;   // hot-unplugged, or not enumerated after kexec
    std::vector<std::uint8_t> direct_;    // directly preserved
    std::vector<std::uint16_t> ghost_;    // a dangling device's freed slot refcount
    std::vector<std::uint8_t> alias_;     // dangling devices sharing one freed slot: same id != 0
    std::vector<std::uint64_t> key_;      // domain << 16 | bdf, ascending (ids are in BDF order)
    std::vector<bool> relabelDone_;       // relabel's scratch

    // dev's per-device flags in one byte (save, deviceWords; restore unpacks them): bit 0 frozen,
    // bits 1-3 pending fail-next, 4 vanished, 5 removed, 6 directly preserved.
    std::uint8_t flagsOf(DeviceId dev) const;
    // The device a slot entry names, if it is in the topology.
    std::uint32_t deviceNamed(const SlotEntry &e) const;
};

} // namespace bridgepath
