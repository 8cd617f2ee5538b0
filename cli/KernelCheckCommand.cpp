#include "cli/Commands.h"
#include "cli/Flags.h"
#include "cli/Report.h"
#include "cli/RunSetup.h"

#include "kernelcheck/KernelCheck.h"
#include "kernelcheck/KernelMutant.h"
#include "topology/InputError.h"
#include "topology/TextFile.h"
#include "topology/TopologyLoader.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace bridgepath {

namespace {

void removeScratchAndDie(int sig) {
    removeKernelScratchOnSignal();
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

std::string seconds(std::chrono::steady_clock::time_point since) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(2)
      << std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count() << " s";
    return s.str();
}

std::string summary(const KernelCheckResult &r) {
    return std::to_string(r.cases) + " sequence" + (r.cases == 1 ? "" : "s") + ", " +
           std::to_string(r.steps) + " steps (" + std::to_string(r.faultSteps) + " faults, " +
           std::to_string(r.eventSteps) + " with kernel events, " + std::to_string(r.kexecSteps) +
           " kexec" + (r.kexecSteps == 1 ? "" : "s") + "; " + std::to_string(r.chainCases) +
           (r.chainCases == 1 ? " chain" : " chains") + " of two or more Live Updates)";
}

void printDisagreement(std::ostream &out, const KernelDisagreement &d, bool fromTrace,
                       std::size_t cases, const std::string &reproduce) {
    if (!fromTrace)
        out << "  in case " << d.caseIndex + 1 << " of " << cases << " (" << d.originalOps
            << " ops, shrunk to " << d.ops.size() << ")";
    out << "\n  at step " << d.step + 1 << " (" << d.ops[d.step].toString() << "): " << d.what
        << "\n\n"
        << disagreementTrace(d).toString() << "\nreproduce: " << reproduce << "\n";
}

nlohmann::ordered_json disagreementJson(const KernelDisagreement &d) {
    return {{"step", d.step + 1},
            {"op", d.ops[d.step].toString()},
            {"what", d.what},
            {"trace", disagreementTrace(d).toString()}};
}

// "N ops: OP; OP -> what" (a row of the variant and mutant tables).
std::string oneLine(const KernelDisagreement &d) {
    std::string s = std::to_string(d.ops.size()) + " ops: ";
    for (std::size_t i = 0; i < d.ops.size(); ++i)
        s += (i ? "; " : "") + d.ops[i].toString();
    return s + " -> " + d.what;
}

// The model variant the run compares with: the detected one, or what --abi, --policy or
// --design (the walk policy and the design switches) force.
LiveUpdateConfig chosenConfig(const Flags &flags, const KernelShape &shape) {
    LiveUpdateConfig c = shape.config();
    if (auto a = flags.value("--abi"); a && *a != "auto") {
        const auto abi = parseAbi(*a);
        if (!abi)
            throw InputError("--abi", "unknown ABI '" + *a + "' (auto, v6, v7)");
        c = LiveUpdateConfig{};
        c.abi = *abi;
        c.sessionTable = true;
        c.tableSizedToPresent = true;
    }
    if (auto p = flags.value("--policy")) {
        const auto policy = parsePolicy(*p);
        if (!policy)
            throw InputError("--policy", "unknown policy '" + *p + "' (bail, continue, guarded)");
        c.policy = *policy;
    }
    if (const auto d = designFlag(flags))
        c = withDesign(c, *d);
    return c;
}

} // namespace

