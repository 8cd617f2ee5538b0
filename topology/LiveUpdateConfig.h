#pragma once
/// LiveUpdateConfig: how one simulated Live Update is set up (shared by model and impl).

#include "topology/Policy.h"

#include <cstddef>

namespace bridgepath {

/// Failure policy, ABI and (v6) table capacity of one Live Update.
struct LiveUpdateConfig {
    Policy policy = Policy::Bail;
    Abi abi = Abi::V6;
    /// v6 table size (the kernel sizes it to the devices present); v7 starts empty and grows.
    std::size_t capacity = 0;
    /// The table lives per Live Update session (allocated at the first preserve, released when
    /// nothing is directly preserved). false: allocated once and never released, what the walk
    /// functions alone do (kernel-check drives them without the session code).
    bool sessionTable = true;
};

} // namespace bridgepath
