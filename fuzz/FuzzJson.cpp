// libFuzzer: JSON topologies. Bad input must be an InputError; what parses must round-trip
// through topologyToJson.

#include "fuzz/JsonRoundTrip.h"
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
    requireJsonRoundTrip(first);
    return 0;
}
