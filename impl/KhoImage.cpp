#include "impl/KhoImage.h"

namespace bridgepath {

namespace {

constexpr std::uint32_t kV7Version = 7;
constexpr std::size_t kSlotBytes = 8;

void put32(std::vector<std::uint8_t> &out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void put16(std::vector<std::uint8_t> &out, std::uint16_t v) {
    out.push_back(static_cast<std::uint8_t>(v));
    out.push_back(static_cast<std::uint8_t>(v >> 8));
}

std::uint32_t get32(const std::vector<std::uint8_t> &in, std::size_t at) {
    return std::uint32_t{in[at]} | std::uint32_t{in[at + 1]} << 8 |
           std::uint32_t{in[at + 2]} << 16 | std::uint32_t{in[at + 3]} << 24;
}

std::uint16_t get16(const std::vector<std::uint8_t> &in, std::size_t at) {
    return static_cast<std::uint16_t>(in[at] | in[at + 1] << 8);
}

} // namespace

std::vector<std::uint8_t> encodeKho(Abi abi, const KhoImage &image) {
    std::vector<std::uint8_t> out;
    const auto count = static_cast<std::uint32_t>(image.slots.size());
    switch (abi) {
    case Abi::V6:
        put32(out, count);
        put32(out, image.nrDevices);
        break;
    case Abi::V7:
        put32(out, kV7Version);
        put32(out, image.nrDevices);
        put32(out, count);
        break;
    }
    for (const SlotEntry &e : image.slots) {
        put32(out, e.domain);
        put16(out, e.bdf);
        put16(out, e.refcount);
    }
    return out;
}

std::variant<KhoImage, KhoDecodeError> decodeKho(Abi abi, const std::vector<std::uint8_t> &bytes) {
    std::size_t header = 0;
    std::uint32_t count = 0;
    KhoImage image;
    switch (abi) {
    case Abi::V6:
        header = 8;
        if (bytes.size() < header)
            return KhoDecodeError{"v6 image shorter than its 8-byte header"};
        count = get32(bytes, 0);
        image.nrDevices = get32(bytes, 4);
        break;
    case Abi::V7:
        header = 12;
        if (bytes.size() < header)
            return KhoDecodeError{"v7 image shorter than its 12-byte header"};
        if (get32(bytes, 0) != kV7Version)
            return KhoDecodeError{"v7 image has version " + std::to_string(get32(bytes, 0))};
        image.nrDevices = get32(bytes, 4);
        count = get32(bytes, 8);
        break;
    }
    if ((bytes.size() - header) / kSlotBytes != count || (bytes.size() - header) % kSlotBytes != 0)
        return KhoDecodeError{"header announces " + std::to_string(count) + " slots but " +
                              std::to_string(bytes.size() - header) + " bytes follow"};
    image.slots.resize(count);
    for (std::uint32_t i = 0; i < count; ++i) {
        const std::size_t at = header + kSlotBytes * i;
        image.slots[i] = SlotEntry{get32(bytes, at), get16(bytes, at + 4), get16(bytes, at + 6)};
    }
    return image;
}

} // namespace bridgepath
