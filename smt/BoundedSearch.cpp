#include "smt/BoundedSearch.h"

#include "smt/QueryDecision.h"

#include "properties/Conformance.h"

#include <algorithm>
#include <chrono>
#include <functional>

namespace bridgepath {

const char *toString(SmtVerdict v) {
    switch (v) {
    case SmtVerdict::Proved:
        return "proved";
    case SmtVerdict::Counterexample:
        return "counterexample";
    case SmtVerdict::Unknown:
        return "unknown";
    case SmtVerdict::Disagreement:
        return "disagreement";
    }
    return "?";
}

namespace {

int intOf(const z3::model &m, const z3::expr &e) {
    return m.eval(e, true).get_numeral_int();
}

} // namespace

namespace {

// The specs of a forest (parent[i] < 0: on a root bus) in its own order.
std::vector<DeviceSpec> placeForest(const std::vector<int> &parent,
                                    const std::vector<bool> &bridge) {
    const int n = static_cast<int>(parent.size());
    std::vector<std::vector<int>> children(n);
    for (int i = 0; i < n; ++i)
        if (parent[i] >= 0)
            children[parent[i]].push_back(i);
    // Depth-first numbering: roots on bus 00, each bridge the next bus, so specs[i].bdf is
    // device i's address.
    std::vector<DeviceSpec> specs(n);
    unsigned nextBus = 1;
    std::function<void(int, unsigned, unsigned)> place = [&](int i, unsigned bus, unsigned dev) {
        specs[i].bdf = Bdf::make(0, bus, dev, 0);
        if (!bridge[i] && children[i].empty())
            return;
        specs[i].kind = DeviceKind::Bridge;
        specs[i].secondary = nextBus++;
        unsigned child = 0;
        for (int c : children[i])
            place(c, specs[i].secondary, child++);
        specs[i].subordinate = nextBus - 1;
    };
    unsigned rootDev = 0;
    for (int i = 0; i < n; ++i)
        if (parent[i] < 0)
            place(i, 0, rootDev++);
    return specs;
}

// The specs of a model's tree in symbolic order, so specs[i].bdf is symbolic device i's address.
std::vector<DeviceSpec> numberTree(const z3::model &m, const SmtTree &tree) {
    std::vector<int> parent(tree.n);
    std::vector<bool> bridge(tree.n);
    for (int i = 0; i < tree.n; ++i) {
        parent[i] = intOf(m, tree.parent[i]);
        bridge[i] = m.eval(tree.bridge[i], true).is_true();
    }
    return placeForest(parent, bridge);
}

} // namespace

Topology forestTopology(const std::vector<int> &parent, const std::vector<bool> &bridge,
                        const std::string &source) {
    return Topology::build(placeForest(parent, bridge), source);
}

SmtOutcome searchFromInitial(const SmtSetup &setup, const std::optional<Topology> &tree,
                             int maxDevices, int steps, const std::vector<Invariant> &invariants,
                             double timeoutSeconds, SolverChoice solver,
                             const std::string &queryDir) {
    BoundedSearchOptions reach;
    reach.setup = setup;
    reach.steps = steps;
    reach.maxDevices = maxDevices;
    reach.maxDepth = maxDevices - 1;
    reach.topology = tree;
    reach.invariants = invariants;
    reach.timeoutSeconds = timeoutSeconds;
    reach.solver = solver;
    reach.queryDir = queryDir;
    return boundedSearch(reach);
}

Topology decodeTree(const z3::model &m, const SmtTree &tree) {
    return Topology::build(numberTree(m, tree), "Z3 model");
}

void replayCounterexample(SmtCounterexample &c) {
    const RunResult run = runSideBySide(c.topology, c.config, c.ops);
    c.replayEvents = run.finalState.events;
    if (run.mismatch) {
        c.replayAgrees = false;
        c.replayNote = "impl and model disagree at step " + std::to_string(run.mismatch->step + 1) +
                       ": " + run.mismatch->difference;
        return;
    }
    const auto violations = judge(c.topology, c.config, run).violations();
    c.replayAgrees =
        std::find(violations.begin(), violations.end(), c.violated) != violations.end();
    std::string events;
    for (const KernelEvent &e : c.replayEvents)
        events += std::string(events.empty() ? "" : ", ") + toString(e.kind);
    const std::string seen = events.empty() ? "" : " (kernel events: " + events + ")";
    c.replayNote = c.replayAgrees
                       ? "replayed on impl and model (abi " + std::string(toString(c.config.abi)) +
                             "): fails " + toString(c.violated) + " there too" + seen
                       : "Z3 says " + std::string(toString(c.violated)) +
                             " fails, but the replay on impl and model (abi " +
                             toString(c.config.abi) + ") keeps it" + seen;
}

namespace {

// Decodes the first `k` steps of a model into a counterexample.
SmtCounterexample decode(const z3::model &m, Encoder &enc, const std::vector<SmtStep> &ops, int k,
                         Invariant violated, const std::optional<Topology> &fixed,
                         const SmtSetup &setup) {
    SmtCounterexample c;
    const SmtTree &tree = enc.tree();
    c.topology = fixed ? *fixed : decodeTree(m, tree);
    std::vector<Bdf> bdfOf(tree.n);
    if (fixed) {
        for (int i = 0; i < tree.n; ++i)
            bdfOf[i] = fixed->bdf(static_cast<DeviceId>(i));
    } else {
        const std::vector<DeviceSpec> specs = numberTree(m, tree);
        for (int i = 0; i < tree.n; ++i)
            bdfOf[i] = specs[i].bdf;
    }
    c.config = setup.config();
    // v7 has no capacity (the table grows); the config keeps the encoding's n, which it ignores.
    c.config.capacity = static_cast<std::size_t>(intOf(m, enc.capacity()));
    for (int t = 0; t < k; ++t) {
        const int kind = intOf(m, ops[t].kind), e = intOf(m, ops[t].e), f = intOf(m, ops[t].f);
        for (const Op &op : opsOfStep(c.topology, static_cast<SmtOp>(kind),
                                      *c.topology.find(bdfOf[e]), f, intOf(m, ops[t].v)))
            c.ops.push_back(op);
    }
    c.step = k;
    c.violated = violated;
    return c;
}

} // namespace

SmtOutcome boundedSearch(const BoundedSearchOptions &o) {
    const auto t0 = std::chrono::steady_clock::now();
    SmtOutcome out;
    out.method = "bmc";
    out.steps = o.steps;
    out.depth = o.maxDepth;
    const int pinned = static_cast<int>(o.pinnedParent.size());
    const int firstN = o.topology ? static_cast<int>(o.topology->size()) : pinned ? pinned : 1;
    const int lastN = o.topology || pinned ? firstN : o.maxDevices;
    for (int n = firstN; n <= lastN; ++n) {
        z3::context c;
        Encoder enc(
            c, o.topology ? SmtTree::concrete(c, *o.topology) : SmtTree::symbolic(c, n, o.maxDepth),
            o.setup);
        z3::solver s(c);
        s.add(enc.tree().wellFormed);
        for (int i = 0; i < pinned; ++i)
            s.add(enc.tree().parent[i] == o.pinnedParent[i] &&
                  enc.tree().bridge[i] == c.bool_val(o.pinnedBridge[i]));
        s.add(enc.capacityConstraint());
        std::vector<SmtState> states{enc.freshState("0")};
        std::vector<SmtStep> ops;
        s.add(enc.initial(states[0]));
        for (int k = 1; k <= o.steps; ++k) {
            // Step k: a fresh state equal to the post-state of a fresh, allowed operation.
            ops.push_back(enc.freshStep(std::to_string(k)));
            s.add(enc.stepAllowed(states.back(), ops.back()));
            states.push_back(enc.freshState(std::to_string(k)));
            s.add(enc.equal(states.back(), enc.post(states[states.size() - 2], ops.back())));
            // One query per step: does any selected invariant fail after step k?
            const double left = o.timeoutSeconds - secondsSince(t0);
            if (left <= 0) {
                out.verdict = SmtVerdict::Unknown;
                out.detail =
                    "timeout after " + std::to_string(n) + " devices, step " + std::to_string(k);
                out.seconds = secondsSince(t0);
                return out;
            }
            z3::expr_vector broken(c);
            for (Invariant inv : o.invariants)
                broken.push_back(!enc.invariant(inv, states.back()));
            s.push();
            s.add(z3::mk_or(broken));
            const std::string what =
                "bmc-" + std::to_string(n) + "-devices-step-" + std::to_string(k);
            const QueryDecision d = decide(s, o.solver, left, what, o.queryDir);
            if (d.answer == QueryDecision::Answer::Sat) {
                const z3::model &m = *d.model;
                Invariant failed = o.invariants.front();
                for (Invariant inv : o.invariants)
                    if (m.eval(enc.invariant(inv, states.back()), true).is_false()) {
                        failed = inv;
                        break;
                    }
                out.verdict = SmtVerdict::Counterexample;
                out.devices = n;
                out.counterexample = decode(m, enc, ops, k, failed, o.topology, o.setup);
                replayCounterexample(*out.counterexample);
                out.detail = std::string(toString(failed)) + " fails after " + std::to_string(k) +
                             " steps on a tree of " + std::to_string(n) + " devices";
                out.seconds = secondsSince(t0);
                return out;
            }
            if (d.answer == QueryDecision::Answer::Unknown ||
                d.answer == QueryDecision::Answer::Disagreement) {
                out.verdict = d.answer == QueryDecision::Answer::Unknown ? SmtVerdict::Unknown
                                                                         : SmtVerdict::Disagreement;
                out.detail =
                    d.why + " at " + std::to_string(n) + " devices, step " + std::to_string(k);
                out.seconds = secondsSince(t0);
                return out;
            }
            s.pop();
        }
    }
    out.verdict = SmtVerdict::Proved;
    out.devices = lastN;
    out.detail = "no violation within " + std::to_string(o.steps) + " steps on " +
                 (o.topology ? std::string("the given tree")
                             : "every tree of at most " + std::to_string(o.maxDevices) +
                                   " devices and depth " + std::to_string(o.maxDepth));
    out.seconds = secondsSince(t0);
    return out;
}

} // namespace bridgepath
