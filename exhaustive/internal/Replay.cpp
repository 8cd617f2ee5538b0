#include "exhaustive/internal/Replay.h"

#include "properties/PropertyCheck.h"

#include <memory>
#include <utility>

namespace bridgepath::exhaustive {

std::optional<Counterexample> confirm(const Topology &t, const LiveUpdateConfig &config,
                                      const std::vector<Op> &ops,
                                      const std::set<FaultClass> &faults,
                                      std::vector<Invariant> checked, const ReplayShows &shows) {
    auto setup = std::make_shared<CaseSetup>();
    setup->topology = t;
    setup->config = config;
    setup->faults = faults;
    setup->checked = checked;
    Harness h(setup->topology, config, std::move(checked));
    StepOutcome last;
    for (const Op &op : ops)
        if ((last = h.step(op)).mismatch)
            break;
    if (!last.mismatch && !shows(last, h.states().back()))
        return std::nullopt;
    Counterexample c = failureOf(setup, h, last);
    c.faultsUsed = faultClassesUsed(setup->topology, c.ops, c.results, c.states);
    return c;
}

std::optional<Counterexample> confirm(const Topology &t, const LiveUpdateConfig &config,
                                      const std::vector<Op> &ops, Invariant inv,
                                      const std::set<FaultClass> &faults) {
    return confirm(t, config, ops, faults, {inv}, [](const StepOutcome &last, const State &) {
        return last.violated.has_value();
    });
}

std::optional<Counterexample> confirm(const Topology &t, const LiveUpdateConfig &config,
                                      const std::vector<Op> &ops, Outcome o,
                                      const std::set<FaultClass> &faults) {
    return confirm(t, config, ops, faults, allInvariants(),
                   [&](const StepOutcome &, const State &s) { return shows(o, t, s); });
}

} // namespace bridgepath::exhaustive
