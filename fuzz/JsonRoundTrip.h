#pragma once
// The round trip every fuzzed topology must survive: rendered as JSON and read back, it is the
// same tree (a failure aborts, which libFuzzer reports with the input).

#include "topology/InputError.h"
#include "topology/TopologyJson.h"

#include <cstdlib>

namespace bridgepath {

inline void requireJsonRoundTrip(const Topology &t) {
    try {
        if (topologyFromJson(topologyToJson(t), "fuzz-rendered") != t)
            std::abort();
    } catch (const InputError &) {
        std::abort();
    }
}

} // namespace bridgepath
