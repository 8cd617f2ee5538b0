// The merged fail-nth sweep against its definition: every faulted sequence run on its own from
// the start (sweepEachSiteAlone, the quadratic sweep, as the second method).
#include "properties/FailNthSweep.h"
#include "properties/PropertyCheck.h"
#include "topology/TopologyLoader.h"

#include <gtest/gtest.h>

#include <set>

namespace bridgepath {
namespace {

std::string opsText(const std::vector<Op> &ops) {
    std::string text;
    for (const Op &op : ops)
        text += op.toString() + "; ";
    return text;
}

std::string describe(const SiteOutcome &s) {
    std::string text = "op " + std::to_string(s.site.op) + " " + toString(s.site.kind) + " at " +
                       s.site.device.toString() + " -> " + toString(s.opResult) +
                       (s.mismatch ? " mismatch" : "") + "; breaks";
    for (Invariant i : s.broken)
        text += std::string(" ") + toString(i);
    return text;
}

// Every fault class a trace can hold, so that sites meet lost slots, misuse and dead kernels.
const std::set<FaultClass> kEveryFault{
    FaultClass::Alloc,  FaultClass::Step,   FaultClass::LostSlot, FaultClass::Refcount,
    FaultClass::Misuse, FaultClass::Vanish, FaultClass::Unplug};

TEST(FailNthSweep, MergedSweepEqualsRunningEveryFaultedSequenceAlone) {
    SweepStats total;
    std::size_t sites = 0, breaking = 0, baselines = 0;
    for (Abi abi : {Abi::V6, Abi::V7})
        for (Policy policy : {Policy::Bail, Policy::Continue, Policy::Guarded})
            for (std::uint64_t seed = 1; seed <= 20; ++seed) {
                const std::set<FaultClass> faults =
                    seed % 3 == 0 ? std::set<FaultClass>{} : kEveryFault;
                const GeneratedCase c = sampleCase(seed, 100, policy, abi, faults);
                const Topology &t = c.setup->topology;
                const LiveUpdateConfig &config = c.setup->config;
                SCOPED_TRACE("seed " + std::to_string(seed) + " policy " + toString(policy) +
                             " abi " + toString(abi) + ": " + opsText(c.ops));
                const SweepResult merged = sweepFaultSites(t, config, c.ops);
                const SweepResult alone = sweepEachSiteAlone(t, config, c.ops);
                EXPECT_EQ(merged.baseline, alone.baseline);
                ASSERT_EQ(merged.sites.size(), alone.sites.size());
                for (std::size_t s = 0; s < merged.sites.size(); ++s)
                    EXPECT_EQ(describe(merged.sites[s]), describe(alone.sites[s]));
                total.steps += merged.stats.steps;
                total.merged += merged.stats.merged;
                total.died += merged.stats.died;
                sites += merged.sites.size();
                baselines += merged.baseline.empty() ? 0 : 1;
                for (const SiteOutcome &s : merged.sites)
                    breaking += s.broken.empty() ? 0 : 1;
            }
    // The comparison means something only if the cases reach what the merged sweep does
    // differently: merges, dead kernels, sites that break something, baselines that break.
    EXPECT_GE(sites, 2000u);
    EXPECT_GE(breaking, 200u);
    EXPECT_GE(baselines, 10u);
    EXPECT_GE(total.merged, 500u);
    EXPECT_GE(total.died, 50u);
}

// Correct use on a real tree over a long chain of Live Updates: the trace a user sweeps.
std::shared_ptr<const CaseSetup> longChain(Policy policy) {
    auto setup = std::make_shared<CaseSetup>();
    setup->topology = loadTopologyFile(std::string(BRIDGEPATH_SOURCE_DIR) +
                                       "/tests/topologies/msi-x99s-xeon-e5v3-fiji-hawaii.lspci-tv");
    setup->config = LiveUpdateConfig{policy, Abi::V7, setup->topology.size()};
    setup->kinds = {OpKind::Preserve, OpKind::Unpreserve, OpKind::Kexec, OpKind::Finish,
                    OpKind::FinishAll};
    setup->generations = 100000;
    return setup;
}

// The work, counted in harness steps (not timed): run alone, every site costs the whole trace;
// merged, a site's run ends soon after its fault, so the steps per site do not grow with the
// trace. Eight times the trace: about eight times the sites, and steps per site within 1.5x.
TEST(FailNthSweep, WorkPerSiteDoesNotGrowWithTheTrace) {
    for (Policy policy : {Policy::Bail, Policy::Continue, Policy::Guarded}) {
        SCOPED_TRACE(toString(policy));
        const auto setup = longChain(policy);
        auto perSite = [&](std::size_t length) {
            const auto ops = sampleSequence(7, setup, length);
            const SweepResult r = sweepFaultSites(setup->topology, setup->config, ops);
            EXPECT_GE(r.sites.size(), length / 3);
            return static_cast<double>(r.stats.steps) / static_cast<double>(r.sites.size());
        };
        const double small = perSite(250), large = perSite(2000);
        EXPECT_LT(large, 1.5 * small)
            << small << " steps per site at 250 ops, " << large << " at 2000";
        // Run alone, a site at op k costs 2000 - k + 1 steps: about 1000 on average.
        EXPECT_LT(large, 100.0);
    }
}

} // namespace
} // namespace bridgepath
