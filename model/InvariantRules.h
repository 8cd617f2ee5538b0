#pragma once
/// InvariantRules: the one statement of each invariant's rule on a state (what model/Invariant
/// names), over a read-only view; atomic-preserve's over a view of one step (the states before
/// and after it: model/Invariant on two States, the exhaustive search on the implementation and
/// the state it stored before the move). The table rules judge one side (a table, its counter, its
/// directly preserved set); model/Invariant's check() reads them on a State and builds its why
/// text from the entries they report, exhaustive/StateJudge reads them on the implementation
/// without allocating. The views gather facts; what breaks a rule is decided here alone.
/// (smt/Encoding restates the rules as Z3 terms; the SMT mutants and replays compare them.)
///
/// A side view `Side` answers:
///   std::uint32_t entries()       the entries: every device of the tree, and (as the view likes)
///                                 entries for slots in use that name no device of the tree; a
///                                 view may leave out a device with no slot, ideal 0 and no
///                                 entry with a slot below it (no rule reads it)
///   std::uint32_t have(e)         the refcounts of the slots in use naming e, summed (0: none)
///   std::uint32_t want(e)         ideal(e) (IdealSpec): directly preserved devices at or below e
///   std::uint32_t parent(e)       e's parent entry, kNoEntry on a root bus or for a slot naming
///                                 no device
///   bool faulty(e)                e names the device of the one fault (hasSoleFault only)
///   std::uint32_t inUse()         table entries with refcount != 0
///   std::uint32_t counter()       nr_devices
///   std::optional<std::size_t> capacity()  the v6 table size (nullopt for v7)
///   bool dangling()               some device points into a freed table
///   bool nothingPreserved()       nothing is directly preserved on the side
///   bool panicked()               finish-all found nr_devices != 0 (the incoming side's flag)
///   bool hasSoleFault()           exactly one fault so far (containment applies)
/// A step view `Step` (atomic-preserve) answers, of the states before and after one operation:
///   bool sameTable()              the outgoing table is as it was (every slot, in index order)
///   bool sameCounter()            nr_devices is as it was
///   bool sameDirectlyPreserved()  the directly preserved set is as it was
///   bool sameIncoming()           the incoming side (its entries, counter and directly incoming
///                                 set) is as it was
/// A `report` callback receives each offending entry (closure: the entry and its nearest upstream
/// entry without a slot) and returns whether to go on; judging stops at the first when it returns
/// false.

#include "model/Invariant.h"
#include "topology/KernelEvent.h"
#include "topology/Op.h"
#include "topology/Result.h"

#include <cstdint>

namespace bridgepath::rules {

/// No entry: the parent of a root or of a slot naming no device.
inline constexpr std::uint32_t kNoEntry = UINT32_MAX;

/// closure: every entry holding a slot has one on each device of its upstream path.
template <class Side, class Report> bool closure(const Side &s, Report report) {
    bool holds = true;
    for (std::uint32_t e = 0; e < s.entries(); ++e) {
        if (s.have(e) == 0)
            continue;
        for (std::uint32_t up = s.parent(e); up != kNoEntry; up = s.parent(up))
            if (s.have(up) == 0) {
                holds = false;
                if (!report(e, up))
                    return false;
                break;
            }
    }
    return holds;
}

/// exact-count: every entry's refcount is its ideal.
template <class Side, class Report> bool exactCount(const Side &s, Report report) {
    bool holds = true;
    for (std::uint32_t e = 0; e < s.entries(); ++e)
        if (s.have(e) != s.want(e)) {
            holds = false;
            if (!report(e))
                return false;
        }
    return holds;
}

/// How nr-devices breaks, if it does.
enum class NrDevicesBreak {
    None,
    Count,    ///< nr_devices differs from the slots in use
    Capacity, ///< (v6) nr_devices above the table's size
};

/// nr-devices: nr_devices is the number of slots in use and (v6) at most the capacity.
template <class Side> NrDevicesBreak nrDevices(const Side &s) {
    if (s.counter() != s.inUse())
        return NrDevicesBreak::Count;
    if (s.capacity() && s.counter() > *s.capacity())
        return NrDevicesBreak::Capacity;
    return NrDevicesBreak::None;
}

/// atomic-preserve: a preserve that fails (returns anything but ok) leaves the outgoing table,
/// nr_devices, the directly preserved set and the incoming side as they were. `kind` and
/// `result` are the operation's; the view is read only for a failed preserve.
template <class Step> [[nodiscard]] bool atomicPreserve(OpKind kind, Result result, const Step &s) {
    if (kind != OpKind::Preserve || result == Result::Ok)
        return true;
    return s.sameTable() && s.sameCounter() && s.sameDirectlyPreserved() && s.sameIncoming();
}

/// no-leak: with nothing directly preserved no slot is in use, no device dangles, nr_devices is
/// 0 and (incoming side) no device holds a reference on the incoming state.
template <class Side> bool noLeak(const Side &s) {
    return !s.nothingPreserved() ||
           (s.inUse() == 0 && !s.dangling() && !s.referenced() && s.counter() == 0);
}

/// no-premature-release: no entry's refcount is below its ideal.
template <class Side, class Report> bool noPrematureRelease(const Side &s, Report report) {
    bool holds = true;
    for (std::uint32_t e = 0; e < s.entries(); ++e)
        if (s.have(e) < s.want(e)) {
            holds = false;
            if (!report(e))
                return false;
        }
    return holds;
}

/// containment: after exactly one fault only the faulty device's refcount is off its ideal.
template <class Side, class Report> bool containment(const Side &s, Report report) {
    if (!s.hasSoleFault())
        return true;
    bool holds = true;
    for (std::uint32_t e = 0; e < s.entries(); ++e)
        if (!s.faulty(e) && s.have(e) != s.want(e)) {
            holds = false;
            if (!report(e))
                return false;
        }
    return holds;
}

/// no-panic-at-finish: finish-all panics only while something directly preserved is unfinished.
template <class Side> bool noPanicAtFinish(const Side &s) {
    return !s.panicked() || !s.nothingPreserved();
}

/// no-crash: no event of a crash kind (isCrash) happened; `happened(kind)` reads the log.
template <class Happened> bool noCrash(Happened happened) {
    for (int k = 0; k < kKernelEventKinds; ++k)
        if (isCrash(static_cast<KernelEventKind>(k)) && happened(static_cast<KernelEventKind>(k)))
            return false;
    return true;
}

/// The table rules of one side (closure, exact-count, nr-devices, no-leak,
/// no-premature-release, containment, no-panic-at-finish): bit (1 << int(Invariant)) per rule
/// that fails.
template <class Side> std::uint32_t failingOnSide(const Side &s) {
    const auto stop = [](auto...) { return false; };
    auto bit = [](Invariant i) { return 1u << static_cast<int>(i); };
    std::uint32_t failing = 0;
    if (!closure(s, stop))
        failing |= bit(Invariant::Closure);
    if (!exactCount(s, stop))
        failing |= bit(Invariant::ExactCount);
    if (nrDevices(s) != NrDevicesBreak::None)
        failing |= bit(Invariant::NrDevices);
    if (!noLeak(s))
        failing |= bit(Invariant::NoLeak);
    if (!noPrematureRelease(s, stop))
        failing |= bit(Invariant::NoPrematureRelease);
    if (!containment(s, stop))
        failing |= bit(Invariant::Containment);
    if (!noPanicAtFinish(s))
        failing |= bit(Invariant::NoPanicAtFinish);
    return failing;
}

} // namespace bridgepath::rules
