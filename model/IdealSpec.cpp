#include "model/IdealSpec.h"

#include <set>

namespace bridgepath {

std::map<Bdf, unsigned> idealRefcounts(const Topology &t, const std::set<Bdf> &directlyPreserved) {
    std::map<Bdf, unsigned> ideal;
    const auto parent = [&](std::uint32_t d) {
        const auto up = t.parent(d);
        return up ? static_cast<std::uint32_t>(*up) : kRootBus;
    };
    // A directly preserved BDF that names no device of the tree has no path: idealInto, which
    // visits the tree's devices, never counts it either.
    for (const Bdf &b : directlyPreserved)
        if (const auto d = t.find(b))
            addDirectlyPreserved(static_cast<std::uint32_t>(*d), parent,
                                 [&](std::uint32_t up) { ++ideal[t.bdf(up)]; });
    return ideal;
}

std::map<Bdf, std::pair<unsigned, unsigned>> refcountsAndIdeal(const Topology &t, const State &s) {
    std::map<Bdf, std::pair<unsigned, unsigned>> out;
    for (const auto &[bdf, rc] : s.slots())
        out[bdf].first = rc;
    for (const auto &[bdf, want] : idealRefcounts(t, s.directlyPreserved))
        out[bdf].second = want;
    return out;
}

namespace {

// The devices of either side (the outgoing one, and after a kexec the incoming one) whose
// refcount compares with ideal as `off` says, in BDF order.
template <class Off> std::vector<Bdf> offDevices(const Topology &t, const State &s, Off off) {
    std::set<Bdf> found;
    for (const State &side : {s.outgoingSide(), s.incomingSide()})
        for (const auto &[bdf, counts] : refcountsAndIdeal(t, side))
            if (off(counts.first, counts.second))
                found.insert(bdf);
    return {found.begin(), found.end()};
}

} // namespace

std::vector<Bdf> leakedDevices(const Topology &t, const State &s) {
    return offDevices(t, s, [](unsigned have, unsigned want) { return have > want; });
}

std::vector<Bdf> releasedEarlyDevices(const Topology &t, const State &s) {
    return offDevices(t, s, [](unsigned have, unsigned want) { return have < want; });
}

} // namespace bridgepath
