#pragma once
/// TreeContext: one forest prepared once for every search on it (every capacity): its targets,
/// upstream paths and subtrees as device lists and bit masks, and the subtree shapes that
/// symmetry reduction permutes. Internal to exhaustive/.

#include "properties/TreeShape.h"
#include "topology/Topology.h"

#include <cstdint>
#include <vector>

namespace bridgepath::exhaustive {

/// One tree, prepared once for every capacity searched on it.
struct TreeContext {
    Topology topology;
    std::vector<DeviceId> targets;               ///< the leaves
    std::vector<int> targetIndex;                ///< per device, -1 if not a target
    std::vector<std::uint32_t> shapeClass;       ///< per device: its subtree's shape, numbered
    std::vector<std::vector<DeviceId>> children; ///< per device, in BDF order
    std::vector<DeviceId> roots;
    std::vector<std::vector<DeviceId>> byShape; ///< children ordered by shape, then BDF
    std::vector<DeviceId> rootsByShape;
    std::vector<bool> symmetricBelow;        ///< two siblings of one shape in the subtree
    bool symmetric = false;                  ///< two siblings have the same shape
    std::vector<std::uint32_t> pathMask;     ///< bit per device on the upstream path
    std::vector<std::uint32_t> subtreeMask;  ///< bit per device at or below
    std::vector<std::vector<DeviceId>> path; ///< per device, its upstream path
};

/// The context of the forest `shape` (built with buildTopology).
TreeContext prepare(const ForestShape &shape);

} // namespace bridgepath::exhaustive
