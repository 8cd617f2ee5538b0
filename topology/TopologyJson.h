#pragma once
/// TopologyJson: the JSON form of a topology (what `bridgepath topology --json` prints, and reads).
///
///   {"devices": N, "bridges": N, "endpoints": N, "root_buses": N, "max_upstream_bridges": N,
///    "tree": [{"bdf": "0000:00:01.0", "kind": "bridge", "parent": null,
///              "secondary": 1, "subordinate": 2}, {"bdf": ..., "kind": "endpoint",
///              "parent": "0000:00:01.0", "vf": true, "label": "..."}]}
///
/// Reading needs only "tree" with bdf, kind and parent per device; bridges need "secondary" (and
/// may give "subordinate", default = secondary); "vf" and "label" are optional.

#include "topology/Topology.h"

#include <string>
#include <string_view>

namespace bridgepath {

/// The summary and tree as one JSON object (2-space indented, keys in the order above).
std::string topologyToJson(const Topology &t);

/// Parses the JSON form; InputError names `source:line:column` for syntax errors and
/// `source: tree[i].key` for a bad entry.
Topology topologyFromJson(std::string_view text, const std::string &source);

} // namespace bridgepath
