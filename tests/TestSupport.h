#pragma once
// Shared helpers for the test folders: loading the trees kept in tests/topologies and running
// operation text against anything with `Result apply(const Op &)`.

#include "topology/Bdf.h"
#include "topology/KernelEvent.h"
#include "topology/Result.h"
#include "topology/State.h"
#include "topology/Topology.h"
#include "topology/TopologyLoader.h"
#include "topology/Trace.h"

#include <string>
#include <vector>

namespace bridgepath::test {

inline Topology loadTree(const std::string &name) {
    return loadTopologyFile(std::string(BRIDGEPATH_SOURCE_DIR) + "/tests/topologies/" + name);
}

/// The review's tree: RC 00:00.0 -> B1 01:00.0 -> B2 02:00.0 -> {EP0 03:00.0, EP1 03:00.1}.
inline Topology reviewTree() {
    return loadTree("review-rc-b1-b2-ep0-ep1.lspci-tv");
}

inline Bdf bdf(const char *text) {
    return *Bdf::parse(text);
}

/// Applies `ops` (the --ops grammar) in order and returns each result.
template <class Machine> std::vector<Result> run(Machine &m, const std::string &ops) {
    std::vector<Result> out;
    for (const Op &op : parseOpsText(ops, "test").ops)
        out.push_back(m.apply(op));
    return out;
}

inline std::vector<Result> results(std::initializer_list<Result> r) {
    return r;
}

/// The kinds of `s`'s kernel events, in order.
inline std::vector<KernelEventKind> eventKinds(const State &s) {
    std::vector<KernelEventKind> out;
    for (const KernelEvent &e : s.events)
        out.push_back(e.kind);
    return out;
}

} // namespace bridgepath::test
