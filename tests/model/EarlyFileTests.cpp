// The early recursive file as a model variant: root-first walks, no step checks, WARN_ON_ONCE at
// the release, the cleanup keeping the outgoing counts. Every expectation is worked out by hand
// on the review tree RC 00:00.0 -> B1 01:00.0 -> B2 02:00.0 -> {EP0 03:00.0, EP1 03:00.1}, from
// the rules in LiveUpdateConfig.h (StepChecks::None): the table has one slot per device present
// (5) and hands out the first free slot from nr_devices mod 5; a walk goes RC, B1, B2, then the
// named device. kernel-check runs the same sequences on the early fixture (KernelCheckTests).

#include "model/ReferenceModel.h"

#include "TestSupport.h"

#include <gtest/gtest.h>

namespace bridgepath {
namespace {

using test::bdf;

const Bdf RC = bdf("00:00.0"), B1 = bdf("01:00.0"), B2 = bdf("02:00.0"), EP0 = bdf("03:00.0"),
          EP1 = bdf("03:00.1");

LiveUpdateConfig earlyFile() {
    LiveUpdateConfig c;
    c.policy = Policy::Continue;
    c.abi = Abi::V6;
    c.tableSizedToPresent = true;
    c.walkOrder = WalkOrder::RootFirst;
    c.stepChecks = StepChecks::None;
    c.releaseCheck = ReleaseCheck::WarnOnceAndFree;
    c.endOfUpdate = EndOfUpdate::HeldForever;
    c.unplugCleanup = UnplugCleanup::DropsIncoming;
    return c;
}

LiveUpdateConfig v6File() {
    LiveUpdateConfig c;
    c.abi = Abi::V6;
    c.tableSizedToPresent = true;
    return c;
}

TEST(EarlyFile, APreserveTakesTheRootPortFirst) {
    const Topology t = test::reviewTree();
    ReferenceModel m(t, earlyFile());
    ASSERT_EQ(test::run(m, "preserve 03:00.0"), test::results({Result::Ok}));
    const State s = m.state();
    const std::vector<SlotEntry> want{SlotEntry::of(RC, 1), SlotEntry::of(B1, 1),
                                      SlotEntry::of(B2, 1), SlotEntry::of(EP0, 1), SlotEntry{}};
    EXPECT_EQ(s.table, want);
    EXPECT_EQ(s.nrDevices, 4u);
    // v6 walks the other way: the named device gets slot 0.
    ReferenceModel v6(t, v6File());
    ASSERT_EQ(test::run(v6, "preserve 03:00.0"), test::results({Result::Ok}));
    EXPECT_EQ(v6.state().table[0], SlotEntry::of(EP0, 1));
}

TEST(EarlyFile, ABridgeOnAPreservedPathIsBusyWhenNamed) {
    const Topology t = test::reviewTree();
    ReferenceModel m(t, earlyFile());
    EXPECT_EQ(test::run(m, "preserve 03:00.0; preserve 02:00.0"),
              test::results({Result::Ok, Result::Ebusy}));
    EXPECT_EQ(m.state().refcount(B2), 1u);
    EXPECT_TRUE(m.lastSteps().empty()); // refused before the walk
    // v6 counts the bridge once more.
    ReferenceModel v6(t, v6File());
    EXPECT_EQ(test::run(v6, "preserve 03:00.0; preserve 02:00.0"),
              test::results({Result::Ok, Result::Ok}));
    EXPECT_EQ(v6.state().refcount(B2), 2u);
}

TEST(EarlyFile, UnpreservingABridgeDropsEveryBridgeAboveItAndTheWalkNeverStops) {
    const Topology t = test::reviewTree();
    ReferenceModel m(t, earlyFile());
    ASSERT_EQ(test::run(m, "preserve 03:00.0; unpreserve 01:00.0"),
              test::results({Result::Ok, Result::Ok}));
    State s = m.state();
    EXPECT_EQ(s.refcount(RC), 0u);
    EXPECT_EQ(s.refcount(B1), 0u);
    EXPECT_EQ(s.refcount(B2), 1u);
    EXPECT_EQ(s.refcount(EP0), 1u);
    EXPECT_EQ(s.nrDevices, 2u);
    // RC and B1 have no slot now: each warns, and the walk goes on down to EP0.
    (void)test::run(m, "unpreserve 03:00.0");
    const std::vector<StepEvent> steps{{RC, StepKind::Unpreserve, Result::Einval},
                                       {B1, StepKind::Unpreserve, Result::Einval},
                                       {B2, StepKind::Unpreserve, Result::Ok},
                                       {EP0, StepKind::Unpreserve, Result::Ok}};
    EXPECT_EQ(m.lastSteps(), steps);
    s = m.state();
    EXPECT_EQ(s.nrDevices, 0u);
    EXPECT_TRUE(s.table.empty()); // released, nothing left, no warning
    EXPECT_TRUE(s.events.empty());
}

TEST(EarlyFile, AFailedStepUnwindsOnlyTheBridgesAboveIt) {
    const Topology t = test::reviewTree();
    ReferenceModel m(t, earlyFile());
    EXPECT_EQ(test::run(m, "fail-next preserve 02:00.0; preserve 03:00.1"),
              test::results({Result::Ok, Result::Eio}));
    const std::vector<StepEvent> steps{{RC, StepKind::Preserve, Result::Ok},
                                       {B1, StepKind::Preserve, Result::Ok},
                                       {B2, StepKind::Preserve, Result::Eio},
                                       {RC, StepKind::Unpreserve, Result::Ok},
                                       {B1, StepKind::Unpreserve, Result::Ok}};
    EXPECT_EQ(m.lastSteps(), steps);
    EXPECT_EQ(m.state().nrDevices, 0u);
    EXPECT_TRUE(m.state().events.empty());
}

TEST(EarlyFile, FinishingABridgeEarlyMakesALaterFinishDereferenceNull) {
    const Topology t = test::reviewTree();
    ReferenceModel m(t, earlyFile());
    // RC, B1, B2 at 2; EP0 and EP1 at 1 (EP1 in slot 4: probe from nr_devices 4).
    ASSERT_EQ(test::run(m, "preserve 03:00.0; preserve 03:00.1; kexec"),
              test::results({Result::Ok, Result::Ok, Result::Ok}));
    EXPECT_EQ(m.state().incoming.table[4], SlotEntry::of(EP1, 1));
    // finish B2 (misuse): RC, B1, B2 go to 1. finish EP0: RC, B1, B2 reach 0 and stop being
    // incoming. finish EP1: RC's incoming pointer is NULL.
    EXPECT_EQ(test::run(m, "finish 02:00.0; finish 03:00.0"),
              test::results({Result::Ok, Result::Ok}));
    EXPECT_EQ(m.state().incoming.nrDevices, 5u); // a finish never counts down nr_devices
    (void)test::run(m, "finish 03:00.1");
    const State s = m.state();
    ASSERT_EQ(test::eventKinds(s), std::vector<KernelEventKind>{KernelEventKind::NullDereference});
    EXPECT_EQ(s.events[0].device, RC);
    EXPECT_TRUE(s.crashed());
    EXPECT_EQ(s.incoming.table[4].refcount, 1u); // the walk died at RC, EP1 untouched
    EXPECT_EQ(test::run(m, "finish-all"), test::results({Result::Enoent}));
}

TEST(EarlyFile, EveryBridgeHoldsTheIncomingStateEvenInCorrectUse) {
    const Topology t = test::reviewTree();
    // References: 1 file + 4 devices incoming at enumeration; finish EP0 puts 1, the end of the
    // session the file's: 3 are left, the bridges' own, which nothing puts.
    ReferenceModel m(t, earlyFile());
    (void)test::run(m, "preserve 03:00.0; kexec; finish 03:00.0; finish-all");
    const State s = m.state();
    ASSERT_EQ(test::eventKinds(s), std::vector<KernelEventKind>{KernelEventKind::IncomingHeld});
    EXPECT_EQ(s.events[0].nrDevices, 4u);
    // v6 finishes each device of the path in its step: nothing is held.
    ReferenceModel v6(t, v6File());
    (void)test::run(v6, "preserve 03:00.0; kexec; finish 03:00.0; finish-all");
    EXPECT_TRUE(v6.state().events.empty());
}

TEST(EarlyFile, TheReleaseWarnsOncePerKernel) {
    const Topology t = test::reviewTree();
    ReferenceModel m(t, earlyFile());
    // Kernel 0: RC leaks (refcount 2, one put): WARN, freed. EP1's walk then reads RC's freed
    // slot twice; B1 leaks in turn: a second release with references, no second warning.
    (void)test::run(m, "preserve 03:00.0; set-refcount 00:00.0 2; unpreserve 03:00.0; "
                       "preserve 03:00.1; set-refcount 01:00.0 2; unpreserve 03:00.1");
    State s = m.state();
    using K = KernelEventKind;
    EXPECT_EQ(test::eventKinds(s),
              (std::vector<K>{K::TableFreedWithReferences, K::UseAfterFree, K::UseAfterFree}));
    EXPECT_EQ(s.events[0].nrDevices, 1u);
    // Kernel 1 starts with its warning unused.
    (void)test::run(m, "kexec; preserve 03:00.0; set-refcount 00:00.0 2; unpreserve 03:00.0");
    s = m.state();
    ASSERT_EQ(s.events.size(), 4u);
    EXPECT_EQ(s.events[3].kind, K::TableFreedWithReferences);
    EXPECT_EQ(s.events[3].nrDevices, 1u);
}

// The fixed table is full only when nr_devices equals its size: a counter that steps through
// freed slots drove below 0 probes like any other (the kernel's `==`, and its u32 sum).
TEST(EarlyFile, AWrappedCounterStillFindsAFreeSlot) {
    const Topology t = test::reviewTree();
    ReferenceModel m(t, earlyFile());
    // B2 and EP0 leak one reference each: WARN with nr_devices 2, both dangle at refcount 1.
    (void)test::run(m, "preserve 03:00.0; set-refcount 02:00.0 2; set-refcount 03:00.0 2; "
                       "unpreserve 03:00.0");
    const std::map<Bdf, std::uint16_t> dangling{{B2, 1}, {EP0, 1}};
    EXPECT_EQ(m.state().dangling, dangling);
    // A new table holding RC; unpreserving EP0 (misuse) takes RC to 0, then B2's and EP0's freed
    // slots to 0, each counting down the live table: 1 - 3 = 2^32 - 2.
    // (B1 has no slot: the walk warns there and goes on; the model's result says so.)
    ASSERT_EQ(test::run(m, "preserve 00:00.0; unpreserve 03:00.0"),
              test::results({Result::Ok, Result::Einval}));
    EXPECT_EQ(m.state().nrDevices, 4294967294u);
    // RC probes from (2^32 - 2) mod 5 = 4, B1 from (2^32 - 1) mod 5 = 0, B2 from 0, EP1 from 1.
    ASSERT_EQ(test::run(m, "preserve 03:00.1"), test::results({Result::Ok}));
    const State s = m.state();
    const std::vector<SlotEntry> want{SlotEntry::of(B1, 1), SlotEntry::of(B2, 1),
                                      SlotEntry::of(EP1, 1), SlotEntry{}, SlotEntry::of(RC, 1)};
    EXPECT_EQ(s.table, want);
    EXPECT_EQ(s.nrDevices, 2u);
}

TEST(EarlyFile, UnplugKeepsTheOutgoingCountsAndPutsTheIncomingReference) {
    const Topology t = test::reviewTree();
    ReferenceModel m(t, earlyFile());
    // 1 file + 4 incoming devices; unplugging B2 removes EP0 and EP1 first: EP0 and B2 each
    // put their reference (3 left: RC's, B1's and the file's).
    (void)test::run(m, "preserve 03:00.0; kexec; preserve 03:00.0; unplug 02:00.0");
    State s = m.state();
    EXPECT_EQ(s.refcount(EP0), 1u); // the outgoing counts stay
    EXPECT_EQ(s.refcount(B2), 1u);
    (void)test::run(m, "finish-all");
    s = m.state();
    ASSERT_EQ(test::eventKinds(s), std::vector<KernelEventKind>{KernelEventKind::IncomingHeld});
}

} // namespace
} // namespace bridgepath
