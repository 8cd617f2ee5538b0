#pragma once
/// Encoding: the Live Update rules as Z3 formulas over a symbolic tree of n devices (one query
/// covers every tree of that size) or a concrete topology, under one ABI (v6 or v7).
///
/// The tree: device i has parent[i] in [-1, i-1] (-1: on a root bus), parent[i] = j implies
/// bridge[j]; ancestor booleans anc[i][j] (anc[i][i] true); at most D bridges above any device.
///
/// The state per device is an abstraction of the slot table, exact while no two devices share a
/// slot (tests/smt/ProofTests.cpp runs it step by step beside the implementation): a device
/// has a slot of the live table (its cached index; after kexec, "incoming") with refcount rc, or
/// dangles (its cached index points into a released table) with the freed copy's refcount; plus
/// nr_devices, the directly preserved set, the phase, whether the table is allocated, the panic
/// flag, whether the kernel crashed (v6 BUG_ON at the release) and whether a use-after-free
/// happened. Modelled per ABI: the table's lifetime (allocated at a preserve, released after an
/// unpreserve or a failed preserve that leaves nothing directly preserved: v6 with nr_devices
/// != 0 crashes and every later operation changes nothing; otherwise the table is freed, each
/// device holding a slot dangles with its copy, nr_devices is 0), an unpreserve without a table
/// returning -ENOENT before any walk (no step runs, a fail-next stays pending), walk steps at a
/// dangling device acting on the freed copy, except that the step bringing the copy to 0 also
/// decrements the live nr_devices (which may go below 0: the kernel's u32 wraps), v7 deciding an
/// endpoint's -EBUSY before reading its slot (so without a use after free), v7 never -ENOSPC,
/// and finish-all's panic (a crash in v7 only). What it leaves out, stated so a reader knows:
/// slot identity (a lost slot's reuse by another device: the aliasing bridgepath check finds;
/// a lost slot whose refcount is set again names 0000:00:00.0, so kexec indexes it under that
/// device and, if that device holds a slot too, finds a duplicate key: retrieve-failed, a crash
/// this encoding never produces), freeze, vanish, unplug (and so the release after an unplug),
/// VFs (and v7's VF check on every device of the path), u16 wrap-around, which slot index a new
/// slot gets (v6's probe from nr_devices, v7's first free), and the other kernel events
/// (table-freed-with-references, incoming-held: no crash).
/// One generation only: a preserve or a second kexec after the kexec (the incoming kernel's own
/// outgoing side, DOMAIN.md's chain of updates) is never a step; an unpreserve there is -ENOENT
/// (the new kernel has no session), as in the model.
/// Every counterexample is replayed on the implementation and the reference model, so a gap
/// shows up as a loud Z3-vs-impl disagreement.
///
/// One operation per step: kind, target device e, and (step faults) the walk position f whose
/// step fails with -EIO (fail-next placed just before the operation), set-refcount's value v.

#include "model/Invariant.h"
#include "topology/FaultClass.h"
#include "topology/LiveUpdateConfig.h"
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
    std::vector<z3::expr> parent;           ///< Int, -1 on a root bus
    std::vector<z3::expr> bridge;           ///< Bool
    std::vector<std::vector<z3::expr>> anc; ///< anc[i][j]: j is on i's upstream path
    std::vector<z3::expr> depth;            ///< Int: bridges above i
    z3::expr wellFormed;                    ///< the tree's constraints

    /// Every tree of `n` devices with at most `maxDepth` bridges above any device.
    static SmtTree symbolic(z3::context &c, int n, int maxDepth);
    /// Every tree of `n` devices with at most `maxDepth` bridges above any device whose devices
    /// 0..k are one path (0 on a root bus, each the parent of the next; k < n, k <= maxDepth).
    /// Any tree with a device at depth k is one of these up to numbering: number that device's
    /// path first, then the other devices upstream-first.
    static SmtTree symbolicWithPath(z3::context &c, int n, int maxDepth, int k);
    /// Exactly `t` (devices in id order).
    static SmtTree concrete(z3::context &c, const Topology &t);
};

