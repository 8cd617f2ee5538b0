#pragma once
/// EverySizeProof: closure, exact-count, nr-devices (not v6's capacity bound), no-leak,
/// no-premature-release, no-panic-at-finish and no-crash, fault-free under correct use, for PCI
/// trees of every size at once (no bound N), under every policy and the setup's ABI. The rules
/// are EverySizeEncoding.h's.
///
/// The devices are an uninterpreted sort. The tree is a forest order le(a, d), "a is d or a
/// device above it", axiomatised as in Ivy: reflexive, transitive, antisymmetric, the devices
/// above any device totally ordered; root(d) says d sits on a root bus (nothing above it);
/// otherwise parent(d) is the nearest device above d; a device with a device below it is a bridge.
/// What the axioms admit: every PCI forest, finite or not (and infinite upward chains, on which
/// no walk ends: the walk lemma is partial correctness, termination is the finite tree's).
/// What they exclude: cycles, a device with two parents, a parent that is not a bridge.
///
/// The walk is proved once as a loop with its invariant: from dev, a step at cur, then
/// cur = parent(cur) until the device on the root bus, steps each device at or above dev exactly
/// once and nothing else, each step sees that device's value from before the walk, and each
/// step's nr_devices change (one more for a new slot, one less for a refcount brought to 0)
/// keeps nr_devices - used (for any step function and any set of skipped devices, so one lemma
/// covers every walk and the mutant). The operations then use the walk's summary. Two counts are
/// ghosts kept first-order by ghost bijections: ideal(d), the directly preserved devices at or
/// below d (num(d, .) / inv(d, .); a preserve appends, an unpreserve or finish moves the last
/// into the removed one's place), and used, the devices holding a slot (slot / at).
///
/// Encoded per operation as in Encoding.h, restricted to correct use without faults: the walk
/// steps' own refusals (proved never to happen here, so the policy never acts), kexec's drop of
/// refcount-0 slots, the release after an unpreserve that leaves nothing directly preserved (v6's
/// BUG_ON when nr_devices != 0, else the free; proved to find no slot in use, so no device is
/// ever left dangling), finish-all's panic (a crash in v7), and every operation after a crash
/// changing nothing. Left out: v6's capacity bound, faults, misuse, VFs.
///
/// An obligation not proved within its share of the time goes to bounded search from the
/// initial state (on the solver model's tree if it gave one, else on every tree of at most 4
/// devices): a counterexample if that reaches a failure, else unknown, never proved. Every
/// obligation is an SMT-LIB UFLIA query, so cvc5 can re-decide it (SolverChoice).

#include "smt/Encoding.h"
#include "smt/QueryDecision.h"
#include "smt/SmtResult.h"

#include <optional>
#include <string>

namespace bridgepath {

/// What to prove.
struct EverySizeOptions {
    /// policy, ABI, the skip-root mutant (mutantFromDepth: only below that many bridges); faults
    /// must be none
    SmtSetup setup;
    /// The user's own tree, if any: the proof covers it (it is a finite forest), bounded search
    /// for an obligation not proved runs on it, and v6's capacity bound holds on it (fault-free
    /// the table has a slot per device and at most every device holds one).
    std::optional<Topology> topology;
    double timeoutSeconds = 60; ///< for all the obligations together
    /// Each query's share before bounded search takes over (every obligation of the correct
    /// walk is decided in well under a second, but a loaded machine is slower).
    double queryShareSeconds = 20;
    int reachabilitySteps = 6; ///< bounded search depth when a counterexample's tree is checked
    SolverChoice solver = SolverChoice::Z3;
    std::string queryDir = "/tmp/bridgepath-queries"; ///< where a disputed query is saved
};

/// Decides every obligation (their count in `detail`). Proved: the seven invariants hold in every
/// reachable state of every tree.
SmtOutcome proveEverySize(const EverySizeOptions &options);

} // namespace bridgepath
