#pragma once
/// MachineTree: the benchmarks' machine-shaped trees of about N PCI functions (domains of four
/// root buses, root ports, switches one or two levels deep, SR-IOV NICs with their VFs,
/// multifunction endpoints, empty slots). Deterministic: the same N gives the same tree.

#include "properties/TreeShape.h"

#include <cstddef>

namespace bridgepath::bench {

/// The shape of a machine of about `target` functions (within a few percent).
ForestShape machineShape(std::size_t target);

} // namespace bridgepath::bench
