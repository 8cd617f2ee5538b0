#pragma once
/// Invariant: the named properties of one state, each a pure function (Topology, State) -> Verdict.
/// The names are the CLI's --invariants vocabulary.

#include "topology/State.h"
#include "topology/Topology.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bridgepath {

/// The invariants that can be judged from one state.
enum class Invariant {
    Closure,            ///< every device with a slot has slots for its whole upstream path
    ExactCount,         ///< refcount(d) == ideal(d) for every device
    NrDevices,          ///< nr_devices == slots with refcount != 0, and (v6) <= capacity
    NoLeak,             ///< nothing directly preserved -> no slot in use and nr_devices == 0
    NoPrematureRelease, ///< refcount(d) >= ideal(d): no device released while one below needs it
    NoPanicAtFinish,    ///< every device preserved at the kexec was finished -> finish-all no panic
};

/// `closure`, `exact-count`, `nr-devices`, `no-leak`, `no-premature-release`, `no-panic-at-finish`.
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

/// Judges one invariant; `capacity` is the v6 table size (nullopt for v7: no bound).
Verdict check(Invariant i, const Topology &t, const State &s, std::optional<std::size_t> capacity);

} // namespace bridgepath
