#include "cli/Commands.h"
#include "cli/EventsJson.h"
#include "cli/Flags.h"
#include "cli/Report.h"
#include "cli/RunSetup.h"

#include "matrix/DesignRanking.h"
#include "matrix/DesignVerdict.h"
#include "topology/InputError.h"
#include "topology/LspciRenderer.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

namespace bridgepath {

namespace {

// `4 / 0 / 7 / 2`: crashes, premature releases, leaked, changes.
std::string scoreText(const DesignScore &s) {
    return std::to_string(s.crashes) + " / " + std::to_string(s.premature) + " / " +
           std::to_string(s.leaked) + " / " + std::to_string(s.changes);
}

// The design, and the kernel it is, if one.
std::string designName(const Design &d) {
    const KernelDesign *k = kernelOf(d);
    return toString(d) + (k ? std::string(" (") + k->name + ")" : std::string());
}

std::string boundText(const DesignRankingOptions &o, std::size_t designs) {
    return std::to_string(designs) + " designs on the " + toString(o.abi) +
           " table; every forest of 1.." + std::to_string(o.maxDevices) +
           " devices, every sequence of at most " + std::to_string(o.maxOps) +
           " ops over at most " + std::to_string(o.endpoints) +
           " endpoints, one fault of the column's class";
}

// The rows (the first the head) as a Markdown table, or as text in aligned columns.
void printRows(std::ostream &out, const std::vector<std::vector<std::string>> &rows,
               bool markdown) {
    if (markdown) {
        for (std::size_t i = 0; i < rows.size(); ++i) {
            out << "|";
            for (const std::string &cell : rows[i])
                out << " " << cell << " |";
            out << "\n";
            if (i == 0) {
                out << "|";
                for (std::size_t c = 0; c < rows[0].size(); ++c)
                    out << "---|";
                out << "\n";
            }
        }
        return;
    }
    std::vector<std::size_t> width(rows[0].size(), 0);
    for (const auto &line : rows)
        for (std::size_t c = 0; c < line.size(); ++c)
            width[c] = std::max(width[c], line[c].size());
    for (const auto &line : rows) {
        for (std::size_t c = 0; c < line.size(); ++c)
            out << line[c]
                << (c + 1 == line.size() ? "" : std::string(width[c] + 2 - line[c].size(), ' '));
        out << "\n";
    }
}

void printTable(std::ostream &out, const DesignRanking &r, bool markdown) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> head{"rank", "design"};
    for (FaultClass f : r.options.faults)
        head.emplace_back(toString(f));
    head.emplace_back("crash / premature / leaked / changes");
    rows.push_back(head);
    for (const DesignRow &row : r.rows) {
        std::vector<std::string> line{std::to_string(rankOf(r, row)), designName(row.design)};
        for (const DesignCell &c : row.cells)
            line.push_back(cellLabel(c));
        line.push_back(scoreText(row.score));
        rows.push_back(line);
    }
    printRows(out, rows, markdown);
}

std::string exampleLine(const DesignRow &row, const DesignCell &c, bool markdown) {
    const Counterexample &x = *c.example;
    return exampleText(toString(row.design) + " / " + toString(c.fault) + " / " + cellLabel(c) +
                           ": " + deviceCount(x.setup->topology.size()),
                       x.setup->topology, x.ops, markdown);
}

// The best designs, where today's kernels rank, and the smallest examples of both.
void printVerdict(std::ostream &out, const DesignRanking &r, bool markdown) {
    const auto best = bestDesigns(r);
    out << (markdown ? "\n**Best** (" : "\nbest (") << best.size() << " of " << r.rows.size()
        << ", score " << scoreText(best.front()->score) << (markdown ? "):\n\n" : "):\n");
    for (const DesignRow *row : best)
        out << (markdown ? "- `" : "  ") << designName(row->design) << (markdown ? "`\n" : "\n");
    out << (markdown ? "\nToday's kernels:\n\n" : "\ntoday's kernels:\n");
    for (const KernelDesign &k : currentKernels()) {
        const DesignRow &row = rowOf(r, k.design);
        out << (markdown ? "- " : "  ") << k.name << " (" << toString(k.design) << "): rank "
            << rankOf(r, row) << ", score " << scoreText(row.score) << "\n";
    }
    out << (markdown ? "\nThe smallest example of each harm of the best design and of the latest "
                       "kernel:\n\n"
                     : "\nsmallest examples (the best design, the latest kernel):\n");
    for (const DesignRow *row : {best.front(), &rowOf(r, latestKernel())})
        for (const DesignCell &c : row->cells)
            if (c.example)
                out << exampleLine(*row, c, markdown);
}

std::string verdictText(const SmtOutcome &o) {
    return std::string(toString(o.verdict)) +
           (o.verdict == SmtVerdict::Proved ? " (" + std::to_string(o.devices) + ")" : "");
}

// The best design's proofs, and each runner-up's failure.
void printProofs(std::ostream &out, const DesignVerdict &v, bool markdown) {
    const DesignVerdictOptions &o = v.options;
    out << (markdown ? "\n**Proved** of `" : "\nproved of ") << toString(o.design)
        << (markdown ? "`" : "") << " (Z3" << (o.solver == SolverChoice::Both ? " and cvc5" : "")
        << "; every tree of at most " << o.proveDevices
        << " devices, any sequence length, one fault of the row's class at any point):\n"
        << (markdown ? "\n" : "");
    std::vector<std::vector<std::string>> rows{{"fault"}};
    for (DesignClaim c : allDesignClaims())
        rows[0].emplace_back(toString(c));
    for (const FaultProofs &f : v.proofs) {
        std::vector<std::string> line{toString(f.fault)};
        for (DesignClaim c : allDesignClaims()) {
            std::string cell = "not claimed";
            for (const ClaimProof &p : f.claims)
                if (p.claim == c)
                    cell = verdictText(p.outcome);
            line.push_back(cell);
        }
        rows.push_back(line);
    }
    printRows(out, rows, markdown);
    out << (markdown ? "\nEach change from the latest kernel, turned back:\n\n"
                     : "\neach change from the latest kernel, turned back:\n");
    for (const RunnerUp &r : v.runnerUps) {
        const std::string head = r.change + " (" + toString(r.design) + "): ";
        if (!r.hasExample()) {
            out << (markdown ? "- " : "  ") << head << "nothing found to fail\n";
            continue;
        }
        const std::string what =
            r.z3 ? std::string(toString(*r.claim)) + " fails under " + toString(*r.fault) +
                       (r.z3->replayAgrees ? "" : " (the replay disagrees)")
                 : std::string("containment fails under step (exhaustive search)");
        out << exampleText(head + what + ", " + deviceCount(r.tree().size()), r.tree(), r.ops(),
                           markdown);
    }
}

void printJson(std::ostream &out, const DesignRanking &r, const std::optional<DesignVerdict> &v) {
    nlohmann::ordered_json j;
    const DesignRankingOptions &o = r.options;
    j["bound"] = {{"max_devices", o.maxDevices},
                  {"max_ops", o.maxOps},
                  {"endpoints", o.endpoints},
                  {"abi", toString(o.abi)}};
    j["designs"] = nlohmann::ordered_json::array();
    for (const DesignRow &row : r.rows) {
        nlohmann::ordered_json d;
        d["design"] = toString(row.design);
        d["walk"] = toString(row.design.walk);
        d["record"] = toString(row.design.record);
        d["release"] = toString(row.design.release);
        d["end"] = toString(row.design.end);
        if (const KernelDesign *k = kernelOf(row.design))
            d["kernel"] = k->name;
        d["score"] = {{"crashes", row.score.crashes},
                      {"premature", row.score.premature},
                      {"leaked", row.score.leaked},
                      {"changes", row.score.changes}};
        d["cells"] = nlohmann::ordered_json::object();
        for (const DesignCell &c : row.cells) {
            nlohmann::ordered_json cell{{"worst", cellLabel(c)},
                                        {"premature", c.premature},
                                        {"held", c.held},
                                        {"leaked_slots", c.leakedSlots},
                                        {"drift", c.drift}};
            if (c.example)
                cell["example"] = exampleJson(*c.example);
            d["cells"][toString(c.fault)] = cell;
        }
        j["designs"].push_back(d);
    }
    j["best"] = nlohmann::ordered_json::array();
    for (const DesignRow *row : bestDesigns(r))
        j["best"].push_back(toString(row->design));
    if (v) {
        nlohmann::ordered_json p;
        p["design"] = toString(v->options.design);
        p["devices"] = v->options.proveDevices;
        p["solver"] = toString(v->options.solver);
        p["claims"] = nlohmann::ordered_json::array();
        for (const FaultProofs &f : v->proofs)
            for (const ClaimProof &c : f.claims)
                p["claims"].push_back({{"fault", toString(f.fault)},
                                       {"claim", toString(c.claim)},
                                       {"verdict", toString(c.outcome.verdict)},
                                       {"seconds", c.outcome.seconds},
                                       {"detail", c.outcome.detail}});
        p["runner_ups"] = nlohmann::ordered_json::array();
        for (const RunnerUp &u : v->runnerUps) {
            nlohmann::ordered_json one{{"change", u.change}, {"design", toString(u.design)}};
            if (u.z3) {
                one["fault"] = toString(*u.fault);
                one["claim"] = toString(*u.claim);
                std::vector<std::string> ops;
                for (const Op &op : u.z3->ops)
                    ops.push_back(op.toString());
                one["example"] = {{"tree", renderLspci(u.z3->topology, false)},
                                  {"ops", ops},
                                  {"replay_agrees", u.z3->replayAgrees}};
            } else if (u.breach) {
                one["fault"] = "step";
                one["claim"] = "containment";
                one["example"] = exampleJson(*u.breach);
            }
            p["runner_ups"].push_back(one);
        }
        j["proofs"] = p;
    }
    out << j.dump(2) << "\n";
}

} // namespace

