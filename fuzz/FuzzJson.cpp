// libFuzzer: JSON topologies. Bad input must be an InputError; what parses must round-trip
// through topologyToJson.

#include "topology/InputError.h"
#include "topology/TopologyJson.h"

#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    using namespace bridgepath;
    const std::string text(reinterpret_cast<const char *>(data), size);
    Topology first;
    try {
        first = topologyFromJson(text, "fuzz");
    } catch (const InputError &) {
        return 0;
    }
    try {
        if (topologyFromJson(topologyToJson(first), "fuzz-rendered") != first)
            std::abort();
    } catch (const InputError &) {
        std::abort();
    }
    return 0;
}
