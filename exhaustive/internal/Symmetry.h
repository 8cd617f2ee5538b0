#pragma once
/// Symmetry: the search's symmetry reduction. Interchangeable siblings (same subtree shape) are
/// ordered by their subtree's state, and the implementation's state and the search's masks are
/// renamed by that automorphism (SearchState::relabel), so that states equal up to such a
/// renaming are stored once; and the renamings recorded along a path map a stored state's
/// devices back to the real ones. Internal to exhaustive/.

#include "exhaustive/internal/TreeContext.h"
#include "exhaustive/internal/Usage.h"
#include "impl/PciLiveUpdate.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace bridgepath::exhaustive {

/// The most devices a searched tree has (a device is a bit of a mask).
inline constexpr std::size_t kMaxDevices = 16;
/// A renaming of devices: device d becomes perm[d].
using Perm = std::array<std::uint8_t, kMaxDevices>;

/// The renaming that renames nothing.
Perm identity();

/// Updates `real` (real[x]: the real device a stored state calls x) across one stored step whose
/// state was renamed by `renamed`, on a tree of `n` devices.
void followRenaming(Perm &real, const Perm &renamed, std::size_t n);

/// Puts states in canonical form up to the tree's automorphisms; allocation-free per state.
class Canonicalizer {
  public:
    explicit Canonicalizer(const TreeContext &c);

    /// Renames the devices of `impl`'s state and `m` by the automorphism that orders
    /// interchangeable siblings (same subtree shape) by their subtree's state. Device 0
    /// (0000:00:00.0, the address a zeroed slot names) stays where it is. Returns the renaming.
    Perm canonicalize(PciLiveUpdate &impl, Meta &m);

  private:
    // Maps the devices `from` onto the positions `to` (siblings of the same shapes, both lists
    // ordered by shape, `to` in BDF order within a shape): within a shape `from` is ordered by
    // subtree state; then their children alike.
    void assign(const std::vector<DeviceId> &from, const std::vector<DeviceId> &to, bool top);

    const TreeContext &c_;
    std::vector<DeviceId> perm_;
    std::vector<std::uint64_t> sig_, words_;
};

} // namespace bridgepath::exhaustive
