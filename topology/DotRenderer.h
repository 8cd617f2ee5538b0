#pragma once
/// DotRenderer: a Topology as Graphviz DOT (via Boost.Graph's writer), optionally styled per device.

#include "topology/Topology.h"

#include <functional>
#include <string>

namespace bridgepath {

/// How one device is drawn: extra label text and a fill colour (empty: defaults).
struct DotStyle {
    std::string note;
    std::string fill;
};

/// Styles a device; may be empty.
using DotStyler = std::function<DotStyle(DeviceId)>;

/// `digraph G { ... }`: one node per device (BDF, kind, label), edges parent -> child, root buses
/// as plaintext nodes above their devices. Bridges are boxes, endpoints ellipses, VFs dashed.
std::string renderDot(const Topology &t, const DotStyler &style = nullptr);

} // namespace bridgepath
