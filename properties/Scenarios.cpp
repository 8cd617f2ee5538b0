#include "properties/Scenarios.h"

namespace bridgepath {

Topology reviewTopology() {
    auto bridge = [](unsigned bus, unsigned secondary, unsigned subordinate) {
        DeviceSpec s;
        s.bdf = Bdf::make(0, bus, 0, 0);
        s.kind = DeviceKind::Bridge;
        s.secondary = secondary;
        s.subordinate = subordinate;
        return s;
    };
    auto endpoint = [](unsigned function, const char *label) {
        DeviceSpec s;
        s.bdf = Bdf::make(0, 3, 0, function);
        s.label = label;
        return s;
    };
    return Topology::build(
        {bridge(0, 1, 3), bridge(1, 2, 3), bridge(2, 3, 3), endpoint(0, "EP0"), endpoint(1, "EP1")},
        "review tree");
}

const std::vector<Scenario> &builtinScenarios() {
    using I = Invariant;
    static const std::vector<Scenario> all{
        {"review-lost-slot",
         "the review: B2's slot is lost, then EP1 and EP0 are unpreserved",
         "preserve 03:00.0; preserve 03:00.1; lose 02:00.0; unpreserve 03:00.1; unpreserve 03:00.0",
         std::nullopt,
         // bail leaks B1 and RC; continue/guarded release them but the lost slot's count stays.
         // Either way nr_devices != 0 when the last device goes: v6's BUG_ON at the release.
         {{Policy::Bail, {I::ExactCount, I::NrDevices, I::NoLeak, I::Containment, I::NoCrash}},
          {Policy::Continue, {I::NrDevices, I::NoLeak, I::NoCrash}},
          {Policy::Guarded, {I::NrDevices, I::NoLeak, I::NoCrash}}}},
        {"review-failed-step",
         "the review with a failing step: unpreserving EP1 fails once at B2",
         "preserve 03:00.0; preserve 03:00.1; fail-next unpreserve 02:00.0; unpreserve 03:00.1; "
         "unpreserve 03:00.0",
         std::nullopt,
         // bail leaves B2, B1 and RC counted; the others contain the damage to B2, which then
         // holds a slot its parents no longer have (closure). Then the BUG_ON at the release.
         {{Policy::Bail, {I::ExactCount, I::NoLeak, I::Containment, I::NoCrash}},
          {Policy::Continue, {I::Closure, I::ExactCount, I::NoLeak, I::NoCrash}},
          {Policy::Guarded, {I::Closure, I::ExactCount, I::NoLeak, I::NoCrash}}}},
        {"shared-bridge",
         "two endpoints under one bridge: refcount 2, released when both are unpreserved",
         "preserve 03:00.0; preserve 03:00.1; unpreserve 03:00.0; unpreserve 03:00.1",
         std::nullopt,
         {}},
        {"endpoint-twice",
         "an endpoint preserved twice gets -EBUSY and nothing changes",
         "preserve 03:00.0; preserve 03:00.0; unpreserve 03:00.0",
         std::nullopt,
         {}},
        {"enospc-rollback",
         "a table of 2 slots: preserve fails -ENOSPC at B1 and rolls back EP0 and B2",
         "preserve 03:00.0",
         2,
         {}},
        {"live-update",
         "preserve both, kexec, finish both, finish-all: no panic",
         "preserve 03:00.0; preserve 03:00.1; kexec; finish 03:00.0; finish 03:00.1; finish-all",
         std::nullopt,
         {}},
        {"vanished-device",
         "EP1 does not come back after kexec: nothing finishes it and finish-all panics",
         "preserve 03:00.0; preserve 03:00.1; vanish 03:00.1; kexec; finish 03:00.0; finish-all",
         std::nullopt,
         {}},
        {"failed-finish-step",
         "finishing EP0 fails once at B2: finish-all panics under every policy",
         "preserve 03:00.0; kexec; fail-next finish 02:00.0; finish 03:00.0; finish-all",
         std::nullopt,
         {{Policy::Bail, {I::ExactCount, I::NoLeak, I::Containment, I::NoPanicAtFinish}},
          {Policy::Continue, {I::Closure, I::ExactCount, I::NoLeak, I::NoPanicAtFinish}},
          {Policy::Guarded, {I::Closure, I::ExactCount, I::NoLeak, I::NoPanicAtFinish}}}},
        {"unpreserve-never-preserved",
         "misuse: EP1 was never preserved; continue releases EP0's bridges early",
         "preserve 03:00.0; unpreserve 03:00.1",
         std::nullopt,
         {{Policy::Continue, {I::Closure, I::ExactCount, I::NoPrematureRelease, I::Containment}}}},
    };
    return all;
}

} // namespace bridgepath
