#pragma once
/// TopologyLoader: reads a topology file in whichever form it is (lspci -t / -tv text or JSON).

#include "topology/Topology.h"
#include "topology/Trace.h"

#include <optional>

#include <string>

namespace bridgepath {

/// Reads `path`; JSON if the first non-blank character is `{`, else lspci tree text.
/// InputError (file:line:column) if it cannot be read or parsed.
Topology loadTopologyFile(const std::string &path);

/// The topology a trace names: its inline tree, else its `# topology:` file; nullopt if neither.
std::optional<Topology> loadTraceTopology(const Trace &trace);

} // namespace bridgepath
