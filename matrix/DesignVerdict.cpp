#include "matrix/DesignVerdict.h"

#include "exhaustive/ExhaustiveSearch.h"

#include <chrono>

namespace bridgepath {

namespace {

// The design with switch k (0 walk, 1 record, 2 release, 3 end) set to the latest kernel's.
Design turnedBack(const Design &d, int k, std::string &change) {
    const Design &latest = latestKernel();
    Design out = d;
    switch (k) {
    case 0:
        out.walk = latest.walk;
        change = std::string("walk ") + toString(out.walk);
        break;
    case 1:
        out.record = latest.record;
        change = std::string("record ") + toString(out.record);
        break;
    case 2:
        out.release = latest.release;
        change = std::string("release ") + toString(out.release);
        break;
    default:
        out.end = latest.end;
        change = std::string("end ") + toString(out.end);
        break;
    }
    return out;
}

std::optional<Counterexample> containmentBreach(const Design &d, Abi abi) {
    ExhaustiveOptions o;
    o.maxDevices = 3;
    o.maxOps = 4;
    o.abi = abi;
    applyDesign(o, d);
    o.faults = {FaultClass::Step};
    o.invariants = {Invariant::Containment};
    o.stopAtFirst = true;
    return runExhaustive(o).tallies.front().smallest;
}

} // namespace

DesignVerdict proveBestDesign(const DesignVerdictOptions &o) {
    const auto t0 = std::chrono::steady_clock::now();
    DesignVerdict v;
    v.options = o;
    DesignProofOptions p;
    p.design = o.design;
    p.abi = o.abi;
    p.maxDevices = o.proveDevices;
    p.timeoutSeconds = o.timeoutSeconds;
    p.solver = o.solver;
    for (FaultClass f : designProofFaults(o.abi)) {
        p.fault = f;
        v.proofs.push_back(FaultProofs{f, proveDesign(p)});
    }
    // Each runner-up on a small bound: a counterexample needs few devices.
    for (int k = 0; k < kDesignSwitches; ++k) {
        RunnerUp r;
        r.design = turnedBack(o.design, k, r.change);
        if (r.design == o.design)
            continue;
        DesignProofOptions q = p;
        q.design = r.design;
        q.maxDevices = 3;
        q.solver = SolverChoice::Z3; // the replay on impl and model checks what Z3 found
        for (FaultClass f : designProofFaults(o.abi)) {
            q.fault = f;
            for (ClaimProof &c : proveDesign(q))
                if (c.outcome.verdict == SmtVerdict::Counterexample && !r.z3) {
                    r.fault = f;
                    r.claim = c.claim;
                    r.z3 = std::move(c.outcome.counterexample);
                }
            if (r.z3)
                break;
        }
        if (!r.z3)
            r.breach = containmentBreach(r.design, o.abi);
        v.runnerUps.push_back(std::move(r));
    }
    v.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return v;
}

bool allProved(const DesignVerdict &v) {
    for (const FaultProofs &f : v.proofs)
        for (const ClaimProof &c : f.claims)
            if (c.outcome.verdict != SmtVerdict::Proved)
                return false;
    return true;
}

} // namespace bridgepath
