// libFuzzer: the KHO bytes the incoming kernel reads (first byte picks the ABI). Decoding must
// never read out of bounds; what decodes must encode back to the same bytes.

#include "impl/KhoImage.h"

#include <cstdlib>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    using namespace bridgepath;
    if (size == 0)
        return 0;
    const Abi abi = data[0] & 1 ? Abi::V7 : Abi::V6;
    const std::vector<std::uint8_t> bytes(data + 1, data + size);
    const auto decoded = decodeKho(abi, bytes);
    if (const auto *image = std::get_if<KhoImage>(&decoded))
        if (encodeKho(abi, *image) != bytes)
            std::abort();
    return 0;
}
