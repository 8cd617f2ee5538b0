// The search's view of PciLiveUpdate: its whole state as bytes, per-device words, renaming.
#include "impl/internal/SearchState.h"

#include "topology/Contract.h"

#include <algorithm>
#include <cstring>

namespace bridgepath {

namespace {

template <class T> std::uint8_t *put(std::uint8_t *p, const T &value) {
    std::memcpy(p, &value, sizeof(T));
    return p + sizeof(T);
}

template <class T> T get(const std::uint8_t *&p) {
    T value;
    std::memcpy(&value, p, sizeof(T));
    p += sizeof(T);
    return value;
}

std::uint8_t *putSlots(std::uint8_t *p, const std::vector<SlotEntry> &slots) {
    p = put(p, static_cast<std::uint32_t>(slots.size()));
    for (const SlotEntry &e : slots) {
        p = put(p, e.domain);
        p = put(p, e.bdf);
        p = put(p, e.refcount);
    }
    return p;
}

const std::uint8_t *getSlots(const std::uint8_t *p, std::vector<SlotEntry> &slots) {
    slots.resize(get<std::uint32_t>(p));
    for (SlotEntry &e : slots) {
        e.domain = get<std::uint32_t>(p);
        e.bdf = get<std::uint16_t>(p);
        e.refcount = get<std::uint16_t>(p);
    }
    return p;
}

constexpr std::size_t kSlotBytes = 8;
constexpr std::size_t kDeviceBytes = 9;
constexpr std::uint32_t kStaleTag = 0xFE000000u; // real indices stay below it

} // namespace

// Layout: phase, end flags (panicked, retrieve pending, inherited), table live (the third byte),
// the kinds of event seen (a crash among them), generation, outgoing nr_devices, incoming
// nr_devices, the devices' incoming references, the outgoing table, the incoming entries, then per
// device its cached slot (a dangling one: kStaleTag | alias << 16 | its freed copy's refcount), its
// incoming entry and one byte of flags.
std::uint8_t PciLiveUpdate::flagsOf(DeviceId d) const {
    return static_cast<std::uint8_t>(frozen_[d] | failNext_[d] << 1 | vanished_[d] << 4 |
                                     removed_[d] << 5 | link_[d].direct << 6 | inDirect_[d] << 7);
}

void PciLiveUpdate::save(std::vector<std::uint8_t> &out) const {
    const std::size_t start = out.size();
    out.resize(start + 4 + 4 + 4 + 4 + 4 + 4 + (slots().size() + incoming_.size()) * kSlotBytes +
               4 + link_.size() * kDeviceBytes);
    std::uint8_t *p = out.data() + start;
    p = put(p, static_cast<std::uint8_t>(phase_));
    p = put(p, static_cast<std::uint8_t>(panicked_ | retrievePending_ << 1 | inherited_ << 2 |
                                         warnedAtRelease_ << 3 | tableLive_ << 4));
    p = put(p, seen_); // two bytes
    p = put(p, static_cast<std::uint32_t>(generation_));
    p = put(p, nrDevices_);
    p = put(p, inNr_);
    p = put(p, inHeld_);
    p = putSlots(p, slots());
    p = putSlots(p, incoming_);
    for (DeviceId d = 0; d < link_.size(); ++d) {
        p = put(p, link_[d].slot == kStale ? kStaleTag | std::uint32_t{alias_[d]} << 16 | ghost_[d]
                                           : link_[d].slot);
        p = put(p, inSlot_[d]);
        p = put(p, flagsOf(d));
    }
    BP_REQUIRE(p == out.data() + out.size(),
               "save: the record is exactly the size computed for it");
}

void PciLiveUpdate::restore(const std::uint8_t *bytes, std::size_t size) {
    const std::uint8_t *p = bytes;
    phase_ = static_cast<Phase>(get<std::uint8_t>(p));
    const auto endFlags = get<std::uint8_t>(p);
    panicked_ = (endFlags & 1) != 0;
    retrievePending_ = (endFlags & 2) != 0;
    inherited_ = (endFlags & 4) != 0;
    warnedAtRelease_ = (endFlags & 8) != 0;
    tableLive_ = (endFlags & 16) != 0;
    seen_ = get<std::uint16_t>(p);
    events_.clear();
    for (KernelEventKind k : allKernelEvents())
        if (happened(k))
            events_.push_back(KernelEvent{k, std::nullopt, 0});
    generation_ = get<std::uint32_t>(p);
    nrDevices_ = get<std::uint32_t>(p);
    inNr_ = get<std::uint32_t>(p);
    inHeld_ = get<std::int32_t>(p);
    p = getSlots(p, scratch_);
    if (tableLive_)
        table_.assign(scratch_.data(), scratch_.size());
    else
        table_.reset();
    p = getSlots(p, incoming_);
    directCount_ = 0;
    holders_ = 0;
    notedStale_ = true;
    for (DeviceId d = 0; d < link_.size(); ++d) {
        const auto slot = get<std::uint32_t>(p);
        const bool stale = slot != kNone && (slot & kStaleTag) == kStaleTag;
        link_[d].slot = stale ? kStale : slot;
        ghost_[d] = stale ? static_cast<std::uint16_t>(slot) : 0;
        alias_[d] = stale ? static_cast<std::uint8_t>(slot >> 16) : 0;
        holders_ += slot != kNone && !stale;
        inSlot_[d] = get<std::uint32_t>(p);
        const auto flags = get<std::uint8_t>(p);
        frozen_[d] = flags & 1;
        failNext_[d] = (flags >> 1) & 7;
        vanished_[d] = (flags >> 4) & 1;
        removed_[d] = (flags >> 5) & 1;
        link_[d].direct = (flags >> 6) & 1;
        inDirect_[d] = (flags >> 7) & 1;
        directCount_ += link_[d].direct;
        refreshGate(d);
    }
    BP_REQUIRE(p == bytes + size, "restore: not a record save() wrote for this topology");
    (void)size;
}

} // namespace bridgepath

