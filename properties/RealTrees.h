#pragma once
/// RealTrees: the real machines' `lspci -t` trees of tests/topologies, built into the library so
/// generators and `bridgepath check` need no files at run time.

#include "topology/Topology.h"

#include <string>
#include <vector>

namespace bridgepath {

/// One embedded tree.
struct RealTree {
    std::string name; ///< the file name in tests/topologies
    Topology topology;
};

/// Every embedded tree, parsed once.
const std::vector<RealTree> &realTrees();

} // namespace bridgepath
