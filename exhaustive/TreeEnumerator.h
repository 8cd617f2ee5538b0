#pragma once
/// TreeEnumerator: every rooted tree (and forest) up to a size exactly once up to isomorphism, by
/// canonical construction rather than generate-and-deduplicate.
///
/// A tree of n nodes is a root with a multiset of smaller trees whose sizes add up to n - 1; a
/// multiset is generated once as a non-increasing sequence of tree ids, so no isomorphism class
/// appears twice. A forest is such a multiset at the top: the devices on the root bus. (Several
/// root buses or domains walk exactly like one root bus, since a walk stops at the root bus
/// whichever it is, so the PCI forests are all put on one root bus.)

#include "properties/TreeShape.h"

#include <cstddef>
#include <vector>

namespace bridgepath {

/// Which trees: unconstrained (one kind of node), or PCI (a node with children is a bridge; a
/// leaf is an endpoint or an empty bridge).
enum class TreeFamily { Unlabelled, Pci };

/// The trees of one family up to a number of nodes.
class TreeEnumerator {
  public:
    /// Builds every tree of 1..maxNodes nodes (the PCI family of 9 nodes: 3,360 trees).
    TreeEnumerator(TreeFamily family, std::size_t maxNodes);

    /// Rooted trees of exactly `nodes` nodes (OEIS A000081 for the unconstrained family).
    std::size_t treeCount(std::size_t nodes) const;
    /// Rooted forests of exactly `nodes` nodes, counted without building them.
    std::size_t forestCount(std::size_t nodes) const;
    /// Every forest of exactly `nodes` nodes (1 <= nodes <= maxNodes), in canonical order, as one
    /// root bus of domain 0.
    std::vector<ForestShape> forests(std::size_t nodes) const;
    /// Every rooted tree of exactly `nodes` nodes, each alone on a root bus.
    std::vector<ForestShape> trees(std::size_t nodes) const;

  private:
    struct Node {
        bool bridge = false;
        std::size_t size = 1;
        std::vector<std::size_t> children; // tree ids, non-increasing
    };
    // Calls `emit` with every non-increasing sequence of tree ids <= `maxId` whose sizes sum to
    // `total`.
    template <class Emit>
    void multisets(std::size_t total, std::size_t maxId, std::vector<std::size_t> &prefix,
                   Emit &emit) const;
    DeviceShape shapeOf(std::size_t id) const;

    std::size_t maxNodes_;
    std::vector<Node> nodes_;              // every tree, by id, sizes non-decreasing
    std::vector<std::size_t> firstOfSize_; // id range [firstOfSize_[n], firstOfSize_[n + 1])
};

} // namespace bridgepath
