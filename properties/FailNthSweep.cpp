#include "properties/FailNthSweep.h"

#include "properties/Harness.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>

namespace bridgepath {

namespace {

// A bit per Invariant.
using InvariantMask = std::uint32_t;

InvariantMask maskOf(const std::vector<Invariant> &v) {
    InvariantMask m = 0;
    for (Invariant i : v)
        m |= InvariantMask{1} << static_cast<unsigned>(i);
    return m;
}

// A stretch of one run, or of several merged runs, between merges: what it broke, whether it
// ended in a mismatch. The node the run went on in after a merge has a larger index.
struct Node {
    InvariantMask broken = 0;
    bool mismatch = false;
    std::optional<std::size_t> next;
};

// A run still going: its harness, its node, its implementation's bytes at this step.
struct Run {
    Harness harness;
    std::size_t node;
    std::vector<std::uint8_t> bytes;
};

// Books one step's outcome in `n`: whether the run goes on (a mismatch ends it, as it ends the
// run of one faulted sequence on its own).
bool record(Node &n, const StepOutcome &out) {
    if (out.mismatch) {
        n.mismatch = true;
        return false;
    }
    n.broken |= maskOf(out.violations);
    return true;
}

// Runs `ops` from the start judging every invariant after every step: what failed at some step,
// and the result of op `at` (if asked).
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

// The invariants of `mask`, in declaration order.
std::vector<Invariant> invariantsIn(InvariantMask mask) {
    std::vector<Invariant> out;
    for (Invariant i : allInvariants())
        if (mask & maskOf({i}))
            out.push_back(i);
    std::sort(out.begin(), out.end());
    return out;
}

// The sites operation `op` shows: each (device, step kind) of its walks once, in walk order.
std::vector<FaultSite> sitesOf(std::size_t op, const std::vector<StepEvent> &steps) {
    std::vector<FaultSite> out;
    for (const StepEvent &e : steps) {
        const bool seen = std::any_of(out.begin(), out.end(), [&](const FaultSite &s) {
            return s.device == e.device && s.kind == e.kind;
        });
        if (!seen)
            out.push_back(FaultSite{op, e.device, e.kind});
    }
    return out;
}

// The fail-next that makes `site`'s step fail.
Op failNextOf(const FaultSite &site) {
    Op fault;
    fault.kind = OpKind::FailNext;
    fault.bdf = site.device;
    fault.step = site.kind;
    return fault;
}

std::size_t hashOf(const std::vector<std::uint8_t> &bytes) {
    return std::hash<std::string_view>{}(
        std::string_view(reinterpret_cast<const char *>(bytes.data()), bytes.size()));
}

} // namespace

SweepResult sweepFaultSites(const Topology &t, const LiveUpdateConfig &config,
                            const std::vector<Op> &ops) {
    SweepResult out;
    std::vector<Node> nodes;
    auto newNode = [&nodes] {
        nodes.emplace_back();
        return nodes.size() - 1;
    };
    std::vector<std::size_t> siteStart; // each site's first node

    // What the containment judge reads of a run's fault devices: their number (2: two or more,
    // after which it holds whatever the state) and, when there is one, which.
    auto faultsRead = [](const Harness &h) {
        const std::vector<Bdf> &f = h.faults();
        return std::make_pair(std::min<std::size_t>(f.size(), 2),
                              f.size() == 1 ? f.front() : Bdf{});
    };
    // exactFrom[j]: the unfaulted run keeps exact-count after step j and every later step. A
    // machine equal to it from step j on then keeps containment whatever its one fault device
    // (containment fails only where some device's refcount is not its ideal, which exact-count
    // forbids for every device, side by side).
    std::vector<bool> exactFrom(ops.size() + 1, true);
    {
        Harness exact(t, config, {Invariant::ExactCount}, History::Latest);
        std::vector<bool> holds;
        for (const Op &op : ops) {
            const StepOutcome o = exact.step(op);
            holds.push_back(!o.mismatch && o.violations.empty());
        }
        for (std::size_t j = ops.size(); j-- > 0;)
            exactFrom[j] = holds[j] && exactFrom[j + 1];
    }

    // runs[0] is the unfaulted run: it finds the sites (the model logs every walk step) and
    // takes part in merges (what it breaks is the baseline).
    std::vector<Run> runs;
    runs.push_back(Run{Harness(t, config, allInvariants(), History::Latest), newNode(), {}});
    const std::size_t baseStart = runs[0].node;
    bool baseLive = true; // the unfaulted run has not mismatched: it is still booked

    for (std::size_t j = 0; j < ops.size(); ++j) {
        // Runs with equal machines have one future: each group goes on as its first run in a
        // new node that the others' nodes lead to. Two faulted runs merge when the containment
        // judge also reads the same of their faults. A faulted run merges into the unfaulted
        // one when its containment verdicts cannot add to the baseline either: it has two
        // faults (containment holds), or the unfaulted run keeps exact-count from here on.
        // What the unfaulted run's future breaks is in the baseline, so booking it to the
        // faulted run adds nothing. No-crash reads the log: once a crash happened it fails at
        // every step, already booked, so a run with a crash behind it may take the future of
        // one without, not the other way round.
        {
            std::unordered_map<std::size_t, std::vector<std::size_t>> byHash;
            std::vector<Run> kept;
            std::vector<bool> fresh; // per kept run: it went on in a new node at this step
            for (std::size_t r = 0; r < runs.size(); ++r) {
                Run &run = runs[r];
                run.bytes.clear();
                run.harness.saveImpl(run.bytes);
                if (r == 0 && !baseLive) {
                    kept.push_back(std::move(run));
                    fresh.push_back(false);
                    continue; // still finds sites, but its future is no longer booked
                }
                std::vector<std::size_t> &bucket = byHash[hashOf(run.bytes)];
                std::optional<std::size_t> same;
                for (std::size_t k : bucket) {
                    const Harness &a = run.harness, &b = kept[k].harness;
                    const auto fa = faultsRead(a), fb = faultsRead(b);
                    const bool crashA = a.states().back().anyCrash();
                    const bool crashB = b.states().back().anyCrash();
                    const bool judgedAlike = k == 0 ? fa == fb || fa.first == 2 || exactFrom[j]
                                                    : fa == fb && (crashA || !crashB);
                    if (judgedAlike && b.sameMachine(a, kept[k].bytes, run.bytes)) {
                        same = k;
                        break;
                    }
                }
                if (!same) {
                    bucket.push_back(kept.size());
                    kept.push_back(std::move(run));
                    fresh.push_back(false);
                    continue;
                }
                Run &into = kept[*same];
                if (!fresh[*same]) {
                    const std::size_t n = newNode();
                    nodes[into.node].next = n;
                    into.node = n;
                    fresh[*same] = true;
                }
                nodes[run.node].next = into.node;
                ++out.stats.merged;
            }
            runs = std::move(kept);
        }

        // The unfaulted step; then the sites it shows, each forked from the state before it.
        const Harness before = runs[0].harness;
        const StepOutcome baseOut = runs[0].harness.step(ops[j]);
        if (baseLive)
            baseLive = record(nodes[runs[0].node], baseOut);
        const std::vector<FaultSite> here = sitesOf(j, runs[0].harness.model().lastSteps());

        // The runs already faulted take op j.
        std::vector<Run> next;
        next.push_back(std::move(runs[0]));
        for (std::size_t r = 1; r < runs.size(); ++r) {
            Run &run = runs[r];
            ++out.stats.steps;
            if (!record(nodes[run.node], run.harness.step(ops[j])))
                continue;
            // A dead kernel refuses every later operation and changes nothing (ReferenceModel::
            // apply), so every judge's verdict from here on was given at this step.
            if (run.harness.states().back().crashed()) {
                ++out.stats.died;
                continue;
            }
            next.push_back(std::move(run));
        }

        // Each new site: fail-next, then op j.
        for (const FaultSite &site : here) {
            Run run{before, newNode(), {}};
            siteStart.push_back(run.node);
            SiteOutcome o;
            o.site = site;
            out.stats.steps += 2;
            if (record(nodes[run.node], run.harness.step(failNextOf(site)))) {
                const StepOutcome faulted = run.harness.step(ops[j]);
                o.opResult = faulted.result;
                if (record(nodes[run.node], faulted)) {
                    if (run.harness.states().back().crashed())
                        ++out.stats.died;
                    else
                        next.push_back(std::move(run));
                }
            }
            out.sites.push_back(std::move(o));
        }
        runs = std::move(next);
    }

    // What each node's runs broke from there on: its own and its successors'.
    std::vector<InvariantMask> from(nodes.size());
    std::vector<bool> mismatchFrom(nodes.size());
    for (std::size_t n = nodes.size(); n-- > 0;) {
        from[n] = nodes[n].broken;
        mismatchFrom[n] = nodes[n].mismatch;
        if (nodes[n].next) {
            from[n] |= from[*nodes[n].next];
            mismatchFrom[n] = mismatchFrom[n] || mismatchFrom[*nodes[n].next];
        }
    }
    // The unfaulted run's own nodes: its chain, whose merged stretches broke what it broke.
    const InvariantMask baseline = from[baseStart];
    out.baseline = invariantsIn(baseline);
    for (std::size_t s = 0; s < out.sites.size(); ++s) {
        out.sites[s].mismatch = mismatchFrom[siteStart[s]];
        out.sites[s].broken = invariantsIn(from[siteStart[s]] & ~baseline);
    }
    return out;
}

SweepResult sweepEachSiteAlone(const Topology &t, const LiveUpdateConfig &config,
                               const std::vector<Op> &ops) {
    SweepResult out;
    bool baseMismatch = false;
    out.baseline = brokenAnywhere(t, config, ops, &baseMismatch);
    std::vector<FaultSite> sites;
    Harness h(t, config, {});
    for (std::size_t i = 0; i < ops.size(); ++i) {
        (void)h.step(ops[i]);
        for (const FaultSite &site : sitesOf(i, h.model().lastSteps()))
            sites.push_back(site);
    }
    for (const FaultSite &site : sites) {
        std::vector<Op> faulted = ops;
        faulted.insert(faulted.begin() + static_cast<long>(site.op), failNextOf(site));
        out.stats.steps += faulted.size();
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
