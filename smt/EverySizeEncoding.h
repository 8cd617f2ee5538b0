#pragma once
/// EverySizeEncoding: the Live Update rules in first-order logic over an uninterpreted sort of
/// devices, for the every-size proof (EverySizeProof.h says what is encoded and why it is sound).
/// Correct use without faults only. The names are fixed so a query can pin them: the tree is
/// le / root / parent / bridge, an operation's target is the device constant `t`, the unpreserve's
/// state between its walk and its release is mid_has, mid_rc, mid_slot, mid_at, mid_used, mid_nr
/// and `released`.

#include "smt/Encoding.h"

#include <string>
#include <vector>
#include <z3++.h>

namespace bridgepath {

/// The forest order every query shares.
struct Forest {
    z3::context &c;
    z3::sort dev;
    z3::func_decl le, root, parent, bridge;

    explicit Forest(z3::context &ctx);
    /// A device constant named `name`.
    z3::expr var(const std::string &name) const { return c.constant(name.c_str(), dev); }
    /// Reflexive, transitive, antisymmetric, the devices above any device totally ordered;
    /// root(d): nothing above d, else parent(d) the nearest device above it; a device with one
    /// below it is a bridge.
    z3::expr axioms() const;
};

/// The state: a device's slot and refcount, the directly preserved set, the ghost count ideal
/// with its bijection num / inv, nr_devices and the ghost count of the slots in use with its
/// bijection slot / at, the phase, the table, the crash and the panic.
struct FolState {
    z3::func_decl has, rc, direct, ideal, num, inv;
    z3::expr nr, used;
    z3::func_decl slot, at;
    z3::expr phase, alloc, crashed, panicked;
};

/// Fresh state functions and constants named `tag`_has, `tag`_rc, ...
FolState stateNamed(const Forest &f, const std::string &tag);

/// One named conjunct of the invariant, or of an obligation.
struct Part {
    std::string name;
    z3::expr formula;
    /// A step's obligation that is proved from the post-state's invariant too (once that is).
    bool fromPost = false;
    /// A step's obligation about the pre-state: the conjuncts of the invariant it is proved from
    /// (empty: all). The whole invariant drowns cvc5's instantiation.
    std::vector<std::string> uses = {};
};

/// The conjuncts of the invariant the ghost count's facts need: ideal, its bijection, the
/// refcounts and the slots.
std::vector<std::string> countConjuncts();

/// The conjunction of those of `parts` named in `names` (all of them when `names` is empty).
z3::expr conjunctsNamed(const Forest &f, const std::vector<Part> &parts,
                        const std::vector<std::string> &names);

/// `used` counts the devices with a slot (has): slot(.) numbers them 1..used and at(.) is its
/// inverse.
z3::expr countsSlots(const Forest &f, const z3::func_decl &has, const z3::func_decl &slot,
                     const z3::func_decl &at, const z3::expr &used);

/// The invariant, conjunct by conjunct, in the order a step's post-state proves them.
std::vector<Part> invariantParts(const Forest &f, const FolState &s);

/// One operation kind from `pre` to `post`: its guard (correct use) and its post-state's
/// definitions.
struct Transition {
    std::string name; ///< preserve, unpreserve, kexec, finish, finish-all, no-change
    z3::expr guard;
    z3::expr defs;
    /// What else must hold of the step (no walk step refuses, the release finds no slot in use).
    std::vector<Part> side;
};

/// Every operation kind under `setup`'s ABI and mutant (faults are not encoded).
std::vector<Transition> everySizeTransitions(const Forest &f, const SmtSetup &setup,
                                             const FolState &pre, const FolState &post);

/// The walk lemma's obligations, for any step function, set of skipped devices and target: each
/// formula must be valid.
std::vector<Part> walkLemma(const Forest &f);

} // namespace bridgepath
