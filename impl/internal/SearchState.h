#pragma once
/// SearchState: what an explicit-state search needs of PciLiveUpdate beyond the kernel contract
/// of impl/PciLiveUpdate.h. Only exhaustive/, the harness (for the fail-nth sweep's merges) and
/// the tests of these functions include it.

#include "impl/PciLiveUpdate.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace bridgepath::internal {

/// Saving, restoring, comparing and renaming an implementation's state.
struct SearchState {
    /// Appends the complete mutable state as bytes to `out`: two instances over the same topology
    /// and config whose bytes are equal behave the same under every future operation (the key of
    /// an explicit-state search). Allocation-free once `out` has capacity.
    static void save(const PciLiveUpdate &impl, std::vector<std::uint8_t> &out);
    /// As save(), but of the kinds of event that happened it keeps only whether the kernel is
    /// dead: two instances whose records are equal give the same results, state changes and new
    /// events under every future operation, though their logs differ. A key, not for restore().
    static void saveBehaviour(const PciLiveUpdate &impl, std::vector<std::uint8_t> &out);
    /// Restores what save() wrote on an instance of the same topology and config; `bytes` must be
    /// exactly such a record.
    static void restore(PciLiveUpdate &impl, const std::uint8_t *bytes, std::size_t size);

    /// Each device's own part of the state, in 2n words for n devices. out[d]: its outgoing part
    /// (its cached slot index, its flags: frozen, pending fail-next, vanished, removed, directly
    /// preserved, directly incoming; its freed-slot alias; a bit per outgoing slot, of the first
    /// 24, whose entry names it). out[n + d]: its incoming part (its incoming entry's index and a
    /// bit per incoming entry, of the first 32, that names it). Devices with equal words and equal
    /// subtrees are interchangeable.
    static void deviceWords(const PciLiveUpdate &impl, std::vector<std::uint64_t> &out);
    /// Renames the devices by an automorphism `perm` of the topology (a bijection that keeps
    /// parents: parent(perm[d]) == perm[parent(d)], and keeps 0000:00:00.0, the address a zeroed
    /// slot names): afterwards perm[d] holds what d held (cached slot, incoming entry, flags) and
    /// every slot or incoming entry naming d names perm[d]. The renamed state behaves as the
    /// original with every device renamed.
    static void relabel(PciLiveUpdate &impl, const std::vector<DeviceId> &perm);
};

} // namespace bridgepath::internal
