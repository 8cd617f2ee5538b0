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
    BugOn,           ///< v6: BUG_ON, event bug-at-release; the outgoing kernel is dead
    WarnAndFree,     ///< v7: WARN_ON and free, event table-freed-with-references (dangling copies)
    WarnOnceAndFree, ///< early file: WARN_ON_ONCE and free: the event at the first such release of
                     ///< each kernel only
    /// A design (no kernel has it): WARN, clear every present device's cached pointer
    /// (for_each_pci_dev), then free; event release-cleared. A hot-removed device is not on the
    /// list: if one still caches a pointer it dangles, and the event is
    /// table-freed-with-references.
    WarnClearAndFree,
    /// A design (no kernel has it): WARN and reconcile: nothing is preserved any more, so every
    /// present device's count still held is dropped (event count-dropped per device,
    /// nr_devices-- each) and its pointer cleared, then the table is freed. A hot-removed
    /// device's pointer dangles, as under warn-clear-and-free (then also
    /// table-freed-with-references).
    WarnAndReconcile,
};

/// What the end of the Live Update (finish-all) does with nr_devices != 0.
enum class EndOfUpdate {
    Panic,       ///< v7: panic ("never finished"), event panic-at-finish
    HeldForever, ///< v6: never panic; the leaked bridge holds the incoming state forever, event
                 ///< incoming-held
    /// A design (no kernel has it): panic (panic-at-finish) only while a directly incoming device
    /// was never finished; counts left only on bridges are warned and dropped (event
    /// leak-dropped: every incoming entry zeroed, nr_devices 0) and the update ends normally.
    PanicIfDirectUnfinished,
};

/// Whether the kernel keeps a per-device record of direct preservation and consults it before
/// a walk.
enum class DirectRecord {
    None, ///< every version: the walk itself finds out (a misuse walks the path and miscounts)
    /// A design (no kernel has it): preserve of a device already directly preserved -> -EBUSY,
    /// unpreserve of one that is not, or finish of one not directly incoming -> -EINVAL, each
    /// before the walk; the hot-unplug cleanup walks only a directly preserved (incoming) device.
    /// A failing step at the named device is then corruption, not misuse, so Guarded walks on
    /// (it acts as Continue).
    Checked,
};

/// The order in which a path walk visits the named device and the bridges above it.
enum class WalkOrder {
    LeafFirst, ///< v6 and later: the named device first, then each bridge up to the root port
    RootFirst, ///< the early recursive file: the recursion reaches the root port first, the named
               ///< device last
};

/// How much a walk step checks before it changes a count (DOMAIN.md "The real files").
enum class StepChecks {
    /// v6 and later: a preserve step refuses a slot at refcount 0 (-EINVAL) and an endpoint that
    /// holds one (-EBUSY); unpreserve and finish steps refuse a device without a slot (-EINVAL)
    /// or at refcount 0; a finish step that frees an entry decrements the incoming nr_devices;
    /// the incoming state is held by each device still incoming.
    Full,
    /// The early recursive file: -EBUSY once, for a named device that holds a slot, before the
    /// walk; a preserve step increments any slot it finds (no refcount-0 check); an unpreserve
    /// step only warns for a device without a slot, and decrements (u16 wrap) otherwise; finish
    /// refuses a named device that is not incoming, then each step decrements through the
    /// device's incoming pointer (a NULL one is a NULL dereference) and never touches
    /// nr_devices; duplicate slots overwrite at retrieve (the last wins); every device incoming
    /// at enumeration holds a reference on the incoming state, put back by a finish that names
    /// it or by its removal.
    None,
};

/// When a device puts back the reference on the incoming FLB it took at enumeration (LUO's
/// liveupdate_flb_put_incoming; the state is freed, .finish, when the count reaches 0).
enum class IncomingPut {
    /// v5 and later: the finish step that drops the device's count to 0 (and clears its
    /// incoming pointer) puts that device's reference; so does its hot-removal.
    PerDevice,
    /// v4 06/11 and the early file: a finish call puts one reference, for the named device if
    /// it was incoming when the call began, whatever the walk cleared; every bridge enumerated
    /// took its own, so a bridge's reference is never put and the state is held forever.
    PerFinishCall,
    /// The latest file: a device's setup puts the reference it took at once, so devices hold
    /// none and the state lives as long as the files' references.
    AtSetup,
};

