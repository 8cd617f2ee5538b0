#include "smt/ContainmentProof.h"

#include "topology/Contract.h"

#include <chrono>

namespace bridgepath {

namespace {

// The ghosts: whether the one fault happened, and the device it named.
struct Ghost {
    z3::expr faulted;
    z3::expr at;
};

// The inductive invariant of the module header.
z3::expr inductive(Encoder &enc, const SmtState &s, const Ghost &g) {
    z3::context &c = enc.ctx();
    const int n = enc.tree().n;
    z3::expr_vector after(c);
    after.push_back(g.at >= 0 && g.at < n);
    after.push_back(s.phase >= 0 && s.phase <= 2);
    for (int d = 0; d < n; ++d)
        after.push_back(z3::implies(g.at != d, enc.exactAt(s, d)));
    after.push_back(enc.tableFollowsDirect(s));
    return z3::ite(g.faulted, z3::mk_and(after), enc.faultFreeInductive(s));
}

// What is claimed: every device but the faulty one has its ideal count in use.
z3::expr contained(Encoder &enc, const SmtState &s, const Ghost &g) {
    z3::expr_vector all(enc.ctx());
    for (int d = 0; d < enc.tree().n; ++d)
        all.push_back(z3::implies(!g.faulted || g.at != d, enc.countIsIdeal(s, d)));
    return z3::mk_and(all);
}

} // namespace

bool containmentEncodes(FaultClass f) {
    switch (f) {
    case FaultClass::Step:
        return true;
    // The encoding proves these contained under continue too, but it has no slot identity: in
    // the kernel a zeroed slot is free, a new slot can take it, and the faulty device's cached
    // pointer then counts on another device's slot (the search's 3-device breach).
    case FaultClass::LostSlot:
    case FaultClass::Refcount:
    case FaultClass::None:
    case FaultClass::Alloc:
    case FaultClass::Misuse:
    case FaultClass::Vanish:
    case FaultClass::Unplug:
        return false;
    }
    return false;
}

SmtOutcome proveContainment(const ContainmentOptions &o) {
    BP_REQUIRE(containmentEncodes(o.fault), "proveContainment: a fault class the encoding carries");
    const auto t0 = std::chrono::steady_clock::now();
    SmtOutcome out;
    out.method = "containment";
    out.devices = o.maxDevices;
    out.depth = o.maxDepth;
    const int n = o.maxDevices;
    SmtSetup setup;
    setup.policy = o.policy;
    setup.abi = o.abi;
    setup.faults = {o.fault};
    z3::context c;
    // One encoder per depth k of the operation's target: its path is numbered 0..k (as in the
    // induction proof, a tree of fewer devices is the N-device case with unused devices).
    std::vector<Encoder> byDepth;
    const int depths = std::min(n - 1, o.maxDepth) + 1;
    byDepth.reserve(static_cast<std::size_t>(depths));
    for (int k = 0; k < depths; ++k)
        byDepth.emplace_back(c, SmtTree::symbolicWithPath(c, n, o.maxDepth, k), setup);
    const std::string cell = std::string(toString(o.fault)) + " under " + toString(o.policy) +
                             ", abi " + toString(o.abi);
    auto finish = [&](SmtVerdict v, std::string detail) {
        out.verdict = v;
        out.detail = std::move(detail);
        out.seconds = secondsSince(t0);
        return out;
    };
    // Whether `query` is satisfiable; ProofUndecided when it is not decided.
    auto sat = [&](const z3::expr &query, const std::string &part) {
        return decideProofQuery(query, o.solver, o.timeoutSeconds - secondsSince(t0), part,
                                "containment-" + part, o.queryDir)
            .has_value();
    };
    try {
        Encoder &whole = byDepth.back();
        {
            const SmtState s0 = whole.freshState("init");
            const Ghost g{c.bool_val(false), c.int_val(-1)};
            if (sat(whole.tree().wellFormed && whole.capacityConstraint() && whole.initial(s0) &&
                        !(inductive(whole, s0, g) && contained(whole, s0, g)),
                    "initiation"))
                return finish(SmtVerdict::Unknown, "containment's invariant fails initially (" +
                                                       cell + "): an encoding bug");
        }
        for (int kind = 0; kind <= static_cast<int>(SmtOp::SetRefcount); ++kind)
            for (int e = 0; e < depths; ++e) {
                Encoder &enc = byDepth[static_cast<std::size_t>(e)];
                const SmtState s = enc.freshState("s");
                const Ghost g{c.bool_const("faulted"), c.int_const("faulty")};
                SmtStep op = enc.freshStep("op");
                op.kind = c.int_val(kind);
                op.e = c.int_val(e);
                const z3::expr named = enc.faultDevice(op);
                // One fault in the whole sequence: none once it happened.
                const z3::expr once = z3::implies(g.faulted, named == -1);
                const SmtState next = enc.post(s, op);
                const Ghost g2{g.faulted || named >= 0, z3::ite(g.faulted, g.at, named)};
                const std::string part =
                    "kind-" + std::to_string(kind) + "-device-" + std::to_string(e);
                if (sat(enc.tree().wellFormed && enc.capacityConstraint() && inductive(enc, s, g) &&
                            enc.stepAllowed(s, op) && once &&
                            !(inductive(enc, next, g2) && contained(enc, next, g2)),
                        part))
                    return finish(SmtVerdict::Unknown,
                                  "containment (" + cell +
                                      ") is not inductive as stated: "
                                      "operation kind " +
                                      std::to_string(kind) + " at depth " + std::to_string(e) +
                                      " leaves it; not a counterexample (the "
                                      "exhaustive search decides whether one is reachable)");
            }
    } catch (const ProofUndecided &undecided) {
        return finish(undecided.verdict, undecided.why);
    }
    return finish(SmtVerdict::Proved,
                  "containment holds under one " + cell +
                      " fault at any point of a sequence of "
                      "any length, on every tree of at most " +
                      std::to_string(n) + " devices (depth <= " + std::to_string(o.maxDepth) +
                      "): every device but the faulty one keeps its ideal count");
}

} // namespace bridgepath
