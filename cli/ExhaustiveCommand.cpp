#include "cli/Commands.h"
#include "cli/EventsJson.h"
#include "cli/Flags.h"
#include "cli/Report.h"
#include "cli/RunSetup.h"

#include "exhaustive/ExhaustiveSearch.h"
#include "topology/InputError.h"
#include "topology/LspciRenderer.h"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace bridgepath {

namespace {

std::string grouped(std::uint64_t n) {
    std::string digits = std::to_string(n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0)
            out += ',';
        out += digits[i];
    }
    return out;
}

std::string fixed(double x, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
    return buf;
}

struct ExhaustiveRun {
    ExhaustiveOptions options;
    std::string faultsText;
    std::string traceDir;
    bool json = false;
    ExhaustiveResult result;
    std::vector<std::string> traceFiles; // per tally, "" when it holds
};

double statesPerSecond(const ExhaustiveResult &r) {
    return r.seconds > 0 ? static_cast<double>(r.distinctStates) / r.seconds : 0.0;
}

// The design searched, when --design named one (its switches beside the policy are set).
std::optional<Design> designOf(const ExhaustiveOptions &o) {
    if (!o.releaseCheck || !o.endOfUpdate)
        return std::nullopt;
    return Design{o.policy, o.directRecord, *o.releaseCheck, *o.endOfUpdate};
}

void printText(std::ostream &out, const ExhaustiveRun &run) {
    const ExhaustiveOptions &o = run.options;
    const ExhaustiveResult &r = run.result;
    out << "bridgepath exhaustive: policy " << toString(o.policy)
        << (designOf(o) ? ", design " + toString(*designOf(o)) : std::string()) << ", abi "
        << toString(o.abi) << ", faults " << run.faultsText << "; every forest of " << o.minDevices
        << ".." << o.maxDevices << " devices, every sequence of at most " << o.maxOps
        << " ops over at most " << o.endpoints << " endpoints"
        << (o.generations > 1 ? ", a chain of " + std::to_string(o.generations) + " kexecs"
                              : std::string())
        << (o.faults.empty() ? "" : ", at most one fault") << "\n";
    out << "trees " << grouped(r.trees) << ", state spaces " << grouped(r.searches)
        << ", sequences " << grouped(r.sequences) << ", states generated "
        << grouped(r.statesGenerated) << ", distinct states " << grouped(r.distinctStates)
        << (r.stoppedEarly ? " (stopped at the first violation)" : "") << "\n";
    // A chain is only worth its name if it reaches a bridge counted on both sides at once.
    if (o.generations > 1) {
        out << "a bridge incoming and outgoing at once: " << grouped(r.bothSidesStates)
            << " distinct states";
        if (r.bothSidesSmallest)
            out << ", first after " << opsLine(r.bothSidesSmallest->ops);
        out << "\n";
    }
    out << "\n";
    std::size_t holding = 0;
    for (const InvariantTally &t : r.tallies) {
        std::string name = toString(t.invariant);
        name.append(22 - std::min<std::size_t>(22, name.size()), ' ');
        const bool holds = t.violations == 0;
        holding += holds ? 1 : 0;
        out << "  " << (holds ? "ok    " : "FAIL  ") << name << grouped(t.violations)
            << (t.invariant == Invariant::AtomicPreserve ? " transitions" : " states");
        if (t.harnessDisagrees)
            out << "  (HARNESS BUG: the replay through impl and model does not fail it)";
        out << "\n";
    }
    for (std::size_t i = 0; i < r.tallies.size(); ++i) {
        const InvariantTally &t = r.tallies[i];
        if (!t.smallest)
            continue;
        out << "\n" << counterexampleText(*t.smallest, t.invariant);
        out << "  replay: bridgepath replay " << run.traceFiles[i] << "\n";
    }
    out << "\n"
        << holding << " of " << r.tallies.size() << " invariants hold; exit "
        << (holding == r.tallies.size() ? 0 : 1) << "\n";
}

