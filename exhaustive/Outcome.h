#pragma once
/// Outcome: what a fault does to the machine, as the policy matrix classifies it, and the one
/// judgement of which outcomes a state shows. That judgement reads OutcomeFacts; the facts come
/// from a State (outcomeFacts) or, in the search, from StateJudge's verdicts on the
/// implementation, and ExhaustiveOptions::crossCheckJudge compares the two readings.

#include "topology/KernelEvent.h"
#include "topology/State.h"
#include "topology/Topology.h"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace bridgepath {

/// What a fault does to the machine, as the policy matrix classifies it (worst last).
enum class Outcome {
    Leak,             ///< nothing directly preserved but slots in use
    NrDevicesDrift,   ///< nr_devices differs from the slots in use
    PrematureRelease, ///< a device's refcount below what preserved devices under it need
    Panic,            ///< finish-all found nr_devices != 0 (later kernels panic; v6 holds the
                      ///< incoming state forever)
    TableFreedWithReferences, ///< v7: the table freed with nr_devices != 0
    UseAfterFree,             ///< a walk step touched a freed slot
    BugAtRelease,             ///< v6: BUG_ON at the table's release, the outgoing kernel crashed
};
/// Number of Outcome values.
inline constexpr std::size_t kOutcomeCount = 7;

/// `leak`, `nr-devices-drift`, `premature-release`, `panic`, `table-freed-with-references`,
/// `use-after-free`, `bug-at-release`.
const char *toString(Outcome o);

/// The kernel event an outcome is, for those that are one (nullopt: judged on counts or on the
/// panicked flag).
std::optional<KernelEventKind> eventOf(Outcome o);

/// What the outcomes are judged on, however the state was read.
struct OutcomeFacts {
    /// Some side holds slots in use (or, outgoing, dangling pointers) with nothing directly
    /// preserved on it.
    bool leak = false;
    bool nrDevicesDrift = false;   ///< some side's nr_devices differs from its slots in use
    bool prematureRelease = false; ///< some side has a refcount below its ideal
    bool panicked = false;         ///< finish-all found nr_devices != 0 in this kernel
    std::uint32_t happened = 0;    ///< bit (1 << int(KernelEventKind)) per kind that happened
};

/// Whether facts of a state show the outcome: the one judgement of outcomes.
bool shows(Outcome o, const OutcomeFacts &f);

/// The facts of a State (both sides after a kexec).
OutcomeFacts outcomeFacts(const Topology &t, const State &s);

/// Whether a state shows the outcome, judged on the State (the exact definition the search's
/// judge must agree with): shows(o, outcomeFacts(t, s)).
bool shows(Outcome o, const Topology &t, const State &s);

} // namespace bridgepath
