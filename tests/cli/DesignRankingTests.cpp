// The design ranking (matrix/DesignRanking.h) on a bound small enough to derive by hand.

#include "matrix/DesignRanking.h"
#include "matrix/DesignVerdict.h"

#include <gtest/gtest.h>

namespace bridgepath {
namespace {

DesignRankingOptions twoDevicesStep() {
    DesignRankingOptions o;
    o.maxDevices = 2;
    o.maxOps = 4;
    o.endpoints = 3;
    o.abi = Abi::V7;
    o.faults = {FaultClass::Step};
    o.threads = 2;
    return o;
}

Design design(const char *text) {
    const auto d = parseDesign(text);
    EXPECT_TRUE(d) << text;
    return d.value_or(Design{});
}

TEST(DesignRanking, AStepFaultOnTwoDevicesIsBestMetByContinueAClearingReleaseAndNoBridgePanic) {
    // By hand, every tree of at most 2 devices (one device, RC -> EP, two roots), one failing
    // walk step:
    // - bug-on crashes (preserve D; unpreserve D with its step failing: BUG_ON(1)); warn-and-free
    //   leaves a pointer into the freed table that the next preserve of an empty bridge reads
    //   (use after free); the panic end crashes (D's finish step fails, then finish-all). Only
    //   clear / reconcile with held-forever / panic-if-direct-unfinished are crash free.
    // - no step fault lowers a count, but under warn-and-free the bridge left pointing into the
    //   freed table takes the next preserve's count there: preserve EP; unpreserve EP with RC's
    //   step failing; preserve EP leaves the live table with EP alone, RC below what EP needs
    //   (premature release). Nothing else releases early.
    // - the outgoing side is cleared at its release, so leaks are incoming: EP's own finish step
    //   failing leaves RC and EP (bail, guarded without the record: 2 slots) or EP (continue,
    //   guarded with the record: 1); held-forever adds one for the state held at the end.
    // - so continue with either clearing release and panic-if-direct-unfinished (3 changes from
    //   the latest kernel) beat the same with the record (4).
    const DesignRanking r = rankDesigns(twoDevicesStep());
    ASSERT_EQ(r.rows.size(), allDesigns().size());
    std::vector<Design> best;
    for (const DesignRow *row : bestDesigns(r))
        best.push_back(row->design);
    EXPECT_EQ(best, (std::vector<Design>{
                        design("continue/none/warn-clear-and-free/panic-if-direct-unfinished"),
                        design("continue/none/warn-and-reconcile/panic-if-direct-unfinished")}));
    EXPECT_EQ(r.rows.front().score.key(), (std::array<std::uint32_t, 4>{0, 0, 1, 3}));
    auto score = [&r](const char *d) { return rowOf(r, design(d)).score.key(); };
    EXPECT_EQ(score("continue/checked/warn-and-reconcile/panic-if-direct-unfinished"),
              (std::array<std::uint32_t, 4>{0, 0, 1, 4}));
    EXPECT_EQ(score("guarded/checked/warn-clear-and-free/panic-if-direct-unfinished"),
              (std::array<std::uint32_t, 4>{0, 0, 1, 4}));
    EXPECT_EQ(score("bail/none/warn-clear-and-free/panic-if-direct-unfinished"),
              (std::array<std::uint32_t, 4>{0, 0, 2, 2}));
    EXPECT_EQ(score("guarded/none/warn-clear-and-free/panic-if-direct-unfinished"),
              (std::array<std::uint32_t, 4>{0, 0, 2, 3}));
    EXPECT_EQ(score("continue/none/warn-clear-and-free/held-forever"),
              (std::array<std::uint32_t, 4>{0, 0, 2, 3}));
    // Exactly the 24 crash-free designs by the first point.
    std::size_t crashFree = 0;
    for (const DesignRow &row : r.rows) {
        const bool clears = row.design.release == ReleaseCheck::WarnClearAndFree ||
                            row.design.release == ReleaseCheck::WarnAndReconcile;
        const bool noPanic = row.design.end != EndOfUpdate::Panic;
        EXPECT_EQ(row.score.crashes, clears && noPanic ? 0u : 1u) << toString(row.design);
        EXPECT_EQ(row.score.premature, row.design.release == ReleaseCheck::WarnAndFree ? 1u : 0u)
            << toString(row.design);
        crashFree += row.score.crashes == 0;
    }
    EXPECT_EQ(crashFree, 24u);
}

TEST(DesignRanking, TodaysKernelsCrashOnTheSmallestTreesTheHandDerivationNames) {
    DesignRankingOptions o = twoDevicesStep();
    o.designs = {currentKernels()[0].design, latestKernel()};
    const DesignRanking r = rankDesigns(o);
    // v6: preserve D; unpreserve D with its step failing: BUG_ON(nr_devices 1), 1 device.
    const DesignCell &v6 = rowOf(r, currentKernels()[0].design).cells.at(0);
    EXPECT_EQ(v6.worst, DesignHarm::Crash);
    EXPECT_EQ(v6.crash, KernelEventKind::BugAtRelease);
    ASSERT_TRUE(v6.example);
    EXPECT_EQ(v6.example->setup->topology.size(), 1u);
    EXPECT_EQ(v6.example->ops.size(), 3u); // preserve, fail-next, unpreserve
    EXPECT_EQ(cellLabel(v6), "BUG at release");
    // latest: the same leaves the empty bridge pointing into the freed table; preserving it
    // again reads it (3 ops), before any finish-all panic could (4 ops).
    const DesignCell &latest = rowOf(r, latestKernel()).cells.at(0);
    EXPECT_EQ(latest.crash, KernelEventKind::UseAfterFree);
    ASSERT_TRUE(latest.example);
    EXPECT_EQ(latest.example->setup->topology.size(), 1u);
    EXPECT_TRUE(latest.example->setup->topology.isBridge(0));
    EXPECT_EQ(latest.example->ops.size(), 4u); // preserve, fail-next, unpreserve, preserve
    EXPECT_EQ(cellLabel(latest), "use after free");
}

TEST(DesignRanking, TheScoreIsCrashesThenPrematureThenLeakedThenChanges) {
    const Design latest = latestKernel();
    DesignCell crash, premature, leak;
    crash.worst = DesignHarm::Crash;
    premature.worst = DesignHarm::PrematureRelease;
    premature.premature = true;
    leak.worst = DesignHarm::Leak;
    leak.leakedSlots = 3;
    leak.held = true;
    const DesignScore s = scoreOf(latest, {crash, premature, leak});
    EXPECT_EQ(s.key(), (std::array<std::uint32_t, 4>{1, 1, 4, 0}));
    // One crash is worse than any number of leaks.
    DesignCell bigLeak = leak;
    bigLeak.leakedSlots = 1000;
    EXPECT_LT(scoreOf(latest, {bigLeak}).key(), scoreOf(latest, {crash}).key());
}

TEST(DesignVerdict, TheBestDesignIsProvedAndEveryChangeFromTheLatestKernelIsNeeded) {
    DesignVerdictOptions o;
    o.design = design("continue/checked/warn-clear-and-free/held-forever");
    o.abi = Abi::V7;
    o.proveDevices = 4;
    o.solver = SolverChoice::Both; // cvc5 re-decides every query
    const DesignVerdict v = proveBestDesign(o);
    EXPECT_TRUE(allProved(v));
    ASSERT_EQ(v.proofs.size(), 4u);           // step, lost-slot, refcount, misuse (v7: no -ENOSPC)
    EXPECT_EQ(v.proofs[0].claims.size(), 4u); // step: all four claims
    EXPECT_EQ(v.proofs[1].claims.size(), 2u); // lost-slot: no premature-release, no containment
    ASSERT_EQ(v.runnerUps.size(), 4u);
    // walk bail: bail stops above a failed step, so the bridges above keep counts (containment,
    // found by the exhaustive search: nothing Z3 proves of the best design breaks).
    EXPECT_EQ(v.runnerUps[0].change, "walk bail");
    EXPECT_FALSE(v.runnerUps[0].z3);
    ASSERT_TRUE(v.runnerUps[0].breach);
    // record none: unpreserving a bridge nobody preserved releases it under a preserved device.
    EXPECT_EQ(v.runnerUps[1].change, "record none");
    ASSERT_TRUE(v.runnerUps[1].z3);
    EXPECT_EQ(v.runnerUps[1].fault, FaultClass::Misuse);
    EXPECT_EQ(v.runnerUps[1].claim, DesignClaim::NoPrematureRelease);
    // release warn-and-free and end panic: a failed step then crashes.
    for (std::size_t k : {std::size_t{2}, std::size_t{3}}) {
        ASSERT_TRUE(v.runnerUps[k].z3) << v.runnerUps[k].change;
        EXPECT_EQ(v.runnerUps[k].claim, DesignClaim::NoCrash);
        EXPECT_EQ(v.runnerUps[k].fault, FaultClass::Step);
        EXPECT_TRUE(v.runnerUps[k].z3->replayAgrees) << v.runnerUps[k].z3->replayNote;
    }
    EXPECT_EQ(v.runnerUps[2].change, "release warn-and-free");
    EXPECT_EQ(v.runnerUps[3].change, "end panic");
}

} // namespace
} // namespace bridgepath
