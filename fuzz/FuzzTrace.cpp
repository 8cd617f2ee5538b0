// libFuzzer: trace files. Bad input must be an InputError; a parsed trace printed with
// Trace::toString must parse back to the same operations and header.

#include "topology/InputError.h"
#include "topology/Trace.h"

#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    using namespace bridgepath;
    const std::string text(reinterpret_cast<const char *>(data), size);
    Trace first;
    try {
        first = parseTraceText(text, "fuzz", "/nonexistent");
    } catch (const InputError &) {
        return 0;
    }
    try {
        const Trace again = parseTraceText(first.toString(), "fuzz-rendered", "/nonexistent");
        if (again.ops != first.ops || again.policy != first.policy || again.abi != first.abi ||
            again.capacity != first.capacity || again.topology != first.topology ||
            again.inlineTopology != first.inlineTopology)
            std::abort();
    } catch (const InputError &) {
        std::abort();
    }
    return 0;
}
