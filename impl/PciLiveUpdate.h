#pragma once
/// PciLiveUpdate: the kernel-faithful implementation of PCI Live Update bridge-path preservation,
/// over a chain of Live Updates (kernel 0 -> kexec -> kernel 1 -> kexec -> kernel 2 ...).
///
///                  preserve / unpreserve / freeze / vanish / kexec: every phase (outgoing side)
///   +----------+    kexec (serialize slots)  +----------+   finish-all   +-------+
///   | Outgoing | --------------------------> | Incoming | -------------> | Ended |
///   +----------+                             +----------+                +-------+
///                                             ^   |  kexec                 |  kexec
///                                             +---+------------------------+
///
/// Every kernel has an OUTGOING side (its own session: slot table, nr_devices, each device's
/// cached slot, directly preserved and frozen devices, pointers into freed tables) beside the
/// INCOMING side it inherited at its kexec (the decoded entries, the incoming nr_devices, each
/// incoming device's entry, the devices the previous kernel preserved directly). Generation 0 has
/// nothing incoming (phase Outgoing); after a kexec the phase is Incoming until finish-all (Ended).
///
/// Mirrors drivers/pci/liveupdate.c: a slot table of `pci_dev_ser` with a separate nr_devices
/// counter, each device caching the index of its slot, a walk from the device up to the root bus
/// (dev, dev->bus->self, ...), rollback of a failed preserve, and a switchable failure policy for
/// the walks down (unpreserve, finish, rollback). Flat arrays indexed by DeviceId; no allocation
/// per step. Every operation returns 0 (Result::Ok) or the kernel's error code; see each method.
/// First of all, in every operation: after a crash event (bug-at-release, retrieve-failed,
/// panic-at-finish) the kernel is dead and every operation returns -ENOENT, changing nothing.
///
/// Faults are operations too (fail-next, lose, set-refcount, vanish, unplug), so a trace can place
/// them anywhere.
///
/// Where kernel versions differ, each choice is the config's accessor (checkOrderOf, vfCheckOf,
/// releaseCheckOf, endOfUpdateOf; default: what `abi` implies, written v6 / v7 below) and honours
/// every override, as does tableSizedToPresent; the table layout, KHO image and hot-unplug follow
/// `abi`.
///
/// The outgoing table lives per Live Update session: it is allocated at the first preserve of a
/// kernel (v6: `capacity` zeroed slots, or one per device present with tableSizedToPresent; v7:
/// empty) and released when, after an outgoing operation (in any phase), no device is directly
/// preserved any more. At that release nr_devices != 0 means: BugOn (v6) BUG_ON, event
/// bug-at-release (the kernel is dead); WarnAndFree (v7) WARN, event table-freed-with-references.
/// Either way the table is then freed: nr_devices is 0 and every device still caching a slot keeps
/// a pointer into freed memory ("dangling"). Freed memory keeps its contents: a walk step that
/// reads or writes such a slot emits use-after-free and acts on the freed copy (never on the live
/// table or nr_devices, which live in the new table's header). Without sessions
/// (!config.sessionTable) each kernel has one table from its start. Kexec hands over no slot while
/// no table is allocated, and drops the unfinished incoming side without any check or event (LUO
/// serializes outgoing FLBs only).

#include "impl/SlotTable.h"
#include "topology/KernelEvent.h"
#include "topology/LiveUpdateConfig.h"
#include "topology/Op.h"
#include "topology/Result.h"
#include "topology/State.h"
#include "topology/Topology.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace bridgepath {

namespace internal {
struct SearchState;
} // namespace internal

/// One Live Update over one topology.
class PciLiveUpdate {
  public:
    /// Generation 0, phase Outgoing, nothing incoming, nr_devices 0; no table until the first
    /// preserve (without sessions: one table from the start, v6 `config.capacity` free slots or
    /// one per device with tableSizedToPresent). Every config is honoured.
    PciLiveUpdate(const Topology &topology, const LiveUpdateConfig &config);

    /// Applies one operation; requires every BDF it names to be in the topology.
    [[nodiscard]] Result apply(const Op &op);

