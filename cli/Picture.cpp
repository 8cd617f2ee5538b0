#include "cli/Picture.h"

#include "model/IdealSpec.h"
#include "topology/DotRenderer.h"
#include "topology/InputError.h"
#include "topology/TextFile.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace bridgepath {

std::string runDot(const Topology &t, const std::vector<Op> &ops, const State &final,
                   std::optional<std::size_t> highlight, const std::string &title) {
    const State after = final.shownSide();
    const auto counts = refcountsAndIdeal(t, after);
    std::set<Bdf> lost, walk;
    for (const Op &op : ops)
        if (op.kind == OpKind::Lose)
            lost.insert(op.bdf);
    if (highlight && *highlight < ops.size() && ops[*highlight].hasDevice())
        if (const auto id = t.find(ops[*highlight].bdf))
            for (DeviceId up : t.upstreamPath(*id))
                walk.insert(t.bdf(up));
    return renderDot(
        t,
        [&](DeviceId id) {
            const Bdf &b = t.bdf(id);
            DotStyle s;
            s.highlight = walk.count(b) != 0;
            const auto it = counts.find(b);
            const unsigned have = it == counts.end() ? 0 : it->second.first;
            const unsigned want = it == counts.end() ? 0 : it->second.second;
            if (have != 0 || want != 0)
                s.note =
                    "refcount " + std::to_string(have) + " (ideal " + std::to_string(want) + ")";
            auto add = [&s](const char *line) {
                s.note += (s.note.empty() ? "" : "\n") + std::string(line);
            };
            if (have > want) {
                s.fill = "orange";
                add("LEAKED");
            } else if (have < want) {
                s.fill = "tomato";
                add("RELEASED EARLY");
            } else if (after.directlyPreserved.count(b)) {
                s.fill = "lightblue";
                add("preserved");
            } else if (have != 0) {
                s.fill = "palegreen";
            }
            if (lost.count(b)) {
                add("slot lost");
                if (s.fill.empty())
                    s.fill = "gray80";
            }
            return s;
        },
        title);
}

std::string runDot(const Topology &t, const LiveUpdateConfig &config, const RunResult &run,
                   const std::string &name) {
    std::vector<Op> ops;
    std::optional<std::size_t> failing;
    for (std::size_t i = 0; i < run.steps.size(); ++i) {
        ops.push_back(run.steps[i].op);
        if (!failing && run.steps[i].result != Result::Ok)
            failing = i;
    }
    if (!failing && !ops.empty())
        failing = ops.size() - 1;
    std::string title = name + ": after " + std::to_string(ops.size()) + " ops (" +
                        toString(config.policy) + ", " + toString(config.abi) + ")";
    if (failing)
        title += "; in red the walk of step " + std::to_string(*failing + 1) + ": " +
                 ops[*failing].toString() + " -> " + toString(run.steps[*failing].result);
    return runDot(t, ops, run.finalState, failing, title);
}

std::string counterexampleDot(const Counterexample &c, Invariant inv) {
    const std::string title = std::string(c.mismatch ? "MODEL MISMATCH" : toString(inv)) +
                              " fails after step " + std::to_string(c.ops.size()) + ": " +
                              c.ops.back().toString() + " (" + toString(c.setup->config.policy) +
                              ", " + toString(c.setup->config.abi) + ")";
    return runDot(c.setup->topology, c.ops, c.states.back(), c.ops.size() - 1, title);
}

void writePicture(const Flags &flags, const std::string &dot) {
    std::string dotFile;
    if (auto path = flags.value("--dot")) {
        writeTextFile(*path, dot);
        dotFile = *path;
    }
    const auto png = flags.value("--png");
    if (!png)
        return;
    if (std::system("command -v dot >/dev/null 2>&1") != 0)
        throw InputError("--png", "Graphviz's `dot` is not installed (apt-get install graphviz)");
    if (dotFile.empty()) {
        dotFile = (std::filesystem::temp_directory_path() / "bridgepath-picture.dot").string();
        writeTextFile(dotFile, dot);
    }
    // Rendered beside and copied, so that a write error (a full disk) is ours to report.
    const std::string rendered = dotFile + ".png";
    const std::string command = "dot -Tpng -o '" + rendered + "' '" + dotFile + "' 2>/dev/null";
    if (std::system(command.c_str()) != 0)
        throw InputError("--png", *png + ": dot could not render it");
    std::ifstream in(rendered, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    std::remove(rendered.c_str());
    writeTextFile(*png, bytes.str());
}

} // namespace bridgepath
