// TreeEnumerator: every tree once up to isomorphism, against the known counts and against an
// independent generate-and-deduplicate count.

#include "exhaustive/TreeEnumerator.h"

#include <algorithm>
#include <functional>
#include <gtest/gtest.h>
#include <set>
#include <string>
#include <vector>

namespace bridgepath {
namespace {

// AHU canonical form of a labelled forest given as parent[i] in [-1, i-1]; `bridgeLeaf[i]` marks
// a leaf that is an empty bridge.
std::string canonical(const std::vector<int> &parent, const std::vector<bool> &bridgeLeaf) {
    const int n = static_cast<int>(parent.size());
    std::vector<std::vector<int>> children(n);
    std::vector<int> roots;
    for (int i = 0; i < n; ++i)
        (parent[i] < 0 ? roots : children[parent[i]]).push_back(i);
    std::function<std::string(int)> form = [&](int v) {
        if (children[v].empty())
            return std::string(bridgeLeaf[v] ? "b" : "e");
        std::vector<std::string> parts;
        for (int c : children[v])
            parts.push_back(form(c));
        std::sort(parts.begin(), parts.end());
        std::string s = "(";
        for (const auto &p : parts)
            s += p;
        return s + ")";
    };
    std::vector<std::string> parts;
    for (int r : roots)
        parts.push_back(form(r));
    std::sort(parts.begin(), parts.end());
    std::string s;
    for (const auto &p : parts)
        s += p + ",";
    return s;
}

// Every labelled forest of n nodes, every leaf colouring, deduplicated by canonical form.
std::set<std::string> bruteForceForests(int n, bool colourLeaves) {
    std::set<std::string> seen;
    std::vector<int> parent(n, -1);
    std::function<void(int)> place = [&](int i) {
        if (i == n) {
            std::vector<bool> isParent(n, false);
            for (int p : parent)
                if (p >= 0)
                    isParent[p] = true;
            std::vector<int> leaves;
            for (int v = 0; v < n; ++v)
                if (!isParent[v])
                    leaves.push_back(v);
            const int colourings = colourLeaves ? 1 << leaves.size() : 1;
            for (int mask = 0; mask < colourings; ++mask) {
                std::vector<bool> bridgeLeaf(n, false);
                for (std::size_t k = 0; k < leaves.size(); ++k)
                    bridgeLeaf[leaves[k]] = (mask >> k) & 1;
                seen.insert(canonical(parent, bridgeLeaf));
            }
            return;
        }
        for (int p = -1; p < i; ++p) {
            parent[i] = p;
            place(i + 1);
        }
    };
    place(0);
    return seen;
}

// The canonical form of an enumerated forest, through the Topology it builds to.
std::string canonical(const ForestShape &shape) {
    const Topology t = buildTopology(shape);
    std::vector<int> parent;
    std::vector<bool> bridgeLeaf;
    for (DeviceId d = 0; d < t.size(); ++d) {
        const auto p = t.parent(d);
        parent.push_back(p ? static_cast<int>(*p) : -1);
        bridgeLeaf.push_back(t.isBridge(d) && t.children(d).empty());
    }
    return canonical(parent, bridgeLeaf);
}

TEST(TreeEnumerator, UnlabelledRootedTreeCountsAreTheKnownSequence) {
    const std::vector<std::size_t> known{1, 1, 2, 4, 9, 20, 48, 115, 286, 719}; // OEIS A000081
    const TreeEnumerator e(TreeFamily::Unlabelled, 10);
    for (std::size_t n = 1; n <= 10; ++n) {
        EXPECT_EQ(e.treeCount(n), known[n - 1]) << n << " nodes";
        EXPECT_EQ(e.trees(n).size(), known[n - 1]) << n << " nodes";
    }
}

TEST(TreeEnumerator, ForestsOfNNodesAreTreesOfNPlusOne) {
    const TreeEnumerator e(TreeFamily::Unlabelled, 9);
    for (std::size_t n = 1; n <= 8; ++n) {
        EXPECT_EQ(e.forests(n).size(), e.treeCount(n + 1)) << n;
        EXPECT_EQ(e.forestCount(n), e.treeCount(n + 1)) << n;
    }
}

TEST(TreeEnumerator, PciForestsAreEveryForestExactlyOnce) {
    const TreeEnumerator e(TreeFamily::Pci, 6);
    for (int n = 1; n <= 6; ++n) {
        const std::set<std::string> expected = bruteForceForests(n, true);
        const auto forests = e.forests(static_cast<std::size_t>(n));
        std::set<std::string> got;
        for (const ForestShape &f : forests)
            EXPECT_TRUE(got.insert(canonical(f)).second) << "a forest of " << n << " twice";
        EXPECT_EQ(got, expected) << n << " devices";
        EXPECT_EQ(e.forestCount(static_cast<std::size_t>(n)), expected.size());
    }
}

TEST(TreeEnumerator, UnlabelledTreesAreEveryTreeExactlyOnce) {
    const TreeEnumerator e(TreeFamily::Unlabelled, 7);
    for (int n = 1; n <= 7; ++n) {
        std::set<std::string> expected;
        for (const std::string &f : bruteForceForests(n, false))
            if (std::count(f.begin(), f.end(), ',') == 1)
                expected.insert(f);
        std::set<std::string> got;
        for (const ForestShape &f : e.trees(static_cast<std::size_t>(n)))
            EXPECT_TRUE(got.insert(canonical(f)).second);
        EXPECT_EQ(got, expected) << n << " nodes";
    }
}

TEST(TreeEnumerator, PciForestsBuildToThatManyDevicesWithBridgesAboveEveryChild) {
    const TreeEnumerator e(TreeFamily::Pci, 7);
    for (const ForestShape &f : e.forests(7)) {
        const Topology t = buildTopology(f);
        ASSERT_EQ(t.size(), 7u);
        for (DeviceId d = 0; d < t.size(); ++d) {
            if (!t.children(d).empty()) {
                EXPECT_TRUE(t.isBridge(d));
            }
        }
    }
}

} // namespace
} // namespace bridgepath