/// What hot-removal (`unplug`) does with a removed device that holds a slot.
enum class UnplugCleanup {
    WalksPaths,    ///< v6: the cleanup unpreserves (outgoing) and finishes (incoming) its path
    DropsIncoming, ///< v7 and the early file: it stops being incoming; outgoing counts stay
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
    /// The walk order (LeafFirst: every version but the early recursive file).
    WalkOrder walkOrder = WalkOrder::LeafFirst;
    /// The step checks (Full: every version but the early recursive file).
    StepChecks stepChecks = StepChecks::Full;
    /// The record of direct preservation (None: every kernel version).
    DirectRecord directRecord = DirectRecord::None;
    /// When a device's reference on the incoming FLB is put (PerDevice: v5 and later; the early
    /// file's StepChecks::None implies PerFinishCall).
    IncomingPut incomingPut = IncomingPut::PerDevice;
    /// Overrides the ABI's unplug cleanup (read it with unplugCleanupOf).
    std::optional<UnplugCleanup> unplugCleanup = std::nullopt;
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

/// The unplug cleanup in force: the override, else WalksPaths (v6) / DropsIncoming (v7).
[[nodiscard]] UnplugCleanup unplugCleanupOf(const LiveUpdateConfig &config);

/// `zero-refcount-first` / `ebusy-first`.
const char *toString(CheckOrder o);
/// Parses `zero-refcount-first` / `ebusy-first`.
[[nodiscard]] std::optional<CheckOrder> parseCheckOrder(std::string_view text);
/// `named-device` / `every-device`.
const char *toString(VfCheck v);
/// Parses `named-device` / `every-device`.
[[nodiscard]] std::optional<VfCheck> parseVfCheck(std::string_view text);
/// `bug-on` / `warn-and-free` / `warn-once-and-free` / `warn-clear-and-free` /
/// `warn-and-reconcile`.
const char *toString(ReleaseCheck r);
/// Parses what toString(ReleaseCheck) prints.
[[nodiscard]] std::optional<ReleaseCheck> parseReleaseCheck(std::string_view text);
/// `panic` / `held-forever` / `panic-if-direct-unfinished`.
const char *toString(EndOfUpdate e);
/// Parses what toString(EndOfUpdate) prints.
[[nodiscard]] std::optional<EndOfUpdate> parseEndOfUpdate(std::string_view text);
/// `none` / `checked`.
const char *toString(DirectRecord r);
/// Parses `none` / `checked`.
[[nodiscard]] std::optional<DirectRecord> parseDirectRecord(std::string_view text);
/// Whether a walk down stops after a failing step at `dev`: Bail always, Guarded at the named
/// device (`named`) unless the direct record rules misuse out first, Continue never. The one
/// home of the walk-down rule (model and impl call it).
/// (Inline: it runs on every failing step of the implementation's walks.)
[[nodiscard]] inline bool walkStopsAfterFailure(const LiveUpdateConfig &config, bool named) {
    switch (config.policy) {
    case Policy::Bail:
        return true;
    case Policy::Continue:
        return false;
    case Policy::Guarded:
        // The guard tells misuse (the named device never preserved) from corruption; with the
        // record misuse never reaches the walk.
        return named && config.directRecord == DirectRecord::None;
    }
    return true;
}
/// The incoming put in force: PerFinishCall under StepChecks::None (the early file), else the
/// switch.
[[nodiscard]] IncomingPut incomingPutOf(const LiveUpdateConfig &config);
/// `per-device` / `per-finish-call` / `at-setup`.
const char *toString(IncomingPut p);
/// Parses what toString(IncomingPut) prints.
[[nodiscard]] std::optional<IncomingPut> parseIncomingPut(std::string_view text);
/// `leaf-first` / `root-first`.
const char *toString(WalkOrder w);
/// Parses `leaf-first` / `root-first`.
[[nodiscard]] std::optional<WalkOrder> parseWalkOrder(std::string_view text);
/// `full` / `none`.
const char *toString(StepChecks c);
/// Parses `full` / `none`.
[[nodiscard]] std::optional<StepChecks> parseStepChecks(std::string_view text);
/// `walks-paths` / `drops-incoming`.
const char *toString(UnplugCleanup u);
/// Parses `walks-paths` / `drops-incoming`.
[[nodiscard]] std::optional<UnplugCleanup> parseUnplugCleanup(std::string_view text);

} // namespace bridgepath