/// The state after some step.
struct SmtState {
    std::vector<z3::expr> has;    ///< Bool: the device has a live slot (outgoing) / is incoming
    std::vector<z3::expr> rc;     ///< Int: the live slot's refcount (0 without one)
    std::vector<z3::expr> direct; ///< Bool: directly preserved
    std::vector<z3::expr> dang;   ///< Bool: the device's cached slot is in a released table
    std::vector<z3::expr> copy;   ///< Int: a dangling device's freed slot refcount (0 otherwise)
    z3::expr nr;                  ///< Int: nr_devices
    z3::expr phase;               ///< Int: 0 outgoing, 1 incoming, 2 ended
    z3::expr panicked;            ///< Bool: finish-all found nr_devices != 0
    z3::expr alloc;               ///< Bool: the outgoing table is allocated
    /// Bool: the kernel is dead, every later step a no-op: v6 BUG_ON at the release, v7's
    /// panic at finish-all (the other way to die, retrieve-failed at kexec, needs slot
    /// identity: not encoded)
    z3::expr crashed;
    z3::expr uaf; ///< Bool: some walk step read or wrote a freed slot (sticky)
    /// ideal(d) when known as an expression (a post-state carries its one-device change built
    /// in: the form Z3 proves quickly); empty: computed from `direct`.
    std::vector<z3::expr> ideal;
    /// The number of slots in use, likewise carried with its change built in (nr-devices).
    std::optional<z3::expr> used;
    /// The number of devices holding a live slot (in use or not), likewise.
    std::optional<z3::expr> holders;
};

/// The operation kinds of the encoding.
enum class SmtOp { Preserve = 0, Unpreserve, Kexec, Finish, FinishAll, Lose, SetRefcount };

/// The trace operations of one encoded step on a concrete tree: the fail-next at the device `f`
/// steps up e's path (when f >= 0, of the walk's step kind), then `kind` on e (set-refcount: `v`).
std::vector<Op> opsOfStep(const Topology &t, SmtOp kind, DeviceId e, int f, int v);

/// One step's choices.
struct SmtStep {
    z3::expr kind; ///< Int: an SmtOp
    z3::expr e;    ///< Int: the target device
    z3::expr f;    ///< Int: walk position whose step fails (-1: none)
    z3::expr v;    ///< Int: set-refcount's value
};

/// What may happen.
struct SmtSetup {
    Policy policy = Policy::Bail;
    /// Which kernel's rules: the table's release, the preserve step's check order, -ENOSPC.
    Abi abi = Abi::V6;
    std::set<FaultClass> faults;
    /// Deliberate bugs, so that a proof is never vacuous: the unpreserve walk skips the device on
    /// the root bus.
    bool mutantSkipRoot = false;
    /// The skip-root mutant only when the unpreserve's target has at least this many bridges
    /// above it (a bug that only a deep device shows).
    int mutantFromDepth = 0;
    /// Step faults only on finish walks (the statement about failed finish steps).
    bool finishStepFaultsOnly = false;
    /// Drivers preserve endpoints only (bridges are preserved by the walk), as VFIO does.
    bool endpointsOnly = false;
    /// Only slots of devices with a bridge above them are lost (the review's statement: what the
    /// lost slot does to the bridges above it).
    bool lostSlotBelowBridge = false;
    /// The design switches beside the policy (topology/Design.h; unset: what the abi implies).
    /// The record refuses a misused preserve, unpreserve or finish before anything changes;
    /// warn-clear-and-free and warn-and-reconcile release a table with nr_devices != 0 leaving
    /// nothing held and nothing dangling (the encoding cannot tell them apart: they differ only
    /// in the log); warn-once-and-free is warn-and-free; the end: panic (a crash), held-forever
    /// (no crash), panic-if-direct-unfinished (a crash while a directly incoming device is
    /// unfinished, else every incoming count dropped).
    DirectRecord record = DirectRecord::None;
    std::optional<ReleaseCheck> release;
    std::optional<EndOfUpdate> end;

    /// The kernel configuration these rules are (policy, abi, the switches): what a
    /// counterexample replays under.
    [[nodiscard]] LiveUpdateConfig config() const;
};

/// Builds formulas in one context.
class Encoder {
  public:
    Encoder(z3::context &c, SmtTree tree, SmtSetup setup);

