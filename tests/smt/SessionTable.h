#pragma once
// Whether the implementation holds the session's table, as the SMT encodings' `alloc` means it.
// No accessor shows the outgoing table; SearchState::save's record does (its third byte, after
// phase and panicked). After the kexec `alloc` is what crossed it: whether an FLB was handed over.

#include "impl/PciLiveUpdate.h"
#include "impl/internal/SearchState.h"

#include <cstdint>
#include <vector>

namespace bridgepath::test {

inline bool sessionTableAllocated(const PciLiveUpdate &impl) {
    if (impl.phase() != Phase::Outgoing)
        return impl.inherited();
    std::vector<std::uint8_t> record;
    internal::SearchState::save(impl, record);
    return record.at(2) != 0;
}

} // namespace bridgepath::test
