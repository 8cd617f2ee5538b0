#include "cli/Report.h"

#include "model/IdealSpec.h"
#include "topology/InputError.h"
#include "topology/LspciRenderer.h"
#include "topology/TextFile.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <unistd.h>

namespace bridgepath {

std::string joinBdfs(const std::vector<Bdf> &v) {
    std::string s;
    for (const Bdf &b : v)
        s += (s.empty() ? "" : ", ") + b.toString();
    return s.empty() ? "none" : s;
}

std::string invariantNames(const std::vector<Invariant> &v) {
    std::string s;
    for (Invariant i : v)
        s += (s.empty() ? "" : ", ") + std::string(toString(i));
    return s.empty() ? "none" : s;
}

std::string opsLine(const std::vector<Op> &ops) {
    std::string s;
    for (const Op &op : ops)
        s += (s.empty() ? "" : "; ") + op.toString();
    return s;
}

std::vector<StepKernelEvent> stepEvents(const std::vector<State> &states) {
    std::vector<StepKernelEvent> out;
    for (std::size_t i = 1; i < states.size(); ++i)
        for (std::size_t k = states[i - 1].events.size(); k < states[i].events.size(); ++k)
            out.push_back(StepKernelEvent{i, states[i].events[k]});
    return out;
}

std::string shellQuote(const std::string &s) {
    std::string out = "'";
    for (char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string eventLines(const State &before, const State &after, const std::string &indent) {
    std::string out;
    for (std::size_t i = before.events.size(); i < after.events.size(); ++i)
        out += indent + "!! " + describe(after.events[i]) + "\n";
    return out;
}

std::string annotatedTree(const Topology &t, const State &s) {
    const auto ideal = idealRefcounts(t, s.directlyPreserved);
    const auto slots = s.slots();
    return renderIndented(t, [&](DeviceId id) {
        const Bdf &b = t.bdf(id);
        auto rc = slots.find(b);
        auto want = ideal.find(b);
        const unsigned have = rc == slots.end() ? 0 : rc->second;
        const unsigned need = want == ideal.end() ? 0 : want->second;
        std::string note = t.label(id);
        if (auto freed = s.dangling.find(b); freed != s.dangling.end())
            note += (note.empty() ? "" : "  ") +
                    std::string("points into the freed table (refcount ") +
                    std::to_string(freed->second) + " there)";
        if (have == 0 && need == 0)
            return note;
        note += (note.empty() ? "" : "  ") + std::string("refcount ") + std::to_string(have) +
                " (ideal " + std::to_string(need) + ")";
        if (s.directlyPreserved.count(b))
            note += " preserved";
        if (have > need)
            note += "  LEAKED";
        if (have < need)
            note += "  RELEASED EARLY";
        return note;
    });
}

std::string runText(const Topology &t, const LiveUpdateConfig &config,
                    const std::string &topologyName, const RunResult &run,
                    const StateReport &report) {
    std::ostringstream out;
    out << "topology: " << topologyName << " (" << t.size()
        << " devices)  policy: " << toString(config.policy) << "  abi: " << toString(config.abi);
    if (config.abi == Abi::V6)
        out << "  capacity: " << config.capacity;
    out << "\n\nsteps:\n";
    for (std::size_t i = 0; i < run.steps.size(); ++i) {
        std::string line = "  " + std::to_string(i + 1) + ". " + run.steps[i].op.toString();
        if (line.size() < 44)
            line.append(44 - line.size(), ' ');
        out << line << " " << toString(run.steps[i].result) << "\n";
        out << eventLines(i == 0 ? run.initialState : run.steps[i - 1].state, run.steps[i].state,
                          "       ");
    }
    const State &f = run.finalState;
    // After a kexec with an outgoing side in use, both sides are shown, outgoing first.
    const bool both = f.generation > 0 && !f.outgoingIdle();
    const State s = f.shownSide();
    out << "\nstate: " << toString(f.phase);
    if (f.generation > 1 || both)
        out << " (generation " << f.generation << ")";
    out << ", " << (both ? "outgoing " : "") << "nr_devices " << s.nrDevices << ", "
        << s.slots().size() << " slot(s) in use"
        << (happened(f.events, KernelEventKind::BugAtRelease) ? ", outgoing kernel CRASHED (BUG_ON)"
                                                              : "")
        << (happened(f.events, KernelEventKind::RetrieveFailed)
                ? ", incoming kernel CRASHED (retrieve)"
                : "")
        << (happened(f.events, KernelEventKind::NullDereference)
                ? ", kernel CRASHED (NULL dereference)"
                : "")
        << (f.panicked ? config.abi == Abi::V7 ? ", PANIC at finish-all"
                                               : ", incoming state held forever at finish-all"
                       : "")
        << "\n"
        << annotatedTree(t, s);
    if (both) {
        const State in = f.incomingSide();
        out << "incoming from generation " << f.generation - 1 << ": nr_devices " << in.nrDevices
            << ", " << in.slots().size() << " slot(s) in use\n"
            << annotatedTree(t, in);
    }
    out << "\nleaked: " << joinBdfs(report.leaked) << "\n";
    out << "released early: " << joinBdfs(report.releasedEarly) << "\n";
    out << "invariants:\n";
    for (const auto &[inv, verdict] : report.verdicts)
        out << "  " << (verdict.holds ? "ok    " : "FAIL  ") << toString(inv)
            << (verdict.holds ? "" : ": " + verdict.why) << "\n";
    return out.str();
}

namespace {

std::string pad(std::string s, std::size_t width) {
    if (s.size() < width)
        s.append(width - s.size(), ' ');
    return s;
}

} // namespace

std::string counterexampleText(const Counterexample &c, Invariant inv) {
    const Topology &t = c.setup->topology;
    const std::size_t failing = c.ops.size() - 1;
    // The side the failing step is about: the incoming one for a finish, finish-all or kexec
    // and for a verdict about it; else the outgoing one.
    const Op &last = c.ops.back();
    const State &rawAfter = c.states.back();
    const bool incomingStep = rawAfter.generation > 0 &&
                              (c.why.rfind("incoming: ", 0) == 0 || last.kind == OpKind::Finish ||
                               last.kind == OpKind::FinishAll || last.kind == OpKind::Kexec);
    const State after = incomingStep ? rawAfter.incomingSide() : rawAfter.outgoingSide();
    const State &rawBefore = c.states[c.states.size() - 2];
    const State before = incomingStep && last.kind != OpKind::Kexec ? rawBefore.incomingSide()
                                                                    : rawBefore.outgoingSide();
    const auto idealAfter = idealRefcounts(t, after.directlyPreserved);
    const auto slotsBefore = before.slots(), slotsAfter = after.slots();

    // Devices that matter: the failing op's path, and every device whose count is off.
    std::set<Bdf> matter;
    const Op &op = c.ops[failing];
    if (op.hasDevice())
        if (auto id = t.find(op.bdf))
            for (DeviceId up : t.upstreamPath(*id))
                matter.insert(t.bdf(up));
    for (const auto &[b, counts] : refcountsAndIdeal(t, after))
        if (counts.first != counts.second)
            matter.insert(b);

    std::string out;
    auto count = [](std::size_t n, const char *what) {
        return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
    };
    out += std::string(c.mismatch ? "MODEL MISMATCH" : toString(inv)) + ": counterexample (" +
           count(t.size(), "device") + ", " + count(c.ops.size(), "op") + ")\n";
    out += "  tree (* = the failing step's path and every device whose count is off):\n";
    const std::string tree =
        renderLspci(t, false, [&](DeviceId id) { return matter.count(t.bdf(id)) > 0; });
    std::size_t start = 0;
    while (start < tree.size()) {
        const std::size_t end = tree.find('\n', start);
        out += "    " + tree.substr(start, end - start) + "\n";
        start = end + 1;
    }
    out +=
        "  ops (policy " + std::string(toString(c.setup->config.policy)) + ", abi " +
        toString(c.setup->config.abi) +
        (c.setup->config.abi == Abi::V6 ? ", capacity " + std::to_string(c.setup->config.capacity)
                                        : std::string()) +
        "):\n";
    for (std::size_t i = 0; i < c.ops.size(); ++i) {
        out += "    " + pad(std::to_string(i + 1) + ". " + c.ops[i].toString(), 40) + " " +
               toString(c.results[i]) + (i == failing ? "   <- fails here" : "") + "\n";
        if (i + 1 < c.states.size())
            out += eventLines(c.states[i], c.states[i + 1], "         ");
    }
    out += "  refcounts around step " + std::to_string(failing + 1) + ":\n";
    out += "    " + pad("device", 16) + pad("before", 8) + pad("after", 8) + "ideal\n";
    for (const Bdf &b : matter) {
        auto get = [&b](const std::map<Bdf, unsigned> &m) {
            auto it = m.find(b);
            return std::to_string(it == m.end() ? 0 : it->second);
        };
        out += "    " + pad(b.toString(), 16) + pad(get(slotsBefore), 8) + pad(get(slotsAfter), 8) +
               get(idealAfter) + "\n";
    }
    out += "    nr_devices " + std::to_string(before.nrDevices) + " -> " +
           std::to_string(after.nrDevices) + "\n";
    out += "  why: " + c.why + "\n";
    return out;
}

std::string compactTree(const Topology &t) {
    std::function<std::string(DeviceId)> device = [&](DeviceId d) {
        std::string s = t.bdf(d).toString();
        if (t.bdf(d).domain == 0)
            s = s.substr(5);
        if (!t.isBridge(d))
            return s;
        s += "{";
        bool first = true;
        for (DeviceId c : t.children(d)) {
            s += (first ? "" : " ") + device(c);
            first = false;
        }
        return s + "}";
    };
    std::string out;
    for (DeviceId r : t.roots())
        out += (out.empty() ? "" : " ") + device(r);
    return out;
}

std::string deviceCount(std::size_t n) {
    return std::to_string(n) + " device" + (n == 1 ? "" : "s");
}

std::string exampleText(const std::string &head, const Topology &tree, const std::vector<Op> &ops,
                        bool markdown) {
    if (markdown)
        return "- " + head + " `" + compactTree(tree) + "`: `" + opsLine(ops) + "`\n";
    return "  " + head + "  " + compactTree(tree) + "\n    " + opsLine(ops) + "\n";
}

} // namespace bridgepath