int runDesigns(const std::vector<std::string> &args, std::ostream &out) {
    const Flags flags(args,
                      {"--max-devices", "--max-ops", "--endpoints", "--abi", "--faults",
                       "--threads", "--format", "--prove", "--solver"},
                      {});
    flags.allowPositional(0, "designs takes flags only");
    DesignRankingOptions o;
    o.maxDevices = countFlag(flags, "--max-devices", o.maxDevices, 1, 8);
    o.maxOps = countFlag(flags, "--max-ops", o.maxOps, 1, 8);
    o.endpoints = countFlag(flags, "--endpoints", o.endpoints, 1, 8);
    o.abi = abiFlag(flags, o.abi);
    if (flags.has("--faults")) {
        std::string text;
        const std::set<FaultClass> faults = faultsFlag(flags, "all", &text);
        if (faults.empty())
            throw InputError("--faults", "designs ranks what faults do: name at least one class");
        o.faults.assign(faults.begin(), faults.end());
    }
    o.threads = threadsFlag(flags);
    const ReportFormat f = reportFormatFlag(flags);
    const int prove = static_cast<int>(countFlag(flags, "--prove", 0, 0, 16));
    const SolverChoice solver = solverFlag(flags, SolverChoice::Both);

    const DesignRanking r = rankDesigns(o);
    // Timings go to stderr: the same command prints the same stdout.
    char secs[64];
    std::snprintf(secs, sizeof secs, "%.1f", r.seconds);
    std::cerr << "bridgepath designs: the search took " << secs << " s, " << r.distinctStates
              << " distinct states\n";
    std::optional<DesignVerdict> verdict;
    if (prove > 0) {
        DesignVerdictOptions vo;
        vo.design = bestDesigns(r).front()->design;
        vo.abi = o.abi;
        vo.proveDevices = prove;
        vo.solver = solver;
        verdict = proveBestDesign(vo);
        std::snprintf(secs, sizeof secs, "%.1f", verdict->seconds);
        std::cerr << "bridgepath designs: the proofs took " << secs << " s\n";
    }
    switch (f) {
    case ReportFormat::Json:
        printJson(out, r, verdict);
        break;
    case ReportFormat::Markdown:
        printTable(out, r, true);
        printVerdict(out, r, true);
        if (verdict)
            printProofs(out, *verdict, true);
        break;
    case ReportFormat::Text:
        out << "bridgepath designs: " << boundText(o, r.rows.size()) << "\n\n";
        printTable(out, r, false);
        printVerdict(out, r, false);
        if (verdict)
            printProofs(out, *verdict, false);
        break;
    }
    if (!verdict)
        return 0; // a report: faults breaking designs is its content
    // A proof that does not hold is not a pass: a refuted claim (1), undecided (3), the solvers
    // disagreeing (4).
    int exit = 0;
    for (const FaultProofs &fp : verdict->proofs)
        for (const ClaimProof &c : fp.claims)
            switch (c.outcome.verdict) {
            case SmtVerdict::Proved:
                break;
            case SmtVerdict::Counterexample:
                exit = exit == 4 ? 4 : 1;
                break;
            case SmtVerdict::Unknown:
                exit = exit == 0 ? 3 : exit;
                break;
            case SmtVerdict::Disagreement:
                exit = 4;
                break;
            }
    return exit;
}

} // namespace bridgepath
