// SlotTable: the bitmap probe picks exactly the slot the kernel's linear probe picks.

#include "impl/SlotTable.h"

#include <gtest/gtest.h>
#include <random>

namespace bridgepath {
namespace {

// The rule as DOMAIN.md states it, read straight off the entries.
std::optional<std::uint32_t> linearProbe(const SlotTable &t, Abi abi, std::uint32_t nrDevices) {
    const std::size_t n = t.size();
    if (abi == Abi::V7) {
        for (std::uint32_t i = 0; i < n; ++i)
            if (t[i].refcount == 0)
                return i;
        return static_cast<std::uint32_t>(n);
    }
    // v6: `if (nr_devices == max) -ENOSPC;` then index (u32)(nr_devices + k) % max.
    if (nrDevices == n || n == 0)
        return std::nullopt;
    for (std::uint32_t k = 0; k < n; ++k) {
        const std::uint32_t sum = nrDevices + k; // u32 arithmetic, as the kernel's
        const auto i = static_cast<std::uint32_t>(sum % n);
        if (t[i].refcount == 0)
            return i;
    }
    return std::nullopt;
}

TEST(SlotTable, BitmapProbeChoosesTheSlotTheLinearProbeChooses) {
    for (Abi abi : {Abi::V6, Abi::V7})
        for (std::size_t capacity : {1u, 7u, 64u, 65u, 200u}) {
            std::mt19937 rng(static_cast<unsigned>(capacity) * 31 + (abi == Abi::V6));
            SlotTable t(abi, capacity);
            for (int step = 0; step < 5000; ++step) {
                // Mostly in range; sometimes a counter that wrapped below 0 (a step through a
                // freed slot decrements the live table's), up to the u32 wrap of nr + k.
                const auto nr = rng() % 8 == 0
                                    ? static_cast<std::uint32_t>(0u - 1u - rng() % (capacity + 2))
                                    : static_cast<std::uint32_t>(rng() % (capacity + 2));
                const auto want = linearProbe(t, abi, nr);
                const auto got = t.allocate(nr);
                ASSERT_EQ(got, want) << "capacity " << capacity << " step " << step;
                if (got && rng() % 3 != 0)
                    t.set(*got, SlotEntry{0, static_cast<std::uint16_t>(*got), 1});
                if (t.size() == 0)
                    continue;
                // Free, corrupt or wrap a random slot.
                const auto i = static_cast<std::uint32_t>(rng() % t.size());
                switch (rng() % 4) {
                case 0:
                    t.set(i, SlotEntry{});
                    break;
                case 1:
                    t.setRefcount(i, static_cast<std::uint16_t>(rng() % 3));
                    break;
                case 2:
                    t.setRefcount(i, static_cast<std::uint16_t>(t[i].refcount + 65535)); // -1
                    break;
                default:
                    break;
                }
            }
        }
}

TEST(SlotTable, AssignRebuildsWhichSlotsAreInUse) {
    SlotTable t(Abi::V6, 4);
    const SlotEntry saved[4] = {{0, 1, 1}, {0, 0, 0}, {0, 2, 3}, {0, 0, 0}};
    t.assign(saved, 4);
    EXPECT_EQ(t.allocate(0), 1u);
    EXPECT_EQ(t.allocate(2), 3u);
    EXPECT_EQ(t.allocate(3), 3u);
}

} // namespace
} // namespace bridgepath
