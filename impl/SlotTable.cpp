#include "impl/SlotTable.h"

namespace bridgepath {

SlotTable::SlotTable(Abi abi, std::size_t capacity)
    : abi_(abi), slots_(abi == Abi::V6 ? capacity : 0) {}

std::optional<std::uint32_t> SlotTable::allocate(std::uint32_t nrDevices) {
    const std::size_t n = slots_.size();
    switch (abi_) {
    case Abi::V6: {
        if (nrDevices >= n)
            return std::nullopt;
        const std::size_t start = nrDevices % n;
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t idx = start + i < n ? start + i : start + i - n;
            if (slots_[idx].refcount == 0)
                return static_cast<std::uint32_t>(idx);
        }
        // Corruption can leave nr_devices below the slots really in use: no free slot is found.
        return std::nullopt;
    }
    case Abi::V7:
        for (std::size_t i = 0; i < n; ++i)
            if (slots_[i].refcount == 0)
                return static_cast<std::uint32_t>(i);
        slots_.emplace_back();
        return static_cast<std::uint32_t>(n);
    }
    return std::nullopt;
}

} // namespace bridgepath
