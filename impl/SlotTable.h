#pragma once
/// SlotTable: the outgoing kernel's table of `pci_dev_ser` slots, and how a new slot is chosen.
///
/// v6: a fixed array of `capacity` slots; a new slot needs nr_devices < capacity (else -ENOSPC) and
/// is the first slot with refcount 0 probing linearly from index nr_devices mod capacity.
/// v7: a growable table; a new slot is the first with refcount 0 from index 0, else the table grows
/// by one slot. The table never changes nr_devices: the caller keeps that counter.
///
/// A bitmap of slots in use (refcount != 0) is kept beside the array, so the probe tests 64 slots
/// per word instead of reading entries (the probe picks exactly the slot the linear scan would).
/// Every write goes through set() / setRefcount(), which keep it in step.

#include "topology/Policy.h"
#include "topology/State.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace bridgepath {

/// The slot array.
class SlotTable {
  public:
    /// An empty table; for v6 `capacity` zeroed slots.
    SlotTable(Abi abi, std::size_t capacity);

    /// Chooses a slot for a new device given the current nr_devices; nullopt means -ENOSPC.
    /// Requires nothing; ensures the returned slot has refcount 0 (the caller fills it).
    std::optional<std::uint32_t> allocate(std::uint32_t nrDevices) {
        const std::uint32_t at = allocateIndex(nrDevices);
        return at == kFull ? std::nullopt : std::optional<std::uint32_t>(at);
    }
    /// What allocate() returns for -ENOSPC.
    static constexpr std::uint32_t kFull = UINT32_MAX;
    /// allocate() as an index, kFull for -ENOSPC: a plain integer comes back in a register (an
    /// optional through memory made every allocation wait on a store of its flag byte).
    std::uint32_t allocateIndex(std::uint32_t nrDevices);

    const SlotEntry &operator[](std::uint32_t index) const { return slots_[index]; }
    /// Overwrites slot `index` (requires index < size()).
    void set(std::uint32_t index, const SlotEntry &entry) {
        slots_[index] = entry;
        mark(index, entry.refcount != 0);
    }
    /// Overwrites the refcount of slot `index` (u16: the caller's ++ at 65535 wraps to 0, free).
    void setRefcount(std::uint32_t index, std::uint16_t refcount) {
        slots_[index].refcount = refcount;
        mark(index, refcount != 0);
    }
    std::size_t size() const { return slots_.size(); }
    const std::vector<SlotEntry> &entries() const { return slots_; }
    /// Every slot zeroed, v6 keeping its size (the constructor's `capacity` or the last
    /// reset(capacity)), v7 none: what a release followed by a new allocation gives.
    void reset();
    /// v6: `capacity` zeroed slots from now on (a table sized when it is allocated); v7: reset().
    void reset(std::size_t capacity);
    /// Replaces the slots (a saved table of this ABI: v6 keeps its capacity, v7 any size).
    void assign(const SlotEntry *first, std::size_t count);

  private:
    void mark(std::uint32_t index, bool inUse) {
        const std::uint64_t bit = std::uint64_t{1} << (index & 63);
        used_[index >> 6] = inUse ? used_[index >> 6] | bit : used_[index >> 6] & ~bit;
    }
    // The first free slot in [from, to), or `to`.
    std::size_t firstFree(std::size_t from, std::size_t to) const;

    Abi abi_;
    std::vector<SlotEntry> slots_;
    std::vector<std::uint64_t> used_; // bit i: slots_[i].refcount != 0
};

} // namespace bridgepath
