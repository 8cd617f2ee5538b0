// Chains of Live Updates in the reference model: each kernel's outgoing side beside the incoming
// side it inherited. Expected tables are worked out by hand from the rules in ReferenceModel.h on
// the review tree RC -> B1 -> B2 -> {EP0, EP1} (v7 hands out the first free slot; v6 probes from
// nr_devices, so both fill slots 0.. in walk order here).

#include "model/Invariant.h"
#include "model/ReferenceModel.h"

#include "TestSupport.h"

#include <gtest/gtest.h>

namespace bridgepath {
namespace {

using test::bdf;

const Bdf RC = bdf("00:00.0"), B1 = bdf("01:00.0"), B2 = bdf("02:00.0"), EP0 = bdf("03:00.0"),
          EP1 = bdf("03:00.1");

Op op(OpKind k, Bdf b = Bdf{}) {
    Op o;
    o.kind = k;
    o.bdf = b;
    return o;
}

// EP's path, bottom up, each with refcount 1.
std::vector<SlotEntry> pathOf(const Bdf &ep) {
    return {SlotEntry::of(ep, 1), SlotEntry::of(B2, 1), SlotEntry::of(B1, 1), SlotEntry::of(RC, 1)};
}

void expectEveryInvariant(const Topology &t, const State &s, std::optional<std::size_t> cap) {
    for (Invariant i : allInvariants()) {
        const Verdict v = check(i, t, s, cap);
        EXPECT_TRUE(v.holds) << toString(i) << ": " << v.why;
    }
}

TEST(Generations, ABridgeIsIncomingFromOneKernelAndOutgoingForTheNext) {
    const Topology t = test::reviewTree();
    ReferenceModel m(t, LiveUpdateConfig{Policy::Bail, Abi::V7, 0});
    ASSERT_EQ(m.apply(op(OpKind::Preserve, EP0)), Result::Ok);
    ASSERT_EQ(m.apply(op(OpKind::Kexec)), Result::Ok);
    State s = m.state();
    EXPECT_EQ(s.generation, 1u);
    EXPECT_EQ(s.phase, Phase::Incoming);
    EXPECT_EQ(s.incoming.table, pathOf(EP0));
    EXPECT_EQ(s.incoming.nrDevices, 4u);
    EXPECT_EQ(s.incoming.directlyPreserved, std::set<Bdf>{EP0});
    EXPECT_TRUE(s.table.empty()); // the new kernel has no session yet
    EXPECT_EQ(s.nrDevices, 0u);

    // The incoming kernel preserves EP1 for the next one: a new table of its own.
    ASSERT_EQ(m.apply(op(OpKind::Preserve, EP1)), Result::Ok);
    s = m.state();
    EXPECT_EQ(s.table, pathOf(EP1));
    EXPECT_EQ(s.nrDevices, 4u);
    EXPECT_EQ(s.incoming.table, pathOf(EP0)); // untouched
    EXPECT_EQ(s.refcount(B2), 1u);            // B2: outgoing 1 and incoming 1 at once
    expectEveryInvariant(t, s, std::nullopt);

    ASSERT_EQ(m.apply(op(OpKind::Finish, EP0)), Result::Ok);
    s = m.state();
    for (const SlotEntry &e : s.incoming.table)
        EXPECT_EQ(e.refcount, 0u) << e.address().toString();
    EXPECT_EQ(s.incoming.nrDevices, 0u);
    EXPECT_EQ(s.table, pathOf(EP1)); // finishing the incoming side leaves the outgoing one
    ASSERT_EQ(m.apply(op(OpKind::FinishAll)), Result::Ok);

    ASSERT_EQ(m.apply(op(OpKind::Kexec)), Result::Ok);
    s = m.state();
    EXPECT_EQ(s.generation, 2u);
    EXPECT_EQ(s.incoming.table, pathOf(EP1)); // only the second kernel's table crosses
    EXPECT_EQ(s.incoming.directlyPreserved, std::set<Bdf>{EP1});
    ASSERT_EQ(m.apply(op(OpKind::Finish, EP1)), Result::Ok);
    ASSERT_EQ(m.apply(op(OpKind::FinishAll)), Result::Ok);
    s = m.state();
    EXPECT_TRUE(s.events.empty());
    EXPECT_FALSE(s.panicked);
    expectEveryInvariant(t, s, std::nullopt);
}

TEST(Generations, KexecDropsAnUnfinishedIncomingSideWithoutAnyCheck) {
    const Topology t = test::reviewTree();
    ReferenceModel m(t, LiveUpdateConfig{Policy::Bail, Abi::V7, 0});
    ASSERT_EQ(m.apply(op(OpKind::Preserve, EP0)), Result::Ok);
    ASSERT_EQ(m.apply(op(OpKind::Kexec)), Result::Ok);
    // EP0 is never finished; the second kernel preserves nothing and kexecs again.
    EXPECT_EQ(m.apply(op(OpKind::Kexec)), Result::Ok);
    const State s = m.state();
    EXPECT_EQ(s.generation, 2u);
    EXPECT_TRUE(s.incoming.table.empty());
    EXPECT_EQ(s.incoming.nrDevices, 0u);
    EXPECT_TRUE(s.events.empty()); // no .finish ran, so nothing looked at nr_devices 4
    EXPECT_EQ(m.apply(op(OpKind::Finish, EP0)), Result::Enoent); // kernel 2 inherited nothing
    EXPECT_EQ(m.apply(op(OpKind::FinishAll)), Result::Ok);       // and the end finds nothing
    EXPECT_FALSE(m.state().panicked);
}

TEST(Generations, APanicAtTheEndOfAnUpdateEndsTheChain) {
    const Topology t = test::reviewTree();
    ReferenceModel m(t, LiveUpdateConfig{Policy::Bail, Abi::V7, 0});
    ASSERT_EQ(m.apply(op(OpKind::Preserve, EP0)), Result::Ok);
    ASSERT_EQ(m.apply(op(OpKind::Kexec)), Result::Ok);
    EXPECT_EQ(m.apply(op(OpKind::FinishAll)), Result::Panic);
    ASSERT_EQ(m.state().events.size(), 1u);
    EXPECT_EQ(m.state().events[0], (KernelEvent{KernelEventKind::PanicAtFinish, std::nullopt, 4}));
    EXPECT_EQ(m.apply(op(OpKind::Preserve, EP1)), Result::Enoent);
    EXPECT_EQ(m.apply(op(OpKind::Kexec)), Result::Enoent);
    EXPECT_TRUE(m.state().table.empty());
}

TEST(Generations, V6HeldIncomingStateDoesNotStopTheNextUpdate) {
    const Topology t = test::reviewTree();
    ReferenceModel m(t, LiveUpdateConfig{Policy::Bail, Abi::V6, 5});
    ASSERT_EQ(m.apply(op(OpKind::Preserve, EP0)), Result::Ok);
    ASSERT_EQ(m.apply(op(OpKind::Kexec)), Result::Ok);
    EXPECT_EQ(m.apply(op(OpKind::FinishAll)), Result::Panic);
    ASSERT_EQ(m.state().events.size(), 1u);
    EXPECT_EQ(m.state().events[0].kind, KernelEventKind::IncomingHeld);
    EXPECT_EQ(m.apply(op(OpKind::Preserve, EP1)), Result::Ok);
    std::vector<SlotEntry> five = pathOf(EP1);
    five.push_back(SlotEntry{});
    EXPECT_EQ(m.state().table, five);
    EXPECT_EQ(m.apply(op(OpKind::Kexec)), Result::Ok);
    EXPECT_EQ(m.state().incoming.table, five);
    EXPECT_EQ(m.state().generation, 2u);
}

TEST(Generations, AHeldUpdateIsJudgedInItsOwnKernelOnly) {
    // v6 keeps running after finish-all found nr_devices != 0; the next kernel's incoming side
    // has nothing to do with that verdict (found by the property tests, one endpoint).
    const Topology t = test::reviewTree();
    ReferenceModel m(t, LiveUpdateConfig{Policy::Bail, Abi::V6, 5});
    ASSERT_EQ(m.apply(op(OpKind::Vanish, EP0)), Result::Ok);
    ASSERT_EQ(m.apply(op(OpKind::Preserve, EP0)), Result::Ok);
    ASSERT_EQ(m.apply(op(OpKind::Kexec)), Result::Ok); // EP0 is not enumerated
    EXPECT_EQ(m.apply(op(OpKind::FinishAll)), Result::Panic);
    EXPECT_TRUE(m.state().panicked);
    ASSERT_EQ(m.apply(op(OpKind::Kexec)), Result::Ok);
    EXPECT_FALSE(m.state().panicked);
    expectEveryInvariant(t, m.state(), 5);
}

TEST(Generations, V6UnplugInAnIncomingKernelUnpreservesThenFinishes) {
    const Topology t = test::reviewTree();
    ReferenceModel m(t, LiveUpdateConfig{Policy::Bail, Abi::V6, 5});
    ASSERT_EQ(m.apply(op(OpKind::Preserve, EP0)), Result::Ok);
    ASSERT_EQ(m.apply(op(OpKind::Kexec)), Result::Ok);
    ASSERT_EQ(m.apply(op(OpKind::Preserve, EP0)), Result::Ok); // outgoing and incoming
    EXPECT_EQ(m.apply(op(OpKind::Unplug, EP0)), Result::Ok);
    const State s = m.state();
    // The unpreserve walk emptied the outgoing table (released: nr_devices 0, no event); the
    // finish walk brought every incoming entry to 0 (they keep their BDFs).
    EXPECT_TRUE(s.table.empty());
    EXPECT_EQ(s.nrDevices, 0u);
    EXPECT_TRUE(s.directlyPreserved.empty());
    EXPECT_TRUE(s.incoming.directlyPreserved.empty());
    EXPECT_EQ(s.incoming.nrDevices, 0u);
    ASSERT_EQ(s.incoming.table.size(), 5u);
    for (std::size_t i = 0; i < 4; ++i)
        EXPECT_EQ(s.incoming.table[i], SlotEntry::of(pathOf(EP0)[i].address(), 0));
    EXPECT_TRUE(s.events.empty());
    EXPECT_EQ(m.apply(op(OpKind::Preserve, EP0)), Result::Enodev); // gone in every later kernel
    EXPECT_EQ(m.apply(op(OpKind::Kexec)), Result::Ok);
    EXPECT_EQ(m.apply(op(OpKind::Preserve, EP0)), Result::Enodev);
}

// Found by kernel-check on the real files: the incoming FLB exists only if the previous kernel
// had a session; pci_liveupdate_finish() returns before its walk when it cannot get one.
TEST(Generations, AFinishInAKernelThatInheritedNothingRunsNoWalk) {
    const Topology t = test::reviewTree();
    ReferenceModel m(t, LiveUpdateConfig{Policy::Bail, Abi::V7, 0});
    ASSERT_EQ(m.apply(op(OpKind::Kexec)), Result::Ok); // kernel 0 preserved nothing
    Op fail = op(OpKind::FailNext, EP0);
    fail.step = StepKind::Finish;
    ASSERT_EQ(m.apply(fail), Result::Ok);
    EXPECT_EQ(m.apply(op(OpKind::Finish, EP0)), Result::Enoent);
    EXPECT_TRUE(m.lastSteps().empty());
    // The fault is still armed: it fires at the next finish that walks.
    EXPECT_EQ(m.state().pendingFailures,
              (std::set<std::pair<Bdf, StepKind>>{{EP0, StepKind::Finish}}));
    ASSERT_EQ(m.apply(op(OpKind::Preserve, EP0)), Result::Ok);
    ASSERT_EQ(m.apply(op(OpKind::Kexec)), Result::Ok);
    EXPECT_EQ(m.apply(op(OpKind::Finish, EP0)), Result::Eio);
}

// Found by kernel-check on the posted v6 (WARN_ON at the release): the cleanup's unpreserve
// needs the outgoing session, and after the release there is none, so the unplugged bridge's
// stale pointer is not walked (no use after free).
TEST(Generations, V6UnplugAfterTheReleaseDoesNotWalkWithoutASession) {
    const Topology t = test::reviewTree();
    LiveUpdateConfig c{Policy::Bail, Abi::V6, 5};
    c.releaseCheck = ReleaseCheck::WarnAndFree;
    ReferenceModel m(t, c);
    ASSERT_EQ(m.apply(op(OpKind::Preserve, EP0)), Result::Ok);
    Op fail = op(OpKind::FailNext, B2);
    fail.step = StepKind::Unpreserve;
    ASSERT_EQ(m.apply(fail), Result::Ok);
    // EP0's slot goes (nr 3), B2 fails, bail: B2, B1 and RC leak; nothing is preserved, so the
    // table is freed with nr_devices 3 and the three point into it.
    ASSERT_EQ(m.apply(op(OpKind::Unpreserve, EP0)), Result::Eio);
    const std::map<Bdf, std::uint16_t> stale{{RC, 1}, {B1, 1}, {B2, 1}};
    ASSERT_EQ(m.state().dangling, stale);
    ASSERT_EQ(m.state().events.size(), 1u);
    EXPECT_EQ(m.apply(op(OpKind::Unplug, B2)), Result::Ok);
    EXPECT_TRUE(m.lastSteps().empty());
    EXPECT_EQ(m.state().events.size(), 1u); // no use-after-free
    EXPECT_EQ(m.state().dangling, stale);
    EXPECT_EQ(m.state().nrDevices, 0u);
}

} // namespace
} // namespace bridgepath
