#include "smt/InductionProof.h"

#include "smt/BoundedSearch.h"

#include "topology/LspciRenderer.h"

#include <chrono>

namespace bridgepath {

namespace {

// Every invariant the encoding covers.
const std::vector<Invariant> &proved() {
    return Encoder::encodedInvariants();
}

// `closure, exact-count and no-crash`.
std::string joined(const std::vector<Invariant> &some) {
    std::string out;
    for (std::size_t i = 0; i < some.size(); ++i)
        out += std::string(i == 0 ? "" : i + 1 == some.size() ? " and " : ", ") + toString(some[i]);
    return out;
}

// The inductive invariants (Encoder::isInductiveCore: the count invariants and no-crash) or the
// implied ones, joined. The implied follow in every state (a query each, no step): closure (a
// device's ideal count is at most its upstream bridge's), no-leak and no-premature-release (the
// counts are exact), no-panic-at-finish (no panic at all).
std::string namesOf(bool core) {
    std::vector<Invariant> some;
    for (Invariant i : proved())
        if (Encoder::isInductiveCore(i) == core)
            some.push_back(i);
    return joined(some);
}

} // namespace

SmtOutcome proveByInduction(const InductionOptions &o) {
    const auto t0 = std::chrono::steady_clock::now();
    SmtOutcome out;
    out.method = "induction";
    out.depth = o.topology ? static_cast<int>(o.topology->maxUpstreamBridges()) : o.maxDepth;
    // A tree of fewer devices is the N-device tree's case with the rest unused endpoints on a
    // root bus (nothing reaches them, every invariant is one over the devices or a sum that they
    // add 0 to): so the N-device queries cover every smaller tree.
    const int n = o.topology ? static_cast<int>(o.topology->size()) : o.maxDevices;
    out.devices = n;
    z3::context c;
    Encoder whole(
        c, o.topology ? SmtTree::concrete(c, *o.topology) : SmtTree::symbolic(c, n, o.maxDepth),
        o.setup);
    // On a symbolic tree a query names a depth k, not a device: its path is numbered 0..k.
    std::vector<Encoder> byDepth;
    if (!o.topology) {
        const int depths = std::min(n - 1, o.maxDepth) + 1;
        byDepth.reserve(static_cast<std::size_t>(depths));
        for (int k = 0; k < depths; ++k)
            byDepth.emplace_back(c, SmtTree::symbolicWithPath(c, n, o.maxDepth, k), o.setup);
    }
    auto finish = [&](SmtVerdict v, std::string detail) {
        out.verdict = v;
        out.detail = std::move(detail);
        out.seconds = secondsSince(t0);
        return out;
    };
    // A query's model when satisfiable; ProofUndecided when it is not decided.
    auto run = [&](const z3::expr &query, const std::string &part) {
        return decideProofQuery(query, o.solver, o.timeoutSeconds - secondsSince(t0),
                                part + " at " + std::to_string(n) + " devices",
                                part + "-" + std::to_string(n) + "-devices", o.queryDir);
    };
    // A state the proof cannot exclude (`what`, on the tree of `enc`): a counterexample only if
    // bounded search from the initial state reaches a failure on that tree.
    auto unexcluded = [&](const z3::model &m, const SmtTree &tree, const std::string &what) {
        const Topology cti = decodeTree(m, tree);
        const SmtOutcome r = searchFromInitial(
            o.setup, cti, static_cast<int>(cti.size()), o.reachabilitySteps, proved(),
            std::max(1.0, o.timeoutSeconds - secondsSince(t0)), o.solver, o.queryDir);
        if (r.verdict == SmtVerdict::Disagreement)
            return finish(r.verdict, r.detail);
        const bool reached = r.verdict == SmtVerdict::Counterexample;
        if (reached)
            out.counterexample = r.counterexample;
        return finish(reached ? SmtVerdict::Counterexample : SmtVerdict::Unknown,
                      what + " under abi " + std::string(toString(o.setup.abi)) + " at " +
                          std::to_string(n) +
                          " devices; counterexample-to-induction on the tree\n" + renderLspci(cti) +
                          (reached ? "reached from the initial state within " +
                                         std::to_string(o.reachabilitySteps) + " steps"
                                   : std::string("not a counterexample: bounded search from the "
                                                 "initial state ") +
                                         (r.verdict == SmtVerdict::Proved
                                              ? "cannot reach a failure within "
                                              : "did not decide a failure within ") +
                                         std::to_string(o.reachabilitySteps) +
                                         " steps, and no stronger invariant was tried"));
    };
    try {
        // Initiation: every invariant holds in the initial state.
        {
            const SmtState s0 = whole.freshState("init");
            z3::expr_vector all(c);
            for (Invariant i : proved())
                all.push_back(whole.invariant(i, s0));
            all.push_back(whole.strengthening(s0));
            if (run(whole.tree().wellFormed && whole.capacityConstraint() && whole.initial(s0) &&
                        !z3::mk_and(all),
                    "initiation"))
                return finish(SmtVerdict::Counterexample,
                              "initiation fails under abi " + std::string(toString(o.setup.abi)) +
                                  " at " + std::to_string(n) + " devices");
        }
        // The other invariants follow from the inductive ones in every state.
        for (Invariant i : proved()) {
            if (Encoder::isInductiveCore(i))
                continue;
            if (i == Invariant::Closure && !o.topology) {
                // Closure at a device of depth k, its path numbered 0..k.
                for (int k = 0; k < static_cast<int>(byDepth.size()); ++k) {
                    Encoder &path = byDepth[static_cast<std::size_t>(k)];
                    const SmtState s = path.leanState("s");
                    if (auto m = run(path.tree().wellFormed && path.capacityConstraint() &&
                                         path.faultFreeInductive(s) && !path.closureAt(s, k),
                                     "implied-closure-depth-" + std::to_string(k)))
                        return unexcluded(*m, path.tree(),
                                          "closure does not follow from " + namesOf(true));
                }
                continue;
            }
            const SmtState s = whole.leanState("s");
            if (auto m = run(whole.tree().wellFormed && whole.capacityConstraint() &&
                                 whole.faultFreeInductive(s) && !whole.invariant(i, s),
                             std::string("implied-") + toString(i)))
                return unexcluded(*m, whole.tree(),
                                  std::string(toString(i)) + " does not follow from " +
                                      namesOf(true));
        }
        // Consecution, one query per operation kind and target device. On a symbolic tree the
        // target device e stands for every device at depth e: its path is numbered 0..e.
        const int targets = o.topology ? n : static_cast<int>(byDepth.size());
        for (int kind = 0; kind <= static_cast<int>(SmtOp::SetRefcount); ++kind)
            for (int e = 0; e < targets; ++e) {
                Encoder &enc = o.topology ? whole : byDepth[static_cast<std::size_t>(e)];
                const SmtState s = enc.leanState("s");
                SmtStep op = enc.freshStep("op");
                op.kind = c.int_val(kind);
                op.e = c.int_val(e);
                const SmtState next = enc.post(s, op);
                const z3::expr query = enc.tree().wellFormed && enc.capacityConstraint() &&
                                       enc.faultFreeInductive(s) && enc.stepAllowed(s, op) &&
                                       !enc.faultFreeInductive(next);
                if (auto m = run(query, "consecution-kind-" + std::to_string(kind) + "-device-" +
                                            std::to_string(e)))
                    return unexcluded(*m, enc.tree(),
                                      "consecution fails for operation kind " +
                                          std::to_string(kind) + " on device " + std::to_string(e));
            }
    } catch (const ProofUndecided &undecided) {
        return finish(undecided.verdict, undecided.why);
    }
    return finish(
        SmtVerdict::Proved,
        joined(proved()) + " hold initially and after every allowed operation under abi " +
            toString(o.setup.abi) + ", " +
            (o.topology ? "on this tree of " + std::to_string(n) + " devices"
                        : "on every tree of at most " + std::to_string(o.maxDevices) +
                              " devices (depth <= " + std::to_string(o.maxDepth) + ")") +
            "; inductive: " + namesOf(true) + " with the strengthening (" +
            Encoder::strengtheningText() + "), on the lean state (has, rc, direct, nr_devices, " +
            "phase, alloc; the dangling, crash and panic state is fixed to none and recomputed " +
            "after each step); implied in every state: " + namesOf(false));
}

} // namespace bridgepath
