#include "cli/Commands.h"
#include "cli/EventsJson.h"
#include "cli/Flags.h"
#include "cli/Report.h"
#include "cli/RunSetup.h"

#include "matrix/PolicyMatrix.h"
#include "topology/InputError.h"
#include "topology/LspciRenderer.h"

#include <array>
#include <cstdio>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

namespace bridgepath {

namespace {

std::string faultName(const MatrixCell &c) {
    return c.fault ? toString(*c.fault) : "none";
}

// The row: the fault class, and the ABI when the matrix has more than one.
std::string rowName(const PolicyMatrix &m, const MatrixCell &c) {
    return faultName(c) + (m.options.abis.size() > 1 ? std::string(" ") + toString(c.abi) : "");
}

// The outcomes' labels joined, worst first; `ok` for none.
std::string outcomesText(const std::vector<CellOutcome> &outcomes, Abi abi) {
    std::string out;
    for (const CellOutcome &o : outcomes)
        out += (out.empty() ? "" : ", ") + outcomeLabel(o, abi);
    return out.empty() ? "ok" : out;
}

// `proved` for an ok cell its row's induction proves; else what was found, or `ok` within the
// bound.
std::string cellText(const PolicyMatrix &m, const MatrixCell &c) {
    return cellProved(m, c) ? "proved" : outcomesText(c.outcomes, c.abi);
}

std::string boundText(const PolicyMatrixOptions &o) {
    std::string abis;
    for (Abi a : o.abis)
        abis += (abis.empty() ? "" : " and ") + std::string(toString(a));
    return "abi " + abis + "; every forest of 1.." + std::to_string(o.maxDevices) +
           " devices, every sequence of at most " + std::to_string(o.maxOps) +
           " ops over at most " + std::to_string(o.endpoints) + " endpoints, at most one fault";
}

std::string proofText(const PolicyMatrix &m) {
    if (m.proofs.empty())
        return "Z3: not asked (--prove-devices 0); the ok cells are exhaustive results within the "
               "bound.";
    std::string out = "Z3, checked by cvc5 (induction, every tree of at most " +
                      std::to_string(m.options.proveDevices) + " devices, any length):";
    for (std::size_t i = 0; i < m.proofs.size(); ++i) {
        const RowProof &p = m.proofs[i];
        const bool firstOfRow = i == 0 || m.proofs[i - 1].fault != p.fault;
        if (firstOfRow)
            out += std::string(" ") + (p.fault ? toString(*p.fault) : "none (correct use)") + ":";
        if (m.options.abis.size() > 1 && (firstOfRow || m.proofs[i - 1].abi != p.abi))
            out += std::string(" ") + toString(p.abi) + ":";
        out += std::string(" ") + toString(p.policy) + " " + toString(p.outcome.verdict);
        const bool last = i + 1 == m.proofs.size();
        const bool lastOfRow = last || m.proofs[i + 1].fault != p.fault;
        const bool lastOfAbi = lastOfRow || m.proofs[i + 1].abi != p.abi;
        out += last ? "." : lastOfAbi ? ";" : ","; // the end of a row is the end of its last ABI
    }
    return out + " A proved cell is that proof; every other ok cell is an exhaustive result "
                 "within the bound only.";
}

// A containment cell: `proved (6)`, `found`, `within-bound`; `-` where no fault names a device.
std::string containmentText(const PolicyMatrix &m, const MatrixCell &c) {
    if (!c.containment)
        return "-";
    const ContainmentMark k = c.containment->mark;
    return toString(k) + (k == ContainmentMark::Proved
                              ? " (" + std::to_string(m.options.proveDevices) + ")"
                              : std::string());
}

using CellText = std::string (*)(const PolicyMatrix &, const MatrixCell &);

void printTable(std::ostream &out, const PolicyMatrix &m, bool markdown,
                CellText text = &cellText) {
    const std::size_t columns = allPolicies().size();
    if (markdown) {
        out << "| fault |";
        for (Policy p : allPolicies())
            out << " " << toString(p) << " |";
        out << "\n|---|";
        for (std::size_t c = 0; c < columns; ++c)
            out << "---|";
        out << "\n";
        for (std::size_t row = 0; row * columns < m.cells.size(); ++row) {
            out << "| " << rowName(m, m.cells[row * columns]);
            for (std::size_t c = 0; c < columns; ++c)
                out << " | " << text(m, m.cells[row * columns + c]);
            out << " |\n";
        }
        return;
    }
    std::vector<std::size_t> width(columns + 1, 5);
    for (std::size_t i = 0; i < m.cells.size(); ++i) {
        width[0] = std::max(width[0], rowName(m, m.cells[i]).size());
        width[1 + i % columns] = std::max(width[1 + i % columns], text(m, m.cells[i]).size());
    }
    auto cell = [&](const std::string &text, std::size_t column) {
        return column == columns ? text : text + std::string(width[column] + 2 - text.size(), ' ');
    };
    out << cell("fault", 0);
    for (std::size_t c = 0; c < columns; ++c)
        out << cell(toString(allPolicies()[c]), c + 1);
    out << "\n";
    for (std::size_t row = 0; row * columns < m.cells.size(); ++row) {
        out << cell(rowName(m, m.cells[row * columns]), 0);
        for (std::size_t c = 0; c < columns; ++c)
            out << cell(text(m, m.cells[row * columns + c]), c + 1);
        out << "\n";
    }
}

std::string exampleLine(const PolicyMatrix &m, const MatrixCell &c, const Counterexample &x,
                        const std::string &name, bool markdown) {
    const std::string head =
        rowName(m, c) + " / " + toString(c.policy) + " / " + name + ": " +
        deviceCount(x.setup->topology.size()) +
        (x.setup->config.abi == Abi::V6 && x.setup->config.capacity < x.setup->topology.size()
             ? ", capacity " + std::to_string(x.setup->config.capacity)
             : std::string());
    return exampleText(head, x.setup->topology, x.ops, markdown);
}

void printExamples(std::ostream &out, const PolicyMatrix &m, bool markdown) {
    out << (markdown ? "\nThe smallest example of each outcome (the tree: each device, a bridge's "
                       "children in braces):\n\n"
                     : "\nsmallest examples:\n");
    for (const MatrixCell &c : m.cells)
        for (const CellOutcome &o : c.outcomes)
            if (o.example)
                out << exampleLine(m, c, *o.example, outcomeLabel(o, c.abi), markdown);
}

// "What a single fault does to the machine": per fault class and version, the kernel-level
// outcomes under bail and under the best alternative policy.
void printMachine(std::ostream &out, const PolicyMatrix &m, bool markdown) {
    std::vector<std::array<std::string, 4>> rows;
    for (const auto &fault : matrixRows())
        for (Abi abi : m.options.abis) {
            const MatrixCell &bail = cellOf(m, fault, abi, Policy::Bail);
            const MatrixCell &alt = bestAlternative(m, fault, abi);
            rows.push_back({fault ? toString(*fault) : "none", toString(abi),
                            outcomesText(machineOutcomes(bail), abi),
                            std::string(toString(alt.policy)) + ": " +
                                outcomesText(machineOutcomes(alt), abi)});
        }
    const std::array<std::string, 4> head{"fault", "version", "bail", "best alternative"};
    if (markdown) {
        out << "| " << head[0] << " | " << head[1] << " | " << head[2] << " | " << head[3]
            << " |\n|---|---|---|---|\n";
        for (const auto &r : rows)
            out << "| " << r[0] << " | " << r[1] << " | " << r[2] << " | " << r[3] << " |\n";
    } else {
        std::array<std::size_t, 4> width{};
        for (std::size_t k = 0; k < 4; ++k) {
            width[k] = head[k].size();
            for (const auto &r : rows)
                width[k] = std::max(width[k], r[k].size());
        }
        auto line = [&](const std::array<std::string, 4> &r) {
            for (std::size_t k = 0; k < 3; ++k)
                out << r[k] << std::string(width[k] + 2 - r[k].size(), ' ');
            out << r[3] << "\n";
        };
        line(head);
        for (const auto &r : rows)
            line(r);
    }
    out << (markdown ? "\nThe smallest example of each non-ok cell (the tree: each device, a "
                       "bridge's children in braces):\n\n"
                     : "\nsmallest examples:\n");
    for (const auto &fault : matrixRows())
        for (Abi abi : m.options.abis) {
            const MatrixCell &bail = cellOf(m, fault, abi, Policy::Bail);
            const MatrixCell &alt = bestAlternative(m, fault, abi);
            for (const MatrixCell *c : {&bail, &alt})
                for (const CellOutcome &o : machineOutcomes(*c))
                    if (o.example)
                        out << exampleLine(m, *c, *o.example, outcomeLabel(o, c->abi), markdown);
        }
}

// Containment's table and the smallest breach of each found cell.
void printContainment(std::ostream &out, const PolicyMatrix &m, bool markdown) {
    out << (markdown ? "\nContainment (after one fault, every device but the faulty one keeps its "
                       "ideal count): proved (N: every tree of at most N devices, any length), "
                       "found (the smallest breach below), within-bound (no breach found, not "
                       "proved).\n\n"
                     : "\ncontainment (after one fault every device but the faulty one keeps its "
                       "ideal count; proved (N): every tree of at most N devices, any length):\n");
    printTable(out, m, markdown, &containmentText);
    if (markdown)
        out << "\nThe smallest breach of each found cell:\n\n";
    for (const MatrixCell &c : m.cells)
        if (c.containment && c.containment->mark == ContainmentMark::Found)
            out << exampleLine(m, c, *c.containment->example, "containment", markdown);
}

// An example as JSON: its tree, capacity and operations.
void printJson(std::ostream &out, const PolicyMatrix &m) {
    nlohmann::ordered_json j;
    j["bound"] = {{"max_devices", m.options.maxDevices},
                  {"max_ops", m.options.maxOps},
                  {"endpoints", m.options.endpoints},
                  {"abis",
                   [&] {
                       std::vector<std::string> names;
                       for (Abi a : m.options.abis)
                           names.push_back(toString(a));
                       return names;
                   }()},
                  {"faults_per_sequence", 1}};
    j["cells"] = nlohmann::ordered_json::array();
    for (const MatrixCell &c : m.cells) {
        nlohmann::ordered_json cell;
        cell["fault"] = faultName(c);
        cell["abi"] = toString(c.abi);
        cell["policy"] = toString(c.policy);
        cell["proved"] = cellProved(m, c);
        if (c.containment) {
            nlohmann::ordered_json k;
            k["mark"] = toString(c.containment->mark);
            if (c.containment->mark == ContainmentMark::Proved)
                k["devices"] = m.options.proveDevices;
            if (c.containment->example)
                k["example"] = exampleJson(*c.containment->example);
            cell["containment"] = k;
        }
        cell["outcomes"] = nlohmann::ordered_json::array();
        for (const CellOutcome &o : c.outcomes) {
            nlohmann::ordered_json e;
            e["outcome"] = o.outcome ? toString(*o.outcome) : "ok";
            if (o.outcome && *o.outcome == Outcome::Leak)
                e["slots"] = o.slots;
            if (o.outcome)
                e["states"] = o.states;
            if (o.example)
                e["example"] = exampleJson(*o.example);
            cell["outcomes"].push_back(e);
        }
        j["cells"].push_back(cell);
    }
    j["z3"] = nlohmann::ordered_json::array();
    for (const RowProof &p : m.proofs)
        j["z3"].push_back({{"fault", p.fault ? toString(*p.fault) : "none"},
                           {"abi", toString(p.abi)},
                           {"policy", toString(p.policy)},
                           {"devices", m.options.proveDevices},
                           {"verdict", toString(p.outcome.verdict)}});
    out << j.dump(2) << "\n";
}

} // namespace

int runPolicies(const std::vector<std::string> &args, std::ostream &out) {
    const Flags flags(args,
                      {"--max-devices", "--max-ops", "--endpoints", "--abi", "--threads",
                       "--format", "--prove-devices", "--view"},
                      {});
    flags.allowPositional(0, "policies takes flags only");
    PolicyMatrixOptions o;
    o.maxDevices = countFlag(flags, "--max-devices", o.maxDevices, 1, 12);
    o.maxOps = countFlag(flags, "--max-ops", o.maxOps, 1, 12);
    o.endpoints = countFlag(flags, "--endpoints", o.endpoints, 1, 12);
    const std::string abi = flags.value("--abi").value_or("v6");
    if (abi == "both")
        o.abis = {Abi::V6, Abi::V7};
    else if (const auto one = parseAbi(abi))
        o.abis = {*one};
    else
        throw InputError("--abi", "unknown abi '" + abi + "' (v6, v7, both)");
    o.threads = threadsFlag(flags);
    o.proveDevices = static_cast<int>(countFlag(flags, "--prove-devices", 6, 0, 10));
    const ReportFormat f = reportFormatFlag(flags);

    const std::string view = flags.value("--view").value_or("counts");
    if (view != "counts" && view != "machine")
        throw InputError("--view", "unknown view '" + view + "' (counts, machine)");
    if (view == "machine" && f == ReportFormat::Json)
        throw InputError("--view", "the machine view is text or markdown; --format json has every "
                                   "outcome of every cell");

    const PolicyMatrix m = buildPolicyMatrix(o);
    // Timings go to stderr: the same command prints the same stdout.
    char secs[64];
    std::snprintf(secs, sizeof secs, "%.1f", m.seconds);
    std::cerr << "bridgepath policies: " << secs << " s\n";
    switch (f) {
    case ReportFormat::Json:
        printJson(out, m);
        break;
    case ReportFormat::Markdown:
        if (view == "machine") {
            printMachine(out, m, true);
        } else {
            printTable(out, m, true);
            printExamples(out, m, true);
            printContainment(out, m, true);
        }
        out << "\n" << proofText(m) << "\n";
        break;
    case ReportFormat::Text: {
        out << "bridgepath policies: " << boundText(o) << "\n\n";
        if (view == "machine")
            printMachine(out, m, false);
        else {
            printTable(out, m, false);
            printExamples(out, m, false);
            printContainment(out, m, false);
        }
        out << "\n" << proofText(m) << "\n";
        break;
    }
    }
    // The matrix is a report: faults breaking things is its content, not a failure. A refuted
    // fault-free row is (1), and a proof Z3 could not finish is never a pass (3).
    int exit = 0;
    for (const MatrixCell &c : m.cells)
        if (c.containment && c.containment->proof &&
            c.containment->proof->verdict == SmtVerdict::Disagreement)
            return 4;
    for (const RowProof &p : m.proofs) {
        switch (p.outcome.verdict) {
        case SmtVerdict::Proved:
            break;
        case SmtVerdict::Counterexample:
            exit = 1;
            break;
        case SmtVerdict::Unknown:
            exit = exit == 0 ? 3 : exit;
            break;
        case SmtVerdict::Disagreement:
            return 4; // the solvers contradict each other: no verdict of the matrix stands
        }
    }
    return exit;
}

} // namespace bridgepath
