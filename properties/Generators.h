#pragma once
/// Generators: RapidCheck generators of PCI trees shaped like real machines, and of sub-trees of
/// the real machines' trees. Every tree shrinks by shape (drop sub-trees, shorten chains, drop
/// functions, renumber), so a shrunk counterexample is a small tree.

#include "properties/TreeShape.h"

#include <rapidcheck.h>

namespace bridgepath {

/// 1-3 domains of 1-3 root buses; root ports with switch chains 0-6 bridges deep (upstream port +
/// downstream ports), multifunction endpoints, empty bridges, functions on the root bus, and now
/// and then an SR-IOV function with VFs.
rc::Gen<ForestShape> genMachineShape();

/// Shows a shape in RapidCheck's counterexamples as the tree it builds (lspci -tv form).
void showValue(const ForestShape &shape, std::ostream &os);

/// A whole real tree, one of its root buses, or one bridge's sub-tree.
rc::Gen<ForestShape> genRealSubtreeShape();

/// Machine-shaped (3 in 4) or real (1 in 4), shrinking with shrinkShape().
rc::Gen<ForestShape> genTreeShape();

} // namespace bridgepath
