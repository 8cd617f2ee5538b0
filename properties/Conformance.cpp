#include "properties/Conformance.h"

#include "model/IdealSpec.h"
#include "properties/Harness.h"
#include "topology/InputError.h"

namespace bridgepath {

RunResult runSideBySide(const Topology &t, const LiveUpdateConfig &config,
                        const std::vector<Op> &ops) {
    Harness harness(t, config, {});
    RunResult run;
    run.initialState = harness.states().front();
    run.finalState = run.initialState;
    for (std::size_t i = 0; i < ops.size(); ++i) {
        const StepOutcome out = harness.step(ops[i]);
        run.steps.push_back(StepRecord{ops[i], out.result, harness.states().back()});
        run.finalState = harness.states().back();
        if (out.mismatch) {
            run.mismatch = Mismatch{i, out.result, out.modelResult, *out.mismatch};
            break;
        }
    }
    run.faults = harness.faults();
    return run;
}

std::vector<Invariant> StateReport::violations() const {
    std::vector<Invariant> out;
    for (const auto &[inv, verdict] : verdicts)
        if (!verdict.holds)
            out.push_back(inv);
    return out;
}

StateReport judge(const Topology &t, const LiveUpdateConfig &config, const RunResult &run) {
    StateReport r;
    const State &s = run.finalState;
    r.leaked = leakedDevices(t, s);
    r.releasedEarly = releasedEarlyDevices(t, s);
    const std::optional<std::size_t> capacity =
        config.abi == Abi::V6 ? std::optional<std::size_t>(config.capacity) : std::nullopt;
    for (Invariant i : allInvariants()) {
        InvariantInput in{t, s, capacity};
        in.faults = &run.faults;
        Verdict v = check(i, in);
        if (i == Invariant::AtomicPreserve)
            for (std::size_t k = 0; k < run.steps.size() && v.holds; ++k) {
                InvariantInput step{t, run.steps[k].state, capacity};
                step.before = k == 0 ? &run.initialState : &run.steps[k - 1].state;
                step.op = &run.steps[k].op;
                step.result = run.steps[k].result;
                v = check(i, step);
                if (!v.holds)
                    v.why = "step " + std::to_string(k + 1) + ": " + v.why;
            }
        r.verdicts.emplace_back(i, v);
    }
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
                             "unknown device " + ops[i].bdf.toString() + " (not in the topology)");
}

} // namespace bridgepath
