// libFuzzer: the --ops grammar. Bad input must be an InputError; every parsed op must print and
// parse back to itself.

#include "topology/InputError.h"
#include "topology/Trace.h"

#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    using namespace bridgepath;
    const std::string text(reinterpret_cast<const char *>(data), size);
    Trace first;
    try {
        first = parseOpsText(text);
    } catch (const InputError &) {
        return 0;
    }
    std::string line;
    for (const Op &op : first.ops)
        line += (line.empty() ? "" : "; ") + op.toString();
    try {
        if (parseOpsText(line, "fuzz-rendered").ops != first.ops)
            std::abort();
    } catch (const InputError &) {
        std::abort();
    }
    return 0;
}
