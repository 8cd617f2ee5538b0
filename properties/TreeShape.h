#pragma once
/// TreeShape: a PCI tree as structure only (no bus or device numbers), the form random trees are
/// generated and shrunk in. build() numbers it the way firmware would (depth first), so every
/// shrink renumbers and a shrunk counterexample is a small, tidy tree.

#include "topology/Topology.h"

#include <cstdint>
#include <vector>

namespace bridgepath {

/// One PCI device number on a bus: a bridge (function 0 forwards to a secondary bus) or an
/// endpoint with one or more functions (several = multifunction; any function but 0 may be a VF).
struct DeviceShape {
    bool bridge = false;
    std::uint8_t chain = 0;             ///< bridges: extra single-child bridges straight below
    std::vector<DeviceShape> children;  ///< bridges: the devices on the bus at the chain's end
    std::vector<bool> functions{false}; ///< endpoints: one entry per function, true = VF

    friend bool operator==(const DeviceShape &a, const DeviceShape &b) {
        return a.bridge == b.bridge && a.chain == b.chain && a.children == b.children &&
               a.functions == b.functions;
    }
};

/// A root bus and the devices on it.
struct RootBusShape {
    std::vector<DeviceShape> devices;
    friend bool operator==(const RootBusShape &a, const RootBusShape &b) {
        return a.devices == b.devices;
    }
};

/// A whole machine: domains, each with root buses.
struct ForestShape {
    std::vector<std::vector<RootBusShape>> domains;
    friend bool operator==(const ForestShape &a, const ForestShape &b) {
        return a.domains == b.domains;
    }
};

/// Numbers the shape: domains 0, 1, ...; root buses 0x00, 0x40, 0x80, 0xc0 of each domain;
/// devices 0, 1, ... on each bus (functions 0..n-1); secondary buses depth first. Devices that
/// would need a bus number above 0xff, or more than 32 devices on a bus, are left out.
Topology buildTopology(const ForestShape &shape);

/// The structure of a topology (its numbers are dropped; functions of one device number group).
ForestShape toShape(const Topology &t);

/// The shape of one device's subtree as a forest with one root bus.
ForestShape subtreeShape(const Topology &t, DeviceId root);

/// Number of PCI functions the shape builds to.
std::size_t deviceCount(const ForestShape &shape);

/// Smaller shapes, most aggressive first: drop a domain, a root bus, a device subtree; turn a
/// bridge into an empty bridge or an endpoint; lift a bridge's only child into its place; shorten
/// a chain; drop functions; clear a VF flag.
std::vector<ForestShape> shrinkShape(const ForestShape &shape);

} // namespace bridgepath
