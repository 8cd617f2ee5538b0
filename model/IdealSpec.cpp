#include "model/IdealSpec.h"

#include <set>

namespace bridgepath {

std::map<Bdf, unsigned> idealRefcounts(const Topology &t, const std::set<Bdf> &directlyPreserved) {
    const auto n = static_cast<std::uint32_t>(t.size());
    std::vector<std::uint32_t> counts(n);
    (void)idealInto(
        n,
        [&](std::uint32_t d) {
            const auto up = t.parent(d);
            return up ? static_cast<std::uint32_t>(*up) : kRootBus;
        },
        [&](std::uint32_t d) { return directlyPreserved.count(t.bdf(d)) != 0; }, counts.data());
    std::map<Bdf, unsigned> ideal;
    for (std::uint32_t d = 0; d < n; ++d)
        if (counts[d] != 0)
            ideal[t.bdf(d)] = counts[d];
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
