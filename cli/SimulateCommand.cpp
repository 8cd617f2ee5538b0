#include "cli/Commands.h"
#include "cli/Flags.h"
#include "cli/Report.h"

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

std::string shellQuote(const std::string &s) {
    std::string out = "'";
    for (char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}



void printJson(std::ostream &out, const LiveUpdateConfig &config, const RunResult &run,
               const StateReport &report) {
    nlohmann::ordered_json j;
    j["policy"] = toString(config.policy);
    j["abi"] = toString(config.abi);
    nlohmann::ordered_json steps = nlohmann::ordered_json::array();
    for (const StepRecord &r : run.steps)
        steps.push_back({{"op", r.op.toString()}, {"result", toString(r.result)}});
    j["steps"] = std::move(steps);
    nlohmann::ordered_json slots = nlohmann::ordered_json::object();
    for (const auto &[b, rc] : run.finalState.slots())
        slots[b.toString()] = rc;
    j["slots"] = std::move(slots);
    j["nr_devices"] = run.finalState.nrDevices;
    auto bdfs = [](const std::vector<Bdf> &v) {
        nlohmann::ordered_json a = nlohmann::ordered_json::array();
        for (const Bdf &b : v)
            a.push_back(b.toString());
        return a;
    };
    j["leaked"] = bdfs(report.leaked);
    j["released_early"] = bdfs(report.releasedEarly);
    j["panic"] = run.finalState.panicked;
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
    const Flags flags(args, {"--topology", "--policy", "--abi", "--capacity", "--ops", "--trace"},
                      {"--json"});
    flags.allowPositional(0, "simulate takes flags only");
    if (flags.has("--ops") == flags.has("--trace"))
        throw InputError("--ops", "give exactly one of --ops \"OP; OP; ...\" or --trace FILE");
    Trace trace = flags.has("--trace") ? readTraceFile(*flags.value("--trace"))
                                       : parseOpsText(*flags.value("--ops"));
    std::string topologyPath;
    if (flags.has("--topology"))
        topologyPath = *flags.value("--topology");
    else if (trace.topology)
        topologyPath = *trace.topology;
    else
        throw InputError("--topology", "needed (the trace file names none)");

    LiveUpdateConfig config;
    config.policy = trace.policy.value_or(Policy::Bail);
    if (auto p = flags.value("--policy")) {
        auto parsed = parsePolicy(*p);
        if (!parsed)
            throw InputError("--policy", "unknown policy '" + *p + "' (bail, continue, guarded)");
        config.policy = *parsed;
    }
    config.abi = trace.abi.value_or(Abi::V6);
    if (auto a = flags.value("--abi")) {
        auto parsed = parseAbi(*a);
        if (!parsed)
            throw InputError("--abi", "unknown abi '" + *a + "' (v6, v7)");
        config.abi = *parsed;
    }
    std::optional<std::size_t> capacity = trace.capacity;
    if (auto c = flags.value("--capacity"))
        capacity = parseCount("--capacity", *c);
    if (capacity && config.abi == Abi::V7)
        throw InputError("--capacity", "applies to --abi v6 only (the v7 table grows)");

    const Topology t = loadTopologyFile(topologyPath);
    requireKnownDevices(t, trace.ops, trace.places);
    config = withDefaultCapacity(config, t, capacity.has_value());
    if (capacity)
        config.capacity = *capacity;

    const RunResult run = runSideBySide(t, config, trace.ops);
    const StateReport report = judge(t, config, run);
    if (flags.has("--json"))
        printJson(out, config, run, report);
    else
        out << runText(t, config, topologyPath, run, report);
    if (!run.mismatch)
        return 0;
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
