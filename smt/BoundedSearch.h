#pragma once
/// BoundedSearch: is there a tree of at most N devices (or the given one) and a sequence of at
/// most K operations that breaks an invariant? One incremental solver per tree size, push/pop per
/// step, smallest tree first, then shortest sequence. A SAT answer is decoded into a topology and a
/// trace and replayed on the implementation and the reference model.

#include "smt/Encoding.h"
#include "smt/QueryDecision.h"
#include "smt/SmtResult.h"

namespace bridgepath {

/// What to search.
struct BoundedSearchOptions {
    int maxDevices = 4;
    int maxDepth = 3;
    int steps = 6;
    SmtSetup setup;
    std::vector<Invariant> invariants; ///< encoded ones only
    double timeoutSeconds = 60;
    std::optional<Topology> topology;       ///< search this tree only (a concrete encoding)
    SolverChoice solver = SolverChoice::Z3; ///< who decides each query (QueryDecision)
    std::string queryDir = "/tmp/bridgepath-queries"; ///< where a disputed query is saved
    /// Pin the symbolic tree of `parent.size()` devices to this shape instead (the encoding
    /// self-check compares this with the concrete encoding of the same tree).
    std::vector<int> pinnedParent;
    std::vector<bool> pinnedBridge;
};

/// Runs the search. `proved` means: no violation within the bound (stated in `detail`).
SmtOutcome boundedSearch(const BoundedSearchOptions &options);

/// Bounded search from the initial state for a failure of `invariants` within `steps` steps, on
/// `tree`, or without one on every tree of at most `maxDevices` devices: what decides whether a
/// state a proof cannot exclude is a counterexample (the proofs' one rule for it).
SmtOutcome searchFromInitial(const SmtSetup &setup, const std::optional<Topology> &tree,
                             int maxDevices, int steps, const std::vector<Invariant> &invariants,
                             double timeoutSeconds, SolverChoice solver,
                             const std::string &queryDir);

/// Decodes the tree of `n` symbolic devices from a model into a topology (depth-first numbering:
/// roots on bus 00, each bridge the next bus).
Topology decodeTree(const z3::model &m, const SmtTree &tree);

/// The topology of a forest: parent[i] is device i's parent (-1: on a root bus), numbered as
/// decodeTree does; a device with children is a bridge whatever `bridge` says.
Topology forestTopology(const std::vector<int> &parent, const std::vector<bool> &bridge,
                        const std::string &source);

/// Replays a decoded counterexample; fills replayAgrees and replayNote.
void replayCounterexample(SmtCounterexample &c);

} // namespace bridgepath
