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

/// Where the Live Update is.
enum class Phase {
    Outgoing, ///< before kexec: preserve, unpreserve, freeze
    Incoming, ///< after kexec: finish, finish-all
    Ended,    ///< after finish-all: every operation returns -ENOENT (a v6 VF's preserve: -EINVAL)
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

/// The observable state of one Live Update.
struct State {
    Phase phase = Phase::Outgoing;
    /// The outgoing slot table in index order (v6: `capacity` slots), or after kexec the entries
    /// the incoming kernel decoded, in the same order.
    std::vector<SlotEntry> table;
    /// The separate counter of slots in use (u32 in the v6 header; wraps as the kernel's does).
    std::uint32_t nrDevices = 0;
    /// Devices whose preserve succeeded and whose unpreserve/finish was not called since.
    std::set<Bdf> directlyPreserved;
    /// finish-all ran with nr_devices != 0.
    bool panicked = false;
    /// Injected fail-next faults not yet used up.
    std::set<std::pair<Bdf, StepKind>> pendingFailures;
    /// Devices whose cached slot points into a released table, with that freed slot's refcount
    /// (outgoing only: the pointer does not cross the kexec).
    std::map<Bdf, std::uint16_t> dangling;
    /// Every kernel event so far, in order (the kernel log of BUGs, WARNs and panics).
    std::vector<KernelEvent> events;

    /// The outgoing kernel hit BUG_ON at the release of the table: every later operation
    /// returns -ENOENT.
    bool crashed() const;
    /// Some event is a crash (bug-at-release, use-after-free, panic-at-finish).
    bool anyCrash() const;

    /// Slots in use (refcount != 0), keyed by the BDF the slot names.
    std::map<Bdf, unsigned> slots() const;
    /// The refcount of the slot naming `b` (0 if none).
    unsigned refcount(const Bdf &b) const;

    friend bool operator==(const State &a, const State &b);
    friend bool operator!=(const State &a, const State &b) { return !(a == b); }
};

/// The first difference between two states, in words (empty if equal).
std::string describeDifference(const State &expected, const State &actual);

} // namespace bridgepath
