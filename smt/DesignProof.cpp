#include "smt/DesignProof.h"

#include "smt/BoundedSearch.h"
#include "smt/ContainmentProof.h"
#include "smt/InductiveCheck.h"

#include "topology/Contract.h"

namespace bridgepath {

const char *toString(DesignClaim c) {
    switch (c) {
    case DesignClaim::NoCrash:
        return "no-crash";
    case DesignClaim::NoPrematureRelease:
        return "no-premature-release";
    case DesignClaim::NoLeakAfterRelease:
        return "no-leak-after-release";
    case DesignClaim::Containment:
        return "containment";
    }
    return "?";
}

const std::vector<DesignClaim> &allDesignClaims() {
    static const std::vector<DesignClaim> all{DesignClaim::NoCrash, DesignClaim::NoPrematureRelease,
                                              DesignClaim::NoLeakAfterRelease,
                                              DesignClaim::Containment};
    return all;
}

bool designClaims(DesignClaim claim, FaultClass fault) {
    switch (claim) {
    case DesignClaim::NoCrash:
    case DesignClaim::NoLeakAfterRelease:
        return true;
    case DesignClaim::NoPrematureRelease:
        return fault != FaultClass::LostSlot && fault != FaultClass::Refcount;
    case DesignClaim::Containment:
        return containmentEncodes(fault);
    }
    return false;
}

std::vector<FaultClass> designProofFaults(Abi abi) {
    std::vector<FaultClass> out;
    if (abi == Abi::V6)
        out.push_back(FaultClass::Alloc);
    for (FaultClass f :
         {FaultClass::Step, FaultClass::LostSlot, FaultClass::Refcount, FaultClass::Misuse})
        out.push_back(f);
    return out;
}

namespace {

// What every claim's invariant adds: the phase in range, nothing dangling, and while outgoing
// nr_devices counts the devices holding a slot (so a release with nr_devices 0 frees nothing
// that is held), with no crash.
z3::expr base(Encoder &enc, const SmtState &s) {
    z3::expr_vector all(enc.ctx());
    all.push_back(s.phase >= 0 && s.phase <= 2);
    for (int d = 0; d < enc.tree().n; ++d)
        all.push_back(!s.dang[d] && s.copy[d] == 0);
    all.push_back(z3::implies(s.phase == 0, s.nr == enc.holdersOf(s)));
    all.push_back(enc.invariant(Invariant::NoCrash, s));
    return z3::mk_and(all);
}

z3::expr releasedHoldsNothing(Encoder &enc, const SmtState &s) {
    z3::expr_vector none(enc.ctx());
    for (int d = 0; d < enc.tree().n; ++d)
        none.push_back(!s.has[d] && !s.dang[d]);
    none.push_back(s.nr == 0);
    return z3::implies(s.phase == 0 && !s.alloc, z3::mk_and(none));
}

z3::expr slotsCounted(Encoder &enc, const SmtState &s) {
    z3::expr_vector all(enc.ctx());
    for (int d = 0; d < enc.tree().n; ++d)
        all.push_back(z3::implies(s.has[d], s.rc[d] >= 1) && z3::implies(!s.has[d], s.rc[d] == 0));
    return z3::mk_and(all);
}

SmtOutcome proveClaim(const DesignProofOptions &o, const SmtSetup &setup, DesignClaim claim) {
    const auto t0 = std::chrono::steady_clock::now();
    const int n = o.maxDevices;
    const std::string what = std::string(toString(claim)) + " of " + toString(o.design) +
                             " under " + toString(o.fault) + ", abi " + toString(o.abi);
    if (claim == DesignClaim::Containment) {
        ContainmentOptions co;
        co.maxDevices = n;
        co.maxDepth = n - 1;
        co.policy = o.design.walk;
        co.abi = o.abi;
        co.fault = o.fault;
        co.record = o.design.record;
        co.release = o.design.release;
        co.end = o.design.end;
        co.timeoutSeconds = o.timeoutSeconds;
        co.solver = o.solver;
        co.queryDir = o.queryDir;
        return proveContainment(co);
    }
    InductiveCheckOptions check;
    check.maxDevices = n;
    check.maxDepth = n - 1;
    check.setup = setup;
    check.name = "design-" + std::string(toString(claim));
    check.deadlineSeconds = o.timeoutSeconds;
    check.solver = o.solver;
    check.queryDir = o.queryDir;
    std::vector<Invariant> asInvariant;
    switch (claim) {
    case DesignClaim::NoCrash:
        check.inductive = [](Encoder &e, const SmtState &s, const FaultGhost &) {
            return base(e, s);
        };
        check.claim = [](Encoder &e, const SmtState &s, const FaultGhost &) {
            return e.invariant(Invariant::NoCrash, s);
        };
        asInvariant = {Invariant::NoCrash};
        break;
    case DesignClaim::NoPrematureRelease:
        check.inductive = [](Encoder &e, const SmtState &s, const FaultGhost &) {
            return base(e, s) && slotsCounted(e, s) &&
                   e.invariant(Invariant::NoPrematureRelease, s);
        };
        check.claim = [](Encoder &e, const SmtState &s, const FaultGhost &) {
            return e.invariant(Invariant::NoPrematureRelease, s);
        };
        asInvariant = {Invariant::NoPrematureRelease};
        break;
    case DesignClaim::NoLeakAfterRelease:
        check.inductive = [](Encoder &e, const SmtState &s, const FaultGhost &) {
            return base(e, s) && releasedHoldsNothing(e, s);
        };
        check.claim = [](Encoder &e, const SmtState &s, const FaultGhost &) {
            return releasedHoldsNothing(e, s);
        };
        break;
    case DesignClaim::Containment:
        break;
    }
    SmtOutcome out;
    out.method = "induction";
    out.devices = n;
    out.depth = n - 1;
    auto finish = [&](SmtVerdict v, std::string detail) {
        out.verdict = v;
        out.detail = std::move(detail);
        out.seconds = secondsSince(t0);
        return out;
    };
    try {
        const auto gap = checkInductive(check);
        if (!gap)
            return finish(SmtVerdict::Proved,
                          what + ": holds on every tree of at most " + std::to_string(n) +
                              " devices, any sequence length, one fault at any point");
        if (gap->initiation)
            return finish(SmtVerdict::Unknown, what + ": fails initially (an encoding bug)");
        // Not inductive as stated: a reachable failure is a counterexample, else unknown.
        if (!asInvariant.empty()) {
            SmtOutcome reach = searchFromInitial(
                setup, std::nullopt, std::min(n, o.reachabilityDevices), o.reachabilitySteps,
                asInvariant, o.timeoutSeconds - secondsSince(t0), o.solver, o.queryDir);
            if (reach.verdict == SmtVerdict::Counterexample ||
                reach.verdict == SmtVerdict::Disagreement) {
                reach.seconds = secondsSince(t0);
                return reach;
            }
        }
        return finish(SmtVerdict::Unknown,
                      what + ": not inductive as stated (" + gap->part +
                          " leaves it), and bounded search from the initial state reaches no "
                          "failure within " +
                          std::to_string(o.reachabilitySteps) + " steps");
    } catch (const ProofUndecided &undecided) {
        return finish(undecided.verdict, undecided.why);
    }
}

} // namespace

std::vector<ClaimProof> proveDesign(const DesignProofOptions &o) {
    const std::vector<FaultClass> encoded = designProofFaults(o.abi);
    BP_REQUIRE(std::find(encoded.begin(), encoded.end(), o.fault) != encoded.end(),
               "proveDesign: a fault class the encoding carries");
    SmtSetup setup;
    setup.policy = o.design.walk;
    setup.abi = o.abi;
    setup.faults = {o.fault};
    setup.record = o.design.record;
    setup.release = o.design.release;
    setup.end = o.design.end;
    std::vector<ClaimProof> out;
    for (DesignClaim claim : allDesignClaims())
        if (designClaims(claim, o.fault))
            out.push_back(ClaimProof{claim, proveClaim(o, setup, claim)});
    return out;
}

} // namespace bridgepath
