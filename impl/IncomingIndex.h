#pragma once
/// IncomingIndex: how the incoming kernel finds each preserved device's slot after kexec.

#include "topology/State.h"

#include <cstdint>
#include <utility>
#include <variant>
#include <vector>

namespace bridgepath {

/// (key, slot index) for every slot with refcount != 0, sorted by key = domain << 16 | bdf.
using IncomingIndex = std::vector<std::pair<std::uint64_t, std::uint32_t>>;

/// Two slots with refcount != 0 name the same device.
struct DuplicateKey {
    std::uint64_t key = 0;
    std::uint32_t first = 0;  ///< slot index
    std::uint32_t second = 0; ///< slot index
};

/// Indexes the decoded slots; a duplicate key is an error (the kernel refuses the handover).
std::variant<IncomingIndex, DuplicateKey> indexIncoming(const std::vector<SlotEntry> &slots);

} // namespace bridgepath