    /// Outgoing side, every phase. -ENODEV if dev is gone (unplugged, or not enumerated at some
    /// kexec); VfCheck::NamedDevice (v6): -EINVAL for a VF. Allocates the outgoing table if none
    /// is. Walks dev up to the root bus; per device: pending fail-next -> -EIO;
    /// VfCheck::EveryDevice (v7): a VF -> -EINVAL; frozen -> -EINVAL; no slot -> allocate with
    /// refcount 1 (-ENOSPC when the table is full), nr_devices++; slot with refcount 0 -> -EINVAL
    /// (WARN); endpoint with a slot -> -EBUSY (CheckOrder::EbusyFirst, v7, checks this before
    /// refcount 0); bridge -> refcount++ (u16). On a failure at device D the devices from dev up
    /// to D (exclusive) are unpreserved again under the policy, D's error is returned, and the
    /// table is released if nothing is directly preserved. On success dev becomes directly
    /// preserved. The incoming side is never touched.
    [[nodiscard]] Result preserve(DeviceId dev);
    /// Outgoing side, every phase. -ENODEV if gone; -ENOENT with sessions while no outgoing table
    /// is allocated. dev stops being directly preserved whatever happens. Walks the path under the
    /// policy; per device: fail-next -> -EIO; frozen -> -EINVAL; no slot -> -EINVAL; refcount 0
    /// -> -EINVAL (WARN); else refcount--, and at 0 the slot is zeroed, the device forgets it and
    /// nr_devices--. Returns the first error (bail: the only). Afterwards the table is released if
    /// nothing is directly preserved.
    [[nodiscard]] Result unpreserve(DeviceId dev);
    /// Every phase: later preserve/unpreserve steps at dev fail -EINVAL until the next kexec
    /// (frozen devices belong to the outgoing session). -ENODEV if gone.
    [[nodiscard]] Result freeze(DeviceId dev);
    /// Every phase: generation++, phase Incoming. The outgoing table as it is (every slot, free
    /// ones zero; none without a table) and its nr_devices go through the KHO image and become
    /// the incoming side, the outgoing directly preserved set becomes the directly incoming one;
    /// the old incoming side is dropped (no check, no event). The outgoing side starts empty: no
    /// table (without sessions a fresh one at once), nr_devices 0, no cached slot, nothing
    /// directly preserved or frozen, no pointer into freed memory. Vanished and unplugged devices
    /// are not enumerated from now on. The decoded slots with refcount != 0 are indexed by
    /// domain << 16 | bdf; each enumerated device with a key in the index becomes incoming. On a
    /// duplicate key: -EEXIST, nothing incoming, and the retrieve fails (event retrieve-failed
    /// with the incoming nr_devices: the kernel is dead) if any device is present, else at the
    /// next finish-all (a later kexec drops that pending retrieve).
    [[nodiscard]] Result kexec();
    /// Incoming side. -ENOENT unless the phase is Incoming; -ENODEV if gone; -ENOENT, before any
    /// walk (a fail-next stays armed), if the previous kernel handed nothing over (it had no
    /// table at the kexec). dev stops being directly incoming. Walks the path under the policy; per
    /// device: fail-next -> -EIO; not incoming -> -EINVAL; entry refcount 0 -> -EINVAL (WARN); else
    /// the entry's refcount--, at 0 the device stops being incoming and the incoming nr_devices--
    /// (the entry keeps its BDF).
    [[nodiscard]] Result finish(DeviceId dev);
    /// Incoming -> Ended; -ENOENT in any other phase. A pending retrieve fails now (event
    /// retrieve-failed, -ENOENT). Incoming nr_devices != 0: Result::Panic, panicked, and event
    /// panic-at-finish under EndOfUpdate::Panic (v7: a crash) or incoming-held under HeldForever
    /// (v6; only while some device is still incoming). Else Ok. The outgoing side works on.
    [[nodiscard]] Result finishAll();