int runKernelCheck(const std::vector<std::string> &args, std::ostream &out) {
    const Flags flags(args,
                      {"--source", "--abi", "--policy", "--design", "--cases", "--seed", "--format",
                       "--topology", "--trace", "--step-timeout", "--memory-limit"},
                      {"--variants", "--mutants"});
    flags.allowPositional(0, "kernel-check takes flags only");
    const auto source = flags.value("--source");
    if (!source)
        throw InputError("--source", "give the kernel tree or its drivers/pci/liveupdate.c");
    KernelCheckOptions o;
    o.cases = countFlag(flags, "--cases", o.cases, 1, 10000000);
    if (auto s = flags.value("--seed"))
        o.seed = parseCount("--seed", *s);
    o.stepSeconds = static_cast<unsigned>(countFlag(flags, "--step-timeout", 10, 1, 3600));
    o.memoryLimit = countFlag(flags, "--memory-limit", 256, 1, 16384) << 20;
    const std::string format = flags.value("--format").value_or("text");
    if (format != "text" && format != "json")
        throw InputError("--format", "unknown format '" + format + "' (text, json)");
    if (flags.has("--trace") && flags.has("--topology"))
        throw InputError("--trace", "a trace names its own tree; give --trace or --topology");
    if ((flags.has("--variants") || flags.has("--mutants")) && flags.has("--trace"))
        throw InputError("--trace", "--variants and --mutants draw their own cases");
    if (auto t = flags.value("--topology"))
        o.topology = loadTopologyFile(*t);

    struct sigaction sa {};
    sa.sa_handler = removeScratchAndDie;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGHUP, &sa, nullptr);

    // Every input is read before anything is printed: a bad trace is one line and exit 2.
    std::optional<RunSetup> traceSetup;
    if (auto t = flags.value("--trace"))
        traceSetup = setUpRun(readTraceFile(*t), *t, flags);

    const auto started = std::chrono::steady_clock::now();
    const std::unique_ptr<KernelCode> code = KernelCode::build(*source);
    const KernelShape &shape = code->shape();
    if (traceSetup)
        for (std::size_t i = 0; i < traceSetup->trace.ops.size(); ++i)
            if (!kernelCheckable(traceSetup->trace.ops[i], shape))
                throw InputError(traceSetup->trace.places.at(i),
                                 traceSetup->trace.ops[i].kind == OpKind::FailNext
                                     ? std::string("this file's unpreserve and finish steps are "
                                                   "recursive walks: one device's step cannot "
                                                   "be made to fail alone")
                                     : std::string("this file has no code for '") +
                                           toString(traceSetup->trace.ops[i].kind) + "'");
    LiveUpdateConfig config = chosenConfig(flags, shape);
    std::string reproduce = "bridgepath kernel-check --source " + shellQuote(*source);
    for (const char *f : {"--abi", "--policy", "--design"})
        if (auto v = flags.value(f))
            reproduce += std::string(" ") + f + " " + *v;

    nlohmann::ordered_json j;
    j["source"] = *source;
    j["detected"] = shape.describe();
    j["notes"] = shape.notes;
    int exit = 0;
    std::optional<LiveUpdateConfig> agreeing; // --variants: the first variant that agrees
    if (format == "text")
        out << "bridgepath kernel-check: " << *source << "\n  detected: " << shape.describe()
            << "\n";

    if (flags.has("--variants")) {
        const std::vector<VariantVerdict> verdicts = matchVariants(*code, o);
        if (!verdicts.front().result.disagreement)
            agreeing = verdicts.front().result.config;
        nlohmann::ordered_json rows = nlohmann::ordered_json::array();
        if (format == "text")
            out << "  model variants on the same " << o.cases << " sequences (seed " << o.seed
                << "):\n";
        bool any = false;
        for (const VariantVerdict &v : verdicts) {
            any |= !v.result.disagreement;
            nlohmann::ordered_json row{{"variant", describeVariant(v.result.config)},
                                       {"agree", !v.result.disagreement}};
            if (format == "text")
                out << "    " << (v.result.disagreement ? "differs" : "AGREES") << "  "
                    << describeVariant(v.result.config);
            if (const auto &d = v.result.disagreement) {
                row["step"] = d->step + 1;
                row["what"] = d->what;
                row["trace"] = disagreementTrace(*d).toString();
                if (format == "text")
                    out << ": " << oneLine(*d);
            }
            if (format == "text")
                out << "\n";
            rows.push_back(row);
        }
        j["variants"] = rows;
        if (!any) {
            exit = 1;
            if (format == "text")
                out << "  no model variant agrees with this file\n";
        }
        reproduce += " --variants";
    } else if (auto t = flags.value("--trace")) {
        const RunSetup &setup = *traceSetup;
        config.policy = setup.config.policy;
        KernelCheckResult r;
        r.config = config;
        r.cases = 1;
        r.steps = setup.trace.ops.size();
        r.kexecSteps = static_cast<std::size_t>(
            std::count_if(setup.trace.ops.begin(), setup.trace.ops.end(),
                          [](const Op &op) { return op.kind == OpKind::Kexec; }));
        r.chainCases = r.kexecSteps >= 2;
        r.disagreement = checkOne(*code, setup.topology, config, setup.trace.ops, o);
        reproduce += " --trace " + shellQuote(*t);
        j["variant"] = describeVariant(config);
        j["kexec_steps"] = r.kexecSteps;
        j["chain_cases"] = r.chainCases;
        j["agree"] = !r.disagreement;
        if (r.disagreement)
            j["disagreement"] = disagreementJson(*r.disagreement);
        if (format == "text") {
            out << "  model variant: " << describeVariant(config) << "\n";
            if (!r.disagreement)
                out << "  agrees on the trace's " << r.steps << " steps\n";
            else {
                out << "  DISAGREES";
                printDisagreement(out, *r.disagreement, true, 1, reproduce);
            }
        }
        exit = r.disagreement ? 1 : 0;
    } else {
        const KernelCheckResult r = runKernelCheck(*code, config, o);
        reproduce += " --cases " + std::to_string(o.cases) + " --seed " + std::to_string(o.seed);
        if (auto t = flags.value("--topology"))
            reproduce += " --topology " + shellQuote(*t);
        j["variant"] = describeVariant(config);
        j["seed"] = o.seed;
        j["cases"] = r.cases;
        j["steps"] = r.steps;
        j["fault_steps"] = r.faultSteps;
        j["event_steps"] = r.eventSteps;
        j["kexec_steps"] = r.kexecSteps;
        j["chain_cases"] = r.chainCases;
        j["agree"] = !r.disagreement;
        if (r.disagreement)
            j["disagreement"] = disagreementJson(*r.disagreement);
        if (format == "text") {
            out << "  model variant: " << describeVariant(config) << "\n";
            if (!r.disagreement)
                out << "  behaves like the model on " << summary(r) << ", seed " << o.seed << "\n";
            else {
                out << "  DISAGREES with the model";
                printDisagreement(out, *r.disagreement, false, o.cases, reproduce);
            }
        }
        exit = r.disagreement ? 1 : 0;
    }

    if (flags.has("--mutants") && exit == 0) {
        nlohmann::ordered_json rows = nlohmann::ordered_json::array();
        const std::string text = readTextFile(code->file());
        std::size_t applied = 0, killed = 0;
        if (format == "text")
            out << "  mutants (each checked on the same " << o.cases << " sequences against "
                << (agreeing ? "the first agreeing variant" : "that variant") << "):\n";
        const LiveUpdateConfig mutantConfig = agreeing.value_or(config);
        for (const KernelMutant &m : builtInMutants()) {
            nlohmann::ordered_json row{{"mutant", m.name}, {"what", m.what}};
            const std::optional<std::string> mutated = applyMutant(m, text);
            std::string verdict;
            if (!mutated) {
                verdict = "does not apply";
                row["verdict"] = "not-applicable";
            } else {
                ++applied;
                std::optional<KernelDisagreement> d;
                try {
                    const auto mutant = KernelCode::build(
                        code->file(), [&mutated](const std::string &) { return *mutated; }, false);
                    d = runKernelCheck(*mutant, mutantConfig, o).disagreement;
                } catch (const InputError &e) {
                    // Not a bug the check saw: the mutation broke the build (an invalid mutant).
                    verdict = std::string("invalid: the mutated file does not compile (") +
                              e.what() + ")";
                    row["verdict"] = "invalid";
                    --applied;
                }
                if (verdict.empty() && d) {
                    ++killed;
                    row["verdict"] = "killed";
                    row["trace"] = disagreementTrace(*d).toString();
                    verdict = "killed in " + oneLine(*d);
                } else if (verdict.empty()) {
                    row["verdict"] = "survived";
                    verdict = "SURVIVED (the check cannot see this bug)";
                }
            }
            if (format == "text")
                out << "    " << std::left << std::setw(24) << m.name << verdict << "\n";
            rows.push_back(row);
        }
        j["mutants"] = rows;
        j["mutants_applied"] = applied;
        j["mutants_killed"] = killed;
        if (format == "text")
            out << "  " << killed << " of " << applied << " applicable mutants killed\n";
        if (killed != applied)
            exit = 1;
        reproduce += " --mutants";
    }
    j["seconds"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (format == "json")
        out << j.dump(2) << "\n";
    std::cerr << "bridgepath kernel-check: " << seconds(started) << "\n";
    return exit;
}

} // namespace bridgepath
