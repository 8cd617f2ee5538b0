#pragma once
/// IdealSpec: what every refcount should be. ideal(d) = the number of directly preserved devices
/// whose upstream path contains d, i.e. at or below d (directly preserved: a preserve of it
/// succeeded and no unpreserve/finish of it was called since, whatever that call returned). The
/// rule is idealInto's alone: the State forms below call it, and so does exhaustive/StateJudge on
/// the implementation's tables, into its own buffer.

#include "topology/State.h"
#include "topology/Topology.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <vector>

namespace bridgepath {

/// What idealInto's `parent` answers for a device on a root bus.
inline constexpr std::uint32_t kRootBus = UINT32_MAX;

/// The rule: a directly preserved device `d` adds one to the ideal of every device on its
/// upstream path, itself included (`add(up)` for each; `parent` as idealInto's).
template <class Parent, class Add>
void addDirectlyPreserved(std::uint32_t d, Parent parent, Add add) {
    for (std::uint32_t up = d; up != kRootBus; up = parent(up))
        add(up);
}

/// ideal(d) for the devices 0 .. n-1 of a forest into `ideal[0 .. n-1]`, a buffer the caller
/// owns (nothing is allocated): `parent(d)` is d's parent (kRootBus on a root bus), `direct(d)`
/// whether d is directly preserved. Returns the number of directly preserved devices.
template <class Parent, class Direct>
[[nodiscard]] std::uint32_t idealInto(std::uint32_t n, Parent parent, Direct direct,
                                      std::uint32_t *ideal) {
    std::fill(ideal, ideal + n, 0u);
    std::uint32_t preserved = 0;
    for (std::uint32_t d = 0; d < n; ++d) {
        if (!direct(d))
            continue;
        ++preserved;
        addDirectlyPreserved(d, parent, [ideal](std::uint32_t up) { ++ideal[up]; });
    }
    return preserved;
}

/// ideal(d) for every device with ideal(d) > 0 (the directly preserved devices' paths only: no
/// walk over the whole tree).
std::map<Bdf, unsigned> idealRefcounts(const Topology &t, const std::set<Bdf> &directlyPreserved);

/// Every BDF with a slot in use or a nonzero ideal, with (refcount, ideal), on the state's table
/// (one side: pass State::outgoingSide() or incomingSide() for a chain).
std::map<Bdf, std::pair<unsigned, unsigned>> refcountsAndIdeal(const Topology &t, const State &s);

/// Devices whose slot refcount exceeds ideal (held by nothing that still needs them) on either
/// side, in BDF order.
std::vector<Bdf> leakedDevices(const Topology &t, const State &s);

/// Devices whose refcount is below ideal (released while a preserved device below needs them) on
/// either side, in BDF order.
std::vector<Bdf> releasedEarlyDevices(const Topology &t, const State &s);

} // namespace bridgepath
