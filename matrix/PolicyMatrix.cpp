#include "matrix/PolicyMatrix.h"

#include "smt/ContainmentProof.h"
#include "smt/InductionProof.h"

#include "topology/Contract.h"

#include <array>
#include <chrono>

namespace bridgepath {

const std::vector<Policy> &allPolicies() {
    static const std::vector<Policy> all{Policy::Bail, Policy::Continue, Policy::Guarded};
    return all;
}

std::vector<std::optional<FaultClass>> matrixRows() {
    std::vector<std::optional<FaultClass>> rows{std::nullopt};
    for (FaultClass f : allFaultClasses())
        rows.emplace_back(f);
    return rows;
}

const char *toString(ContainmentMark m) {
    switch (m) {
    case ContainmentMark::Proved:
        return "proved";
    case ContainmentMark::Found:
        return "found";
    case ContainmentMark::WithinBound:
        return "within-bound";
    }
    return "?";
}

std::string outcomeLabel(const CellOutcome &o, Abi abi) {
    if (!o.outcome)
        return "ok";
    switch (*o.outcome) {
    case Outcome::Leak:
        return "leak(" + std::to_string(o.slots) + ")";
    case Outcome::NrDevicesDrift:
        return "nr-devices drift";
    case Outcome::PrematureRelease:
        return "premature release";
    case Outcome::Panic:
        return abi == Abi::V7 ? "panic at finish" : "incoming held";
    case Outcome::TableFreedWithReferences:
        return "freed with references";
    case Outcome::UseAfterFree:
        return "use after free";
    case Outcome::BugAtRelease:
        return "BUG at release";
    }
    return "?";
}

bool isMachineOutcome(Outcome o) {
    switch (o) {
    case Outcome::Leak:
    case Outcome::NrDevicesDrift:
    case Outcome::PrematureRelease:
        return false;
    case Outcome::Panic:
    case Outcome::TableFreedWithReferences:
    case Outcome::UseAfterFree:
    case Outcome::BugAtRelease:
        return true;
    }
    return false;
}

std::vector<CellOutcome> machineOutcomes(const MatrixCell &c) {
    std::vector<CellOutcome> out;
    for (const CellOutcome &o : c.outcomes)
        if (o.outcome && isMachineOutcome(*o.outcome))
            out.push_back(o);
    return out;
}

const MatrixCell &cellOf(const PolicyMatrix &m, std::optional<FaultClass> fault, Abi abi,
                         Policy policy) {
    for (const MatrixCell &c : m.cells)
        if (c.fault == fault && c.abi == abi && c.policy == policy)
            return c;
    BP_REQUIRE(false, "cellOf: no such cell in the matrix");
    return m.cells.front();
}

namespace {

// Smaller is better (compared lexicographically).
std::array<std::uint64_t, 4> badness(const MatrixCell &c) {
    std::uint64_t crashes = 0, machine = 0, any = 0, leak = 0;
    for (const CellOutcome &o : c.outcomes) {
        if (!o.outcome)
            continue;
        ++any;
        if (*o.outcome == Outcome::Leak)
            leak = o.slots;
        if (!isMachineOutcome(*o.outcome))
            continue;
        ++machine;
        const bool crash = *o.outcome == Outcome::BugAtRelease ||
                           *o.outcome == Outcome::UseAfterFree ||
                           (*o.outcome == Outcome::Panic && c.abi == Abi::V7);
        crashes += crash;
    }
    return {crashes, machine, any, leak};
}

} // namespace

const MatrixCell &bestAlternative(const PolicyMatrix &m, std::optional<FaultClass> fault, Abi abi) {
    const MatrixCell *best = nullptr;
    for (Policy p : allPolicies()) {
        if (p == Policy::Bail)
            continue;
        const MatrixCell &c = cellOf(m, fault, abi, p);
        if (!best || badness(c) < badness(*best))
            best = &c;
    }
    return *best;
}

PolicyMatrix buildPolicyMatrix(const PolicyMatrixOptions &options) {
    const auto start = std::chrono::steady_clock::now();
    PolicyMatrix m;
    m.options = options;
    for (const auto &fault : matrixRows()) {
        for (Abi abi : options.abis) {
            for (Policy p : allPolicies()) {
                ExhaustiveOptions o;
                o.maxDevices = options.maxDevices;
                o.maxOps = options.maxOps;
                o.endpoints = options.endpoints;
                o.policy = p;
                o.abi = abi;
                if (fault)
                    o.faults = {*fault};
                o.threads = options.threads;
                // A fault naming a device: containment is judged (the outcomes always are).
                const bool names = fault && *fault != FaultClass::Alloc;
                if (names)
                    o.invariants = {Invariant::Containment};
                const ExhaustiveResult r = runExhaustive(o);
                MatrixCell cell;
                cell.fault = fault;
                cell.abi = abi;
                cell.policy = p;
                cell.distinctStates = r.distinctStates;
                // Worst first: the reverse of Outcome's order.
                for (std::size_t k = kOutcomeCount; k-- > 0;) {
                    const OutcomeTally &t = r.outcomes[k];
                    if (t.states == 0)
                        continue;
                    cell.outcomes.push_back(
                        CellOutcome{t.outcome, t.maxSlots, t.states, t.smallest});
                }
                if (cell.outcomes.empty())
                    cell.outcomes.push_back(CellOutcome{});
                if (names) {
                    ContainmentCell k;
                    k.example = r.tallies.front().smallest;
                    if (r.tallies.front().violations != 0)
                        k.mark = ContainmentMark::Found;
                    else if (options.proveDevices > 0 && containmentEncodes(*fault)) {
                        ContainmentOptions co;
                        co.maxDevices = options.proveDevices;
                        co.maxDepth = options.proveDevices - 1;
                        co.policy = p;
                        co.abi = abi;
                        co.fault = *fault;
                        co.solver = SolverChoice::Both;
                        k.proof = proveContainment(co);
                        if (k.proof->verdict == SmtVerdict::Proved)
                            k.mark = ContainmentMark::Proved;
                    }
                    cell.containment = std::move(k);
                }
                m.cells.push_back(std::move(cell));
            }
        }
    }
    if (options.proveDevices > 0)
        for (const std::optional<FaultClass> &fault : provedRows())
            for (Abi abi : options.abis)
                for (Policy p : allPolicies()) {
                    InductionOptions io;
                    io.maxDevices = options.proveDevices;
                    io.maxDepth = options.proveDevices - 1;
                    io.setup.policy = p;
                    io.setup.abi = abi;
                    if (fault)
                        io.setup.faults = {*fault};
                    io.solver = SolverChoice::Both; // a matrix row's proof is Z3's and cvc5's
                    m.proofs.push_back(RowProof{fault, p, abi, proveByInduction(io)});
                }
    m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return m;
}

std::vector<std::optional<FaultClass>> provedRows() {
    return {std::nullopt, FaultClass::Alloc};
}

bool cellProved(const PolicyMatrix &m, const MatrixCell &c) {
    if (c.outcomes.size() != 1 || c.outcomes.front().outcome)
        return false;
    for (const RowProof &p : m.proofs)
        if (p.fault == c.fault && p.abi == c.abi && p.policy == c.policy)
            return p.outcome.verdict == SmtVerdict::Proved;
    return false;
}

} // namespace bridgepath
