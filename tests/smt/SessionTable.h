#pragma once
// Whether the implementation holds the session's table, as the SMT encodings' `alloc` means it.
// Outgoing: PciLiveUpdate::tableAllocated. After the kexec `alloc` is what crossed it: whether an
// FLB was handed over.

#include "impl/PciLiveUpdate.h"

namespace bridgepath::test {

inline bool sessionTableAllocated(const PciLiveUpdate &impl) {
    if (impl.phase() != Phase::Outgoing)
        return impl.inherited();
    return impl.tableAllocated();
}

} // namespace bridgepath::test
