#include "topology/DotRenderer.h"
#include "topology/LspciParser.h"
#include "topology/TopologyLoader.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

using namespace bridgepath;

namespace {

const std::string kTopologies = BRIDGEPATH_SOURCE_DIR "/tests/topologies/";

/// Two domains: 0001:00:00.0 bridges to a VF, 0000:00 holds two endpoints.
const char *const kTwoDomains = "-+-[0001:00]---00.0-[01]----00.0  Virtual Function \"q\"\n"
                                " \\-[0000:00]-+-00.0\n"
                                "             \\-1f.0\n";

std::vector<std::string> lines(const std::string &text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

/// Node statements as write_graphviz prints them: `N[attributes];`.
std::vector<std::string> nodeLines(const std::string &dot) {
    std::vector<std::string> out;
    for (const std::string &line : lines(dot)) {
        const std::size_t digits = line.find_first_not_of("0123456789");
        if (digits > 0 && digits != std::string::npos && line[digits] == '[')
            out.push_back(line);
    }
    return out;
}

/// The node statement whose label starts with `bdf`.
std::string nodeOf(const std::string &dot, const std::string &bdf) {
    for (const std::string &line : nodeLines(dot))
        if (line.find("label=\"" + bdf) != std::string::npos)
            return line;
    return "";
}

std::size_t count(const std::string &text, const std::string &what) {
    std::size_t n = 0;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

std::size_t devicesWithAParent(const Topology &t) {
    std::size_t n = 0;
    for (DeviceId id = 0; id < t.size(); ++id)
        n += t.parent(id) ? 1 : 0;
    return n;
}

} // namespace

TEST(DotRenderer, OutputIsADigraph) {
    const std::string dot = renderDot(parseLspci(kTwoDomains, "src"));
    EXPECT_EQ(dot.rfind("digraph", 0), 0u) << dot;
    EXPECT_EQ(dot.substr(dot.find_last_not_of('\n'), 1), "}");
}

TEST(DotRenderer, OneNodePerDeviceAndPerRootBus) {
    const Topology t = parseLspci(kTwoDomains, "src");
    const std::string dot = renderDot(t);
    EXPECT_EQ(nodeLines(dot).size(), t.size() + t.rootBuses().size());
    for (DeviceId id = 0; id < t.size(); ++id)
        EXPECT_NE(nodeOf(dot, t.bdf(id).toString()), "") << t.bdf(id).toString();
    EXPECT_NE(nodeOf(dot, "[0000:00]"), "");
    EXPECT_NE(nodeOf(dot, "[0001:00]"), "");
}

TEST(DotRenderer, OneEdgePerParentLinkAndPerRootBusMember) {
    const Topology t = parseLspci(kTwoDomains, "src");
    EXPECT_EQ(count(renderDot(t), "->"), devicesWithAParent(t) + t.roots().size());
}

TEST(DotRenderer, EveryRealTreeHasItsNodesAndEdges) {
    for (const char *file : {"amd-wrx80-threadripper-pro-mi100-multiroot.lspci-tv",
                             "icelake-connectx7-sriov-vfs-excerpt.lspci-tv",
                             "supermicro-x9drg-8x-rtx2080ti-pex8747-abridged.lspci-t"}) {
        SCOPED_TRACE(file);
        const Topology t = loadTopologyFile(kTopologies + file);
        const std::string dot = renderDot(t);
        EXPECT_EQ(nodeLines(dot).size(), t.size() + t.rootBuses().size());
        EXPECT_EQ(count(dot, "->"), devicesWithAParent(t) + t.roots().size());
    }
}

TEST(DotRenderer, BridgesAreBoxesAndEndpointsEllipses) {
    const std::string dot = renderDot(parseLspci(kTwoDomains, "src"));
    EXPECT_NE(nodeOf(dot, "0001:00:00.0").find("shape=box"), std::string::npos);
    EXPECT_NE(nodeOf(dot, "0000:00:1f.0").find("shape=ellipse"), std::string::npos);
}

TEST(DotRenderer, VfNodesAreDashedAndOthersNot) {
    const std::string dot = renderDot(parseLspci(kTwoDomains, "src"));
    EXPECT_NE(nodeOf(dot, "0001:01:00.0").find("dashed"), std::string::npos);
    EXPECT_EQ(nodeOf(dot, "0000:00:00.0").find("dashed"), std::string::npos);
    EXPECT_EQ(count(dot, "dashed"), 1u);
}

TEST(DotRenderer, LabelQuotesAreEscaped) {
    const std::string vf = nodeOf(renderDot(parseLspci(kTwoDomains, "src")), "0001:01:00.0");
    EXPECT_NE(vf.find("Virtual Function \\\"q\\\""), std::string::npos) << vf;
}

TEST(DotRenderer, StylerFillAndNoteAppearOnTheirDevice) {
    const Topology t = parseLspci(kTwoDomains, "src");
    const DeviceId styled = *t.find(*Bdf::parse("0000:00:1f.0"));
    const std::string dot = renderDot(t, [&](DeviceId id) {
        return id == styled ? DotStyle{"slot 3", "#ffcc00"} : DotStyle{};
    });
    const std::string node = nodeOf(dot, "0000:00:1f.0");
    EXPECT_NE(node.find("fillcolor=\"#ffcc00\""), std::string::npos) << node;
    EXPECT_NE(node.find("filled"), std::string::npos) << node;
    EXPECT_NE(node.find("slot 3"), std::string::npos) << node;
    EXPECT_EQ(count(dot, "fillcolor"), 1u);
}

TEST(DotRenderer, FilledVfStaysDashed) {
    const Topology t = parseLspci(kTwoDomains, "src");
    const std::string dot = renderDot(t, [](DeviceId) { return DotStyle{"", "red"}; });
    EXPECT_NE(nodeOf(dot, "0001:01:00.0").find("style=\"dashed,filled\""), std::string::npos)
        << dot;
}

TEST(DotRenderer, LabelLinesBreakWithDotNewline) {
    // Regression (fixed): DotRenderer.cpp joins label lines with "\\n" (DOT's line break) and then
    // quote() escapes that backslash again, so the file holds `\\n` and Graphviz draws one line
    // with a literal "\n" in it (checked with `dot -Tplain`: node height 0.5, not three lines).
    const std::string dot = renderDot(parseLspci(kTwoDomains, "src"));
    EXPECT_NE(nodeOf(dot, "0000:00:00.0").find("label=\"0000:00:00.0\\nendpoint\""),
              std::string::npos)
        << dot;
}
