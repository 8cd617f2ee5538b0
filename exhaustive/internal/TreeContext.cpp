#include "exhaustive/internal/TreeContext.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

namespace bridgepath::exhaustive {

TreeContext prepare(const ForestShape &shape) {
    TreeContext c;
    c.topology = buildTopology(shape);
    const Topology &t = c.topology;
    const std::size_t n = t.size();
    c.pathMask.assign(n, 0);
    c.subtreeMask.assign(n, 0);
    c.path.resize(n);
    for (DeviceId d = 0; d < n; ++d) {
        c.path[d] = t.upstreamPath(d);
        for (DeviceId up : c.path[d]) {
            c.pathMask[d] |= 1u << up;
            c.subtreeMask[up] |= 1u << d;
        }
        c.children.push_back(t.children(d));
        c.targetIndex.push_back(-1);
        if (c.children[d].empty()) {
            c.targetIndex[d] = static_cast<int>(c.targets.size());
            c.targets.push_back(d);
        }
    }
    c.roots = t.roots();
    // Shape classes bottom up (children have larger ids than their parent in a built tree).
    std::map<std::pair<bool, std::vector<std::uint32_t>>, std::uint32_t> classes;
    c.shapeClass.assign(n, 0);
    for (DeviceId d = n; d-- > 0;) {
        std::vector<std::uint32_t> kids;
        for (DeviceId k : c.children[d])
            kids.push_back(c.shapeClass[k]);
        std::sort(kids.begin(), kids.end());
        const auto key = std::make_pair(t.isBridge(d), kids);
        const auto it = classes.emplace(key, static_cast<std::uint32_t>(classes.size())).first;
        c.shapeClass[d] = it->second;
    }
    auto orderByShape = [&](std::vector<DeviceId> v) {
        std::stable_sort(v.begin(), v.end(),
                         [&](DeviceId a, DeviceId b) { return c.shapeClass[a] < c.shapeClass[b]; });
        return v;
    };
    for (DeviceId d = 0; d < n; ++d)
        c.byShape.push_back(orderByShape(c.children[d]));
    c.rootsByShape = orderByShape(c.roots);
    auto repeats = [&](const std::vector<DeviceId> &siblings) {
        std::set<std::uint32_t> seen;
        for (DeviceId k : siblings)
            if (k != 0 && !seen.insert(c.shapeClass[k]).second)
                return true;
        return false;
    };
    c.symmetricBelow.assign(n, false);
    for (DeviceId d = n; d-- > 0;) {
        bool below = repeats(c.children[d]);
        for (DeviceId k : c.children[d])
            below = below || c.symmetricBelow[k];
        c.symmetricBelow[d] = below;
    }
    c.symmetric = repeats(c.roots);
    for (DeviceId d = 0; d < n; ++d)
        c.symmetric = c.symmetric || c.symmetricBelow[d];
    return c;
}

} // namespace bridgepath::exhaustive
