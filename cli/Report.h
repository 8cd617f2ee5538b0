#pragma once
/// Report: how runs and counterexamples are shown to a reviewer (text), and written as traces.

#include "properties/Conformance.h"
#include "properties/PropertyCheck.h"
#include "topology/Trace.h"

#include <string>
#include <vector>

namespace bridgepath {

/// The counterexample in words: the tree in lspci -t form with the devices that matter marked, the
/// numbered operations with results, refcounts before and after the failing step (impl and
/// ideal), the invariant and why it fails.
std::string counterexampleText(const Counterexample &c, Invariant inv);

/// The kernel events a step caused (after.events beyond before.events), one `!! ` line each in a
/// reviewer's words, each line starting with `indent`.
std::string eventLines(const State &before, const State &after, const std::string &indent);

/// A run's refcounts next to the ideal, as an indented tree (simulate and replay).
std::string annotatedTree(const Topology &t, const State &s);

/// A run in words (simulate, replay): the steps with results, the tree with refcounts next to the
/// ideal, leaked and released-early devices, every invariant's verdict.
std::string runText(const Topology &t, const LiveUpdateConfig &config,
                    const std::string &topologyName, const RunResult &run,
                    const StateReport &report);

/// `0000:00:00.0, 0000:01:00.0` or `none`.
std::string joinBdfs(const std::vector<Bdf> &v);

/// `closure, no-leak` or `none`.
std::string invariantNames(const std::vector<Invariant> &v);

/// A step number (1-based) and an event it caused.
struct StepKernelEvent {
    std::size_t step = 0;
    KernelEvent event;
};

/// The kernel events of a run, each with the step that caused it: `states` are the states before
/// the first step and after each step.
std::vector<StepKernelEvent> stepEvents(const std::vector<State> &states);

/// The tree on one line: each device's address (domain 0 left out), a bridge's children in
/// braces (`{}`: an empty bridge): `00:00.0{01:00.0 01:01.0}`.
std::string compactTree(const Topology &t);

/// `1 device`, `5 devices`.
std::string deviceCount(std::size_t n);

/// One smallest example of a report: Markdown `- HEAD `TREE`: `OPS``; text `  HEAD  TREE` and the
/// operations on the next line, indented (compactTree, opsLine).
std::string exampleText(const std::string &head, const Topology &tree, const std::vector<Op> &ops,
                        bool markdown);

/// `s` quoted for a POSIX shell (`'...'`), for the reproduce lines.
std::string shellQuote(const std::string &s);

/// `preserve 0000:03:00.0; lose ...` on one line.
std::string opsLine(const std::vector<Op> &ops);

} // namespace bridgepath
