#pragma once
/// IdealSpec: what every refcount should be. ideal(d) = the number of directly preserved devices
/// whose upstream path contains d (directly preserved: a preserve of it succeeded and no
/// unpreserve/finish of it was called since, whatever that call returned).

#include "topology/State.h"
#include "topology/Topology.h"

#include <map>
#include <set>
#include <vector>

namespace bridgepath {

/// ideal(d) for every device with ideal(d) > 0.
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
