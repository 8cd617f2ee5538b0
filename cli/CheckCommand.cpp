#include "cli/Commands.h"
#include "cli/EventsJson.h"
#include "cli/Flags.h"
#include "cli/PeakMemory.h"
#include "cli/Picture.h"
#include "cli/Report.h"
#include "cli/RunSetup.h"

#include "properties/Expectations.h"
#include "properties/PropertyCheck.h"
#include "topology/InputError.h"
#include "topology/LspciRenderer.h"
#include "topology/SysfsImporter.h"
#include "topology/TopologyLoader.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unistd.h>

namespace bridgepath {

namespace {

enum class Format { Text, Json, Ktap, Junit };

struct CheckRun {
    CheckOptions options;
    Format format = Format::Text;
    std::string traceDir;
    std::string faultsText = "all";
    std::vector<InvariantResult> results;
    std::vector<std::string> traceFiles; // per result, "" when it passed
};

std::string xmlEscape(const std::string &s) {
    std::string out;
    for (char c : s) {
        switch (c) {
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '&':
            out += "&amp;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

std::string status(const InvariantResult &r) {
    if (r.pass)
        return "pass";
    if (r.gaveUp)
        return "error";
    return "fail";
}

std::string verdictNote(const InvariantResult &r, const CheckRun &run) {
    if (r.gaveUp)
        return "RapidCheck gave up: " + r.error;
    if (r.counterexample && r.counterexample->mismatch)
        return "MODEL MISMATCH: impl and model disagree (a bug in one of them)";
    if (r.pass)
        return r.expected ? ""
                          : "expected to fail under these faults; no case found in " +
                                std::to_string(r.casesRun) + " cases";
    if (r.expected) {
        std::string why;
        for (FaultClass f : r.counterexample->faultsUsed) {
            const std::string reason =
                expectationReason(r.invariant, f, run.options.policy, run.options.abi);
            if (reason != "expected to hold") {
                why = std::string(toString(f)) + ": " + reason;
                break;
            }
        }
        return "known: " + why;
    }
    return "FINDING: expected to hold under " + toString(r.counterexample->faultsUsed) + " and " +
           toString(run.options.policy);
}

void printText(std::ostream &out, const CheckRun &run) {
    const CheckOptions &o = run.options;
    out << "bridgepath check: policy " << toString(o.policy) << ", abi " << toString(o.abi)
        << ", faults " << run.faultsText << ", " << o.cases << " cases per invariant, seed "
        << o.seed;
    if (o.shardCount > 1)
        out << ", shard " << o.shardIndex << "/" << o.shardCount;
    out << (o.topology ? ", fixed tree (" + std::to_string(o.topology->size()) + " devices)"
                       : std::string(", random trees"))
        << "\n\n";
    for (const InvariantResult &r : run.results) {
        std::string name = toString(r.invariant);
        name.append(22 - std::min<std::size_t>(22, name.size()), ' ');
        out << "  " << (r.pass ? "pass  " : "FAIL  ") << name << r.casesRun << " cases";
        const std::string note = verdictNote(r, run);
        if (!note.empty())
            out << "  (" << note << ")";
        out << "\n";
    }
    for (std::size_t i = 0; i < run.results.size(); ++i) {
        const InvariantResult &r = run.results[i];
        if (!r.counterexample)
            continue;
        out << "\n" << counterexampleText(*r.counterexample, r.invariant);
        out << "  seed " << o.seed;
        if (o.shardCount > 1)
            out << " (shard " << o.shardIndex << "/" << o.shardCount << ")";
        out << "\n  replay: bridgepath replay " << run.traceFiles[i] << "\n";
    }
    std::size_t failed = 0;
    for (const auto &r : run.results)
        failed += r.pass ? 0 : 1;
    out << "\n"
        << run.results.size() - failed << " of " << run.results.size() << " invariants hold"
        << (failed ? "; exit 1" : "") << "\n";
}

nlohmann::ordered_json counterexampleJson(const InvariantResult &r, const std::string &file) {
    const Counterexample &c = *r.counterexample;
    nlohmann::ordered_json ops = nlohmann::ordered_json::array();
    for (const Op &op : c.ops)
        ops.push_back(op.toString());
    nlohmann::ordered_json results = nlohmann::ordered_json::array();
    for (Result res : c.results)
        results.push_back(toString(res));
    return {{"devices", c.setup->topology.size()},
            {"ops", ops},
            {"results", results},
            {"tree", renderLspci(c.setup->topology)},
            {"trace_file", file},
            {"why", c.why},
            {"mismatch", c.mismatch},
            {"capacity", c.setup->config.capacity},
            {"events", eventsJson(stepEvents(c.states))}};
}

void printJson(std::ostream &out, const CheckRun &run) {
    nlohmann::ordered_json j;
    j["policy"] = toString(run.options.policy);
    j["abi"] = toString(run.options.abi);
    j["faults"] = run.faultsText;
    j["seed"] = run.options.seed;
    j["cases"] = run.options.cases;
    nlohmann::ordered_json results = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < run.results.size(); ++i) {
        const InvariantResult &r = run.results[i];
        nlohmann::ordered_json item;
        item["invariant"] = toString(r.invariant);
        item["status"] = status(r);
        item["expected"] = r.expected;
        item["cases_run"] = r.casesRun;
        if (r.counterexample)
            item["counterexample"] = counterexampleJson(r, run.traceFiles[i]);
        if (r.gaveUp)
            item["error"] = r.error;
        results.push_back(std::move(item));
    }
    j["results"] = std::move(results);
    out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

void printKtap(std::ostream &out, const CheckRun &run) {
    out << "KTAP version 1\n1.." << run.results.size() << "\n";
    out << "# bridgepath check: policy " << toString(run.options.policy) << ", abi "
        << toString(run.options.abi) << ", faults " << run.faultsText << ", seed "
        << run.options.seed << "\n";
    for (std::size_t i = 0; i < run.results.size(); ++i) {
        const InvariantResult &r = run.results[i];
        if (r.counterexample) {
            const Counterexample &c = *r.counterexample;
            out << "# " << toString(r.invariant) << ": counterexample (" << c.setup->topology.size()
                << " devices, " << c.ops.size() << " ops): " << opsLine(c.ops) << "\n";
            out << "# " << toString(r.invariant) << ": " << c.why << "\n";
            out << "# " << toString(r.invariant) << ": replay: bridgepath replay "
                << run.traceFiles[i] << "\n";
        } else if (r.gaveUp) {
            out << "# " << toString(r.invariant) << ": " << r.error << "\n";
        }
        out << (r.pass ? "ok " : "not ok ") << i + 1 << " " << toString(r.invariant) << "\n";
    }
}

void printJunit(std::ostream &out, const CheckRun &run) {
    std::size_t failures = 0;
    for (const auto &r : run.results)
        failures += r.pass ? 0 : 1;
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
        << "  <testsuite name=\"bridgepath check " << toString(run.options.policy) << "\" tests=\""
        << run.results.size() << "\" failures=\"" << failures << "\">\n";
    for (std::size_t i = 0; i < run.results.size(); ++i) {
        const InvariantResult &r = run.results[i];
        out << "    <testcase classname=\"bridgepath." << toString(run.options.policy)
            << "\" name=\"" << toString(r.invariant) << "\"";
        if (r.pass) {
            out << "/>\n";
            continue;
        }
        const std::string message = r.counterexample ? r.counterexample->why : r.error;
        out << ">\n      <failure message=\"" << xmlEscape(message) << "\">"
            << xmlEscape(r.counterexample ? counterexampleText(*r.counterexample, r.invariant) +
                                                "replay: bridgepath replay " + run.traceFiles[i]
                                          : r.error)
            << "</failure>\n    </testcase>\n";
    }
    out << "  </testsuite>\n</testsuites>\n";
}

std::pair<std::size_t, std::size_t> parseShard(const std::string &text) {
    const std::size_t slash = text.find('/');
    if (slash == std::string::npos)
        throw InputError("--shard", "expected I/N (0 <= I < N), got '" + text + "'");
    const std::size_t i = parseCount("--shard", text.substr(0, slash));
    const std::size_t n = parseCount("--shard", text.substr(slash + 1));
    if (n == 0 || i >= n)
        throw InputError("--shard", "expected I/N with 0 <= I < N, got '" + text + "'");
    return {i, n};
}

} // namespace

int runCheck(const std::vector<std::string> &args, std::ostream &out) {
    const Flags flags(args,
                      {"--topology", "--policy", "--abi", "--faults", "--invariants", "--cases",
                       "--seed", "--format", "--save-trace", "--shard", "--max-size", "--dot",
                       "--png"},
                      {}, {"--sysfs"});
    flags.allowPositional(0, "check takes flags only");
    CheckRun run;
    CheckOptions &o = run.options;
    o.policy = policyFlag(flags, o.policy);
    o.abi = abiFlag(flags, o.abi);
    o.faults = faultsFlag(flags, "all", &run.faultsText);
    o.invariants = invariantsFlag(flags);
    if (auto c = flags.value("--cases")) {
        o.cases = parseCount("--cases", *c);
        if (o.cases == 0)
            throw InputError("--cases", "must be at least 1");
    }
    if (auto s = flags.value("--seed"))
        o.seed = parseCount("--seed", *s);
    if (auto m = flags.value("--max-size")) {
        o.maxSize = static_cast<int>(parseCount("--max-size", *m));
        if (o.maxSize < 1 || o.maxSize > 1000)
            throw InputError("--max-size", "expected 1..1000");
    }
    if (auto sh = flags.value("--shard"))
        std::tie(o.shardIndex, o.shardCount) = parseShard(*sh);
    const std::string format = flags.value("--format").value_or("text");
    if (format == "text")
        run.format = Format::Text;
    else if (format == "json")
        run.format = Format::Json;
    else if (format == "ktap")
        run.format = Format::Ktap;
    else if (format == "junit")
        run.format = Format::Junit;
    else
        throw InputError("--format", "unknown format '" + format + "' (text, json, ktap, junit)");
    if (flags.has("--topology") && flags.has("--sysfs"))
        throw InputError("--sysfs", "give either --topology or --sysfs, not both");
    if (auto t = flags.value("--topology"))
        o.topology = loadTopologyFile(*t);
    if (flags.has("--sysfs"))
        o.topology =
            importSysfs(flags.value("--sysfs")->empty() ? "/sys" : *flags.value("--sysfs"));
    run.traceDir =
        flags.value("--save-trace")
            .value_or((std::filesystem::temp_directory_path() / "bridgepath-traces").string());

    const bool tty = isatty(STDERR_FILENO) != 0;
    // RapidCheck prints its own configuration line to std::cerr; our seed and trace files are how
    // a user reproduces, so that line is kept out of the output.
    std::ostream progress(std::cerr.rdbuf());
    std::ostringstream rapidcheckNoise;
    std::cerr.rdbuf(rapidcheckNoise.rdbuf());
    const auto start = std::chrono::steady_clock::now();
    run.results = runChecks(o, [tty, &progress, start](std::size_t done, std::size_t total) {
        if (!tty)
            return;
        progress << "\rbridgepath check: " << done << "/" << total << " invariants";
        if (done == total) {
            const double s =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            char timing[96];
            std::snprintf(timing, sizeof timing, " in %.2f s, peak RSS %.1f MiB\n", s,
                          peakRssMebibytes());
            progress << timing;
        }
        progress << std::flush;
    });
    std::cerr.rdbuf(progress.rdbuf());
    bool failed = false;
    for (const InvariantResult &r : run.results) {
        failed = failed || !r.pass;
        std::string file;
        if (r.counterexample) {
            std::string name = std::string(toString(r.invariant)) + "-" + toString(o.policy) + "-" +
                               toString(o.abi) + "-seed" + std::to_string(o.seed);
            if (o.shardCount > 1)
                name += "-shard" + std::to_string(o.shardIndex);
            file =
                saveTrace(counterexampleTrace(*r.counterexample, r.invariant), run.traceDir, name);
        }
        run.traceFiles.push_back(file);
    }
    // The picture is of the first counterexample, in invariant order.
    for (const InvariantResult &r : run.results)
        if (r.counterexample) {
            writePicture(flags, counterexampleDot(*r.counterexample, r.invariant));
            break;
        }
    switch (run.format) {
    case Format::Text:
        printText(out, run);
        break;
    case Format::Json:
        printJson(out, run);
        break;
    case Format::Ktap:
        printKtap(out, run);
        break;
    case Format::Junit:
        printJunit(out, run);
        break;
    }
    return failed ? 1 : 0;
}

} // namespace bridgepath
