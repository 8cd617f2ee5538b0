#include "topology/TopologyLoader.h"

#include "topology/LspciParser.h"
#include "topology/TextFile.h"
#include "topology/TopologyJson.h"

namespace bridgepath {

Topology loadTopologyFile(const std::string &path) {
    const std::string text = readTextFile(path);
    return looksLikeLspci(text) ? parseLspci(text, path) : topologyFromJson(text, path);
}

} // namespace bridgepath
