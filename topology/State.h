#pragma once
/// State: what the model and the implementation each report after every operation; conformance
/// compares two of them and invariants read one.

#include "topology/Bdf.h"
#include "topology/KernelEvent.h"
#include "topology/Op.h"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace bridgepath {

/// Where the running kernel's incoming Live Update is. Every phase has an outgoing side too
/// (preserve, unpreserve, freeze, vanish, kexec: a new FLB session for the next kernel).
enum class Phase {
    Outgoing, ///< the first kernel (generation 0): nothing incoming
    Incoming, ///< after a kexec: the incoming devices are being finished (finish, finish-all)
    Ended,    ///< finish-all ran: finish returns -ENOENT; the outgoing side works on
};

/// `outgoing` / `incoming` / `ended`.
const char *toString(Phase p);

/// One `pci_dev_ser` slot: { u32 domain; u16 bdf; u16 refcount; }; refcount 0 means free.
struct SlotEntry {
    std::uint32_t domain = 0;
    std::uint16_t bdf = 0;
    std::uint16_t refcount = 0;

    /// The device address the slot names.
    Bdf address() const;
    /// A slot naming `b` with `refcount`.
    static SlotEntry of(const Bdf &b, std::uint16_t refcount);

    friend bool operator==(const SlotEntry &a, const SlotEntry &b) {
        return a.domain == b.domain && a.bdf == b.bdf && a.refcount == b.refcount;
    }
    friend bool operator!=(const SlotEntry &a, const SlotEntry &b) { return !(a == b); }
};

/// What a kernel inherited at its kexec: the previous kernel's outgoing table as decoded.
struct IncomingSide {
    /// The entries the incoming kernel decoded, in the outgoing table's index order (finish
    /// decrements them in place; an entry at refcount 0 keeps its BDF).
    std::vector<SlotEntry> table;
    /// The handed-over nr_devices, decremented by each finish step that reaches refcount 0.
    std::uint32_t nrDevices = 0;
    /// Devices the previous kernel directly preserved and that were not finished since.
    std::set<Bdf> directlyPreserved;
    /// References on the incoming FLB that devices took at enumeration and did not put back
    /// (LUO's count without the files' references): while one is held the state is never freed.
    /// Signed: a put-per-call kernel can put more than were taken.
    std::int64_t references = 0;

    friend bool operator==(const IncomingSide &a, const IncomingSide &b) {
        return a.table == b.table && a.nrDevices == b.nrDevices &&
               a.directlyPreserved == b.directlyPreserved && a.references == b.references;
    }
};

/// The observable state of a chain of Live Updates, as seen in the running kernel: its outgoing
/// side (for the next kernel) beside the incoming side it inherited.
struct State {
    Phase phase = Phase::Outgoing;
    /// Kexecs so far: the running kernel is generation `generation`.
    unsigned generation = 0;
    /// The running kernel's outgoing slot table in index order (v6: `capacity` slots; empty while
    /// its session has none). A kexec hands it over and the next kernel starts without one.
    std::vector<SlotEntry> table;
    /// The outgoing counter of slots in use (u32 in the v6 header; wraps as the kernel's does).
    std::uint32_t nrDevices = 0;
    /// Devices whose preserve succeeded in this kernel and whose unpreserve was not called since.
    std::set<Bdf> directlyPreserved;
    /// The incoming side (empty in generation 0). A kexec drops it, finished or not: LUO
    /// serializes outgoing FLBs only, so no .finish runs and nothing checks its nr_devices.
    IncomingSide incoming;
    /// This kernel's finish-all ran with its incoming nr_devices != 0 (a kexec clears it; the
    /// event stays in `events`).
    bool panicked = false;
    /// Injected fail-next faults not yet used up.
    std::set<std::pair<Bdf, StepKind>> pendingFailures;
    /// Devices whose cached slot points into a released table, with that freed slot's refcount
    /// (outgoing only: the pointer does not cross the kexec).
    std::map<Bdf, std::uint16_t> dangling;
    /// Every kernel event so far, in order (the kernel log of BUGs, WARNs and panics).
    std::vector<KernelEvent> events;

    /// The kernel is dead (BUG_ON at the release, a failed retrieve, a panic at the end of the
    /// update): every later operation returns -ENOENT.
    bool crashed() const;
    /// Some event is a crash (bug-at-release, use-after-free, panic-at-finish).
    bool anyCrash() const;

    /// Slots in use (refcount != 0) of the outgoing table, keyed by the BDF the slot names.
    std::map<Bdf, unsigned> slots() const;
    /// The refcount of the outgoing slot naming `b` (0 if none).
    unsigned refcount(const Bdf &b) const;

    /// This state with the incoming side emptied: what the single-table rules (invariants,
    /// pictures) read for the outgoing side. `panicked` belongs to the incoming side: false here.
    State outgoingSide() const;
    /// The outgoing side holds nothing: no slot in use, nr_devices 0, nothing directly preserved
    /// or dangling.
    bool outgoingIdle() const;
    /// The side a one-table report shows: the outgoing one, unless after a kexec it is idle (then
    /// the incoming one).
    State shownSide() const;
    /// This state with the incoming side as its table, counter and directly preserved set (and
    /// no dangling device: the pointers do not cross a kexec); of the incoming side only
    /// `incoming.references` is kept (no-leak reads it).
    State incomingSide() const;

    friend bool operator==(const State &a, const State &b);
    friend bool operator!=(const State &a, const State &b) { return !(a == b); }
};

/// The first difference between two states, in words (empty if equal).
std::string describeDifference(const State &expected, const State &actual);

} // namespace bridgepath