    /// Every phase: the next step of `kind` at dev fails once with -EIO, before any other check
    /// (a pending fault survives kexec).
    [[nodiscard]] Result failNext(DeviceId dev, StepKind kind);
    /// Zeroes dev's outgoing slot (domain, bdf, refcount; a dangling device's freed copy, for every
    /// device sharing it) if dev holds one, else (phase Incoming only) its incoming entry; dev
    /// keeps the index, no counter changes. -ENOENT if it holds neither.
    [[nodiscard]] Result lose(DeviceId dev);
    /// Overwrites the refcount of what lose would zero; -ENOENT as for lose.
    [[nodiscard]] Result setRefcount(DeviceId dev, std::uint16_t value);
    /// Every phase: dev and its subtree will not be enumerated at the next kexec (nor after).
    /// -ENODEV if gone.
    [[nodiscard]] Result vanish(DeviceId dev);
    /// Every phase: hot-removal of dev and its subtree, children first (siblings in BDF order).
    /// v6: each removed device leaves both directly preserved sets; if it holds an outgoing slot
    /// (or a pointer into a freed table) and the outgoing session has a table, the kernel walks
    /// its path as unpreserve does (without a table the pointer stays), then, if it is incoming,
    /// as finish does, each under the policy. v7 only warns: a removed device keeps
    /// its counts and stays directly preserved, and stops being incoming. Returns the first error;
    /// -ENODEV if already gone. Then the outgoing table is released if nothing is directly
    /// preserved.
    [[nodiscard]] Result unplug(DeviceId dev);

    /// The observable state (`table` the outgoing side, `incoming` the inherited one).
    State state() const;

    /// Where the running kernel's incoming Live Update is.
    Phase phase() const { return phase_; }
    /// Kexecs so far.
    unsigned generation() const { return generation_; }
    /// The outgoing slot table `state().table` reports (empty while no table is allocated),
    /// without copying it.
    const std::vector<SlotEntry> &slots() const { return tableLive_ ? table_.entries() : kNoSlots; }
    /// The outgoing session's table is allocated (always, without sessions).
    bool tableAllocated() const { return tableLive_; }
    /// The outgoing nr_devices counter.
    std::uint32_t nrDevices() const { return nrDevices_; }
    /// The incoming entries `state().incoming.table` reports, without copying them.
    const std::vector<SlotEntry> &incomingSlots() const { return incoming_; }
    /// The incoming nr_devices counter.
    std::uint32_t incomingNrDevices() const { return inNr_; }
    /// References on the incoming FLB the devices took at enumeration and did not put back
    /// (IncomingPut decides when they do).
    std::int32_t incomingReferences() const { return inHeld_; }
    /// The previous kernel handed FLB data over (it had a session at the kexec); false before
    /// any kexec.
    bool inherited() const { return inherited_; }
    /// finish-all ran with the incoming nr_devices != 0 (in any generation).
    bool panicked() const { return panicked_; }
    /// The kernel is dead: BUG_ON at a table's release, a failed retrieve, or a panic at the end
    /// of an update.
    bool crashed() const { return (seen_ & kKillingKinds) != 0; }
    /// Every kernel event so far, in order (after restore(): one event per kind that happened,
    /// without device or count: the record keeps only the kinds).
    const std::vector<KernelEvent> &events() const { return events_; }
    /// An event of kind k happened (restore() keeps this).
    bool happened(KernelEventKind k) const { return seen_ & (1u << static_cast<int>(k)); }
    /// dev caches a pointer into a released table.
    bool dangling(DeviceId dev) const { return link_[dev].slot == kStale; }
    /// dev's preserve succeeded in this kernel and no unpreserve of it was called since.
    bool directlyPreserved(DeviceId dev) const { return link_[dev].direct != 0; }
    /// The previous kernel directly preserved dev and no finish of it was called since.
    bool directlyIncoming(DeviceId dev) const { return inDirect_[dev] != 0; }
    /// dev holds an incoming entry (it was enumerated at the kexec and not finished to 0).
    bool incoming(DeviceId dev) const { return inSlot_[dev] != kNone; }
    /// The refcount of dev's incoming entry (0 if it holds none).
    std::uint16_t incomingRefcount(DeviceId dev) const {
        return inSlot_[dev] == kNone ? 0 : incoming_[inSlot_[dev]].refcount;
    }
    /// The refcount of dev's live outgoing slot (0 if it holds none; a dangling device: 0).
    std::uint16_t outgoingRefcount(DeviceId dev) const {
        return link_[dev].slot == kNone || link_[dev].slot == kStale
                   ? 0
                   : table_[link_[dev].slot].refcount;
    }
    /// A fail-next of `kind` at dev is armed and has not fired yet.
    bool failNextPending(DeviceId dev, StepKind kind) const { return failNext_[dev] & bit(kind); }
    /// The refcount lose and set-refcount act on: dev's outgoing slot (a dangling device's freed
    /// copy), else in phase Incoming its incoming entry; nullopt when it holds neither.
    std::optional<std::uint16_t> heldRefcount(DeviceId dev) const {
        if (link_[dev].slot == kStale)
            return ghost_[dev];
        if (link_[dev].slot != kNone)
            return table_[link_[dev].slot].refcount;
        if (phase_ == Phase::Incoming && inSlot_[dev] != kNone)
            return incoming_[inSlot_[dev]].refcount;
        return std::nullopt;
    }

