#include "smt/InductionProof.h"

#include "smt/BoundedSearch.h"

#include "topology/LspciRenderer.h"

#include <chrono>

namespace bridgepath {

namespace {

// Every invariant the encoding covers.
const std::vector<Invariant> &proved() {
    static const std::vector<Invariant> all = [] {
        std::vector<Invariant> out;
        for (Invariant i : allInvariants())
            if (Encoder::encodes(i))
                out.push_back(i);
        return out;
    }();
    return all;
}

// `closure, exact-count and no-crash`.
std::string provedNames() {
    std::string out;
    const auto &all = proved();
    for (std::size_t i = 0; i < all.size(); ++i)
        out += std::string(i == 0 ? "" : i + 1 == all.size() ? " and " : ", ") + toString(all[i]);
    return out;
}

z3::expr inductive(Encoder &enc, const SmtState &s) {
    z3::expr_vector all(enc.ctx());
    for (Invariant i : proved())
        all.push_back(enc.invariant(i, s));
    all.push_back(enc.strengthening(s));
    return z3::mk_and(all);
}

} // namespace

SmtOutcome proveByInduction(const InductionOptions &o) {
    const auto t0 = std::chrono::steady_clock::now();
    SmtOutcome out;
    out.method = "induction";
    out.depth = o.topology ? static_cast<int>(o.topology->maxUpstreamBridges()) : o.maxDepth;
    const int first = o.topology ? static_cast<int>(o.topology->size()) : 1;
    const int last = o.topology ? first : o.maxDevices;
    for (int n = first; n <= last; ++n) {
        z3::context c;
        Encoder enc(
            c, o.topology ? SmtTree::concrete(c, *o.topology) : SmtTree::symbolic(c, n, o.maxDepth),
            o.setup);
        const z3::tactic tactic =
            z3::tactic(c, "simplify") & z3::tactic(c, "solve-eqs") & z3::tactic(c, "smt");
        // A query's model when satisfiable; a thrown outcome when it is not decided.
        auto run = [&](const z3::expr &query, const std::string &part) -> std::optional<z3::model> {
            const double left = o.timeoutSeconds - secondsSince(t0);
            if (left <= 0)
                throw std::make_pair(SmtVerdict::Unknown, "timeout in " + part + " at " +
                                                              std::to_string(n) + " devices");
            z3::solver s = tactic.mk_solver();
            s.add(query);
            QueryDecision d =
                decide(s, o.solver, left, part + "-" + std::to_string(n) + "-devices", o.queryDir);
            switch (d.answer) {
            case QueryDecision::Answer::Sat:
                return std::move(d.model);
            case QueryDecision::Answer::Unsat:
                return std::nullopt;
            case QueryDecision::Answer::Unknown:
                throw std::make_pair(SmtVerdict::Unknown, d.why);
            case QueryDecision::Answer::Disagreement:
                throw std::make_pair(SmtVerdict::Disagreement, d.why);
            }
            return std::nullopt;
        };
        try {
            // Initiation.
            const SmtState s0 = enc.freshState("init");
            if (run(enc.tree().wellFormed && enc.capacityConstraint() && enc.initial(s0) &&
                        !inductive(enc, s0),
                    "initiation")) {
                out.verdict = SmtVerdict::Counterexample;
                out.devices = n;
                out.detail = "initiation fails under abi " + std::string(toString(o.setup.abi)) +
                             " at " + std::to_string(n) + " devices";
                out.seconds = secondsSince(t0);
                return out;
            }
            // Consecution, one query per operation kind and target device.
            for (int kind = 0; kind <= static_cast<int>(SmtOp::SetRefcount); ++kind)
                for (int e = 0; e < n; ++e) {
                    const SmtState s = enc.freshState("s");
                    const SmtStep op = enc.freshStep("op");
                    const SmtState next = enc.post(s, op);
                    const z3::expr query = enc.tree().wellFormed && enc.capacityConstraint() &&
                                           op.kind == kind && op.e == e && inductive(enc, s) &&
                                           enc.stepAllowed(s, op) && !inductive(enc, next);
                    if (auto m = run(query, "consecution-kind-" + std::to_string(kind) +
                                                "-device-" + std::to_string(e))) {
                        out.devices = n;
                        const Topology cti = decodeTree(*m, enc.tree());
                        // Is the CTI's failure reachable? Bounded search on that very tree: a
                        // counterexample only if it is; else the proof is merely not found.
                        BoundedSearchOptions reach;
                        reach.setup = o.setup;
                        reach.steps = o.reachabilitySteps;
                        reach.topology = cti;
                        reach.invariants = proved();
                        reach.timeoutSeconds = std::max(1.0, o.timeoutSeconds - secondsSince(t0));
                        reach.solver = o.solver;
                        reach.queryDir = o.queryDir;
                        const SmtOutcome r = boundedSearch(reach);
                        if (r.verdict == SmtVerdict::Disagreement) {
                            out.verdict = r.verdict;
                            out.detail = r.detail;
                            out.seconds = secondsSince(t0);
                            return out;
                        }
                        const bool reached = r.verdict == SmtVerdict::Counterexample;
                        out.verdict = reached ? SmtVerdict::Counterexample : SmtVerdict::Unknown;
                        out.detail =
                            "consecution fails under abi " + std::string(toString(o.setup.abi)) +
                            " at " + std::to_string(n) + " devices for operation kind " +
                            std::to_string(kind) + " on device " + std::to_string(e) +
                            "; counterexample-to-induction on the tree\n" + renderLspci(cti) +
                            (reached ? "reached from the initial state within " +
                                           std::to_string(o.reachabilitySteps) + " steps"
                                     : std::string("not a counterexample: bounded search from the "
                                                   "initial state ") +
                                           (r.verdict == SmtVerdict::Proved
                                                ? "cannot reach a failure within "
                                                : "did not decide a failure within ") +
                                           std::to_string(o.reachabilitySteps) +
                                           " steps, and no stronger invariant was tried");
                        if (reached)
                            out.counterexample = r.counterexample;
                        out.seconds = secondsSince(t0);
                        return out;
                    }
                }
        } catch (const std::pair<SmtVerdict, std::string> &undecided) {
            out.verdict = undecided.first;
            out.detail = undecided.second;
            out.seconds = secondsSince(t0);
            return out;
        }
    }
    out.verdict = SmtVerdict::Proved;
    out.devices = last;
    out.detail = provedNames() + " hold initially and after every allowed operation under abi " +
                 toString(o.setup.abi) + ", " +
                 (o.topology ? "on this tree of " + std::to_string(last) + " devices"
                             : "on every tree of at most " + std::to_string(o.maxDevices) +
                                   " devices (depth <= " + std::to_string(o.maxDepth) + ")") +
                 "; strengthening: " + Encoder::strengtheningText();
    out.seconds = secondsSince(t0);
    return out;
}

} // namespace bridgepath
