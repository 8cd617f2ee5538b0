#include "properties/Conformance.h"

#include "impl/PciLiveUpdate.h"
#include "model/IdealSpec.h"
#include "model/ReferenceModel.h"
#include "topology/InputError.h"

namespace bridgepath {

RunResult runSideBySide(const Topology &t, const LiveUpdateConfig &config,
                        const std::vector<Op> &ops) {
    PciLiveUpdate impl(t, config);
    ReferenceModel model(t, config);
    RunResult run;
    run.finalState = impl.state();
    for (std::size_t i = 0; i < ops.size(); ++i) {
        const Result got = impl.apply(ops[i]);
        const Result want = model.apply(ops[i]);
        State implState = impl.state();
        const State modelState = model.state();
        run.steps.push_back(StepRecord{ops[i], got, implState});
        run.finalState = std::move(implState);
        std::string difference;
        if (got != want)
            difference = std::string("result ") + toString(want) + " (model) vs " + toString(got) +
                         " (impl)";
        else if (modelState != run.finalState)
            difference = describeDifference(modelState, run.finalState) + " (model vs impl)";
        if (!difference.empty()) {
            run.mismatch = Mismatch{i, got, want, difference};
            break;
        }
    }
    return run;
}

std::vector<Invariant> StateReport::violations() const {
    std::vector<Invariant> out;
    for (const auto &[inv, verdict] : verdicts)
        if (!verdict.holds)
            out.push_back(inv);
    return out;
}

StateReport judge(const Topology &t, const LiveUpdateConfig &config, const State &s) {
    StateReport r;
    r.leaked = leakedDevices(t, s);
    r.releasedEarly = releasedEarlyDevices(t, s);
    const std::optional<std::size_t> capacity =
        config.abi == Abi::V6 ? std::optional<std::size_t>(config.capacity) : std::nullopt;
    for (Invariant i : allInvariants())
        r.verdicts.emplace_back(i, check(i, t, s, capacity));
    return r;
}

LiveUpdateConfig withDefaultCapacity(LiveUpdateConfig config, const Topology &t,
                                     bool capacityGiven) {
    if (!capacityGiven)
        config.capacity = t.size();
    return config;
}

void requireKnownDevices(const Topology &t, const std::vector<Op> &ops,
                         const std::vector<std::string> &places) {
    for (std::size_t i = 0; i < ops.size(); ++i)
        if (ops[i].hasDevice() && !t.find(ops[i].bdf))
            throw InputError(i < places.size() ? places[i] : "op " + std::to_string(i + 1),
                             "unknown device " + ops[i].bdf.toString() +
                                 " (not in the topology)");
}

} // namespace bridgepath