  private:
    // The search's view (impl/internal/SearchState.h documents each): not kernel behaviour.
    friend struct internal::SearchState;
    void save(std::vector<std::uint8_t> &out) const;
    void restore(const std::uint8_t *bytes, std::size_t size);
    void deviceWords(std::vector<std::uint64_t> &out) const;
    void relabel(const std::vector<DeviceId> &perm);

    static constexpr std::uint32_t kNone = UINT32_MAX;
    // A bit per KernelEventKind that kills the kernel (killsKernel), as in seen_.
    static constexpr std::uint16_t kKillingKinds = [] {
        std::uint16_t mask = 0;
        for (int k = 0; k < kKernelEventKinds; ++k)
            if (killsKernel(static_cast<KernelEventKind>(k)))
                mask = static_cast<std::uint16_t>(mask | 1u << k);
        return mask;
    }();
    // slot_ of a device whose slot was in a released table (its freed copy is in ghost_).
    static constexpr std::uint32_t kStale = UINT32_MAX - 1;
    static const std::vector<SlotEntry> kNoSlots;

    // A bit per StepKind in failNext_.
    static std::uint8_t bit(StepKind k) {
        return static_cast<std::uint8_t>(1u << static_cast<int>(k));
    }
    // A walk step's fast path reads one byte of the device: kGateSlow while a fail-next is
    // pending, the device is frozen or (every-device VF check) it is a VF, so the step must look
    // closer; kGateBridge for a bridge. refreshGate keeps it in step with those arrays.
    // kGateRemoved mirrors removed_ and kGateVf the tree's VF flag, for the named device's checks.
    static constexpr std::uint8_t kGateSlow = 1, kGateBridge = 2, kGateRemoved = 4, kGateVf = 8;
    // (The bridge and VF bits never change: the layout set them, and they are kept.)
    void refreshGate(DeviceId d) {
        const std::uint8_t fixed = link_[d].gate & (kGateBridge | kGateVf);
        const bool slow =
            failNext_[d] != 0 || frozen_[d] != 0 || (vfEveryDevice_ && (fixed & kGateVf));
        link_[d].gate = static_cast<std::uint8_t>(fixed | (slow ? kGateSlow : 0) |
                                                  (removed_[d] ? kGateRemoved : 0));
    }

    [[nodiscard]] Result preserveDevice(DeviceId dev);
    [[nodiscard]] Result unpreserveDevice(DeviceId dev);
    [[nodiscard]] Result finishDevice(DeviceId dev);
    bool takeFailNext(DeviceId dev, StepKind kind);
    // Runs `step` on dev, parent, ... up to (excluding) `end` (kNone: to the root) under the
    // policy.
    template <class Step> Result walkDown(DeviceId dev, std::uint32_t end, Step step);
    [[nodiscard]] Result unplugTree(DeviceId dev);
    // The refcount a step reads at dev's cached slot (a dangling device's: use-after-free).
    std::uint16_t readSlot(DeviceId dev);
    // Writes it back (u16: a wrap to 0 leaves the slot cached, as the kernel's ++ does).
    // Writes a dangling device's freed copy, and that of every device sharing the slot.
    void writeGhost(DeviceId dev, std::uint16_t refcount);
    void writeSlot(DeviceId dev, std::uint16_t refcount);
    // Zeroes dev's slot and forgets it (live table: nr_devices--).
    void freeSlot(DeviceId dev);
    void emit(KernelEventKind k, std::optional<DeviceId> dev = std::nullopt);
    // An event of the incoming side: it carries the incoming nr_devices.
    void emitIncoming(KernelEventKind k);
    // A new outgoing table (v6 tableSizedToPresent: one slot per device present).
    void allocateTable();
    // Devices not gone.
    std::size_t presentDevices() const;
    void setDirect(DeviceId dev, bool on);
    // After an outgoing operation: with nothing directly preserved the table is released.
    void releaseIfUnused();

