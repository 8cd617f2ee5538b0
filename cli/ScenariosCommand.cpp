#include "cli/Commands.h"
#include "cli/Flags.h"
#include "cli/Report.h"

#include "properties/Conformance.h"
#include "properties/Scenarios.h"
#include "topology/LspciRenderer.h"
#include "topology/Trace.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

namespace bridgepath {

namespace {

struct Outcome {
    const Scenario *scenario;
    Policy policy;
    RunResult run;
    StateReport report;
    std::vector<Invariant> expected;
    bool asExpected() const { return !run.mismatch && report.violations() == expected; }
};

} // namespace

int runScenarios(const std::vector<std::string> &args, std::ostream &out) {
    const Flags flags(args, {}, {"--json"});
    flags.allowPositional(0, "check takes no arguments yet");
    const Topology t = reviewTopology();
    const std::vector<Policy> policies{Policy::Bail, Policy::Continue, Policy::Guarded};

    std::vector<Outcome> outcomes;
    for (const Scenario &sc : builtinScenarios()) {
        const Trace trace = parseOpsText(sc.ops, "scenario " + sc.name);
        for (Policy p : policies) {
            LiveUpdateConfig config;
            config.policy = p;
            config = withDefaultCapacity(config, t, sc.capacity.has_value());
            if (sc.capacity)
                config.capacity = *sc.capacity;
            RunResult run = runSideBySide(t, config, trace.ops);
            StateReport report = judge(t, config, run);
            auto exp = sc.expectedViolations.find(p);
            outcomes.push_back(Outcome{&sc, p, std::move(run), std::move(report),
                                       exp == sc.expectedViolations.end() ? std::vector<Invariant>{}
                                                                          : exp->second});
        }
    }
    const auto unexpected = std::count_if(outcomes.begin(), outcomes.end(),
                                          [](const Outcome &o) { return !o.asExpected(); });

    if (flags.has("--json")) {
        nlohmann::ordered_json j;
        nlohmann::ordered_json runs = nlohmann::ordered_json::array();
        for (const Outcome &o : outcomes) {
            nlohmann::ordered_json results = nlohmann::ordered_json::array();
            for (const StepRecord &s : o.run.steps)
                results.push_back(toString(s.result));
            nlohmann::ordered_json v = nlohmann::ordered_json::array();
            for (Invariant i : o.report.violations())
                v.push_back(toString(i));
            runs.push_back({{"scenario", o.scenario->name},
                            {"policy", toString(o.policy)},
                            {"results", results},
                            {"violations", v},
                            {"panic", o.run.finalState.panicked},
                            {"mismatch", o.run.mismatch.has_value()},
                            {"as_expected", o.asExpected()}});
        }
        j["runs"] = std::move(runs);
        j["unexpected"] = unexpected;
        out << j.dump(2) << "\n";
        return unexpected == 0 ? 0 : 1;
    }

    out << "bridgepath scenarios: built-in scenarios on the review's tree, every failure policy\n"
        << "(RC 0000:00:00.0 -> B1 0000:01:00.0 -> B2 0000:02:00.0 -> {EP0 0000:03:00.0, "
           "EP1 0000:03:00.1}; v6, capacity = devices unless stated)\n\n"
        << renderLspci(t, true) << "\n";
    const Scenario *current = nullptr;
    for (const Outcome &o : outcomes) {
        if (o.scenario != current) {
            current = o.scenario;
            out << current->name << ": " << current->summary << "\n"
                << "  ops: " << current->ops
                << (current->capacity ? "  (capacity " + std::to_string(*current->capacity) + ")"
                                      : std::string())
                << "\n";
        }
        std::string results;
        for (const StepRecord &s : o.run.steps)
            results += (results.empty() ? "" : " ") + std::string(toString(s.result));
        std::string policy = toString(o.policy);
        policy.append(9 - policy.size(), ' ');
        out << "  " << policy << "results: " << results << "\n"
            << "           leaked: " << joinBdfs(o.report.leaked)
            << "; released early: " << joinBdfs(o.report.releasedEarly)
            << (o.run.finalState.panicked ? "; PANIC at finish-all" : "") << "\n"
            << "           fails: " << invariantNames(o.report.violations());
        if (o.run.mismatch)
            out << "  MODEL MISMATCH at step " << o.run.mismatch->step + 1 << ": "
                << o.run.mismatch->difference;
        else if (!o.asExpected())
            out << "  UNEXPECTED (expected: " << invariantNames(o.expected) << ")";
        out << "\n";
    }

    out << "\nper invariant (runs failing it, of " << builtinScenarios().size()
        << " scenarios, per policy):\n";
    for (Invariant inv : allInvariants()) {
        std::string line = "  " + std::string(toString(inv));
        line.append(24 - line.size(), ' ');
        for (Policy p : policies) {
            std::vector<std::string> failing;
            for (const Outcome &o : outcomes)
                if (o.policy == p) {
                    const auto v = o.report.violations();
                    if (std::find(v.begin(), v.end(), inv) != v.end())
                        failing.push_back(o.scenario->name);
                }
            line += std::string(toString(p)) + " " + std::to_string(failing.size());
            line += p == Policy::Guarded ? "" : "   ";
        }
        out << line << "\n";
    }
    out << "\n"
        << outcomes.size() << " runs, " << outcomes.size() - static_cast<std::size_t>(unexpected)
        << " as the kernel rules predict, " << unexpected << " unexpected\n";
    if (unexpected != 0)
        out << "reproduce one: bridgepath simulate --topology <review tree> --policy P --ops '<ops "
               "above>'\n";
    return unexpected == 0 ? 0 : 1;
}

} // namespace bridgepath
