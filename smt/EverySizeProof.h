#pragma once
/// EverySizeProof: closure and exact-count, fault-free under correct use, for PCI trees of every
/// size at once (no bound N), under every policy and the setup's ABI.
///
/// The devices are an uninterpreted sort. The tree is a forest order le(a, d), "a is d or a
/// device above it", axiomatised as in Ivy: reflexive, transitive, antisymmetric, the devices
/// above any device totally ordered; root(d) says d sits on a root bus (nothing above it);
/// otherwise parent(d) is the nearest device above d; a device with a device below it is a bridge.
/// What the axioms admit: every PCI forest, finite or not (and infinite descending chains, on
/// which no walk ends: the walk lemma is partial correctness, termination is the finite tree's).
/// What they exclude: cycles, a device with two parents, a parent that is not a bridge.
///
/// The walk is proved once as a loop with its invariant: from dev, a step at cur, then
/// cur = parent(cur) until the device on the root bus, steps each device at or above dev exactly
/// once and nothing else, and each step sees that device's value from before the walk (for any
/// step function and any set of skipped devices, so one lemma covers every walk and the mutant).
/// The operations then use the walk's summary. ideal(d), the number of directly preserved devices
/// at or below d, is a ghost kept first-order by a ghost bijection num(d, .) / inv(d, .) between
/// those devices and 1..ideal(d), updated by its rule (a preserve appends, an unpreserve or finish
/// moves the last into the removed one's place).
///
/// Encoded per operation as in Encoding.h, restricted to correct use without faults: the walk
/// steps' own refusals (proved never to happen here, so the policy never acts), kexec's drop of
/// refcount-0 slots, the release after an unpreserve that leaves nothing directly preserved (v6:
/// the BUG_ON or the free, a free choice since nr_devices is not encoded; v7 frees), finish-all
/// (v7's panic, likewise a free choice), and every operation after a crash changing nothing.
/// Left out: nr_devices and the capacity (the count of slots in use is not first-order), faults,
/// misuse, dangling slots (none under correct use: the bounded proofs show it), VFs.
///
/// A failing obligation has a finite model: its tree is decoded and bounded search from the
/// initial state on that tree decides whether it is a counterexample (else the verdict is
/// unknown, as for induction). Every obligation is an SMT-LIB UFLIA query, so cvc5 can re-decide
/// it (SolverChoice).

#include "smt/Encoding.h"
#include "smt/QueryDecision.h"
#include "smt/SmtResult.h"

#include <string>

namespace bridgepath {

/// What to prove.
struct EverySizeOptions {
    /// policy, ABI, the skip-root mutant (mutantFromDepth: only below that many bridges); faults
    /// must be none
    SmtSetup setup;
    double timeoutSeconds = 60; ///< for all the obligations together
    int reachabilitySteps = 6;  ///< bounded search depth when a counterexample's tree is checked
    SolverChoice solver = SolverChoice::Z3;
    std::string queryDir = "/tmp/bridgepath-queries"; ///< where a disputed query is saved
};

/// Decides every obligation (names and count in `detail`). Proved: closure and exact-count hold
/// in every reachable state of every tree.
SmtOutcome proveEverySize(const EverySizeOptions &options);

} // namespace bridgepath
