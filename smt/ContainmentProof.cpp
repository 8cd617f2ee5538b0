#include "smt/ContainmentProof.h"

#include "smt/InductiveCheck.h"

#include "topology/Contract.h"

#include <chrono>

namespace bridgepath {

namespace {

// The inductive invariant of the module header.
z3::expr inductive(Encoder &enc, const SmtState &s, const FaultGhost &g) {
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
z3::expr contained(Encoder &enc, const SmtState &s, const FaultGhost &g) {
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
    InductiveCheckOptions check;
    check.maxDevices = o.maxDevices;
    check.maxDepth = o.maxDepth;
    check.setup.policy = o.policy;
    check.setup.abi = o.abi;
    check.setup.faults = {o.fault};
    check.setup.record = o.record;
    check.setup.release = o.release;
    check.setup.end = o.end;
    check.inductive = &inductive;
    check.claim = &contained;
    check.name = "containment";
    check.deadlineSeconds = o.timeoutSeconds;
    check.solver = o.solver;
    check.queryDir = o.queryDir;
    const std::string cell = std::string(toString(o.fault)) + " under " + toString(o.policy) +
                             ", abi " + toString(o.abi);
    auto finish = [&](SmtVerdict v, std::string detail) {
        out.verdict = v;
        out.detail = std::move(detail);
        out.seconds = secondsSince(t0);
        return out;
    };
    try {
        if (const auto gap = checkInductive(check)) {
            if (gap->initiation)
                return finish(SmtVerdict::Unknown, "containment's invariant fails initially (" +
                                                       cell + "): an encoding bug");
            return finish(SmtVerdict::Unknown,
                          "containment (" + cell + ") is not inductive as stated: " + gap->part +
                              " leaves it; not a counterexample (the exhaustive search decides "
                              "whether one is reachable)");
        }
    } catch (const ProofUndecided &undecided) {
        return finish(undecided.verdict, undecided.why);
    }
    return finish(SmtVerdict::Proved,
                  "containment holds under one " + cell +
                      " fault at any point of a sequence of "
                      "any length, on every tree of at most " +
                      std::to_string(o.maxDevices) +
                      " devices (depth <= " + std::to_string(o.maxDepth) +
                      "): every device but the faulty one keeps its ideal count");
}

} // namespace bridgepath
