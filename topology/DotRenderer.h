#pragma once
/// DotRenderer: a Topology as Graphviz DOT (via Boost.Graph's writer), optionally styled per
/// device.

#include "topology/Topology.h"

#include <functional>
#include <string>

namespace bridgepath {

/// How one device is drawn: extra label text, a fill colour (empty: defaults), and whether it is
/// on the highlighted walk (thick red outline, and a thick red edge from its parent if that is
/// highlighted too).
struct DotStyle {
    std::string note;
    std::string fill;
    bool highlight = false;
};

/// Styles a device; may be empty.
using DotStyler = std::function<DotStyle(DeviceId)>;

/// `digraph G { ... }`: one node per device (BDF, kind, label), edges parent -> child, root buses
/// as plaintext nodes above their devices. Bridges are boxes, endpoints ellipses, VFs dashed.
/// `title` (if any) is the graph's label.
std::string renderDot(const Topology &t, const DotStyler &style = nullptr,
                      const std::string &title = "");

} // namespace bridgepath
