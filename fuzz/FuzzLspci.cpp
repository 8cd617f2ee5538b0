// libFuzzer: lspci -t/-tv text. Bad input must be an InputError (never a crash or hang), and what
// parses must survive rendering: parse(render(parse(x))) == parse(x).

#include "topology/InputError.h"
#include "topology/LspciParser.h"
#include "topology/LspciRenderer.h"

#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    using namespace bridgepath;
    const std::string text(reinterpret_cast<const char *>(data), size);
    Topology first;
    try {
        first = parseLspci(text, "fuzz");
    } catch (const InputError &) {
        return 0;
    }
    const std::string rendered = renderLspci(first, true);
    try {
        if (parseLspci(rendered, "fuzz-rendered") != first)
            std::abort(); // parses to a different tree after a round trip
    } catch (const InputError &) {
        std::abort(); // our own rendering must parse
    }
    return 0;
}
