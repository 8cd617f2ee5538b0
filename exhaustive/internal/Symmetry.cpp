#include "exhaustive/internal/Symmetry.h"

#include "impl/internal/SearchState.h"

namespace bridgepath::exhaustive {

Perm identity() {
    Perm p{};
    for (std::size_t i = 0; i < kMaxDevices; ++i)
        p[i] = static_cast<std::uint8_t>(i);
    return p;
}

void followRenaming(Perm &real, const Perm &renamed, std::size_t n) {
    Perm next = real;
    for (std::size_t x = 0; x < n; ++x)
        next[renamed[x]] = real[x];
    real = next;
}

Canonicalizer::Canonicalizer(const TreeContext &c) : c_(c) {
    perm_.resize(c.topology.size());
    sig_.resize(c.topology.size());
}

Perm Canonicalizer::canonicalize(PciLiveUpdate &impl, Meta &m) {
    const Topology &t = c_.topology;
    const std::size_t n = t.size();
    // Each subtree's state in one hash, bottom up (children have larger ids).
    internal::SearchState::deviceWords(impl, words_);
    for (DeviceId d = n; d-- > 0;) {
        std::uint64_t h =
            (words_[d] ^ words_[n + d] * 0xc2b2ae3d27d4eb4full) * 0x9e3779b97f4a7c15ull;
        h ^= (std::uint64_t{m.frozen >> d & 1u} | std::uint64_t{m.vanishedTops >> d & 1u} << 1 |
              std::uint64_t{m.notEnumerated >> d & 1u} << 2 |
              std::uint64_t{m.faultUsed && m.faultDevice == d} << 3 |
              std::uint64_t{c_.targetIndex[d] >= 0 && (m.targetsUsed >> c_.targetIndex[d] & 1u)}
                  << 4) *
             0xbf58476d1ce4e5b9ull;
        // Order-free over the children: a sum of mixed hashes.
        std::uint64_t kids = 0;
        for (DeviceId k : c_.children[d])
            kids += (sig_[k] ^ (sig_[k] >> 31)) * 0x94d049bb133111ebull;
        h = (h ^ kids) * 0xd6e8feb86659fd93ull;
        sig_[d] = h ^ (h >> 29);
    }
    for (DeviceId d = 0; d < n; ++d)
        perm_[d] = d;
    assign(c_.rootsByShape, c_.rootsByShape, true);
    bool moved = false;
    for (DeviceId d = 0; d < n; ++d)
        moved = moved || perm_[d] != d;
    Perm out = identity();
    if (!moved)
        return out;
    internal::SearchState::relabel(impl, perm_);
    Meta renamed = m;
    renamed.frozen = renamed.vanishedTops = renamed.notEnumerated = 0;
    renamed.targetsUsed = 0;
    for (DeviceId d = 0; d < n; ++d) {
        const DeviceId to = perm_[d];
        out[d] = static_cast<std::uint8_t>(to);
        renamed.frozen |= (m.frozen >> d & 1u) << to;
        renamed.vanishedTops |= (m.vanishedTops >> d & 1u) << to;
        renamed.notEnumerated |= (m.notEnumerated >> d & 1u) << to;
        if (c_.targetIndex[d] >= 0)
            renamed.targetsUsed |= (m.targetsUsed >> c_.targetIndex[d] & 1u) << c_.targetIndex[to];
    }
    if (m.faultDevice != kNoDevice)
        renamed.faultDevice = static_cast<std::uint8_t>(perm_[m.faultDevice]);
    m = renamed;
    return out;
}

void Canonicalizer::assign(const std::vector<DeviceId> &from, const std::vector<DeviceId> &to,
                           bool top) {
    std::array<DeviceId, kMaxDevices> f{};
    std::size_t count = 0;
    for (DeviceId d : from) {
        if (top && d == 0) {
            // Device 0 keeps its place; its subtree may still be reordered inside.
            if (c_.symmetricBelow[0])
                assign(c_.byShape[0], c_.byShape[0], false);
            continue;
        }
        // Insertion sort by (shape, state): stable, no allocation, lists are short.
        std::size_t i = count++;
        for (; i > 0; --i) {
            const DeviceId prev = f[i - 1];
            if (c_.shapeClass[prev] < c_.shapeClass[d] ||
                (c_.shapeClass[prev] == c_.shapeClass[d] && sig_[prev] <= sig_[d]))
                break;
            f[i] = prev;
        }
        f[i] = d;
    }
    std::size_t j = 0;
    for (std::size_t i = 0; i < count; ++i, ++j) {
        if (top && to[j] == 0)
            ++j;
        perm_[f[i]] = to[j];
        // A subtree kept in place with no two siblings alike inside stays as it is.
        if (f[i] != to[j] || c_.symmetricBelow[f[i]])
            assign(c_.byShape[f[i]], c_.byShape[to[j]], false);
    }
}

} // namespace bridgepath::exhaustive
