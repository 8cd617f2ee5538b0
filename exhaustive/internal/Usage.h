#pragma once
/// Usage: what correct use and the E bound depend on beyond the implementation's state, as the
/// search keys it (bit masks; UsageTracker keeps the same for the Harness), and how a move
/// changes it. Internal to exhaustive/.

#include "exhaustive/internal/MoveAlphabet.h"
#include "exhaustive/internal/TreeContext.h"
#include "impl/PciLiveUpdate.h"

#include <cstdint>

namespace bridgepath::exhaustive {

/// What correct use and the E bound depend on beyond the implementation's state (cf.
/// UsageTracker); its bytes complete a visited state's key.
struct Meta {
    std::uint8_t faultUsed = 0;
    std::uint8_t faultDevice = kNoDevice; ///< the one fault's device (containment)
    std::uint16_t pad = 0;
    std::uint32_t targetsUsed = 0; ///< bit per target
    std::uint32_t frozen = 0;      ///< bit per device
    std::uint32_t vanishedTops = 0;
    std::uint32_t notEnumerated = 0;
};

/// Whether the move is misuse: properties/Misuse.h's rule (misuseOf), read on the implementation
/// and the masks.
bool misuse(const TreeContext &c, const PciLiveUpdate &impl, const Meta &m, const Move &mv);

/// What `mv`, which returned `result`, changed: properties/UsageUpdate.h's rule (usageUpdate, as
/// UsageTracker::update applies it to its sets) on the masks. `generation` is the kernel running
/// after the move, of a chain of `generations` kexecs.
void update(const TreeContext &c, Meta &m, const Move &mv, Result result, unsigned generation,
            unsigned generations);

} // namespace bridgepath::exhaustive
