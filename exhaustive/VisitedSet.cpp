#include "exhaustive/VisitedSet.h"

#include <cstring>

namespace bridgepath {

VisitedSet::VisitedSet() : offsets_{0}, buckets_(1024, 0), mask_(1023) {}

std::uint64_t VisitedSet::hash(const std::uint8_t *data, std::size_t size) {
    // Eight bytes at a time, multiply and fold (wyhash-style mixing): states are short records
    // and this is on the hot path.
    std::uint64_t h = 0x9e3779b97f4a7c15ull ^ size;
    std::size_t i = 0;
    for (; i + 8 <= size; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, data + i, 8);
        const __uint128_t m = static_cast<__uint128_t>(h ^ w) * 0xbf58476d1ce4e5b9ull;
        h = static_cast<std::uint64_t>(m) ^ static_cast<std::uint64_t>(m >> 64);
    }
    std::uint64_t tail = 0;
    std::memcpy(&tail, data + i, size - i);
    const __uint128_t m = static_cast<__uint128_t>(h ^ tail) * 0x94d049bb133111ebull;
    return static_cast<std::uint64_t>(m) ^ static_cast<std::uint64_t>(m >> 64);
}

std::pair<std::uint32_t, bool> VisitedSet::insert(const std::uint8_t *data, std::size_t size) {
    const std::uint64_t h = hash(data, size);
    for (std::size_t b = (h >> 32) & mask_;; b = (b + 1) & mask_) {
        const std::uint32_t slot = buckets_[b];
        if (slot == 0) {
            const auto index = static_cast<std::uint32_t>(hashes_.size());
            buckets_[b] = index + 1;
            hashes_.push_back(h);
            arena_.insert(arena_.end(), data, data + size);
            offsets_.push_back(static_cast<std::uint32_t>(arena_.size()));
            if (2 * hashes_.size() > buckets_.size())
                grow();
            return {index, true};
        }
        const std::uint32_t index = slot - 1;
        if (hashes_[index] == h && offsets_[index + 1] - offsets_[index] == size &&
            std::memcmp(arena_.data() + offsets_[index], data, size) == 0)
            return {index, false};
    }
}

void VisitedSet::copyRecord(std::uint32_t index, std::vector<std::uint8_t> &out) const {
    out.assign(arena_.begin() + offsets_[index], arena_.begin() + offsets_[index + 1]);
}

void VisitedSet::grow() {
    std::vector<std::uint32_t> old(buckets_.size() * 2, 0);
    old.swap(buckets_);
    mask_ = buckets_.size() - 1;
    for (std::uint32_t slot : old) {
        if (slot == 0)
            continue;
        const std::uint32_t index = slot - 1;
        std::size_t b = (hashes_[index] >> 32) & mask_;
        while (buckets_[b] != 0)
            b = (b + 1) & mask_;
        buckets_[b] = slot;
    }
}

} // namespace bridgepath
