#include "topology/DotRenderer.h"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/graphviz.hpp>
#include <sstream>

namespace bridgepath {

namespace {

struct Node {
    std::string attributes;
};

struct Edge {
    bool highlight = false;
};

using DotGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, Node, Edge>;

std::string quote(const std::string &s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '\n') {
            out += "\\n"; // DOT's centred line break
            continue;
        }
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + "\"";
}

} // namespace

std::string renderDot(const Topology &t, const DotStyler &style, const std::string &title) {
    // Vertices 0..n-1 are the devices, then one per root bus.
    const std::vector<RootBus> buses = t.rootBuses();
    DotGraph g(t.size() + buses.size());
    for (DeviceId id = 0; id < t.size(); ++id) {
        std::string label = t.bdf(id).toString() + "\n" + toString(t.kind(id));
        if (!t.label(id).empty())
            label += "\n" + t.label(id);
        const DotStyle s = style ? style(id) : DotStyle{};
        if (!s.note.empty())
            label += "\n" + s.note;
        std::string attrs =
            "label=" + quote(label) + (t.isBridge(id) ? ", shape=box" : ", shape=ellipse");
        std::string styles = t.isVf(id) ? "dashed" : "";
        if (!s.fill.empty()) {
            styles += styles.empty() ? "filled" : ",filled";
            attrs += ", fillcolor=" + quote(s.fill);
        }
        if (!styles.empty())
            attrs += ", style=" + quote(styles);
        if (s.highlight)
            attrs += ", color=\"red\", penwidth=3";
        g[id].attributes = attrs;
        if (auto p = t.parent(id)) {
            const auto e = boost::add_edge(*p, id, g).first;
            g[e].highlight = s.highlight && style && style(*p).highlight;
        }
    }
    for (std::size_t i = 0; i < buses.size(); ++i) {
        const std::size_t v = t.size() + i;
        g[v].attributes = "label=" + quote("[" + busToString(buses[i].domain, buses[i].bus) + "]") +
                          ", shape=plaintext";
        for (DeviceId id : t.roots())
            if (t.bdf(id).domain == buses[i].domain && t.bdf(id).bus == buses[i].bus)
                boost::add_edge(v, id, g);
    }
    std::ostringstream out;
    boost::write_graphviz(
        out, g, [&g](std::ostream &os, std::size_t v) { os << "[" << g[v].attributes << "]"; },
        [&g](std::ostream &os, const auto &e) {
            if (g[e].highlight)
                os << "[color=\"red\", penwidth=3]";
        },
        [&title](std::ostream &os) {
            os << "rankdir=TB;\nnode [fontname=\"monospace\"];\n";
            if (!title.empty())
                os << "labelloc=t;\nlabel=" << quote(title) << ";\n";
        });
    return out.str();
}

} // namespace bridgepath