namespace bridgepath {

std::uint32_t PciLiveUpdate::deviceNamed(const SlotEntry &e) const {
    const std::uint64_t key = std::uint64_t{e.domain} << 16 | e.bdf;
    const auto it = std::lower_bound(key_.begin(), key_.end(), key);
    return it != key_.end() && *it == key ? static_cast<std::uint32_t>(it - key_.begin()) : kNone;
}

void PciLiveUpdate::deviceWords(std::vector<std::uint64_t> &out) const {
    const std::size_t n = link_.size();
    out.resize(2 * n);
    for (DeviceId d = 0; d < n; ++d) {
        // 24 bits of slot; a dangling device's holds its freed copy's refcount instead.
        const std::uint32_t slot = link_[d].slot == kStale ? 0xFE0000u | ghost_[d] : link_[d].slot;
        out[d] = std::uint64_t{slot} << 40 | std::uint64_t{flagsOf(d)} << 32 |
                 std::uint64_t{alias_[d]} << 24;
        out[n + d] = std::uint64_t{inSlot_[d]} << 32;
    }
    const std::vector<SlotEntry> &table = slots();
    for (std::size_t i = 0; i < table.size() && i < 24; ++i) {
        const std::uint32_t dev = deviceNamed(table[i]);
        if (dev != kNone)
            out[dev] |= std::uint64_t{1} << i;
    }
    for (std::size_t i = 0; i < incoming_.size() && i < 32; ++i) {
        const std::uint32_t dev = deviceNamed(incoming_[i]);
        if (dev != kNone)
            out[n + dev] |= std::uint64_t{1} << i;
    }
}

void PciLiveUpdate::relabel(const std::vector<DeviceId> &perm) {
    BP_REQUIRE(perm.size() == link_.size(), "relabel: a permutation of every device");
    // Follows each cycle of the permutation, so nothing is copied.
    std::vector<bool> &done = relabelDone_; // kept: relabel is on a search's hot path
    auto permute = [&perm, &done](auto &v) {
        done.assign(perm.size(), false);
        for (DeviceId start = 0; start < perm.size(); ++start) {
            if (done[start] || perm[start] == start)
                continue;
            auto carried = v[start];
            for (DeviceId d = start; !done[d]; d = perm[d]) {
                done[d] = true;
                std::swap(carried, v[perm[d]]);
            }
        }
    };
    struct SlotColumn { // the slot field of link_, permuted in place
        std::vector<Link> &link;
        std::uint32_t &operator[](DeviceId d) { return link[d].slot; }
    } slots{link_};
    permute(slots);
    permute(inSlot_);
    permute(inDirect_);
    permute(frozen_);
    permute(failNext_);
    permute(vanished_);
    permute(removed_);
    struct DirectColumn { // the direct field of link_, permuted in place
        std::vector<Link> &link;
        std::uint8_t &operator[](DeviceId d) { return link[d].direct; }
    } direct{link_};
    permute(direct);
    permute(ghost_);
    permute(alias_);
    for (DeviceId d = 0; d < link_.size(); ++d)
        refreshGate(d);
    auto renamed = [&](SlotEntry e) {
        const std::uint32_t dev = deviceNamed(e);
        if (dev != kNone && perm[dev] != dev) {
            e.domain = static_cast<std::uint32_t>(key_[perm[dev]] >> 16);
            e.bdf = static_cast<std::uint16_t>(key_[perm[dev]]);
        }
        return e;
    };
    if (tableLive_)
        for (std::uint32_t i = 0; i < table_.size(); ++i)
            table_.set(i, renamed(table_[i]));
    for (SlotEntry &e : incoming_)
        e = renamed(e);
    notedStale_ = true;
}

namespace internal {

void SearchState::save(const PciLiveUpdate &impl, std::vector<std::uint8_t> &out) {
    impl.save(out);
}

void SearchState::saveBehaviour(const PciLiveUpdate &impl, std::vector<std::uint8_t> &out) {
    const std::size_t start = out.size();
    impl.save(out);
    // The event kinds' two bytes (save's third and fourth) become whether the kernel is dead:
    // the only part of the record of what happened that the implementation reads.
    out[start + 2] = impl.crashed() ? 1 : 0;
    out[start + 3] = 0;
}

void SearchState::restore(PciLiveUpdate &impl, const std::uint8_t *bytes, std::size_t size) {
    impl.restore(bytes, size);
}

void SearchState::deviceWords(const PciLiveUpdate &impl, std::vector<std::uint64_t> &out) {
    impl.deviceWords(out);
}

void SearchState::relabel(PciLiveUpdate &impl, const std::vector<DeviceId> &perm) {
    impl.relabel(perm);
}

} // namespace internal

} // namespace bridgepath
