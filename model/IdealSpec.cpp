#include "model/IdealSpec.h"

namespace bridgepath {

std::map<Bdf, unsigned> idealRefcounts(const Topology &t, const std::set<Bdf> &directlyPreserved) {
    std::map<Bdf, unsigned> ideal;
    for (const Bdf &d : directlyPreserved) {
        const auto id = t.find(d);
        if (!id)
            continue;
        for (DeviceId up : t.upstreamPath(*id))
            ++ideal[t.bdf(up)];
    }
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

std::vector<Bdf> leakedDevices(const Topology &t, const State &s) {
    std::vector<Bdf> out;
    for (const auto &[bdf, counts] : refcountsAndIdeal(t, s))
        if (counts.first > counts.second)
            out.push_back(bdf);
    return out;
}

std::vector<Bdf> releasedEarlyDevices(const Topology &t, const State &s) {
    std::vector<Bdf> out;
    for (const auto &[bdf, counts] : refcountsAndIdeal(t, s))
        if (counts.first < counts.second)
            out.push_back(bdf);
    return out;
}

} // namespace bridgepath