    z3::context &ctx() { return c_; }
    const SmtTree &tree() const { return tree_; }
    z3::expr capacity() const { return cap_; }
    /// Constraints on the capacity (n; v6 under `alloc`: 1..n; v7 has none, the table grows).
    z3::expr capacityConstraint() const;

    /// Fresh state variables named with `tag`.
    SmtState freshState(const std::string &tag);
    /// A fresh state whose dangling, freed-copy, crash, use-after-free and panic parts are the
    /// constant "none": only has, rc, direct, nr_devices, phase and alloc are variables. The
    /// induction's invariant fixes those parts to none, so it quantifies over the same states;
    /// post() from it still computes every part.
    SmtState leanState(const std::string &tag);
    /// Fresh step variables named with `tag`.
    SmtStep freshStep(const std::string &tag);
    /// The initial state: nothing preserved or dangling, nr_devices 0, outgoing, no table, no
    /// crash.
    z3::expr initial(const SmtState &s);
    /// Constraints on a step: ranges, the fault classes allowed, and (without `misuse`) correct
    /// use.
    z3::expr stepAllowed(const SmtState &s, const SmtStep &op);
    /// The post-state of `op` from `s`, as expressions over s and op.
    SmtState post(const SmtState &s, const SmtStep &op);
    /// s2 == post.
    z3::expr equal(const SmtState &a, const SmtState &b);
    /// The invariant on one state (closure, exact-count, nr-devices, no-leak,
    /// no-premature-release, no-panic-at-finish, no-crash; the step invariants are not encoded).
    z3::expr invariant(Invariant i, const SmtState &s);
    /// Device d is as in a fault-free state: no dangling pointer or freed copy, a refcount >= 1
    /// exactly while it holds a slot, and that refcount its ideal.
    z3::expr exactAt(const SmtState &s, int d) const;
    /// The model's containment rule at d: d's count in use (0 without a slot) is its ideal.
    z3::expr countIsIdeal(const SmtState &s, int d) const;
    /// Closure at device d: if d holds a slot in use, so does every device above it.
    z3::expr closureAt(const SmtState &s, int d) const;
    /// The number of devices holding a live slot (`has`), with a post-state's change built in.
    z3::expr holdersOf(const SmtState &s) const;
    /// Whether `i` is one the encoding covers.
    static bool encodes(Invariant i);
    /// Every invariant the encoding covers, in allInvariants() order.
    static const std::vector<Invariant> &encodedInvariants();
    /// The fault-free strengthening used by the induction proof, stated in its output.
    z3::expr strengthening(const SmtState &s);
    /// While outgoing and alive, the table is allocated exactly when some device is directly
    /// preserved (part of the strengthening; containment's too, after the fault).
    z3::expr tableFollowsDirect(const SmtState &s) const;
    /// The invariants the fault-free induction proves inductive (exact-count, nr-devices,
    /// no-crash); the others follow from them in every state.
    static bool isInductiveCore(Invariant i);
    /// The fault-free inductive invariant: the core invariants and the strengthening.
    z3::expr faultFreeInductive(const SmtState &s);
    /// One line naming the strengthening.
    static std::string strengtheningText();
    /// The device a step's fault names, as the model's containment reads it (Int): the failing
    /// walk step's device for a step fault, the target of lose and set-refcount, -1 for a step
    /// without a fault.
    z3::expr faultDevice(const SmtStep &op) const;

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
    // A refcount >= 1 exactly while d holds a slot, no dangling pointer, no freed copy.
    z3::expr slotConsistentAt(const SmtState &s, int d) const;
    z3::expr noneOf(const std::vector<z3::expr> &flags) const;
    // The preserve step at d (position pos[d] on the path `on`) fails by the kernel's own checks.
    z3::expr preserveRefuses(const SmtState &s, const std::vector<z3::expr> &on,
                             const std::vector<z3::expr> &pos, int d) const;
    // The unpreserve / finish step at d fails by the kernel's own checks (no slot, refcount 0).
    z3::expr walkRefuses(const SmtState &s, int d) const;
    z3::expr sumOf(const std::vector<z3::expr> &terms) const;
    // DirectRecord::Checked refuses this preserve, unpreserve or finish before it changes
    // anything (false without the record).
    z3::expr refusedByRecord(const SmtState &s, const SmtStep &op) const;
};

} // namespace bridgepath
