#include "cli/Commands.h"
#include "cli/EventsJson.h"
#include "cli/Flags.h"
#include "cli/PeakMemory.h"
#include "cli/Report.h"
#include "cli/RunSetup.h"
#include "cli/ShardFile.h"

#include "exhaustive/ExhaustiveSearch.h"
#include "topology/InputError.h"
#include "topology/LspciRenderer.h"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
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

// "B bytes per stored state (largest search L MiB), peak RSS P MiB".
std::string memoryText(const ExhaustiveResult &r) {
    const double perState = r.distinctStates ? static_cast<double>(r.storedBytes) /
                                                   static_cast<double>(r.distinctStates)
                                             : 0.0;
    return fixed(perState, 1) + " bytes per stored state (largest search " +
           fixed(static_cast<double>(r.largestSearchBytes) / (1024.0 * 1024.0), 1) +
           " MiB), peak RSS " + fixed(peakRssMebibytes(), 1) + " MiB";
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

// `--shard I/N` with 1 <= I <= N.
Shard shardFlag(const std::string &text) {
    const std::size_t slash = text.find('/');
    const auto digits = [](const std::string &s) {
        return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
    };
    if (slash == std::string::npos || !digits(text.substr(0, slash)) ||
        !digits(text.substr(slash + 1)))
        throw InputError("--shard", "expected I/N (1 <= I <= N), got " + quotedToken(text));
    const std::size_t i = parseCount("--shard", text.substr(0, slash));
    const std::size_t n = parseCount("--shard", text.substr(slash + 1));
    if (n == 0 || i == 0 || i > n)
        throw InputError("--shard", "expected I/N with 1 <= I <= N, got " + quotedToken(text));
    return Shard{i, n};
}

// What a run (or a merge of shards) prints once its result is in: the smallest examples saved
// as traces, the time on stderr, the report on `out`; the exit code.
int report(ExhaustiveRun &run, std::ostream &out, const std::string &timing) {
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
    std::cerr << timing;
    if (run.json)
        printJson(out, run);
    else
        printText(out, run);
    return failed ? 1 : 0;
}

std::string traceDirFlag(const Flags &flags) {
    return flags.value("--save-trace")
        .value_or((std::filesystem::temp_directory_path() / "bridgepath-traces").string());
}

bool jsonFlag(const Flags &flags) {
    const std::string format = flags.value("--format").value_or("text");
    if (format != "text" && format != "json")
        throw InputError("--format", "unknown format '" + format + "' (text, json)");
    return format == "json";
}

// The valued flags and switches of the exhaustive command.
const std::set<std::string> kValued = {
    "--max-devices", "--min-devices", "--max-ops",     "--endpoints",  "--policy",
    "--design",      "--abi",         "--faults",      "--invariants", "--threads",
    "--format",      "--save-trace",  "--generations", "--shard"};
const std::set<std::string> kSwitches = {"--stop-first", "--no-symmetry"};

// One shard of the search: its findings unreplayed, as the shard file's JSON.
int runShard(const Flags &flags, const ExhaustiveRun &run, const Shard &shard,
             const ExhaustiveProgress &progress, std::ostream &out) {
    if (flags.has("--stop-first"))
        throw InputError("--stop-first", "a shard searches all its trees: the first violation "
                                         "of the whole search is known only after the merge");
    if (flags.has("--save-trace"))
        throw InputError("--save-trace",
                         "a shard saves no trace: give --save-trace to exhaustive-merge");
    if (flags.value("--format").value_or("json") != "json")
        throw InputError("--format", "a shard writes JSON, for exhaustive-merge");
    const ShardResult r = searchShard(run.options, shard, progress);
    std::cerr << "bridgepath exhaustive: shard " << shard.index << "/" << shard.count << ", "
              << fixed(r.seconds, 2) << " s on " << r.threads << " thread"
              << (r.threads == 1 ? "" : "s") << "\n";
    out << shardJson(shardOptions(run.options, run.faultsText), r);
    return 0;
}

// Checks that `f` is shard of the search `first` is a shard of and that its findings name work
// items of its own trees.
void checkShard(const ShardFile &f, const ShardFile &first, const std::vector<WorkItem> &items) {
    if (f.options != first.options) {
        std::map<std::string, std::string> mine(f.options.begin(), f.options.end()),
            theirs(first.options.begin(), first.options.end());
        for (const auto &[flag, value] : theirs) {
            const auto it = mine.find(flag);
            if (it == mine.end())
                throw InputError(f.path,
                                 "options differ from " + first.path + "'s (no " + flag + ")");
            if (it->second != value)
                throw InputError(f.path, "options differ from " + first.path + "'s (" + flag + " " +
                                             it->second + ", not " + value + ")");
        }
        throw InputError(f.path, "options differ from " + first.path + "'s");
    }
    if (f.result.shard.count != first.result.shard.count)
        throw InputError(f.path, "shard " + std::to_string(f.result.shard.index) + "/" +
                                     std::to_string(f.result.shard.count) + " of a search in " +
                                     std::to_string(first.result.shard.count) + " shards (" +
                                     first.path + ")");
    const auto checkFinding = [&](const ShardCheck &c) {
        if (!c.smallest)
            return;
        const ShardFinding &s = *c.smallest;
        if (s.item >= items.size() || items[s.item].devices != s.devices ||
            !shardHolds(f.result.shard, items[s.item].treeId))
            throw InputError(f.path, "a smallest example names work item " +
                                         std::to_string(s.item) + ", not one of this shard's " +
                                         std::to_string(s.devices) + "-device trees");
    };
    for (const ShardCheck &c : f.result.invariants)
        checkFinding(c);
    for (const ShardCheck &c : f.result.outcomes)
        checkFinding(c);
    checkFinding(f.result.bothSides);
}

} // namespace

