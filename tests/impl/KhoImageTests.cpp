// The byte layout that crosses the kexec, and the incoming kernel's index over it.

#include "impl/IncomingIndex.h"
#include "impl/KhoImage.h"

#include <gtest/gtest.h>

namespace bridgepath {
namespace {

KhoImage sample() {
    KhoImage image;
    image.nrDevices = 2;
    image.slots = {SlotEntry{0x0001, 0x0300, 1}, SlotEntry{}, SlotEntry{0x0001, 0x0200, 0x1234}};
    return image;
}

TEST(KhoImage, V6LayoutIsPackedLittleEndian) {
    const std::vector<std::uint8_t> expected{
        3, 0, 0, 0,                      // max_nr_devices
        2, 0, 0, 0,                      // nr_devices
        1, 0, 0, 0, 0x00, 0x03, 1,    0, // 0001:03:00.0 refcount 1
        0, 0, 0, 0, 0,    0,    0,    0, // free slot
        1, 0, 0, 0, 0x00, 0x02, 0x34, 0x12};
    EXPECT_EQ(encodeKho(Abi::V6, sample()), expected);
}

TEST(KhoImage, V7LayoutCarriesVersionAndSlotCount) {
    const auto bytes = encodeKho(Abi::V7, sample());
    ASSERT_EQ(bytes.size(), 12u + 3 * 8);
    EXPECT_EQ(bytes[0], 7); // version
    EXPECT_EQ(bytes[4], 2); // nr_devices
    EXPECT_EQ(bytes[8], 3); // slots
}

TEST(KhoImage, DecodeInvertsEncode) {
    for (Abi abi : {Abi::V6, Abi::V7}) {
        const auto decoded = decodeKho(abi, encodeKho(abi, sample()));
        ASSERT_TRUE(std::holds_alternative<KhoImage>(decoded)) << toString(abi);
        EXPECT_EQ(std::get<KhoImage>(decoded).slots, sample().slots);
        EXPECT_EQ(std::get<KhoImage>(decoded).nrDevices, 2u);
    }
}

TEST(KhoImage, TruncatedOrPaddedBytesAreRejected) {
    for (Abi abi : {Abi::V6, Abi::V7}) {
        auto bytes = encodeKho(abi, sample());
        auto shorter = bytes;
        shorter.pop_back();
        EXPECT_TRUE(std::holds_alternative<KhoDecodeError>(decodeKho(abi, shorter)));
        auto longer = bytes;
        longer.insert(longer.end(), 8, 0);
        EXPECT_TRUE(std::holds_alternative<KhoDecodeError>(decodeKho(abi, longer)));
        EXPECT_TRUE(std::holds_alternative<KhoDecodeError>(decodeKho(abi, {1, 2, 3})));
    }
}

TEST(KhoImage, V7WithAnotherVersionIsRejected) {
    auto bytes = encodeKho(Abi::V7, sample());
    bytes[0] = 6;
    const auto decoded = decodeKho(Abi::V7, bytes);
    ASSERT_TRUE(std::holds_alternative<KhoDecodeError>(decoded));
    EXPECT_NE(std::get<KhoDecodeError>(decoded).reason.find("version 6"), std::string::npos);
}

TEST(IncomingIndex, IndexesSlotsInUseByDomainAndBdf) {
    const auto index = indexIncoming(sample().slots);
    ASSERT_TRUE(std::holds_alternative<IncomingIndex>(index));
    const IncomingIndex expected{{0x10200, 2}, {0x10300, 0}};
    EXPECT_EQ(std::get<IncomingIndex>(index), expected);
}

TEST(IncomingIndex, DuplicateKeyIsAnError) {
    auto slots = sample().slots;
    slots[1] = SlotEntry{0x0001, 0x0300, 2};
    const auto index = indexIncoming(slots);
    ASSERT_TRUE(std::holds_alternative<DuplicateKey>(index));
    EXPECT_EQ(std::get<DuplicateKey>(index).key, 0x10300u);
}

TEST(IncomingIndex, FreedSlotsDoNotCollide) {
    auto slots = sample().slots;
    slots[1] = SlotEntry{0x0001, 0x0300, 0}; // same key, refcount 0: not indexed
    EXPECT_TRUE(std::holds_alternative<IncomingIndex>(indexIncoming(slots)));
}

} // namespace
} // namespace bridgepath
