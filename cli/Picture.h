#pragma once
/// Picture: a run or counterexample drawn as Graphviz DOT (devices coloured by what happened to
/// them, refcounts on the nodes, the failing step's walk in red), and `--dot FILE` / `--png FILE`.

#include "cli/Flags.h"
#include "properties/Conformance.h"
#include "properties/Counterexample.h"

#include <optional>
#include <string>
#include <vector>

namespace bridgepath {

/// The tree after `ops` ran and left `after`: directly preserved devices blue, leaked (counted
/// beyond need) orange, released early red, lost slots grey, other slots in use green; each node
/// shows refcount and ideal; the walk of `ops[highlight]` (if any) in red.
std::string runDot(const Topology &t, const std::vector<Op> &ops, const State &after,
                   std::optional<std::size_t> highlight, const std::string &title);

/// A simulate/replay run: its final state, the first step that returned an error (else the last)
/// highlighted.
std::string runDot(const Topology &t, const LiveUpdateConfig &config, const RunResult &run,
                   const std::string &name);

/// A counterexample: its final state, the failing (last) step highlighted.
std::string counterexampleDot(const Counterexample &c, Invariant inv);

/// Writes `dot` to `--dot FILE` and renders it with Graphviz's `dot` to `--png FILE`, if given.
/// InputError naming the flag if the file cannot be written or `dot` is missing or fails.
void writePicture(const Flags &flags, const std::string &dot);

} // namespace bridgepath
