#pragma once
/// Encoding: the Live Update rules as Z3 formulas over a symbolic tree of n devices (one query
/// covers every tree of that size) or a concrete topology.
///
/// The tree: device i has parent[i] in [-1, i-1] (-1: on a root bus), parent[i] = j implies
/// bridge[j]; ancestor booleans anc[i][j] (anc[i][i] true); at most D bridges above any device.
///
/// The state per device is an abstraction of the slot table, exact without corruption: a device
/// has a slot (its cached index; after kexec, "incoming") with refcount rc, plus nr_devices, the
/// directly preserved set, the phase and the panic flag. What it leaves out, stated so a reader
/// knows: slot identity (a lost slot's reuse by another device: the aliasing bridgepath check
/// finds), freeze, vanish, unplug, VFs, u16 wrap-around. Every counterexample is replayed on the
/// implementation and the reference model, so a gap shows up as a loud Z3-vs-impl disagreement.
///
/// One operation per step: kind, target device e, and (step faults) the walk position f whose
/// step fails with -EIO (fail-next placed just before the operation), set-refcount's value v.

#include "model/Invariant.h"
#include "properties/FaultClass.h"
#include "topology/Policy.h"
#include "topology/Topology.h"

#include <optional>
#include <string>
#include <vector>
#include <z3++.h>

namespace bridgepath {

/// The tree, symbolic or concrete.
struct SmtTree {
    int n = 0; ///< devices
    int maxDepth = 0;
    std::vector<z3::expr> parent;             ///< Int, -1 on a root bus
    std::vector<z3::expr> bridge;             ///< Bool
    std::vector<std::vector<z3::expr>> anc;   ///< anc[i][j]: j is on i's upstream path
    std::vector<z3::expr> depth;              ///< Int: bridges above i
    z3::expr wellFormed;                      ///< the tree's constraints

    /// Every tree of `n` devices with at most `maxDepth` bridges above any device.
    static SmtTree symbolic(z3::context &c, int n, int maxDepth);
    /// Exactly `t` (devices in id order).
    static SmtTree concrete(z3::context &c, const Topology &t);
};

/// The state after some step.
struct SmtState {
    std::vector<z3::expr> has;    ///< Bool: the device has a slot (outgoing) / is incoming
    std::vector<z3::expr> rc;     ///< Int: the slot's refcount
    std::vector<z3::expr> direct; ///< Bool: directly preserved
    z3::expr nr;                  ///< Int: nr_devices
    z3::expr phase;               ///< Int: 0 outgoing, 1 incoming, 2 ended
    z3::expr panicked;            ///< Bool
    /// ideal(d) when known as an expression (a post-state carries its one-device change built
    /// in: the form Z3 proves quickly); empty: computed from `direct`.
    std::vector<z3::expr> ideal;
    /// The number of slots in use, likewise carried with its change built in (nr-devices).
    std::optional<z3::expr> used;
};

/// The operation kinds of the encoding.
enum class SmtOp { Preserve = 0, Unpreserve, Kexec, Finish, FinishAll, Lose, SetRefcount };

/// One step's choices.
struct SmtStep {
    z3::expr kind;  ///< Int: an SmtOp
    z3::expr e;     ///< Int: the target device
    z3::expr f;     ///< Int: walk position whose step fails (-1: none)
    z3::expr v;     ///< Int: set-refcount's value
};

/// What may happen.
struct SmtSetup {
    Policy policy = Policy::Bail;
    std::set<FaultClass> faults;
    /// Deliberate bugs, so that a proof is never vacuous: the unpreserve walk skips the device on
    /// the root bus.
    bool mutantSkipRoot = false;
    /// Step faults only on finish walks (the statement about failed finish steps).
    bool finishStepFaultsOnly = false;
    /// Drivers preserve endpoints only (bridges are preserved by the walk), as VFIO does.
    bool endpointsOnly = false;
    /// Only slots of devices with a bridge above them are lost (the review's statement: what the
    /// lost slot does to the bridges above it).
    bool lostSlotBelowBridge = false;
};

/// Builds formulas in one context.
class Encoder {
  public:
    Encoder(z3::context &c, SmtTree tree, SmtSetup setup);

    z3::context &ctx() { return c_; }
    const SmtTree &tree() const { return tree_; }
    z3::expr capacity() const { return cap_; }
    /// Constraints on the capacity (v6: n, or 1..n under `alloc`).
    z3::expr capacityConstraint() const;

    /// Fresh state variables named with `tag`.
    SmtState freshState(const std::string &tag);
    /// Fresh step variables named with `tag`.
    SmtStep freshStep(const std::string &tag);
    /// The initial state: nothing preserved, nr_devices 0, outgoing.
    z3::expr initial(const SmtState &s);
    /// Constraints on a step: ranges, the fault classes allowed, and (without `misuse`) correct use.
    z3::expr stepAllowed(const SmtState &s, const SmtStep &op);
    /// The post-state of `op` from `s`, as expressions over s and op.
    SmtState post(const SmtState &s, const SmtStep &op);
    /// s2 == post.
    z3::expr equal(const SmtState &a, const SmtState &b);
    /// The invariant on one state (closure, exact-count, nr-devices, no-leak,
    /// no-premature-release, no-panic-at-finish; the step invariants are not encoded).
    z3::expr invariant(Invariant i, const SmtState &s);
    /// Whether `i` is one the encoding covers.
    static bool encodes(Invariant i);
    /// The fault-free strengthening used by the induction proof, stated in its output.
    z3::expr strengthening(const SmtState &s);
    /// One line naming the strengthening.
    static std::string strengtheningText();

  private:
    z3::context &c_;
    SmtTree tree_;
    SmtSetup setup_;
    z3::expr cap_;

    z3::expr onPath(const z3::expr &e, int d) const;
    z3::expr depthOf(const z3::expr &e) const;
    z3::expr idealOf(const SmtState &s, int d) const;
    z3::expr inUse(const SmtState &s, int d) const;
    z3::expr usedOf(const SmtState &s) const;
    z3::expr sumOf(const std::vector<z3::expr> &terms) const;
};

} // namespace bridgepath
