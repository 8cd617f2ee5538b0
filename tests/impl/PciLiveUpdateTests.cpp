// Laws of the kernel-faithful implementation, on the review's tree and real machines' trees.

#include "impl/PciLiveUpdate.h"

#include "TestSupport.h"

#include <gtest/gtest.h>
#include <map>

namespace bridgepath {
namespace {

using test::bdf;
using test::results;
using test::run;
using R = Result;

const Bdf RC = bdf("00:00.0"), B1 = bdf("01:00.0"), B2 = bdf("02:00.0"), EP0 = bdf("03:00.0"),
          EP1 = bdf("03:00.1");

LiveUpdateConfig config(Policy policy, std::size_t capacity = 5, Abi abi = Abi::V6) {
    LiveUpdateConfig c;
    c.policy = policy;
    c.capacity = capacity;
    c.abi = abi;
    return c;
}

using Slots = std::map<Bdf, unsigned>;

class ReviewTree : public ::testing::Test {
  protected:
    Topology t = test::reviewTree();
};

TEST_F(ReviewTree, LostSlotUnderBailLeaksB1AndRc) {
    PciLiveUpdate lu(t, config(Policy::Bail));
    EXPECT_EQ(run(lu, "preserve 03:00.0; preserve 03:00.1; lose 02:00.0; unpreserve 03:00.1; "
                      "unpreserve 03:00.0"),
              results({R::Ok, R::Ok, R::Ok, R::Einval, R::Einval}));
    const State s = lu.state();
    EXPECT_EQ(s.slots(), (Slots{{RC, 2}, {B1, 2}}));
    EXPECT_EQ(s.nrDevices, 3u); // RC, B1 and the lost B2 slot nobody frees
    EXPECT_TRUE(s.directlyPreserved.empty());
}

TEST_F(ReviewTree, LostSlotUnderContinueAndGuardedReleasesB1AndRc) {
    for (Policy p : {Policy::Continue, Policy::Guarded}) {
        PciLiveUpdate lu(t, config(p));
        EXPECT_EQ(run(lu, "preserve 03:00.0; preserve 03:00.1; lose 02:00.0; unpreserve 03:00.1; "
                          "unpreserve 03:00.0"),
                  results({R::Ok, R::Ok, R::Ok, R::Einval, R::Einval}))
            << toString(p);
        const State s = lu.state();
        EXPECT_TRUE(s.slots().empty()) << toString(p);
        EXPECT_EQ(s.nrDevices, 1u) << toString(p) << ": the lost slot's count is never returned";
    }
}

TEST_F(ReviewTree, FailedStepUnderBailLeavesEveryBridgeAboveCounted) {
    PciLiveUpdate lu(t, config(Policy::Bail));
    run(lu, "preserve 03:00.0; preserve 03:00.1; fail-next unpreserve 02:00.0; unpreserve 03:00.1; "
            "unpreserve 03:00.0");
    EXPECT_EQ(lu.state().slots(), (Slots{{RC, 1}, {B1, 1}, {B2, 1}}));
}

TEST_F(ReviewTree, FailedStepUnderContinueLeavesOnlyTheFaultyBridgeCounted) {
    PciLiveUpdate lu(t, config(Policy::Continue));
    run(lu, "preserve 03:00.0; preserve 03:00.1; fail-next unpreserve 02:00.0; unpreserve 03:00.1; "
            "unpreserve 03:00.0");
    EXPECT_EQ(lu.state().slots(), (Slots{{B2, 1}}));
    EXPECT_EQ(lu.state().nrDevices, 1u);
}

TEST_F(ReviewTree, EndpointPreservedTwiceIsEbusyAndChangesNothing) {
    PciLiveUpdate lu(t, config(Policy::Bail));
    ASSERT_EQ(lu.preserve(*t.find(EP0)), R::Ok);
    const State before = lu.state();
    EXPECT_EQ(lu.preserve(*t.find(EP0)), R::Ebusy);
    EXPECT_EQ(lu.state(), before);
}

TEST_F(ReviewTree, BridgeReachedByTwoEndpointsHasRefcountTwo) {
    PciLiveUpdate lu(t, config(Policy::Bail));
    run(lu, "preserve 03:00.0; preserve 03:00.1");
    EXPECT_EQ(lu.state().slots(), (Slots{{RC, 2}, {B1, 2}, {B2, 2}, {EP0, 1}, {EP1, 1}}));
    EXPECT_EQ(lu.state().nrDevices, 5u);
    run(lu, "unpreserve 03:00.0");
    EXPECT_EQ(lu.state().slots(), (Slots{{RC, 1}, {B1, 1}, {B2, 1}, {EP1, 1}}));
    run(lu, "unpreserve 03:00.1");
    EXPECT_TRUE(lu.state().slots().empty());
    EXPECT_EQ(lu.state().nrDevices, 0u);
}

TEST_F(ReviewTree, FailedPreserveStepRollsBackTheDevicesBelow) {
    PciLiveUpdate lu(t, config(Policy::Bail));
    run(lu, "preserve 03:00.0");
    const State before = lu.state();
    EXPECT_EQ(run(lu, "fail-next preserve 01:00.0; preserve 03:00.1"), results({R::Ok, R::Eio}));
    EXPECT_EQ(lu.state(), before); // EP1's new slot freed, B2's increment undone
}

TEST_F(ReviewTree, FrozenBridgeFailsLaterStepsWithEinval) {
    PciLiveUpdate lu(t, config(Policy::Bail));
    EXPECT_EQ(run(lu, "freeze 02:00.0; preserve 03:00.0"), results({R::Ok, R::Einval}));
    EXPECT_TRUE(lu.state().slots().empty());
    EXPECT_EQ(lu.state().nrDevices, 0u);
}

TEST_F(ReviewTree, FailNextFiresOnceBeforeEveryOtherCheck) {
    PciLiveUpdate lu(t, config(Policy::Bail));
    // EP1 opens a session; EP0 has no slot, so a plain unpreserve is -EINVAL; the injected
    // fault comes first. (Without a session an unpreserve does not walk at all: -ENOENT.)
    EXPECT_EQ(run(lu, "preserve 03:00.1; fail-next unpreserve 03:00.0; unpreserve 03:00.0; "
                      "unpreserve 03:00.0"),
              results({R::Ok, R::Ok, R::Eio, R::Einval}));
}

TEST_F(ReviewTree, FinishOutsideAnIncomingUpdateIsEnoentAndOutgoingOperationsWorkInEveryPhase) {
    PciLiveUpdate lu(t, config(Policy::Bail));
    EXPECT_EQ(run(lu, "finish 03:00.0; finish-all"), results({R::Enoent, R::Enoent}));
    // Kernel 1 preserves EP1 (a table of its own); EP0 holds no slot in it: -EINVAL; the frozen
    // EP0 and the second kexec are fine.
    EXPECT_EQ(run(lu, "preserve 03:00.0; kexec; preserve 03:00.1; unpreserve 03:00.0; "
                      "freeze 03:00.0; kexec"),
              results({R::Ok, R::Ok, R::Ok, R::Einval, R::Ok, R::Ok}));
    // Kernel 2 inherited EP1's path only: EP0 is not incoming, and the four entries of EP1's path
    // are never finished (v6 holds the incoming state).
    EXPECT_EQ(run(lu, "finish 03:00.0; finish-all; finish 03:00.0; finish-all"),
              results({R::Einval, R::Panic, R::Enoent, R::Enoent}));
    EXPECT_EQ(lu.state().generation, 2u);
    EXPECT_EQ(lu.state().events.back().kind, KernelEventKind::IncomingHeld);
}

TEST_F(ReviewTree, KexecHandsOverTheTableAndNrDevicesUnchanged) {
    PciLiveUpdate lu(t, config(Policy::Bail));
    run(lu, "preserve 03:00.0; preserve 03:00.1; lose 02:00.0");
    const State before = lu.state();
    ASSERT_EQ(lu.kexec(), R::Ok);
    const State after = lu.state();
    EXPECT_EQ(after.phase, Phase::Incoming);
    EXPECT_EQ(after.generation, 1u);
    EXPECT_EQ(after.incoming.table, before.table);
    EXPECT_EQ(after.incoming.nrDevices, before.nrDevices);
    EXPECT_EQ(after.incoming.directlyPreserved, before.directlyPreserved);
    // The new kernel's outgoing side starts empty: no table until it preserves.
    EXPECT_TRUE(after.table.empty());
    EXPECT_EQ(after.nrDevices, 0u);
    EXPECT_TRUE(after.directlyPreserved.empty());
}

TEST_F(ReviewTree, PreserveAfterKexecStartsANewOutgoingTable) {
    PciLiveUpdate lu(t, config(Policy::Bail));
    EXPECT_EQ(run(lu, "preserve 03:00.0; kexec; preserve 03:00.1"), results({R::Ok, R::Ok, R::Ok}));
    const State s = lu.state();
    // A fresh table of 5 slots probed from nr_devices 0: EP1 and its path in slots 0-3.
    EXPECT_EQ(s.table,
              (std::vector<SlotEntry>{SlotEntry::of(EP1, 1), SlotEntry::of(B2, 1),
                                      SlotEntry::of(B1, 1), SlotEntry::of(RC, 1), SlotEntry{}}));
    EXPECT_EQ(s.nrDevices, 4u);
    EXPECT_EQ(s.directlyPreserved, (std::set<Bdf>{EP1}));
    // The inherited side is untouched: EP0's path, as kernel 0 handed it over.
    EXPECT_EQ(s.incoming.table,
              (std::vector<SlotEntry>{SlotEntry::of(EP0, 1), SlotEntry::of(B2, 1),
                                      SlotEntry::of(B1, 1), SlotEntry::of(RC, 1), SlotEntry{}}));
    EXPECT_EQ(s.incoming.nrDevices, 4u);
    EXPECT_EQ(s.incoming.directlyPreserved, (std::set<Bdf>{EP0}));
}

TEST_F(ReviewTree, BridgeIncomingAndOutgoingKeepsTwoCounts) {
    PciLiveUpdate lu(t, config(Policy::Bail));
    // Kernel 0: EP0 in slots 0-3, EP1 in slot 4 (probed from nr_devices 4), bridges at 2.
    // Kernel 1 preserves EP1 again for kernel 2 and finishes EP0.
    EXPECT_EQ(run(lu, "preserve 03:00.0; preserve 03:00.1; kexec; preserve 03:00.1; "
                      "finish 03:00.0"),
              results({R::Ok, R::Ok, R::Ok, R::Ok, R::Ok}));
    const DeviceId b2 = *t.find(B2);
    EXPECT_EQ(lu.incomingRefcount(b2), 1u); // 2, less EP0's finish
    EXPECT_EQ(lu.outgoingRefcount(b2), 1u); // kernel 1's own count for EP1
    EXPECT_TRUE(lu.incoming(b2));
    EXPECT_EQ(lu.state().incoming.nrDevices, 4u); // EP0's entry reached 0
    EXPECT_EQ(lu.state().incoming.table[0], (SlotEntry{0, EP0.abiBdf(), 0})); // keeps its BDF
    EXPECT_EQ(lu.state().nrDevices, 4u);
    // Finishing EP1 releases the incoming counts only.
    EXPECT_EQ(lu.finish(*t.find(EP1)), R::Ok);
    EXPECT_FALSE(lu.incoming(b2));
    EXPECT_EQ(lu.state().incoming.nrDevices, 0u);
    EXPECT_EQ(lu.state().slots(), (Slots{{RC, 1}, {B1, 1}, {B2, 1}, {EP1, 1}}));
    EXPECT_EQ(lu.finishAll(), R::Ok);
}

TEST_F(ReviewTree, KexecDropsUnfinishedIncomingWithoutEvent) {
    PciLiveUpdate lu(t, config(Policy::Bail));
    // Kernel 1 finishes nothing and preserves nothing: it hands over no table.
    EXPECT_EQ(run(lu, "preserve 03:00.0; kexec; kexec"), results({R::Ok, R::Ok, R::Ok}));
    const State s = lu.state();
    EXPECT_EQ(s.generation, 2u);
    EXPECT_EQ(s.phase, Phase::Incoming);
    EXPECT_TRUE(s.incoming.table.empty());
    EXPECT_EQ(s.incoming.nrDevices, 0u);
    EXPECT_TRUE(s.incoming.directlyPreserved.empty());
    EXPECT_TRUE(s.events.empty()); // no check of the dropped nr_devices 4
    EXPECT_EQ(run(lu, "finish-all"), results({R::Ok}));
    EXPECT_FALSE(lu.panicked());
}

TEST_F(ReviewTree, SecondKexecHandsOverOnlyTheNewTable) {
    PciLiveUpdate lu(t, config(Policy::Bail));
    EXPECT_EQ(run(lu, "preserve 03:00.0; kexec; preserve 03:00.1; kexec"),
              results({R::Ok, R::Ok, R::Ok, R::Ok}));
    const State s = lu.state();
    EXPECT_EQ(s.incoming.table,
              (std::vector<SlotEntry>{SlotEntry::of(EP1, 1), SlotEntry::of(B2, 1),
                                      SlotEntry::of(B1, 1), SlotEntry::of(RC, 1), SlotEntry{}}));
    EXPECT_EQ(s.incoming.nrDevices, 4u);
    EXPECT_EQ(s.incoming.directlyPreserved, (std::set<Bdf>{EP1}));
    // EP0 (kernel 0's, never finished) is gone with the dropped side: finishing EP1 is enough.
    EXPECT_EQ(run(lu, "finish 03:00.0; finish 03:00.1; finish-all"),
              results({R::Einval, R::Ok, R::Ok}));
    EXPECT_FALSE(lu.panicked());
}

TEST_F(ReviewTree, FinishAllThenPreserveForTheNextKernel) {
    PciLiveUpdate lu(t, config(Policy::Bail));
    EXPECT_EQ(run(lu, "preserve 03:00.0; kexec; finish 03:00.0; finish-all; preserve 03:00.0"),
              results({R::Ok, R::Ok, R::Ok, R::Ok, R::Ok}));
    EXPECT_EQ(lu.phase(), Phase::Ended);
    EXPECT_EQ(lu.state().slots(), (Slots{{RC, 1}, {B1, 1}, {B2, 1}, {EP0, 1}}));
    EXPECT_EQ(run(lu, "kexec"), results({R::Ok}));
    const State s = lu.state();
    EXPECT_EQ(s.generation, 2u);
    EXPECT_EQ(s.phase, Phase::Incoming);
    EXPECT_EQ(s.incoming.table,
              (std::vector<SlotEntry>{SlotEntry::of(EP0, 1), SlotEntry::of(B2, 1),
                                      SlotEntry::of(B1, 1), SlotEntry::of(RC, 1), SlotEntry{}}));
    EXPECT_EQ(run(lu, "finish 03:00.0; finish-all"), results({R::Ok, R::Ok}));
    EXPECT_FALSE(lu.panicked());
}

TEST_F(ReviewTree, FinishInAKernelThatInheritedNothingIsEnoentAndKeepsTheFaultArmed) {
    // Kernel 0's table was released before the kexec: kernel 1 inherits no FLB data at all, so
    // finish returns before its walk and the armed fault waits.
    PciLiveUpdate lu(t, config(Policy::Bail));
    EXPECT_EQ(run(lu, "preserve 03:00.0; unpreserve 03:00.0; kexec; fail-next finish 03:00.0; "
                      "finish 03:00.0; finish-all"),
              results({R::Ok, R::Ok, R::Ok, R::Ok, R::Enoent, R::Ok}));
    EXPECT_TRUE(lu.failNextPending(*t.find(EP0), StepKind::Finish));
    EXPECT_FALSE(lu.panicked());
}

TEST_F(ReviewTree, V6UnplugWithoutAnOutgoingTableLeavesThePointerIntoTheFreedTable) {
    // WarnAndFree: B2's unpreserve step fails, so B2, B1 and RC keep a count when nothing is
    // preserved any more; the table is freed under their pointers. Unplugging B1's subtree then
    // finds no outgoing table: the cleanup does not walk, nothing touches the freed slots.
    LiveUpdateConfig c = config(Policy::Bail);
    c.releaseCheck = ReleaseCheck::WarnAndFree;
    PciLiveUpdate lu(t, c);
    EXPECT_EQ(run(lu, "preserve 03:00.0; fail-next unpreserve 02:00.0; unpreserve 03:00.0; "
                      "unplug 01:00.0"),
              results({R::Ok, R::Ok, R::Eio, R::Ok}));
    const State s = lu.state();
    EXPECT_EQ(s.dangling, (std::map<Bdf, std::uint16_t>{{RC, 1}, {B1, 1}, {B2, 1}}));
    ASSERT_EQ(s.events.size(), 1u);
    EXPECT_EQ(s.events[0].kind, KernelEventKind::TableFreedWithReferences);
    EXPECT_EQ(s.events[0].nrDevices, 3u);
}

TEST_F(ReviewTree, PanicAtFinishEndsTheChain) {
    // v7 panics at the end of an update left with nr_devices != 0: B2's finish step fails.
    PciLiveUpdate lu(t, config(Policy::Bail, 0, Abi::V7));
    EXPECT_EQ(run(lu, "preserve 03:00.0; kexec; preserve 03:00.1; fail-next finish 02:00.0; "
                      "finish 03:00.0; finish-all"),
              results({R::Ok, R::Ok, R::Ok, R::Ok, R::Eio, R::Panic}));
    EXPECT_TRUE(lu.crashed());
    const State dead = lu.state();
    EXPECT_EQ(dead.incoming.nrDevices, 3u); // EP0's entry reached 0, its bridges did not
    EXPECT_EQ(dead.events.back().kind, KernelEventKind::PanicAtFinish);
    EXPECT_EQ(dead.events.back().nrDevices, 3u);
    EXPECT_EQ(run(lu, "preserve 03:00.0; unpreserve 03:00.1; freeze 03:00.0; kexec; "
                      "finish 03:00.1; finish-all; fail-next finish 02:00.0; lose 02:00.0; "
                      "set-refcount 02:00.0 1; vanish 03:00.0; unplug 03:00.0"),
              results({R::Enoent, R::Enoent, R::Enoent, R::Enoent, R::Enoent, R::Enoent, R::Enoent,
                       R::Enoent, R::Enoent, R::Enoent, R::Enoent}));
    EXPECT_EQ(lu.state(), dead);
}

TEST_F(ReviewTree, FinishingEveryPreservedDeviceEndsWithoutPanic) {
    PciLiveUpdate lu(t, config(Policy::Bail));
    EXPECT_EQ(run(lu, "preserve 03:00.0; preserve 03:00.1; kexec; finish 03:00.1; finish 03:00.0; "
                      "finish-all"),
              results({R::Ok, R::Ok, R::Ok, R::Ok, R::Ok, R::Ok}));
    EXPECT_FALSE(lu.state().panicked);
    EXPECT_EQ(lu.state().phase, Phase::Ended);
}

TEST_F(ReviewTree, FinishAllPanicsWhenAPreservedDeviceVanished) {
    PciLiveUpdate lu(t, config(Policy::Bail));
    EXPECT_EQ(run(lu, "preserve 03:00.0; preserve 03:00.1; vanish 03:00.1; kexec; finish 03:00.1; "
                      "finish 03:00.0; finish-all"),
              results({R::Ok, R::Ok, R::Ok, R::Ok, R::Enodev, R::Ok, R::Panic}));
    const State s = lu.state();
    EXPECT_TRUE(s.panicked);
    EXPECT_EQ(s.incoming.nrDevices, 4u); // EP1's entry and the three bridges it still holds
    EXPECT_EQ(s.incomingSide().slots(), (Slots{{RC, 1}, {B1, 1}, {B2, 1}, {EP1, 1}}));
    EXPECT_TRUE(s.slots().empty()); // kernel 1 preserved nothing
}

TEST_F(ReviewTree, FailedFinishStepEndsInPanicUnderEveryPolicy) {
    for (Policy p : {Policy::Bail, Policy::Continue, Policy::Guarded}) {
        PciLiveUpdate lu(t, config(p));
        EXPECT_EQ(run(lu, "preserve 03:00.0; kexec; fail-next finish 02:00.0; finish 03:00.0; "
                          "finish-all"),
                  results({R::Ok, R::Ok, R::Ok, R::Eio, R::Panic}))
            << toString(p);
    }
}

TEST_F(ReviewTree, LostSlotIsReusedWhileItsDeviceStillPointsAtIt) {
    // v7 takes the first free slot from 0: EP1 lands in the slot EP0 lost but still caches.
    PciLiveUpdate lu(t, config(Policy::Bail, 0, Abi::V7));
    run(lu, "preserve 03:00.0; lose 03:00.0; preserve 03:00.1");
    EXPECT_EQ(lu.state().table[0], SlotEntry::of(EP1, 1));
    // Unpreserving EP0 now decrements EP1's slot through EP0's stale index and frees it.
    EXPECT_EQ(lu.unpreserve(*t.find(EP0)), R::Ok);
    const auto slots = lu.state().slots();
    EXPECT_EQ(slots.count(EP1), 0u);
    EXPECT_EQ(slots, (Slots{{RC, 1}, {B1, 1}, {B2, 1}}));
    EXPECT_EQ(lu.state().directlyPreserved, (std::set<Bdf>{EP1}));
}

TEST_F(ReviewTree, RefcountWrapsAtSixteenBits) {
    PciLiveUpdate lu(t, config(Policy::Bail));
    run(lu, "preserve 03:00.0; set-refcount 02:00.0 65535; preserve 03:00.1");
    EXPECT_EQ(lu.state().refcount(B2), 0u); // u16 wrapped: B2's slot reads as free
    EXPECT_EQ(lu.state().nrDevices, 5u);
}

TEST_F(ReviewTree, CorruptingADeviceWithoutSlotIsEnoent) {
    PciLiveUpdate lu(t, config(Policy::Bail));
    EXPECT_EQ(run(lu, "lose 03:00.0; set-refcount 03:00.0 3"), results({R::Enoent, R::Enoent}));
}

TEST_F(ReviewTree, UnplugUnpreservesTheSubtreeDeepestFirst) {
    PciLiveUpdate lu(t, config(Policy::Bail));
    EXPECT_EQ(run(lu, "preserve 03:00.0; preserve 03:00.1; unplug 02:00.0; preserve 03:00.0; "
                      "unplug 03:00.1"),
              results({R::Ok, R::Ok, R::Ok, R::Enodev, R::Enodev}));
    EXPECT_TRUE(lu.state().slots().empty());
    EXPECT_EQ(lu.state().nrDevices, 0u);
    EXPECT_TRUE(lu.state().directlyPreserved.empty());
}

TEST_F(ReviewTree, UnpreserveOfANeverPreservedDeviceUnderContinueReleasesBridgesEarly) {
    PciLiveUpdate bail(t, config(Policy::Bail)), cont(t, config(Policy::Continue)),
        guarded(t, config(Policy::Guarded));
    for (PciLiveUpdate *lu : {&bail, &cont, &guarded})
        EXPECT_EQ(run(*lu, "preserve 03:00.0; unpreserve 03:00.1"), results({R::Ok, R::Einval}));
    EXPECT_EQ(bail.state().slots(), (Slots{{RC, 1}, {B1, 1}, {B2, 1}, {EP0, 1}}));
    EXPECT_EQ(guarded.state().slots(), bail.state().slots());
    EXPECT_EQ(cont.state().slots(), (Slots{{EP0, 1}})); // EP0's bridges are gone under it
}

TEST(PciLiveUpdate, VirtualFunctionIsRefusedWithEinval) {
    const Topology t = test::loadTree("icelake-connectx7-sriov-vfs-excerpt.lspci-tv");
    PciLiveUpdate lu(t, config(Policy::Bail, t.size()));
    EXPECT_EQ(run(lu, "preserve b1:00.2; preserve b1:00.0"), results({R::Einval, R::Ok}));
    EXPECT_EQ(lu.state().slots().size(), 2u); // the PF and its root port
}

TEST(PciLiveUpdate, EnospcMidWalkRollsBackExactly) {
    // 0a:00.0 below root port 00:03.1 takes 2 slots; 03:00.0 needs 4 (its switch and root port).
    const Topology t = test::loadTree("amd-am4-dual-rtx3090-chipset-switch.lspci-t");
    PciLiveUpdate lu(t, config(Policy::Bail, 4));
    ASSERT_EQ(lu.preserve(*t.find(bdf("0a:00.0"))), R::Ok);
    const State before = lu.state();
    EXPECT_EQ(lu.preserve(*t.find(bdf("03:00.0"))), R::Enospc); // at 01:00.0, after 2 new slots
    EXPECT_EQ(lu.state(), before);
}

TEST(PciLiveUpdate, V6ProbesFromNrDevicesModCapacity) {
    const Topology t = test::reviewTree();
    PciLiveUpdate lu(t, config(Policy::Bail, 8));
    run(lu, "preserve 03:00.0; unpreserve 03:00.0; preserve 03:00.1");
    // After the first round slots 0-3 are free and nr_devices is 0 again: EP1 takes slot 0.
    EXPECT_EQ(lu.state().table[0], SlotEntry::of(EP1, 1));
    run(lu, "unpreserve 03:00.1; preserve 03:00.0; lose 03:00.0; preserve 03:00.1");
    // nr_devices is 4 (EP0's lost slot still counted): EP1 probes from slot 4.
    EXPECT_EQ(lu.state().table[4], SlotEntry::of(EP1, 1));
}

TEST(PciLiveUpdate, V7TableGrowsAndNeverRunsOutOfSpace) {
    const Topology t = test::loadTree("supermicro-x9drg-8x-rtx2080ti-pex8747-abridged.lspci-t");
    PciLiveUpdate lu(t, config(Policy::Bail, 0, Abi::V7));
    std::size_t endpoints = 0;
    for (DeviceId d = 0; d < t.size(); ++d)
        if (!t.isBridge(d)) {
            ASSERT_EQ(lu.preserve(d), R::Ok) << t.bdf(d).toString();
            ++endpoints;
        }
    EXPECT_EQ(lu.state().table.size(), t.size()); // every device is on some endpoint's path
    EXPECT_EQ(lu.state().nrDevices, t.size());
    EXPECT_EQ(endpoints, 32u);
}

} // namespace
} // namespace bridgepath
