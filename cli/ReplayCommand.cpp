#include "cli/Commands.h"
#include "cli/Flags.h"
#include "cli/Picture.h"
#include "cli/Report.h"
#include "cli/RunSetup.h"

#include "properties/Conformance.h"
#include "topology/InputError.h"
#include "topology/Result.h"
#include "topology/TopologyLoader.h"

#include <algorithm>
#include <sstream>

namespace bridgepath {

namespace {

// One clause of `# expect:`: `fails A, B`, `holds A, B` (or `holds all`), `mismatch`, or
// `step N returns R` (N counts operations from 1, R as printed: ok, EINVAL, ..., panic).
struct Expectation {
    bool mismatch = false;
    std::vector<Invariant> fails;
    std::vector<Invariant> holds;
    std::vector<std::pair<std::size_t, Result>> returns;
};

// `step N returns R`, or nullopt when the clause is not of that form.
std::optional<std::pair<std::size_t, Result>> parseReturns(const std::string &clause) {
    std::istringstream in(clause);
    std::string step, returns, result, rest;
    std::size_t n = 0;
    if (!(in >> step >> n >> returns >> result) || (in >> rest) || step != "step" ||
        returns != "returns" || n == 0)
        return std::nullopt;
    const auto r = parseResult(result);
    if (!r)
        return std::nullopt;
    return std::make_pair(n, *r);
}

std::string trimmed(std::string s) {
    while (!s.empty() && s.front() == ' ')
        s.erase(s.begin());
    while (!s.empty() && s.back() == ' ')
        s.pop_back();
    return s;
}

Expectation parseExpectation(const std::string &text, const std::string &place) {
    Expectation e;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find(';', start);
        if (end == std::string::npos)
            end = text.size();
        const std::string clause = trimmed(text.substr(start, end - start));
        start = end + 1;
        if (clause.empty())
            continue;
        if (clause == "mismatch") {
            e.mismatch = true;
            continue;
        }
        const std::size_t space = clause.find(' ');
        const std::string verb = clause.substr(0, space);
        if (verb == "step") {
            const auto returns = parseReturns(clause);
            if (!returns)
                throw InputError(place, "expectation '" + clause +
                                            "' is not `step N returns RESULT` (N from 1; RESULT "
                                            "ok, EINVAL, ..., panic)");
            e.returns.push_back(*returns);
            continue;
        }
        if ((verb != "fails" && verb != "holds") || space == std::string::npos)
            throw InputError(place, "expectation '" + clause +
                                        "' is not `fails INV, ...`, `holds INV, ...`, `mismatch` "
                                        "or `step N returns RESULT`");
        auto &into = verb == "fails" ? e.fails : e.holds;
        std::string list = clause.substr(space + 1);
        std::size_t at = 0;
        while (at <= list.size()) {
            std::size_t comma = list.find(',', at);
            if (comma == std::string::npos)
                comma = list.size();
            const std::string word = trimmed(list.substr(at, comma - at));
            at = comma + 1;
            if (word == "all" && verb == "holds") {
                into = allInvariants();
                continue;
            }
            auto inv = parseInvariant(word);
            if (!inv)
                throw InputError(place, "unknown invariant '" + word + "' in the expectation");
            into.push_back(*inv);
        }
    }
    for (Invariant f : e.fails)
        for (Invariant h : e.holds)
            if (f == h)
                throw InputError(place, std::string("the expectation contradicts itself: ") +
                                            toString(f) + " is expected to fail and to hold");
    for (const auto &[n, r] : e.returns)
        for (const auto &[m, q] : e.returns)
            if (n == m && r != q)
                throw InputError(place, "the expectation contradicts itself: step " +
                                            std::to_string(n) + " is expected to return " +
                                            toString(r) + " and " + toString(q));
    return e;
}

} // namespace

int runReplay(const std::vector<std::string> &args, std::ostream &out) {
    const Flags flags(args, {"--dot", "--png"}, {});
    flags.allowPositional(1, "replay takes one trace FILE");
    if (flags.positional().empty())
        throw InputError("replay", "needs a trace FILE");
    const std::string file = flags.positional()[0];
    const RunSetup setup = setUpRun(readTraceFile(file), file, flags);
    const Topology &t = setup.topology;
    const LiveUpdateConfig &config = setup.config;
    const Trace &trace = setup.trace;
    const Expectation expect = parseExpectation(trace.expect, trace.expectPlace);

    const RunResult run = runSideBySide(t, config, trace.ops);
    const StateReport report = judge(t, config, run);
    writePicture(flags, runDot(t, config, run, file));
    out << runText(t, config, file, run, report);

    std::vector<std::string> unmet;
    if (run.mismatch && !expect.mismatch)
        unmet.push_back("impl and model disagree at step " +
                        std::to_string(run.mismatch->step + 1) + ": " + run.mismatch->difference);
    if (!run.mismatch && expect.mismatch)
        unmet.push_back("expected a model mismatch, but impl and model agree");
    const auto violations = report.violations();
    auto fails = [&](Invariant i) {
        return std::find(violations.begin(), violations.end(), i) != violations.end();
    };
    for (Invariant i : expect.fails)
        if (!fails(i))
            unmet.push_back(std::string(toString(i)) + " was expected to fail but holds");
    for (Invariant i : expect.holds)
        if (fails(i))
            unmet.push_back(std::string(toString(i)) + " was expected to hold but fails");
    for (const auto &[n, want] : expect.returns) {
        if (n > run.steps.size())
            unmet.push_back("step " + std::to_string(n) + " was expected to return " +
                            toString(want) + " but did not run");
        else if (run.steps[n - 1].result != want)
            unmet.push_back("step " + std::to_string(n) + " was expected to return " +
                            toString(want) + " but returned " + toString(run.steps[n - 1].result));
    }
    out << "\nexpect: " << (trace.expect.empty() ? "(nothing stated)" : trace.expect) << "\n";
    for (const std::string &u : unmet)
        out << "  NOT MET: " << u << "\n";
    out << (unmet.empty() ? "replay: as expected\n" : "replay: expectation not met; exit 1\n");
    return unmet.empty() ? 0 : 1;
}

} // namespace bridgepath
