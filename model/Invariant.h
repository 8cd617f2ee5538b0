#pragma once
/// Invariant: the named properties, each a pure function of (topology, state, directly preserved
/// set) -> Verdict; two of them also read the step that led to the state. The names are the CLI's
/// --invariants vocabulary.

#include "topology/Op.h"
#include "topology/Result.h"
#include "topology/State.h"
#include "topology/Topology.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bridgepath {

/// The invariants.
enum class Invariant {
    Closure,        ///< every device with a slot has slots for its whole upstream path
    ExactCount,     ///< refcount(d) == ideal(d) for every device
    NrDevices,      ///< nr_devices == slots with refcount != 0, and (v6) <= capacity
    AtomicPreserve, ///< a failed preserve leaves slots, nr_devices and the preserved set as before
    NoLeak,         ///< nothing directly preserved -> no slot in use and nr_devices == 0
    NoPrematureRelease, ///< refcount(d) >= ideal(d): no device released while one below needs it
    Containment,        ///< after exactly one fault, only the faulty device's count is off
    NoPanicAtFinish,    ///< every device preserved at the kexec was finished -> finish-all no panic
    NoCrash,            ///< no bug-at-release, use-after-free or panic-at-finish happened
};

/// `closure`, `exact-count`, `nr-devices`, `atomic-preserve`, `no-leak`, `no-premature-release`,
/// `containment`, `no-panic-at-finish`, `no-crash`.
const char *toString(Invariant i);
/// Inverse of toString.
std::optional<Invariant> parseInvariant(std::string_view name);
/// Every invariant, in declaration order.
const std::vector<Invariant> &allInvariants();

/// Holds, or why not (one line naming the devices).
struct Verdict {
    bool holds = true;
    std::string why;
};

/// What an invariant is judged on: a state and, when known, the step that led to it.
struct InvariantInput {
    const Topology &topology;
    const State &after;
    std::optional<std::size_t> capacity; ///< the v6 table size (nullopt for v7: no bound)
    const State *before = nullptr;       ///< the state before the step (atomic-preserve)
    const Op *op = nullptr;              ///< the step (atomic-preserve)
    Result result = Result::Ok;          ///< what the step returned
    /// Devices named by fault or misuse operations so far, one entry per fault (containment
    /// applies when there is exactly one); nullptr when unknown.
    const std::vector<Bdf> *faults = nullptr;
};

/// Judges one invariant. The table rules judge the outgoing side and, after a kexec, the incoming
/// side too (its entries, counter and directly preserved set; a failure's reason then starts
/// "incoming: "). The step invariants (atomic-preserve, containment) hold when the input lacks
/// what they read.
Verdict check(Invariant i, const InvariantInput &in);

/// Judges one invariant on a state alone; `capacity` is the v6 table size (nullopt for v7).
Verdict check(Invariant i, const Topology &t, const State &s, std::optional<std::size_t> capacity);

} // namespace bridgepath
