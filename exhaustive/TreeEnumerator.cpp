#include "exhaustive/TreeEnumerator.h"

#include "topology/Contract.h"

namespace bridgepath {

TreeEnumerator::TreeEnumerator(TreeFamily family, std::size_t maxNodes) : maxNodes_(maxNodes) {
    firstOfSize_.assign(maxNodes + 2, 0);
    for (std::size_t n = 1; n <= maxNodes; ++n) {
        firstOfSize_[n] = nodes_.size();
        if (n == 1) {
            nodes_.push_back(Node{false, 1, {}}); // an endpoint (or the one leaf kind)
            if (family == TreeFamily::Pci)
                nodes_.push_back(Node{true, 1, {}}); // an empty bridge
            continue;
        }
        // Children: every multiset of trees already built (all smaller than n).
        const std::size_t built = nodes_.size();
        std::vector<std::size_t> prefix;
        auto emit = [&](const std::vector<std::size_t> &children) {
            nodes_.push_back(Node{true, n, children});
        };
        multisets(n - 1, built - 1, prefix, emit);
    }
    firstOfSize_[maxNodes + 1] = nodes_.size();
}

template <class Emit>
void TreeEnumerator::multisets(std::size_t total, std::size_t maxId,
                               std::vector<std::size_t> &prefix, Emit &emit) const {
    if (total == 0) {
        emit(prefix);
        return;
    }
    // Ids grow with size, so a non-increasing id sequence lists larger subtrees first; trying
    // small ids first puts flat forests (endpoints before empty bridges) first.
    for (std::size_t id = 0; id <= maxId; ++id) {
        if (nodes_[id].size > total)
            continue;
        prefix.push_back(id);
        multisets(total - nodes_[id].size, id, prefix, emit);
        prefix.pop_back();
    }
}

std::size_t TreeEnumerator::treeCount(std::size_t nodes) const {
    BP_REQUIRE(nodes >= 1 && nodes <= maxNodes_, "a tree of 1..maxNodes nodes");
    return firstOfSize_[nodes + 1] - firstOfSize_[nodes];
}

std::size_t TreeEnumerator::forestCount(std::size_t nodes) const {
    BP_REQUIRE(nodes <= maxNodes_, "at most maxNodes nodes");
    // The Euler transform of the tree counts: multisets of trees by total size, adding one kind
    // of tree (treeCount(m) kinds of weight m) at a time.
    std::vector<std::size_t> forests(nodes + 1, 0);
    forests[0] = 1;
    for (std::size_t m = 1; m <= nodes; ++m)
        for (std::size_t c = 0; c < treeCount(m); ++c)
            for (std::size_t s = m; s <= nodes; ++s)
                forests[s] += forests[s - m];
    return forests[nodes];
}

DeviceShape TreeEnumerator::shapeOf(std::size_t id) const {
    const Node &node = nodes_[id];
    DeviceShape d;
    d.bridge = node.bridge;
    for (std::size_t c : node.children)
        d.children.push_back(shapeOf(c));
    return d;
}

std::vector<ForestShape> TreeEnumerator::forests(std::size_t nodes) const {
    BP_REQUIRE(nodes >= 1 && nodes <= maxNodes_, "a tree of 1..maxNodes nodes");
    std::vector<ForestShape> out;
    std::vector<std::size_t> prefix;
    auto emit = [&](const std::vector<std::size_t> &top) {
        RootBusShape bus;
        for (std::size_t id : top)
            bus.devices.push_back(shapeOf(id));
        out.push_back(ForestShape{{{std::move(bus)}}});
    };
    multisets(nodes, firstOfSize_[nodes + 1] - 1, prefix, emit);
    return out;
}

std::vector<ForestShape> TreeEnumerator::trees(std::size_t nodes) const {
    BP_REQUIRE(nodes >= 1 && nodes <= maxNodes_, "a tree of 1..maxNodes nodes");
    std::vector<ForestShape> out;
    for (std::size_t id = firstOfSize_[nodes]; id < firstOfSize_[nodes + 1]; ++id)
        out.push_back(ForestShape{{{RootBusShape{{shapeOf(id)}}}}});
    return out;
}

} // namespace bridgepath
