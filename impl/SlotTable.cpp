#include "impl/SlotTable.h"

#include <algorithm>

namespace bridgepath {

SlotTable::SlotTable(Abi abi, std::size_t capacity)
    : abi_(abi), slots_(abi == Abi::V6 ? capacity : 0), used_((slots_.size() + 63) / 64, 0) {}

void SlotTable::reset() {
    if (abi_ == Abi::V6)
        std::fill(slots_.begin(), slots_.end(), SlotEntry{});
    else
        slots_.clear();
    used_.assign((slots_.size() + 63) / 64, 0);
}

void SlotTable::reset(std::size_t capacity) {
    if (abi_ == Abi::V6)
        slots_.assign(capacity, SlotEntry{});
    else
        slots_.clear();
    used_.assign((slots_.size() + 63) / 64, 0);
}

void SlotTable::assign(const SlotEntry *first, std::size_t count) {
    slots_.assign(first, first + count);
    used_.assign((count + 63) / 64, 0);
    for (std::uint32_t i = 0; i < count; ++i)
        mark(i, slots_[i].refcount != 0);
}

std::size_t SlotTable::firstFree(std::size_t from, std::size_t to) const {
    std::size_t word = from >> 6;
    // Free slots of the first word at or after `from`.
    std::uint64_t free = ~used_[word] & (~std::uint64_t{0} << (from & 63));
    for (;;) {
        if (free != 0) {
            const std::size_t at = (word << 6) + static_cast<std::size_t>(__builtin_ctzll(free));
            return at < to ? at : to;
        }
        if (++word << 6 >= to)
            return to;
        free = ~used_[word];
    }
}

std::uint32_t SlotTable::allocateIndex(std::uint32_t nrDevices) {
    const std::size_t n = slots_.size();
    switch (abi_) {
    case Abi::V6: {
        if (nrDevices == n || n == 0)
            return kFull;
        if (nrDevices > n) {
            // A counter that wrapped below 0: the kernel's probe order, (u32)(nr + k) mod n,
            // which can jump at the u32 wrap (rare: only after steps through freed slots).
            for (std::size_t k = 0; k < n; ++k) {
                const std::size_t at = static_cast<std::uint32_t>(nrDevices + k) % n;
                if (slots_[at].refcount == 0)
                    return static_cast<std::uint32_t>(at);
            }
            return kFull;
        }
        // nr_devices mod capacity, with nr_devices < capacity here: no division needed.
        const std::size_t start = nrDevices;
        std::size_t at = firstFree(start, n);
        if (at == n) {
            at = firstFree(0, start);
            // Corruption can leave nr_devices below the slots really in use: none is free.
            if (at == start)
                return kFull;
        }
        return static_cast<std::uint32_t>(at);
    }
    case Abi::V7: {
        const std::size_t at = n == 0 ? 0 : firstFree(0, n);
        if (at < n)
            return static_cast<std::uint32_t>(at);
        slots_.emplace_back();
        if (used_.size() * 64 < slots_.size())
            used_.push_back(0);
        return static_cast<std::uint32_t>(n);
    }
    }
    return kFull;
}

} // namespace bridgepath
