#include "topology/TopologyLoader.h"

#include "topology/LspciParser.h"
#include "topology/TextFile.h"
#include "topology/TopologyJson.h"

namespace bridgepath {

Topology loadTopologyFile(const std::string &path) {
    const std::string text = readTextFile(path);
    return looksLikeLspci(text) ? parseLspci(text, path) : topologyFromJson(text, path);
}

std::optional<Topology> loadTraceTopology(const Trace &trace) {
    if (!trace.inlineTopology.empty())
        return parseLspci(trace.inlineTopology, trace.inlineTopologyPlace + " (inline topology)");
    if (trace.topology)
        return loadTopologyFile(*trace.topology);
    return std::nullopt;
}

} // namespace bridgepath