void printJson(std::ostream &out, const ExhaustiveRun &run) {
    const ExhaustiveOptions &o = run.options;
    const ExhaustiveResult &r = run.result;
    nlohmann::ordered_json j;
    j["bound"] = {{"min_devices", o.minDevices},
                  {"max_devices", o.maxDevices},
                  {"max_ops", o.maxOps},
                  {"endpoints", o.endpoints},
                  {"generations", o.generations}};
    j["policy"] = toString(o.policy);
    if (const auto d = designOf(o))
        j["design"] = toString(*d);
    j["abi"] = toString(o.abi);
    j["faults"] = run.faultsText;
    j["trees"] = r.trees;
    j["state_spaces"] = r.searches;
    j["sequences"] = r.sequences;
    j["states_generated"] = r.statesGenerated;
    j["distinct_states"] = r.distinctStates;
    j["stopped_early"] = r.stoppedEarly;
    j["results"] = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < r.tallies.size(); ++i) {
        const InvariantTally &t = r.tallies[i];
        nlohmann::ordered_json e;
        e["invariant"] = toString(t.invariant);
        e["status"] = t.violations == 0 ? "pass" : "fail";
        e["violations"] = t.violations;
        if (t.harnessDisagrees)
            e["harness_bug"] = true;
        if (t.smallest) {
            const Counterexample &c = *t.smallest;
            std::vector<std::string> ops;
            for (const Op &op : c.ops)
                ops.push_back(op.toString());
            e["counterexample"] = {{"devices", c.setup->topology.size()},
                                   {"ops", ops},
                                   {"tree", renderLspci(c.setup->topology, false)},
                                   {"capacity", c.setup->config.capacity},
                                   {"why", c.why},
                                   {"trace_file", run.traceFiles[i]},
                                   {"events", eventsJson(stepEvents(c.states))}};
        }
        j["results"].push_back(e);
    }
    out << j.dump(2) << "\n";
}

ExhaustiveOptions exhaustiveOptionsFromFlags(const Flags &flags, std::string *faultsText) {
    ExhaustiveOptions o;
    o.maxDevices = countFlag(flags, "--max-devices", 4, 1, 12);
    o.minDevices = countFlag(flags, "--min-devices", 1, 1, o.maxDevices);
    o.maxOps = countFlag(flags, "--max-ops", 4, 1, 12);
    o.endpoints = countFlag(flags, "--endpoints", 3, 1, 12);
    o.generations = static_cast<unsigned>(countFlag(flags, "--generations", 1, 1, 4));
    o.policy = policyFlag(flags, o.policy);
    if (const auto d = designFlag(flags))
        applyDesign(o, *d);
    o.abi = abiFlag(flags, o.abi);
    o.faults = faultsFlag(flags, "none", faultsText);
    o.invariants = invariantsFlag(flags);
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    o.threads = static_cast<unsigned>(countFlag(flags, "--threads", cores, 1, 256));
    o.stopAtFirst = flags.has("--stop-first");
    o.symmetry = !flags.has("--no-symmetry");
    return o;
}

} // namespace

int runExhaustive(const std::vector<std::string> &args, std::ostream &out) {
    const Flags flags(args,
                      {"--max-devices", "--min-devices", "--max-ops", "--endpoints", "--policy",
                       "--design", "--abi", "--faults", "--invariants", "--threads", "--format",
                       "--save-trace", "--generations"},
                      {"--stop-first", "--no-symmetry"});
    flags.allowPositional(0, "exhaustive takes flags only");
    ExhaustiveRun run;
    run.options = exhaustiveOptionsFromFlags(flags, &run.faultsText);
    const std::string format = flags.value("--format").value_or("text");
    if (format != "text" && format != "json")
        throw InputError("--format", "unknown format '" + format + "' (text, json)");
    run.json = format == "json";
    run.traceDir =
        flags.value("--save-trace")
            .value_or((std::filesystem::temp_directory_path() / "bridgepath-traces").string());

    const bool tty = isatty(STDERR_FILENO) != 0;
    ExhaustiveProgress progress;
    if (tty)
        progress = [](std::uint64_t done, std::uint64_t total, std::uint64_t states) {
            std::cerr << "\rbridgepath exhaustive: " << done << "/" << total << " state spaces, "
                      << grouped(states) << " states generated" << (done == total ? "\n" : "")
                      << std::flush;
        };
    run.result = runExhaustive(run.options, progress);

    bool failed = false;
    for (const InvariantTally &t : run.result.tallies) {
        failed = failed || t.violations != 0;
        std::string file;
        if (t.smallest)
            file = saveTrace(counterexampleTrace(*t.smallest, t.invariant), run.traceDir,
                             "exhaustive-" + std::string(toString(t.invariant)) + "-" +
                                 toString(run.options.policy) + "-" + toString(run.options.abi));
        run.traceFiles.push_back(file);
    }
    // Timings go to stderr: the same command prints the same stdout whatever the machine.
    std::cerr << "bridgepath exhaustive: " << fixed(run.result.seconds, 2) << " s on "
              << run.result.threads << " thread" << (run.result.threads == 1 ? "" : "s") << ", "
              << grouped(static_cast<std::uint64_t>(statesPerSecond(run.result)))
              << " distinct states/s\n";
    if (run.json)
        printJson(out, run);
    else
        printText(out, run);
    return failed ? 1 : 0;
}

} // namespace bridgepath
