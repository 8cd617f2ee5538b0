#include "smt/EverySizeProof.h"

#include "smt/BoundedSearch.h"
#include "smt/EverySizeEncoding.h"
#include "topology/LspciRenderer.h"

#include <utility>

namespace bridgepath {

namespace {

// Where bounded search looks for a counterexample when an obligation is not proved and the
// solver gave no model.
constexpr int kFallbackDevices = 4;

// The devices of a model of the axioms as a topology (nullopt when the universe is not a finite
// forest of at most `most` devices).
std::optional<Topology> treeOfModel(const z3::model &m, const Forest &f, int most) {
    z3::context &c = f.c;
    const z3::expr_vector universe(c, Z3_model_get_sort_universe(c, m, f.dev));
    const int n = static_cast<int>(universe.size());
    if (n == 0 || n > most)
        return std::nullopt;
    std::vector<int> parent(n, -1);
    std::vector<bool> bridge(n);
    for (int x = 0; x < n; ++x) {
        bridge[x] = m.eval(f.bridge(universe[x]), true).is_true();
        if (m.eval(f.root(universe[x]), true).is_true())
            continue;
        const z3::expr p = m.eval(f.parent(universe[x]), true);
        for (int y = 0; y < n; ++y)
            if (z3::eq(p, universe[y]))
                parent[x] = y;
        if (parent[x] < 0 || parent[x] == x)
            return std::nullopt;
    }
    try {
        return forestTopology(parent, bridge, "Z3 model of the every-size encoding");
    } catch (const std::exception &) {
        return std::nullopt;
    }
}

} // namespace

SmtOutcome proveEverySize(const EverySizeOptions &o) {
    const auto t0 = std::chrono::steady_clock::now();
    SmtOutcome out;
    out.method = "every-size";
    const std::string abi = toString(o.setup.abi);
    auto finish = [&](SmtVerdict v, std::string detail) {
        out.verdict = v;
        out.detail = std::move(detail);
        out.seconds = secondsSince(t0);
        return out;
    };
    if (!o.setup.faults.empty())
        return finish(SmtVerdict::Unknown, "the every-size proof is fault-free: faults " +
                                               toString(o.setup.faults) +
                                               " are not encoded (bounded proofs cover them)");

    z3::context c;
    const Forest f(c);
    const z3::expr axioms = f.axioms();
    int proved = 0;
    // Decides `query`: true when unsatisfiable (one more obligation proved). Otherwise `model`
    // holds the solver's model when it found one; a quantified query may also stay undecided
    // within its share of the time (a solver can search for a model forever), and `why` says so.
    std::optional<z3::model> model;
    std::string why;
    // Each query starts from a clean solver. Scopes of one solver (push/pop) were three times
    // faster, but a query's time then hung on the queries before it: a change that left every
    // formula's meaning alone took implies-closure from 20 ms to 3.3 s.
    z3::solver s(c);
    auto run = [&](const z3::expr &query, const std::string &what) {
        s.reset();
        s.add(query);
        const double left = std::min(o.queryShareSeconds, o.timeoutSeconds - secondsSince(t0));
        if (left <= 0)
            throw std::make_pair(SmtVerdict::Unknown, "out of time before " + what);
        QueryDecision d = decide(s, o.solver, left, "every-size-" + what, o.queryDir, "UFLIA");
        model.reset();
        why = d.why;
        switch (d.answer) {
        case QueryDecision::Answer::Sat:
            model = std::move(d.model);
            return false;
        case QueryDecision::Answer::Unsat:
            ++proved;
            return true;
        case QueryDecision::Answer::Unknown:
            return false;
        case QueryDecision::Answer::Disagreement:
            throw std::make_pair(SmtVerdict::Disagreement, d.why);
        }
        return false;
    };
    // An obligation not proved: a counterexample when bounded search from the initial state
    // reaches a failure, on the tree of the solver's model if it gave one, else on every tree of
    // at most kFallbackDevices devices; otherwise unknown.
    auto failed = [&](const std::string &what) {
        const std::optional<Topology> tree = o.topology ? o.topology
                                             : model    ? treeOfModel(*model, f, 64)
                                                        : std::nullopt;
        if (tree && tree->size() > 64)
            return finish(SmtVerdict::Unknown,
                          what + " is not proved under abi " + abi + " (" + why +
                              "), and bounded search takes trees of at most 64 devices (the "
                              "tree given has " +
                              std::to_string(tree->size()) + ")");
        // The seven this proof covers are the bounded encoding's: the obligation may be any
        // one's.
        const SmtOutcome r = searchFromInitial(
            o.setup, tree, kFallbackDevices, o.reachabilitySteps, Encoder::encodedInvariants(),
            std::max(1.0, o.timeoutSeconds - secondsSince(t0)), o.solver, o.queryDir);
        if (r.verdict == SmtVerdict::Disagreement)
            return finish(r.verdict, r.detail);
        const bool reached = r.verdict == SmtVerdict::Counterexample;
        if (reached)
            out.counterexample = r.counterexample;
        const std::string where =
            tree ? std::string("; bounded search on ") +
                       (o.topology ? "the tree given" : "the tree of the solver's model") + "\n" +
                       renderLspci(*tree)
                 : " (" + why + "); bounded search on every tree of at most " +
                       std::to_string(kFallbackDevices) + " devices ";
        return finish(reached ? SmtVerdict::Counterexample : SmtVerdict::Unknown,
                      what + " is not proved under abi " + abi + where +
                          (reached
                               ? "reaches a failure from the initial state within " +
                                     std::to_string(o.reachabilitySteps) + " steps"
                               : "finds no failure within " + std::to_string(o.reachabilitySteps) +
                                     " steps: not a counterexample"));
    };
    try {
        // The axioms admit a device below a bridge, so the proof is not about an empty class
        // of trees: the forest of a bridge a on the root bus and b below it satisfies each of
        // them (an unsatisfiable query either solver decides, where a search for a model of the
        // axioms may not end). The invariant admits a state with b directly preserved: the
        // initial state satisfies it and a preserve keeps it.
        {
            const z3::expr a = f.var("a"), b = f.var("b"), x = f.var("x"), y = f.var("y");
            const z3::expr twoDevices =
                a != b && z3::forall(x, x == a || x == b) &&
                z3::forall(x, y, f.le(x, y) == (x == y || (x == a && y == b))) &&
                z3::forall(x, f.root(x) == (x == a) && f.parent(x) == a && f.bridge(x) == (x == a));
            if (!run(twoDevices && !axioms, "axioms-admit-a-bridge-with-a-device-below"))
                return finish(SmtVerdict::Unknown,
                              "the axioms are not shown to admit a bridge with a device below it, "
                              "so the proof could be vacuous (" +
                                  why + ")");
        }
        for (const Part &p : walkLemma(f))
            if (!run(axioms && !p.formula, p.name))
                return finish(SmtVerdict::Unknown,
                              "the walk lemma's " + p.name + " is not proved: a harness bug");
        {
            const FolState s = stateNamed(f, "init");
            const z3::expr d = f.var("d!");
            const z3::expr initial =
                z3::forall(d, !s.has(d) && s.rc(d) == 0 && !s.direct(d) && s.ideal(d) == 0) &&
                s.nr == 0 && s.used == 0 && s.phase == 0 && !s.alloc && !s.crashed && !s.panicked;
            for (const Part &p : invariantParts(f, s))
                if (!run(axioms && initial && !p.formula, "initiation-" + p.name))
                    return failed("initiation of " + p.name);
        }
        {
            const FolState s = stateNamed(f, "pre"), post = stateNamed(f, "post");
            const std::vector<Part> pre = invariantParts(f, s);
            const z3::expr inv = conjunctsNamed(f, pre, {});
            for (const Transition &tr : everySizeTransitions(f, o.setup, s, post)) {
                // Each conjunct of the post-state's invariant in order, then what else the step
                // must show, each from the pre-state's invariant and what was proved before it.
                z3::expr_vector known(c);
                for (const Part &p : invariantParts(f, post)) {
                    if (!run(axioms && inv && tr.guard && tr.defs && z3::mk_and(known) &&
                                 !p.formula,
                             tr.name + "-keeps-" + p.name))
                        return failed(tr.name + " keeping " + p.name);
                    known.push_back(p.formula);
                }
                for (const Part &p : tr.side) {
                    // A condition on the pre-state alone is proved without the step's definitions.
                    const z3::expr given = p.fromPost ? inv && tr.defs && z3::mk_and(known)
                                                      : conjunctsNamed(f, pre, p.uses);
                    if (!run(axioms && tr.guard && given && !p.formula, p.name))
                        return failed(p.name);
                    known.push_back(p.formula);
                }
            }
        }
        {
            const FolState s = stateNamed(f, "any");
            // Each implication from the conjuncts it needs (the whole invariant drowns cvc5's
            // instantiation): the ghost count and the refcounts, and for the counts of slots
            // those too.
            const std::vector<Part> parts = invariantParts(f, s);
            const z3::expr counts = conjunctsNamed(f, parts, countConjuncts());
            const z3::expr slots =
                counts &&
                conjunctsNamed(f, parts,
                               {"used-counts-the-slots", "nr-devices-is-used",
                                "nothing-directly-preserved-no-slot", "no-slot-none-counted"});
            const z3::expr alive = conjunctsNamed(f, parts, {"no-crash-no-panic"});
            const z3::expr a = f.var("a"), d = f.var("d");
            auto inUse = [&](const z3::expr &x) { return s.has(x) && s.rc(x) != 0; };
            const z3::expr closure = z3::implies(f.le(a, d) && inUse(d), inUse(a));
            const z3::expr exact = z3::ite(inUse(d), s.rc(d), c.int_val(0)) == s.ideal(d);
            // Closure in two steps (one query is beyond cvc5's instantiation): a device in use
            // has a directly preserved device at or below it, which is below every device above.
            const z3::expr x = f.var("x"), e = f.var("e");
            const z3::expr witnessed =
                z3::forall(x, z3::implies(inUse(x), z3::exists(e, s.direct(e) && f.le(x, e))));
            if (!run(axioms && counts && !witnessed,
                     "implies-a-device-in-use-has-a-direct-one-below"))
                return failed("closure");
            if (!run(axioms && counts && witnessed && !closure, "implies-closure"))
                return failed("closure");
            if (!run(axioms && counts && !exact, "implies-exact-count"))
                return failed("exact-count");
            // nr_devices counts the slots in use: a slot is in use exactly when a device has one.
            const z3::expr nrDevices = z3::forall(x, inUse(x) == s.has(x)) && s.nr == s.used;
            if (!run(axioms && slots && !nrDevices, "implies-nr-devices"))
                return failed("nr-devices");
            const z3::expr noDirect = z3::forall(e, !s.direct(e));
            if (!run(axioms && slots && noDirect && (inUse(d) || s.nr != 0), "implies-no-leak"))
                return failed("no-leak");
            const z3::expr premature = z3::ite(inUse(d), s.rc(d), c.int_val(0)) < s.ideal(d);
            if (!run(axioms && counts && premature, "implies-no-premature-release"))
                return failed("no-premature-release");
            if (!run(axioms && alive && s.panicked && noDirect, "implies-no-panic-at-finish"))
                return failed("no-panic-at-finish");
            if (!run(axioms && alive && (s.crashed || s.panicked), "implies-no-crash"))
                return failed("no-crash");
        }
    } catch (const std::pair<SmtVerdict, std::string> &stop) {
        return finish(stop.first, stop.second);
    }
    const std::string covered =
        o.topology ? "every tree of every size, so the given tree of " +
                         std::to_string(o.topology->size()) +
                         " devices too (with v6's capacity bound on it: fault-free its table has "
                         "a slot per device, and nr_devices counts devices)"
                   : std::string("every tree of every size");
    return finish(SmtVerdict::Proved,
                  std::string("closure, exact-count, nr-devices") +
                      (o.topology ? "" : " (not v6's capacity bound)") +
                      ", no-leak, no-premature-release, no-panic-at-finish and no-crash hold for " +
                      covered + " (fault-free, correct use, abi " + abi +
                      ", every policy: no walk step refuses, so no policy acts); " +
                      std::to_string(proved) +
                      " obligations over the forest-order axioms: the axioms admit a bridge "
                      "with a device below it, the walk lemma, initiation, consecution of "
                      "preserve, unpreserve, kexec, finish, finish-all and a step that changes "
                      "nothing, no walk step refuses, the release finds no slot in use, and the "
                      "invariant implies each");
}

} // namespace bridgepath
