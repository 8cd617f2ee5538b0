#include "cli/Commands.h"
#include "cli/Flags.h"
#include "cli/Picture.h"
#include "cli/Report.h"
#include "cli/RunSetup.h"

#include "smt/BoundedSearch.h"
#include "smt/EverySizeProof.h"
#include "smt/InductionProof.h"
#include "topology/InputError.h"
#include "topology/LspciRenderer.h"
#include "topology/SysfsImporter.h"
#include "topology/TopologyLoader.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

namespace bridgepath {

namespace {

// The invariants asked for, of those the Z3 encoding covers (`all`: every one it covers).
std::vector<Invariant> encodedInvariants(const Flags &flags) {
    std::vector<Invariant> out;
    const bool all = flags.value("--invariants").value_or("all") == "all";
    for (Invariant inv : invariantsFlag(flags)) {
        if (Encoder::encodes(inv))
            out.push_back(inv);
        else if (!all)
            throw InputError("--invariants", std::string("'") + toString(inv) +
                                                 "' is a step invariant the Z3 encoding does not "
                                                 "cover; `bridgepath check` tests it");
    }
    return out;
}

int boundedInt(const Flags &flags, const std::string &flag, int fallback, int lo, int hi) {
    return static_cast<int>(countFlag(flags, flag, static_cast<std::size_t>(fallback),
                                      static_cast<std::size_t>(lo), static_cast<std::size_t>(hi)));
}

} // namespace

int runProve(const std::vector<std::string> &args, std::ostream &out) {
    const Flags flags(
        args,
        {"--topology", "--max-devices", "--max-depth", "--policy", "--abi", "--faults",
         "--invariants", "--method", "--steps", "--timeout", "--format", "--save-trace", "--dot",
         "--png", "--solver"},
        {"--mutant-skip-root", "--endpoints-only", "--finish-faults-only", "--lost-below-bridge"},
        {"--sysfs"});
    flags.allowPositional(0, "prove takes flags only");
    const std::string method = flags.value("--method").value_or("bmc");
    if (method != "bmc" && method != "induction" && method != "every-size")
        throw InputError("--method",
                         "unknown method '" + method + "' (bmc, induction, every-size)");
    const bool everySize = method == "every-size";
    for (const char *bounded : {"--max-devices", "--max-depth", "--steps"})
        if (everySize && flags.has(bounded))
            throw InputError(bounded, "--method every-size proves every tree of every size: it "
                                      "takes no bound");
    const std::string format = flags.value("--format").value_or("text");
    if (format != "text" && format != "json")
        throw InputError("--format", "unknown format '" + format + "' (text, json)");
    if (flags.has("--topology") && flags.has("--sysfs"))
        throw InputError("--sysfs", "give either --topology or --sysfs, not both");
    const bool concrete = flags.has("--topology") || flags.has("--sysfs");
    if (concrete && (flags.has("--max-devices") || flags.has("--max-depth")))
        throw InputError(flags.has("--sysfs") ? "--sysfs" : "--topology",
                         "give either a tree or --max-devices/--max-depth");
    const SolverChoice solver = solverFlag(flags, SolverChoice::Z3);
    if (solver != SolverChoice::Z3 && !cvc5Binary()) {
        if (const char *env = std::getenv("BRIDGEPATH_CVC5"))
            throw InputError("--solver", std::string("BRIDGEPATH_CVC5 names '") + env +
                                             "', not an executable file");
        throw InputError("--solver", "cvc5 is not installed (apt install cvc5, or set "
                                     "BRIDGEPATH_CVC5)");
    }
    const std::string saveDir =
        flags.value("--save-trace")
            .value_or((std::filesystem::temp_directory_path() / "bridgepath-traces").string());
    SmtSetup setup;
    setup.policy = policyFlag(flags, Policy::Bail);
    setup.abi = abiFlag(flags, Abi::V6);
    setup.mutantSkipRoot = flags.has("--mutant-skip-root");
    setup.endpointsOnly = flags.has("--endpoints-only");
    setup.finishStepFaultsOnly = flags.has("--finish-faults-only");
    setup.lostSlotBelowBridge = flags.has("--lost-below-bridge");
    setup.faults = faultsFlag(flags, "none", nullptr);
    for (FaultClass f : setup.faults)
        if (f == FaultClass::Vanish || f == FaultClass::Unplug)
            throw InputError("--faults", std::string("'") + toString(f) +
                                             "' is not encoded in Z3 (bridgepath check tests it)");
    if (everySize && !setup.faults.empty())
        throw InputError("--faults", "--method every-size is fault-free (--method induction and "
                                     "bmc take faults)");
    const std::vector<Invariant> invariants = encodedInvariants(flags);
    const int maxDevices = boundedInt(flags, "--max-devices", 4, 1, 32);
    const int maxDepth = boundedInt(flags, "--max-depth", maxDevices - 1, 0, 31); // every tree
    const int steps = boundedInt(flags, "--steps", 6, 1, 64);
    const double timeout = boundedInt(flags, "--timeout", 60, 1, 86400);
    std::optional<Topology> topology;
    std::string treeName;
    if (auto t = flags.value("--topology")) {
        topology = loadTopologyFile(*t);
        treeName = *t;
    }
    if (flags.has("--sysfs")) {
        treeName = flags.value("--sysfs")->empty() ? "/sys" : *flags.value("--sysfs");
        topology = importSysfs(treeName);
        treeName = "sysfs " + treeName;
    }
    if (topology && topology->size() > 64 && !everySize)
        throw InputError(flags.has("--sysfs") ? "--sysfs" : "--topology",
                         "the Z3 encoding takes trees of at most 64 devices (this one has " +
                             std::to_string(topology->size()) + ")");

    SmtOutcome result;
    if (method == "bmc") {
        BoundedSearchOptions o;
        o.maxDevices = maxDevices;
        o.maxDepth = maxDepth;
        o.steps = steps;
        o.setup = setup;
        o.invariants = invariants;
        o.timeoutSeconds = timeout;
        o.topology = topology;
        o.solver = solver;
        o.queryDir = saveDir;
        result = boundedSearch(o);
    } else if (everySize) {
        EverySizeOptions o;
        o.setup = setup;
        o.topology = topology;
        o.timeoutSeconds = timeout;
        o.solver = solver;
        o.queryDir = saveDir;
        result = proveEverySize(o);
    } else {
        InductionOptions o;
        o.topology = topology;
        o.maxDevices = maxDevices;
        o.maxDepth = maxDepth;
        o.setup = setup;
        o.timeoutSeconds = timeout;
        o.solver = solver;
        o.queryDir = saveDir;
        result = proveByInduction(o);
    }

    std::string traceFile;
    std::optional<Counterexample> shown;
    if (result.counterexample) {
        const SmtCounterexample &c = *result.counterexample;
        auto caseSetup = std::make_shared<CaseSetup>();
        caseSetup->topology = c.topology;
        caseSetup->config = c.config;
        shown = failingRun(caseSetup, c.ops, c.violated);
        if (shown)
            writePicture(flags, counterexampleDot(*shown, c.violated));
        Trace trace;
        trace.inlineTopology = renderLspci(c.topology);
        trace.policy = c.config.policy;
        trace.abi = c.config.abi;
        if (c.config.abi == Abi::V6) // the v7 table grows: a capacity there is an input error
            trace.capacity = c.config.capacity;
        trace.expect = std::string("fails ") + toString(c.violated);
        trace.ops = c.ops;
        traceFile =
            saveTrace(trace, saveDir,
                      std::string("prove-") + toString(c.violated) + "-" + toString(setup.policy) +
                          "-" + toString(setup.abi) + "-" + toString(setup.faults));
    }
    // Timings go to stderr: the same command prints the same stdout.
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.2f", result.seconds);
    std::cerr << "bridgepath prove: " << toString(result.verdict) << " in " << secs << " s\n";
    if (format == "json") {
        nlohmann::ordered_json j;
        j["result"] = toString(result.verdict);
        j["method"] = result.method;
        j["solver"] = toString(solver);
        j["abi"] = toString(setup.abi);
        if (everySize)
            j["bound"] = nullptr; // every size, any length
        else
            j["bound"] = {{"devices", topology ? static_cast<int>(topology->size()) : maxDevices},
                          {"depth", maxDepth},
                          {"steps", method == "bmc" ? steps : 0}};
        j["detail"] = result.detail;
        if (result.counterexample) {
            const SmtCounterexample &c = *result.counterexample;
            nlohmann::ordered_json ops = nlohmann::ordered_json::array();
            for (const Op &op : c.ops)
                ops.push_back(op.toString());
            nlohmann::ordered_json events = nlohmann::ordered_json::array();
            for (const KernelEvent &e : c.replayEvents)
                events.push_back(toString(e.kind));
            j["counterexample"] = {{"devices", c.topology.size()},
                                   {"steps", c.step},
                                   {"ops", ops},
                                   {"tree", renderLspci(c.topology)},
                                   {"trace_file", traceFile},
                                   {"invariant", toString(c.violated)},
                                   {"replay_agrees", c.replayAgrees},
                                   {"replay_events", events}};
        }
        out << j.dump(2) << "\n";
    } else {
        out << "bridgepath prove: " << method << ", policy " << toString(setup.policy) << ", abi "
            << toString(setup.abi) << ", faults " << toString(setup.faults) << ", invariants "
            << invariantNames(invariants) << ", "
            << (topology    ? "the tree of " + treeName
                : everySize ? std::string("every tree of every size")
                            : "every tree of at most " + std::to_string(maxDevices) +
                                  " devices (depth <= " + std::to_string(maxDepth) + ")")
            << (method == "bmc" ? ", " + std::to_string(steps) + " steps"
                                : std::string(", any length"))
            << (solver == SolverChoice::Z3 ? std::string()
                                           : std::string(", solver ") + toString(solver))
            << "\n"
            << "result: " << toString(result.verdict) << ": " << result.detail << "\n";
        if (result.counterexample) {
            const SmtCounterexample &c = *result.counterexample;
            if (shown)
                out << "\n" << counterexampleText(*shown, c.violated);
            out << "  " << (c.replayAgrees ? "" : "HARNESS BUG: ") << c.replayNote << "\n"
                << "  replay: bridgepath replay " << traceFile << "\n";
        }
    }
    switch (result.verdict) {
    case SmtVerdict::Proved:
        return 0;
    case SmtVerdict::Counterexample:
        return 1;
    case SmtVerdict::Unknown:
        return 3;
    case SmtVerdict::Disagreement:
        return 4;
    }
    return 3;
}

} // namespace bridgepath
