#pragma once
/// FaultClass: the kinds of trouble the harness injects (the CLI's --faults vocabulary).

#include "topology/Op.h"

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace bridgepath {

/// What can go wrong; `none` alone means correct use of the API and no fault.
enum class FaultClass {
    None,     ///< correct use only
    Alloc,    ///< a table smaller than the devices: -ENOSPC at any device of a preserve walk
    Step,     ///< fail-next: one walk step fails once with -EIO (what-if, like fail-nth)
    LostSlot, ///< lose: a slot zeroed behind the code's back
    Refcount, ///< set-refcount: a slot's refcount overwritten
    Misuse,   ///< double preserve, unpreserve/finish of what was never preserved, use after freeze
    Vanish,   ///< a preserved device does not come back after kexec
    Unplug,   ///< hot-removal: the kernel unpreserves/finishes the subtree itself
};

/// `none`, `alloc`, `step`, `lost-slot`, `refcount`, `misuse`, `vanish`, `unplug`.
const char *toString(FaultClass f);
/// Every class but `none`, in declaration order.
const std::vector<FaultClass> &allFaultClasses();
/// Parses a comma-separated list (`all` = every class, `none` = correct use only); nullopt names
/// the first unknown word in `bad`.
std::optional<std::set<FaultClass>> parseFaultClasses(std::string_view list, std::string *bad);
/// `lost-slot,step` or `none`.
std::string toString(const std::set<FaultClass> &faults);

/// The class a fault operation belongs to (fail-next -> step, lose -> lost-slot, ...); nullopt for
/// the API operations (whose misuse is decided by the state they run in).
std::optional<FaultClass> faultClassOf(OpKind kind);

} // namespace bridgepath
