#include "cli/Commands.h"
#include "cli/EventsJson.h"
#include "cli/Flags.h"
#include "cli/Picture.h"
#include "cli/Report.h"
#include "cli/RunSetup.h"

#include "model/IdealSpec.h"
#include "properties/Conformance.h"
#include "topology/InputError.h"
#include "topology/LspciRenderer.h"
#include "topology/TopologyLoader.h"
#include "topology/Trace.h"

#include <iostream>
#include <nlohmann/json.hpp>

namespace bridgepath {

namespace {

void printJson(std::ostream &out, const LiveUpdateConfig &config, const RunResult &run,
               const StateReport &report) {
    nlohmann::ordered_json j;
    j["policy"] = toString(config.policy);
    j["abi"] = toString(config.abi);
    nlohmann::ordered_json steps = nlohmann::ordered_json::array();
    for (const StepRecord &r : run.steps)
        steps.push_back({{"op", r.op.toString()}, {"result", toString(r.result)}});
    j["steps"] = std::move(steps);
    auto slotsOf = [](const State &side) {
        nlohmann::ordered_json slots = nlohmann::ordered_json::object();
        for (const auto &[b, rc] : side.slots())
            slots[b.toString()] = rc;
        return slots;
    };
    // "slots" and "nr_devices" are the side a report shows (State::shownSide); both sides follow.
    const State &f = run.finalState;
    j["generation"] = f.generation;
    j["slots"] = slotsOf(f.shownSide());
    j["nr_devices"] = f.shownSide().nrDevices;
    j["outgoing"] = {{"slots", slotsOf(f.outgoingSide())}, {"nr_devices", f.nrDevices}};
    j["incoming"] = {{"slots", slotsOf(f.incomingSide())}, {"nr_devices", f.incoming.nrDevices}};
    auto bdfs = [](const std::vector<Bdf> &v) {
        nlohmann::ordered_json a = nlohmann::ordered_json::array();
        for (const Bdf &b : v)
            a.push_back(b.toString());
        return a;
    };
    j["leaked"] = bdfs(report.leaked);
    j["released_early"] = bdfs(report.releasedEarly);
    j["panic"] = run.finalState.panicked;
    j["crashed"] = run.finalState.crashed();
    nlohmann::ordered_json dangling = nlohmann::ordered_json::object();
    for (const auto &[b, rc] : run.finalState.dangling)
        dangling[b.toString()] = rc;
    j["dangling"] = std::move(dangling);
    std::vector<State> states{run.initialState};
    for (const StepRecord &r : run.steps)
        states.push_back(r.state);
    j["events"] = eventsJson(stepEvents(states));
    nlohmann::ordered_json violations = nlohmann::ordered_json::array();
    for (Invariant i : report.violations())
        violations.push_back(toString(i));
    j["violations"] = std::move(violations);
    if (run.mismatch)
        j["mismatch"] = {{"step", run.mismatch->step + 1},
                         {"op", run.steps.back().op.toString()},
                         {"difference", run.mismatch->difference}};
    out << j.dump(2) << "\n";
}

} // namespace

int runSimulate(const std::vector<std::string> &args, std::ostream &out) {
    const Flags flags(args,
                      {"--topology", "--policy", "--design", "--abi", "--capacity", "--ops",
                       "--trace", "--dot", "--png"},
                      {"--json"});
    flags.allowPositional(0, "simulate takes flags only");
    if (flags.has("--ops") == flags.has("--trace"))
        throw InputError("--ops", "give exactly one of --ops \"OP; OP; ...\" or --trace FILE");
    const std::string source = flags.has("--trace") ? *flags.value("--trace") : "--ops";
    const RunSetup setup =
        setUpRun(flags.has("--trace") ? readTraceFile(source) : parseOpsText(*flags.value("--ops")),
                 source, flags);
    const Topology &t = setup.topology;
    const LiveUpdateConfig &config = setup.config;
    const Trace &trace = setup.trace;
    const std::string &topologyPath = setup.topologyName;

    const RunResult run = runSideBySide(t, config, trace.ops);
    const StateReport report = judge(t, config, run);
    writePicture(flags, runDot(t, config, run, topologyPath));
    if (flags.has("--json"))
        printJson(out, config, run, report);
    else
        out << runText(t, config, topologyPath, run, report);
    if (!run.mismatch)
        return report.violations().empty() ? 0 : 1; // docs/commands.md: 1 when an invariant fails
    std::string reproduce = "bridgepath simulate --topology " + shellQuote(topologyPath) +
                            " --policy " + toString(config.policy) + " --abi " +
                            toString(config.abi);
    if (config.abi == Abi::V6)
        reproduce += " --capacity " + std::to_string(config.capacity);
    reproduce += " --ops " + shellQuote(opsLine(trace.ops));
    std::cerr << "bridgepath: MODEL MISMATCH at step " << run.mismatch->step + 1 << " ("
              << run.steps.back().op.toString() << "): " << run.mismatch->difference << "\n"
              << "reproduce: " << reproduce << "\n";
    return 1;
}

} // namespace bridgepath
