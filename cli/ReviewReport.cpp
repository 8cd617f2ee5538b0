#include "cli/ReviewReport.h"

#include "cli/KunitSuite.h"
#include "cli/Report.h"
#include "cli/UnifiedDiff.h"

#include "exhaustive/ExhaustiveSearch.h"
#include "matrix/DesignVerdict.h"
#include "properties/Conformance.h"
#include "properties/Scenarios.h"
#include "topology/InputError.h"
#include "topology/LspciRenderer.h"
#include "topology/TextFile.h"

#include <filesystem>
#include <sstream>

namespace bridgepath {

namespace {

// The design the fixture flb-design writes (docs/findings.md).
const Design kFixtureDesign{Policy::Continue, DirectRecord::Checked, ReleaseCheck::WarnClearAndFree,
                            EndOfUpdate::HeldForever};

// `text` as paragraphs wrapped at kReportColumns, each line after `indent` (the first line after
// `first` when given).
std::string wrap(const std::string &text, const std::string &indent = "",
                 const std::string &first = "") {
    std::istringstream words(text);
    std::string out, line = first.empty() ? indent : first, word;
    bool empty = first.empty(); // after `first`, the first word takes a space
    while (words >> word) {
        if (!empty && line.size() + 1 + word.size() > kReportColumns) {
            out += line + "\n";
            line = indent;
            empty = true;
        }
        line += (empty ? "" : " ") + word;
        empty = false;
    }
    return out + line + "\n";
}

// The smallest run of a kernel's design that crashes under one failed walk step.
struct Reproducer {
    const KernelDesign *kernel;
    Abi abi;
    std::optional<Counterexample> example;
};

Reproducer reproducerOf(const KernelDesign &k, Abi abi) {
    ExhaustiveOptions o;
    o.maxDevices = 2;
    o.maxOps = 4;
    o.abi = abi;
    applyDesign(o, k.design);
    o.faults = {FaultClass::Step};
    o.invariants = {Invariant::NoCrash};
    return Reproducer{&k, abi, runExhaustive(o).tallies.front().smallest};
}

// What the run does to the machine: its kernel events, in a reviewer's words, after `indent`.
std::string effects(const std::vector<KernelEvent> &events, const std::string &indent) {
    std::string out;
    for (const KernelEvent &e : events)
        out += wrap(describe(e) + ".", indent + "         ",
                    indent + (out.empty() ? "machine:" : "        "));
    return out.empty() ? indent + "machine: nothing the kernel reports\n" : out;
}

std::string indented(const std::string &text, const std::string &indent) {
    std::istringstream in(text);
    std::string out;
    for (std::string line; std::getline(in, line);)
        out += indent + line + "\n";
    return out;
}

std::string reproducerText(const Reproducer &r, int number) {
    const Counterexample &x = *r.example;
    std::string out = wrap(std::string(r.kernel->name) + " (" + r.kernel->what + ", " +
                               toString(r.abi) + " table):",
                           "   ", std::to_string(number) + ".");
    out += "   tree (lspci -t):\n" + indented(renderLspci(x.setup->topology, false), "     ");
    out += "   ops:\n";
    for (const Op &op : x.ops)
        out += "     " + op.toString() + "\n";
    out += effects(x.states.back().events, "   ");
    return out;
}

} // namespace

std::string reviewReport(const ReviewReportOptions &o) {
    const std::string before = o.fixtures + "/flb-v6/drivers/pci/liveupdate.c";
    const std::string after = o.fixtures + "/flb-design/drivers/pci/liveupdate.c";
    for (const std::string &f : {before, after})
        if (!std::filesystem::is_regular_file(f))
            throw InputError(o.fixtures, "no " + f +
                                             ": run from the repository root or give "
                                             "--fixtures DIR (tests/kernelcheck/c)");
    std::string out;
    out += "Subject: Re: [PATCH v6 06/12] PCI: liveupdate: Auto-preserve upstream\n"
           " bridges across Live Update\n\n";
    out += "On Mon, Jun 8, 2026, David Matlack wrote:\n"
           "> Yes, but that would only happen if there is some sort of kernel bug or\n"
           "> silent data corruption. I guess we could proceed with trying to\n"
           "> unpreserve the bridges upstream. But I opted to log a big warning and\n"
           "> bail immediately.\n\n";
    out += wrap("A failed step does more than leak the bridges above it: the leak reaches "
                "the table's release and the end of the update, and there it takes the "
                "machine down. I modelled the bridge-path code (bridgepath: a reference "
                "model, a kernel-faithful implementation checked against it, and the file "
                "itself compiled against an emulation of the kernel API) and searched every "
                "tree and every sequence of operations within a small bound, with one "
                "walk step failing anywhere. The smallest crash of each version:");
    out += "\n";
    const auto &kernels = currentKernels();
    const std::vector<Reproducer> reproducers{reproducerOf(kernels[0], Abi::V6),
                                              reproducerOf(kernels[1], Abi::V7),
                                              reproducerOf(kernels[2], Abi::V7)};
    int number = 1;
    for (const Reproducer &r : reproducers)
        if (r.example)
            out += reproducerText(r, number++) + "\n";

    // The review's own tree and sequence, on v6.
    const Topology review = reviewTopology();
    const std::vector<Op> ops = parseOpsText("preserve 03:00.0; preserve 03:00.1; fail-next "
                                             "unpreserve 02:00.0; unpreserve 03:00.1; unpreserve "
                                             "03:00.0",
                                             "report")
                                    .ops;
    LiveUpdateConfig v6{Policy::Bail, Abi::V6, review.size()};
    const RunResult run = runSideBySide(review, v6, ops);
    out += wrap("Your example tree, RC -> B1 -> B2 -> {EP0, EP1}, with B2's step failing as "
                "EP1 is unpreserved, leaves B1 and RC counted as you say; unpreserving EP0 "
                "then releases the table with nr_devices " +
                std::to_string(run.finalState.nrDevices) + ":");
    out += effects(run.finalState.events, "   ") + "\n";

    // The proposed change.
    DesignVerdictOptions vo;
    vo.design = kFixtureDesign;
    vo.abi = Abi::V6;
    vo.proveDevices = o.proveDevices;
    vo.solver = o.solver;
    const DesignVerdict v = proveBestDesign(vo);
    out += wrap("What I would change, four things, each of which the search shows is "
                "needed (" +
                toString(kFixtureDesign) + " in bridgepath's terms):");
    out += "\n";
    out += wrap("walk on past a failed step in unpreserve, finish and the rollback, so "
                "only the failing device keeps a count it should not;",
                "    ", "  -");
    out += wrap("record in each device whether it was preserved directly (and, in the "
                "next kernel, whether its file came across), and refuse a second preserve, "
                "an unpreserve or a finish of a device that was not, before any walk;",
                "    ", "  -");
    out += wrap("when the table is released with nr_devices != 0, WARN and clear every "
                "device's outgoing pointer before freeing it: nothing is preserved any "
                "more, so no count is needed, and nothing may point into freed memory;",
                "    ", "  -");
    out += wrap("at the end of the update, do not panic for counts left behind: hold the "
                "incoming state (as v6 does) instead of taking the machine down.",
                "    ", "  -");
    out +=
        "\n" + wrap("Turning each one back to what the latest code does breaks something:") + "\n";
    for (const RunnerUp &r : v.runnerUps) {
        if (!r.hasExample())
            continue;
        const std::string what =
            r.z3 ? std::string(toString(*r.claim)) + " fails under a " + toString(*r.fault) +
                       " fault"
                 : std::string("a failed step is no longer contained to its device");
        out +=
            wrap(r.change + ": " + what + ", on " + compactTree(r.tree()) + ": " + opsLine(r.ops()),
                 "    ", "  -");
    }
    out += "\n" +
           wrap("As a diff against a v6-shaped file of my own (written from the "
                "patch's API, not a copy of it):") +
           "\n";
    out += unifiedDiff(readTextFile(before), readTextFile(after), "a/drivers/pci/liveupdate.c",
                       "b/drivers/pci/liveupdate.c");
    out += "\n";

    // What is proved.
    out += wrap(
        "What is proved of that design, by induction with Z3" +
        std::string(o.solver == SolverChoice::Both ? " (every query re-decided by cvc5)" : "") +
        ", for every tree of at most " + std::to_string(o.proveDevices) +
        " devices, sequences of any length, one fault of the class at any point:");
    out += "\n";
    for (const FaultProofs &f : v.proofs) {
        std::string line;
        for (const ClaimProof &p : f.claims)
            line += std::string(line.empty() ? "" : ", ") + toString(p.claim) + " " +
                    toString(p.outcome.verdict);
        out += wrap(line + ".", "    ", "  " + std::string(toString(f.fault)) + ":");
    }
    out += "\n";
    out += wrap("A lost slot or an overwritten refcount is itself a premature release of the "
                "device it hits, under any design, so that is not claimed there; "
                "containment is claimed for failed steps only. Hot-unplug and a device that "
                "does not come back are checked by the exhaustive search within its bound, "
                "not proved.");
    out += "\n" + wrap("To reproduce (bridgepath, from its repository):") + "\n";
    out += "  build/bridgepath designs\n";
    out += "  build/bridgepath designs --abi v6 --prove " + std::to_string(o.proveDevices) + "\n";
    for (const Reproducer &r : reproducers)
        out += "  build/bridgepath exhaustive --design " + std::string(r.kernel->name) + " --abi " +
               toString(r.abi) +
               " --max-devices 2 \\\n      --max-ops 4 --faults step --invariants no-crash\n";
    out += "  build/bridgepath kernel-check \\\n"
           "      --source tests/kernelcheck/c/flb-design \\\n"
           "      --design " +
           toString(kFixtureDesign) + " \\\n      --mutants\n";
    out += "\n" + wrap("The reproducers as KUnit suites are below the signature.") + "\n";
    out += "-- \nbridgepath\n";
    for (const Reproducer &r : reproducers) {
        if (!r.example)
            continue;
        RunSetup setup;
        setup.topology = r.example->setup->topology;
        setup.config = r.example->setup->config;
        setup.trace.ops = r.example->ops;
        const std::string name = std::string("pci-liveupdate-") + r.kernel->name + "-step.c";
        out += "\n--- " + name + " ---\n";
        out += kunitSuite(setup, name, false, "bridgepath report");
    }
    return out;
}

} // namespace bridgepath
