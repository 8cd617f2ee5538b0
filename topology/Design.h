#pragma once
/// Design: one way the bridge-path code could be written, a choice per independent switch of
/// LiveUpdateConfig (walk down, direct record, release, end of update). Today's kernels are three
/// of the designs (currentKernels); every combination is a design (allDesigns), and model and
/// impl honour each.

#include "topology/LiveUpdateConfig.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bridgepath {

/// The choices a fix can make.
struct Design {
    Policy walk = Policy::Bail;
    DirectRecord record = DirectRecord::None;
    ReleaseCheck release = ReleaseCheck::BugOn;
    EndOfUpdate end = EndOfUpdate::HeldForever;

    friend bool operator==(const Design &a, const Design &b) {
        return a.walk == b.walk && a.record == b.record && a.release == b.release && a.end == b.end;
    }
    friend bool operator!=(const Design &a, const Design &b) { return !(a == b); }
};

/// Number of switches of a Design.
inline constexpr int kDesignSwitches = 4;

/// A kernel version that is a design.
struct KernelDesign {
    const char *name; ///< `v6`, `later`, `latest`
    const char *what; ///< which file (DOMAIN.md "The real files")
    Design design;
};

/// v6 06/12 (bail, none, bug-on, held-forever), the later full file (bail, none, warn-and-free,
/// held-forever) and the latest full file (bail, none, warn-and-free, panic), in that order.
const std::vector<KernelDesign> &currentKernels();

/// The latest kernel's design: what "changes from the current kernel" counts against.
const Design &latestKernel();

/// Every design: walk (bail, continue, guarded) x record (none, checked) x release (bug-on,
/// warn-and-free, warn-clear-and-free, warn-and-reconcile) x end (panic, held-forever,
/// panic-if-direct-unfinished), 72 in that nesting order (the early file's warn-once-and-free is
/// not a choice: within one kernel it is warn-and-free).
const std::vector<Design> &allDesigns();

/// The switches in which a and b differ (0..kDesignSwitches).
[[nodiscard]] int changesBetween(const Design &a, const Design &b);

/// `continue/checked/warn-clear-and-free/held-forever`: the switches in order, `/` between.
std::string toString(const Design &d);

/// Parses toString's form, or a current kernel's name; nullopt for anything else.
[[nodiscard]] std::optional<Design> parseDesign(std::string_view text);

/// The current kernel whose design d is, if any.
[[nodiscard]] const KernelDesign *kernelOf(const Design &d);

/// `config` with d's switches set (policy, directRecord, releaseCheck, endOfUpdate); every other
/// field as given.
[[nodiscard]] LiveUpdateConfig withDesign(LiveUpdateConfig config, const Design &d);

} // namespace bridgepath