    const Topology &topology_;
    LiveUpdateConfig config_;
    Phase phase_ = Phase::Outgoing;
    unsigned generation_ = 0;
    SlotTable table_;
    std::uint32_t nrDevices_ = 0;
    bool panicked_ = false;
    bool tableLive_ = false;       // allocated at the first preserve, released when unused
    std::uint16_t seen_ = 0;       // a bit per KernelEventKind that happened
    bool warnedAtRelease_ = false; // WarnOnceAndFree: this kernel's warning fired
    bool retrievePending_ = false; // a duplicate key waits for the retrieve at the session's end
    bool inherited_ = false;       // the previous kernel handed FLB data over (it had a table)
    std::vector<KernelEvent> events_;
    std::uint32_t directCount_ = 0;
    std::uint32_t holders_ = 0; // devices caching a slot of the live table
    // The incoming side: the decoded entries and their counter.
    std::vector<SlotEntry> incoming_;
    std::uint32_t inNr_ = 0;
    std::int32_t inHeld_ = 0;        // devices' references on the incoming FLB (incomingReferences)
    std::vector<SlotEntry> scratch_; // restore's
    // The configuration's per-step choices, read once (the step functions are the hot path).
    // (VfCheck has two values: not every device is the named device only.)
    bool vfEveryDevice_ = false, ebusyFirst_ = false;
    IncomingPut incomingPut_ = IncomingPut::PerDevice;

    // Per device, indexed by DeviceId.
    // What a walk step reads of every device it passes, side by side: one cache line.
    struct Link {
        std::uint32_t parent = kNone; // kNone on a root bus
        std::uint32_t slot = kNone;   // cached outgoing slot index, kStale or kNone
        std::uint32_t domain = 0;     // the address a new slot names (as key_)
        std::uint16_t bdf = 0;
        std::uint8_t gate = 0;   // refreshGate's
        std::uint8_t direct = 0; // directly preserved
    };
    static_assert(sizeof(Link) == 16, "four devices per cache line");
    // What the tree alone decides, built once per tree (Topology::derived) and shared by every
    // implementation on it: a run of the property harness on a 100,000-device tree copies it
    // instead of asking the Topology of each device again.
    struct Layout {
        std::vector<Link> link; // parent, address, the gate's bridge and VF bits; nothing held
        std::vector<std::uint64_t> key; // domain << 16 | bdf, ascending (ids are in BDF order)
    };
    static Layout layoutOf(const Topology &topology);
    std::shared_ptr<const Layout> layout_;
    std::vector<Link> link_;
    std::vector<std::uint32_t> inSlot_;  // incoming entry index, kNone if not incoming
    std::vector<std::uint8_t> inDirect_; // directly incoming
    std::vector<std::uint8_t> frozen_;
    std::vector<std::uint8_t> failNext_;
    std::vector<std::uint8_t> vanished_;
    std::vector<std::uint8_t> removed_;     // hot-unplugged, or not enumerated after kexec
    std::vector<std::uint16_t> ghost_;      // a dangling device's freed slot refcount
    std::vector<std::uint8_t> alias_;       // dangling devices sharing one freed slot: same id != 0
    const std::vector<std::uint64_t> &key_; // the layout's
    std::vector<bool> relabelDone_;         // relabel's scratch
    // The devices that may be directly preserved or incoming, dangling, or have a fail-next
    // pending (state() reads these only: a step of a big tree costs its paths, not the tree),
    // with a flag per device for "in the list". Only added to; the search's restore and relabel
    // mark the list stale (they are its hot path), and state() lists the devices again.
    mutable std::vector<DeviceId> noted_;
    mutable std::vector<std::uint8_t> isNoted_;
    mutable bool notedStale_ = false;
    void relistNoted() const;
    void note(DeviceId dev) {
        if (!isNoted_[dev]) {
            isNoted_[dev] = 1;
            noted_.push_back(dev);
        }
    }

    // dev's per-device flags in one byte (save, deviceWords; restore unpacks them): bit 0 frozen,
    // bits 1-3 pending fail-next, 4 vanished, 5 removed, 6 directly preserved, 7 directly
    // incoming.
    std::uint8_t flagsOf(DeviceId dev) const;
    // The device a slot entry names, if it is in the topology.
    std::uint32_t deviceNamed(const SlotEntry &e) const;
};

} // namespace bridgepath
