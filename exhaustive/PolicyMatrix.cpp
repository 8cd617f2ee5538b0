#include "exhaustive/PolicyMatrix.h"

#include "smt/InductionProof.h"

#include <chrono>

namespace bridgepath {

const std::vector<Policy> &allPolicies() {
    static const std::vector<Policy> all{Policy::Bail, Policy::Continue, Policy::Guarded};
    return all;
}

std::string outcomeLabel(const CellOutcome &o) {
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
        return "panic at finish";
    case Outcome::TableFreedWithReferences:
        return "freed with references";
    case Outcome::UseAfterFree:
        return "use after free";
    case Outcome::BugAtRelease:
        return "BUG at release";
    }
    return "?";
}

PolicyMatrix buildPolicyMatrix(const PolicyMatrixOptions &options) {
    const auto start = std::chrono::steady_clock::now();
    PolicyMatrix m;
    m.options = options;
    std::vector<std::optional<FaultClass>> rows{std::nullopt};
    for (FaultClass f : allFaultClasses())
        rows.emplace_back(f);
    for (const auto &fault : rows) {
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
                // The outcomes are judged in every state whatever is checked; no invariant report.
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
                    cell.outcomes.push_back(CellOutcome{t.outcome, t.maxSlots, t.states, t.smallest});
                }
                if (cell.outcomes.empty())
                    cell.outcomes.push_back(CellOutcome{});
                m.cells.push_back(std::move(cell));
            }
        }
    }
    if (options.proveDevices > 0)
        for (Policy p : allPolicies()) {
            InductionOptions io;
            io.maxDevices = options.proveDevices;
            io.maxDepth = options.proveDevices - 1;
            io.setup.policy = p;
            m.proofs.push_back(RowProof{p, proveByInduction(io)});
        }
    m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return m;
}

} // namespace bridgepath
