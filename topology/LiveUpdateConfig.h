#pragma once
/// LiveUpdateConfig: how one simulated Live Update is set up (shared by model and impl).

#include "topology/Policy.h"

#include <cstddef>
#include <optional>
#include <string_view>

namespace bridgepath {

// Real kernel files mix the versions' choices (DOMAIN.md "The real files"), so each choice below
// is a switch of its own; unset, it is what the ABI implies. The table layout (v6 fixed probe with
// -ENOSPC, v7 first free / grow) stays tied to the ABI.

/// Order of a preserve step's "slot with refcount 0 -> -EINVAL" and "endpoint -> -EBUSY" checks.
enum class CheckOrder {
    ZeroRefcountFirst, ///< v6: a freed slot's -EINVAL first (the slot is read, also a freed copy)
    EbusyFirst,        ///< v7: an endpoint's -EBUSY first, decided without reading its slot
};

/// Which devices of a preserve are checked for being a VF (-EINVAL).
enum class VfCheck {
    NamedDevice, ///< v6: the named device only, before the phase check (so in every phase)
    EveryDevice, ///< v7: every device of the path, in its preserve step (outgoing only)
};

/// What releasing the table with nr_devices != 0 does.
enum class ReleaseCheck {
    BugOn,       ///< v6: BUG_ON, event bug-at-release; the outgoing kernel is dead
    WarnAndFree, ///< v7: WARN_ON and free, event table-freed-with-references (dangling copies)
};

/// What the end of the Live Update (finish-all) does with nr_devices != 0.
enum class EndOfUpdate {
    Panic,       ///< v7: panic ("never finished"), event panic-at-finish
    HeldForever, ///< v6: the leaked bridge holds the incoming state forever, event incoming-held
};

/// The largest v6 table a user may ask for: one slot per device, and a PCI domain has at most
/// 65536 BDFs (a slot's bdf is a u16).
inline constexpr std::size_t kMaxCapacity = 65536;

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
    /// Overrides the ABI's check order (read it with checkOrderOf).
    std::optional<CheckOrder> checkOrder = std::nullopt;
    /// Overrides the ABI's VF check (read it with vfCheckOf).
    std::optional<VfCheck> vfCheck = std::nullopt;
    /// Overrides the ABI's release check (read it with releaseCheckOf).
    std::optional<ReleaseCheck> releaseCheck = std::nullopt;
    /// Overrides the ABI's end of the Live Update (read it with endOfUpdateOf).
    std::optional<EndOfUpdate> endOfUpdate = std::nullopt;
    /// v6: a table gets one slot per device present when it is allocated (the topology's devices
    /// minus the unplugged ones), the kernel's rule, instead of `capacity`. No effect on v7.
    bool tableSizedToPresent = false;
};

/// The check order in force: the override, else ZeroRefcountFirst (v6) / EbusyFirst (v7).
[[nodiscard]] CheckOrder checkOrderOf(const LiveUpdateConfig &config);
/// The VF check in force: the override, else NamedDevice (v6) / EveryDevice (v7).
[[nodiscard]] VfCheck vfCheckOf(const LiveUpdateConfig &config);
/// The release check in force: the override, else BugOn (v6) / WarnAndFree (v7).
[[nodiscard]] ReleaseCheck releaseCheckOf(const LiveUpdateConfig &config);
/// The end of the Live Update in force: the override, else HeldForever (v6) / Panic (v7).
[[nodiscard]] EndOfUpdate endOfUpdateOf(const LiveUpdateConfig &config);

/// `zero-refcount-first` / `ebusy-first`.
const char *toString(CheckOrder o);
/// Parses `zero-refcount-first` / `ebusy-first`.
[[nodiscard]] std::optional<CheckOrder> parseCheckOrder(std::string_view text);
/// `named-device` / `every-device`.
const char *toString(VfCheck v);
/// Parses `named-device` / `every-device`.
[[nodiscard]] std::optional<VfCheck> parseVfCheck(std::string_view text);
/// `bug-on` / `warn-and-free`.
const char *toString(ReleaseCheck r);
/// Parses `bug-on` / `warn-and-free`.
[[nodiscard]] std::optional<ReleaseCheck> parseReleaseCheck(std::string_view text);
/// `panic` / `held-forever`.
const char *toString(EndOfUpdate e);
/// Parses `panic` / `held-forever`.
[[nodiscard]] std::optional<EndOfUpdate> parseEndOfUpdate(std::string_view text);

} // namespace bridgepath
