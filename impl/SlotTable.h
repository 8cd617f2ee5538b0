#pragma once
/// SlotTable: the outgoing kernel's table of `pci_dev_ser` slots, and how a new slot is chosen.
///
/// v6: a fixed array of `capacity` slots; a new slot needs nr_devices < capacity (else -ENOSPC) and
/// is the first slot with refcount 0 probing linearly from index nr_devices mod capacity.
/// v7: a growable table; a new slot is the first with refcount 0 from index 0, else the table grows
/// by one slot. The table never changes nr_devices: the caller keeps that counter.

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
    std::optional<std::uint32_t> allocate(std::uint32_t nrDevices);

    SlotEntry &operator[](std::uint32_t index) { return slots_[index]; }
    const SlotEntry &operator[](std::uint32_t index) const { return slots_[index]; }
    std::size_t size() const { return slots_.size(); }
    const std::vector<SlotEntry> &entries() const { return slots_; }
    /// Replaces the slots (a saved table of this ABI: v6 keeps its capacity, v7 any size).
    void assign(const SlotEntry *first, std::size_t count) { slots_.assign(first, first + count); }

  private:
    Abi abi_;
    std::vector<SlotEntry> slots_;
};

} // namespace bridgepath
