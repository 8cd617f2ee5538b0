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

TEST_F(ReviewTree, OutgoingOperationsAfterKexecAndFinishBeforeItAreEnoent) {
    PciLiveUpdate lu(t, config(Policy::Bail));
    EXPECT_EQ(run(lu, "finish 03:00.0; finish-all"), results({R::Enoent, R::Enoent}));
    EXPECT_EQ(run(lu, "preserve 03:00.0; kexec; preserve 03:00.1; unpreserve 03:00.0; "
                      "freeze 03:00.0; kexec"),
              results({R::Ok, R::Ok, R::Enoent, R::Enoent, R::Enoent, R::Enoent}));
    EXPECT_EQ(run(lu, "finish 03:00.0; finish-all; finish 03:00.0; finish-all"),
              results({R::Ok, R::Ok, R::Enoent, R::Enoent}));
}

TEST_F(ReviewTree, KexecHandsOverTheTableAndNrDevicesUnchanged) {
    PciLiveUpdate lu(t, config(Policy::Bail));
    run(lu, "preserve 03:00.0; preserve 03:00.1; lose 02:00.0");
    const State before = lu.state();
    ASSERT_EQ(lu.kexec(), R::Ok);
    const State after = lu.state();
    EXPECT_EQ(after.phase, Phase::Incoming);
    EXPECT_EQ(after.table, before.table);
    EXPECT_EQ(after.nrDevices, before.nrDevices);
    EXPECT_EQ(after.directlyPreserved, before.directlyPreserved);
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
    EXPECT_EQ(s.nrDevices, 4u); // EP1's slot and the three bridges it still holds
    EXPECT_EQ(s.slots(), (Slots{{RC, 1}, {B1, 1}, {B2, 1}, {EP1, 1}}));
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