int runExhaustive(const std::vector<std::string> &args, std::ostream &out) {
    const Flags flags(args, kValued, kSwitches);
    flags.allowPositional(0, "exhaustive takes flags only");
    ExhaustiveRun run;
    run.options = exhaustiveOptionsFromFlags(flags, &run.faultsText);
    const std::optional<Shard> shard =
        flags.value("--shard") ? std::optional<Shard>(shardFlag(*flags.value("--shard")))
                               : std::nullopt;
    if (!shard)
        run.json = jsonFlag(flags);
    run.traceDir = traceDirFlag(flags);

    const bool tty = isatty(STDERR_FILENO) != 0;
    ExhaustiveProgress progress;
    if (tty)
        progress = [](std::uint64_t done, std::uint64_t total, std::uint64_t states) {
            std::cerr << "\rbridgepath exhaustive: " << done << "/" << total << " state spaces, "
                      << grouped(states) << " states generated" << (done == total ? "\n" : "")
                      << std::flush;
        };
    if (shard)
        return runShard(flags, run, *shard, progress, out);
    run.result = runExhaustive(run.options, progress);
    const ExhaustiveResult &r = run.result;
    return report(run, out,
                  "bridgepath exhaustive: " + fixed(r.seconds, 2) + " s on " +
                      std::to_string(r.threads) + " thread" + (r.threads == 1 ? "" : "s") + ", " +
                      grouped(static_cast<std::uint64_t>(statesPerSecond(r))) +
                      " distinct states/s, " + memoryText(r) + "\n");
}

int runExhaustiveMerge(const std::vector<std::string> &args, std::ostream &out) {
    const Flags flags(args, {"--format", "--save-trace"}, {});
    if (flags.positional().empty())
        throw InputError("exhaustive-merge", "needs the shard FILEs (of exhaustive --shard I/N)");
    ExhaustiveRun run;
    run.json = jsonFlag(flags);
    run.traceDir = traceDirFlag(flags);
    std::vector<ShardFile> shards;
    for (const std::string &path : flags.positional())
        shards.push_back(readShardFile(path));
    const ShardFile &first = shards.front();
    const std::vector<std::string> recorded = optionFlags(first.options);
    try {
        run.options =
            exhaustiveOptionsFromFlags(Flags(recorded, kValued, kSwitches), &run.faultsText);
    } catch (const InputError &e) {
        throw InputError(first.path, std::string("options: ") + e.what());
    }
    if (shardOptions(run.options, run.faultsText) != first.options)
        throw InputError(first.path, "options: not as `exhaustive --shard` records them");
    const std::vector<WorkItem> items = workItems(run.options);
    const std::size_t count = first.result.shard.count;
    std::map<std::size_t, const ShardFile *> byIndex;
    ShardResult merged;
    merged.invariants.resize(run.options.invariants.size());
    merged.threads = 0;
    for (const ShardFile &f : shards) {
        checkShard(f, first, items);
        const std::size_t index = f.result.shard.index;
        if (const auto seen = byIndex.find(index); seen != byIndex.end())
            throw InputError(f.path, "shard " + std::to_string(index) + "/" +
                                         std::to_string(count) + " again (also " +
                                         seen->second->path + ")");
        byIndex[index] = &f;
        addShard(merged, f.result);
    }
    for (std::size_t i = 1; byIndex.size() < count; ++i) // distinct indexes 1..count
        if (!byIndex.count(i))
            throw InputError("exhaustive-merge", "shard " + std::to_string(i) + "/" +
                                                     std::to_string(count) + " is missing (" +
                                                     std::to_string(shards.size()) + " of " +
                                                     std::to_string(count) + " given)");
    run.result = replayFindings(run.options, merged);
    return report(run, out,
                  "bridgepath exhaustive-merge: " + std::to_string(count) + " shard" +
                      (count == 1 ? "" : "s") + ", " + fixed(merged.seconds, 2) +
                      " s of search in all\n");
}

} // namespace bridgepath
