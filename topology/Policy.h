#pragma once
/// Policy: what a path walk does when one device's step fails; Abi: which kernel version's rules.

#include <optional>
#include <string_view>

namespace bridgepath {

/// Failure policy of the unpreserve, finish and rollback walks.
enum class Policy {
    Bail,     ///< v6/v7 as posted: stop at the first failing step, return its error
    Continue, ///< try every step, return the first error
    Guarded,  ///< bail if the named device's own step fails, otherwise continue upstream
};

/// Kernel ABI generation.
enum class Abi {
    V6, ///< fixed table (capacity), probe allocation from nr_devices mod capacity, -ENOSPC when
        ///< full
    V7, ///< growable table: first free slot from index 0, else grow; never -ENOSPC
};

/// `bail` / `continue` / `guarded`.
const char *toString(Policy p);
/// Parses `bail` / `continue` / `guarded`.
std::optional<Policy> parsePolicy(std::string_view text);
/// `v6` / `v7`.
const char *toString(Abi a);
/// Parses `v6` / `v7`.
std::optional<Abi> parseAbi(std::string_view text);

} // namespace bridgepath
