#include "properties/FailNthSweep.h"

#include "properties/Harness.h"

#include <algorithm>
#include <set>

namespace bridgepath {

namespace {

// Runs `ops` judging every invariant after every step: the ones that failed at some step.
std::vector<Invariant> brokenAnywhere(const Topology &t, const LiveUpdateConfig &config,
                                      const std::vector<Op> &ops, bool *mismatch,
                                      Result *resultAt = nullptr, std::size_t at = 0) {
    Harness h(t, config, allInvariants());
    std::set<Invariant> broken;
    for (std::size_t i = 0; i < ops.size(); ++i) {
        const StepOutcome out = h.step(ops[i]);
        if (resultAt && i == at)
            *resultAt = out.result;
        if (out.mismatch) {
            *mismatch = true;
            break;
        }
        broken.insert(out.violations.begin(), out.violations.end());
    }
    return {broken.begin(), broken.end()};
}

} // namespace

SweepResult sweepFaultSites(const Topology &t, const LiveUpdateConfig &config,
                            const std::vector<Op> &ops) {
    SweepResult out;
    bool baseMismatch = false;
    out.baseline = brokenAnywhere(t, config, ops, &baseMismatch);

    // The sites: the reference model logs every walk step it takes.
    std::vector<FaultSite> sites;
    Harness h(t, config, {});
    for (std::size_t i = 0; i < ops.size(); ++i) {
        h.step(ops[i]);
        for (const StepEvent &e : h.model().lastSteps()) {
            const bool seen = std::any_of(sites.begin(), sites.end(), [&](const FaultSite &s) {
                return s.op == i && s.device == e.device && s.kind == e.kind;
            });
            if (!seen)
                sites.push_back(FaultSite{i, e.device, e.kind});
        }
    }

    for (const FaultSite &site : sites) {
        std::vector<Op> faulted = ops;
        Op fault;
        fault.kind = OpKind::FailNext;
        fault.bdf = site.device;
        fault.step = site.kind;
        faulted.insert(faulted.begin() + static_cast<long>(site.op), fault);
        SiteOutcome o;
        o.site = site;
        // The faulted operation follows the inserted fail-next.
        for (Invariant i :
             brokenAnywhere(t, config, faulted, &o.mismatch, &o.opResult, site.op + 1))
            if (std::find(out.baseline.begin(), out.baseline.end(), i) == out.baseline.end())
                o.broken.push_back(i);
        out.sites.push_back(std::move(o));
    }
    return out;
}

} // namespace bridgepath
