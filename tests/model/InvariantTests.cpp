// Each invariant holds on a consistent state and fails, naming the device, on a state that breaks
// it.

#include "model/IdealSpec.h"
#include "model/Invariant.h"
#include "model/ReferenceModel.h"

#include "TestSupport.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>

namespace bridgepath {
namespace {

using test::bdf;

const Bdf RC = bdf("00:00.0"), B1 = bdf("01:00.0"), B2 = bdf("02:00.0"), EP0 = bdf("03:00.0"),
          EP1 = bdf("03:00.1");

class Invariants : public ::testing::Test {
  protected:
    Topology t = test::reviewTree();

    // EP0 preserved, every count right.
    State consistent() const {
        State s;
        s.table = {SlotEntry::of(EP0, 1), SlotEntry::of(B2, 1), SlotEntry::of(B1, 1),
                   SlotEntry::of(RC, 1), SlotEntry{}};
        s.nrDevices = 4;
        s.directlyPreserved = {EP0};
        return s;
    }
    Verdict judge(Invariant i, const State &s) const { return check(i, t, s, 5); }
    // The consistent outgoing state handed over by one kexec: the same counts, incoming.
    State handedOver() const {
        const State out = consistent();
        State s;
        s.phase = Phase::Incoming;
        s.generation = 1;
        s.incoming = IncomingSide{out.table, out.nrDevices, out.directlyPreserved};
        return s;
    }
};

TEST_F(Invariants, AllHoldOnAConsistentState) {
    for (Invariant i : allInvariants())
        EXPECT_TRUE(judge(i, consistent()).holds)
            << toString(i) << ": " << judge(i, consistent()).why;
}

TEST_F(Invariants, ClosureFailsWhenABridgeAboveHasNoSlot) {
    State s = consistent();
    s.table[2] = SlotEntry{}; // B1 gone
    const Verdict v = judge(Invariant::Closure, s);
    EXPECT_FALSE(v.holds);
    EXPECT_NE(v.why.find("without 0000:01:00.0"), std::string::npos) << v.why;
}

TEST_F(Invariants, ExactCountFailsOnAnExtraReference) {
    State s = consistent();
    s.table[3].refcount = 2;
    EXPECT_FALSE(judge(Invariant::ExactCount, s).holds);
    EXPECT_TRUE(judge(Invariant::NoPrematureRelease, s).holds); // too many is a leak, not early
}

TEST_F(Invariants, NoPrematureReleaseFailsWhenANeededBridgeIsBelowIdeal) {
    State s = consistent();
    s.directlyPreserved.insert(EP1);
    s.table[4] = SlotEntry::of(EP1, 1); // B2, B1, RC should be 2 now
    s.nrDevices = 5;
    const Verdict v = judge(Invariant::NoPrematureRelease, s);
    EXPECT_FALSE(v.holds);
    EXPECT_NE(v.why.find("0000:02:00.0 refcount 1 but 2"), std::string::npos) << v.why;
}

TEST_F(Invariants, NrDevicesFailsOnDriftAndAboveCapacity) {
    State s = consistent();
    s.nrDevices = 5;
    EXPECT_FALSE(judge(Invariant::NrDevices, s).holds);
    s.nrDevices = 4;
    EXPECT_FALSE(check(Invariant::NrDevices, t, s, 3).holds);
    EXPECT_TRUE(check(Invariant::NrDevices, t, s, std::nullopt).holds);
}

TEST_F(Invariants, NoLeakFailsWhenNothingIsPreservedButSlotsRemain) {
    State s = consistent();
    s.directlyPreserved.clear();
    EXPECT_FALSE(judge(Invariant::NoLeak, s).holds);
    State drift;
    drift.table.assign(5, SlotEntry{});
    drift.nrDevices = 1; // no slot in use, but the counter says one
    EXPECT_FALSE(judge(Invariant::NoLeak, drift).holds);
    drift.nrDevices = 0;
    EXPECT_TRUE(judge(Invariant::NoLeak, drift).holds);
}

TEST_F(Invariants, NoPanicAtFinishFailsOnlyWhenEveryPreservedDeviceWasFinished) {
    State s = handedOver();
    s.phase = Phase::Ended;
    s.panicked = true;
    EXPECT_TRUE(judge(Invariant::NoPanicAtFinish, s).holds); // EP0 never finished: expected panic
    s.incoming.directlyPreserved.clear();
    const Verdict v = judge(Invariant::NoPanicAtFinish, s);
    EXPECT_FALSE(v.holds);
    EXPECT_EQ(v.why.rfind("incoming: ", 0), 0u) << v.why;
}

TEST_F(Invariants, AtomicPreserveFailsWhenAFailedPreserveChangedTheState) {
    const State before = consistent();
    State after = before;
    after.table[4] = SlotEntry::of(EP1, 1); // a failed preserve left EP1's slot
    after.nrDevices = 5;
    Op op;
    op.kind = OpKind::Preserve;
    op.bdf = EP1;
    InvariantInput in{t, after, 5};
    in.before = &before;
    in.op = &op;
    in.result = Result::Eio;
    const Verdict v = check(Invariant::AtomicPreserve, in);
    EXPECT_FALSE(v.holds);
    EXPECT_NE(v.why.find("preserve 0000:03:00.1 failed EIO but changed the state"),
              std::string::npos)
        << v.why;
    // The same change after a preserve that succeeded is no failure of atomicity.
    in.result = Result::Ok;
    EXPECT_TRUE(check(Invariant::AtomicPreserve, in).holds);
    // Nor a failed preserve that left everything as it was.
    const InvariantInput unchanged{t, before, 5, &before, &op, Result::Eio};
    EXPECT_TRUE(check(Invariant::AtomicPreserve, unchanged).holds);
}

// A real run that makes the judge fire: EP0's preserve fails at B1, and its rollback stops at
// B2's failing unpreserve step (bail), so B2 keeps the slot the failed preserve gave it.
TEST_F(Invariants, AtomicPreserveFiresOnARollbackThatStopsHalfway) {
    ReferenceModel m(t, LiveUpdateConfig{Policy::Bail, Abi::V6, 5});
    (void)test::run(m, "fail-next preserve 01:00.0; fail-next unpreserve 02:00.0");
    const State before = m.state();
    const std::vector<Result> r = test::run(m, "preserve 03:00.0");
    ASSERT_EQ(r, test::results({Result::Eio}));
    const State after = m.state();
    EXPECT_EQ(after.refcount(B2), 1u);
    EXPECT_EQ(after.refcount(EP0), 0u);
    Op op;
    op.kind = OpKind::Preserve;
    op.bdf = EP0;
    const InvariantInput in{t, after, 5, &before, &op, Result::Eio};
    EXPECT_FALSE(check(Invariant::AtomicPreserve, in).holds);
    // Under continue the rollback does not stop at B2's failure, but B2 is the last device it
    // undoes (EP0 first): B2 stays, and atomicity fails there too.
    ReferenceModel c(t, LiveUpdateConfig{Policy::Continue, Abi::V6, 5});
    (void)test::run(c, "fail-next preserve 01:00.0; fail-next unpreserve 02:00.0");
    const State cBefore = c.state();
    (void)test::run(c, "preserve 03:00.0");
    const State cAfter = c.state();
    EXPECT_FALSE(
        check(Invariant::AtomicPreserve, InvariantInput{t, cAfter, 5, &cBefore, &op, Result::Eio})
            .holds);
}

TEST_F(Invariants, ContainmentFailsWhenAnotherDeviceThanTheFaultyOneIsOff) {
    State s = consistent();
    s.table[1].refcount = 2; // B2 one too many
    std::vector<Bdf> faults{B2};
    InvariantInput in{t, s, 5};
    in.faults = &faults;
    EXPECT_TRUE(check(Invariant::Containment, in).holds); // only the faulty device is off
    faults = {EP0};
    const Verdict v = check(Invariant::Containment, in);
    EXPECT_FALSE(v.holds);
    EXPECT_NE(v.why.find("the one fault was at 0000:03:00.0 but 0000:02:00.0 refcount 2 ideal 1"),
              std::string::npos)
        << v.why;
    faults = {EP0, B2}; // two faults: containment says nothing
    EXPECT_TRUE(check(Invariant::Containment, in).holds);
}

TEST_F(Invariants, NoCrashFailsOnEachCrashEventAndOnlyOnThem) {
    for (KernelEventKind k : allKernelEvents()) {
        State s = consistent();
        s.events.push_back(KernelEvent{k, std::nullopt, 1});
        EXPECT_EQ(judge(Invariant::NoCrash, s).holds, !isCrash(k)) << toString(k);
    }
    // By hand: the crashes are the BUG, the use after free, the panic, the failed retrieve and
    // the NULL dereference; a WARN-and-free and a held incoming state are not.
    EXPECT_FALSE(isCrash(KernelEventKind::TableFreedWithReferences));
    EXPECT_FALSE(isCrash(KernelEventKind::IncomingHeld));
    EXPECT_TRUE(isCrash(KernelEventKind::NullDereference));
}

TEST_F(Invariants, EachSideIsJudgedByTheSameRules) {
    State s = handedOver();
    for (Invariant i : allInvariants())
        EXPECT_TRUE(judge(i, s).holds) << toString(i) << ": " << judge(i, s).why;
    // B1's incoming entry drops to 0 while EP0 still needs it: early, on the incoming side only.
    s.incoming.table[2].refcount = 0;
    s.incoming.nrDevices = 3;
    const Verdict early = judge(Invariant::NoPrematureRelease, s);
    EXPECT_FALSE(early.holds);
    EXPECT_NE(early.why.find("incoming: 0000:01:00.0 refcount 0 but 1"), std::string::npos)
        << early.why;
    EXPECT_EQ(releasedEarlyDevices(t, s), std::vector<Bdf>{B1});
    // The same kernel's outgoing side, a leak of its own (RC held with nothing preserved), is
    // judged too and reported first.
    s.table = {SlotEntry::of(RC, 1)};
    s.nrDevices = 1;
    const Verdict leak = judge(Invariant::NoLeak, s);
    EXPECT_FALSE(leak.holds);
    EXPECT_EQ(leak.why.rfind("nothing is preserved but 0000:00:00.0 refcount 1", 0), 0u)
        << leak.why;
    EXPECT_EQ(leakedDevices(t, s), std::vector<Bdf>{RC});
}

TEST_F(Invariants, GenerationZeroHasNoIncomingSideToJudge) {
    State s = consistent();
    s.incoming.table = {SlotEntry::of(RC, 7)}; // ignored: nothing came in before the first kexec
    EXPECT_TRUE(judge(Invariant::ExactCount, s).holds);
}

TEST_F(Invariants, NamesRoundTrip) {
    for (Invariant i : allInvariants())
        EXPECT_EQ(parseInvariant(toString(i)), i);
    EXPECT_FALSE(parseInvariant("no-such-invariant"));
}

TEST_F(Invariants, IdealCountsDirectlyPreservedDevicesOnEachPath) {
    const auto ideal = idealRefcounts(t, {EP0, EP1, B1});
    EXPECT_EQ(ideal, (std::map<Bdf, unsigned>{{RC, 3}, {B1, 3}, {B2, 2}, {EP0, 1}, {EP1, 1}}));
}

TEST_F(Invariants, LeakedAndReleasedEarlyCompareRefcountWithIdeal) {
    State s = consistent();
    s.table[3].refcount = 2; // RC one too many
    s.table[1].refcount = 0; // B2 freed under EP0
    EXPECT_EQ(leakedDevices(t, s), std::vector<Bdf>{RC});
    EXPECT_EQ(releasedEarlyDevices(t, s), std::vector<Bdf>{B2});
}

// A wide tree: 00:01.0 -> [01-02] 01:00.0 -> [02] 02:00.0, beside 240 endpoints on the root
// bus (00:02.0 .. 00:1f.7) that no slot or preserve touches.
Topology wideTree() {
    std::vector<DeviceSpec> specs;
    const auto add = [&specs](const char *address, bool bridge, unsigned secondary) {
        DeviceSpec s;
        s.bdf = bdf(address);
        s.kind = bridge ? DeviceKind::Bridge : DeviceKind::Endpoint;
        s.secondary = s.subordinate = secondary;
        if (bridge && secondary == 1)
            s.subordinate = 2;
        specs.push_back(s);
    };
    add("00:01.0", true, 1);
    add("01:00.0", true, 2);
    add("02:00.0", false, 0);
    for (unsigned dev = 2; dev < 32; ++dev)
        for (unsigned fn = 0; fn < 8; ++fn) {
            char address[16];
            std::snprintf(address, sizeof address, "00:%02x.%u", dev, fn);
            add(address, false, 0);
        }
    return Topology::build(std::move(specs), "wide");
}

TEST(InvariantReasons, NameOnlyTheDevicesOffTheirIdealOnAWideTree) {
    const Topology t = wideTree();
    ASSERT_EQ(t.size(), 243u);
    // 02:00.0 preserved; its path is 01:00.0 and 00:01.0, whose slot is gone; a stray slot names
    // 00:05.3, an untouched endpoint.
    State s;
    s.table = {SlotEntry::of(bdf("02:00.0"), 1), SlotEntry::of(bdf("01:00.0"), 1),
               SlotEntry::of(bdf("00:05.3"), 1), SlotEntry{}};
    s.nrDevices = 3;
    s.directlyPreserved = {bdf("02:00.0")};
    // By hand: the ideal is 1 on 02:00.0, 01:00.0 and 00:01.0, 0 elsewhere; reasons in BDF order.
    const Verdict closure = check(Invariant::Closure, t, s, 4);
    EXPECT_FALSE(closure.holds);
    EXPECT_EQ(closure.why, "slot below a bridge without one: 0000:01:00.0 without 0000:00:01.0, "
                           "0000:02:00.0 without 0000:00:01.0");
    const Verdict exact = check(Invariant::ExactCount, t, s, 4);
    EXPECT_FALSE(exact.holds);
    EXPECT_EQ(exact.why, "0000:00:01.0 refcount 0 ideal 1, 0000:00:05.3 refcount 1 ideal 0");
    const Verdict early = check(Invariant::NoPrematureRelease, t, s, 4);
    EXPECT_EQ(early.why, "0000:00:01.0 refcount 0 but 1 preserved device(s) need it");
    EXPECT_TRUE(check(Invariant::NrDevices, t, s, 4).holds);
    EXPECT_EQ(
        idealRefcounts(t, s.directlyPreserved),
        (std::map<Bdf, unsigned>{{bdf("00:01.0"), 1}, {bdf("01:00.0"), 1}, {bdf("02:00.0"), 1}}));
}

TEST(ReferenceModel, ReviewScenarioUnderBailLeaksB1AndRc) {
    const Topology t = test::reviewTree();
    ReferenceModel m(t, LiveUpdateConfig{Policy::Bail, Abi::V6, 5});
    test::run(m, "preserve 03:00.0; preserve 03:00.1; lose 02:00.0; unpreserve 03:00.1; "
                 "unpreserve 03:00.0");
    EXPECT_EQ(m.state().slots(), (std::map<Bdf, unsigned>{{RC, 2}, {B1, 2}}));
    EXPECT_EQ(leakedDevices(t, m.state()), (std::vector<Bdf>{RC, B1}));
}

TEST(ReferenceModel, GuardedStopsWhenTheNamedDeviceFails) {
    const Topology t = test::reviewTree();
    ReferenceModel m(t, LiveUpdateConfig{Policy::Guarded, Abi::V6, 5});
    EXPECT_EQ(test::run(m, "preserve 03:00.0; unpreserve 03:00.1"),
              test::results({Result::Ok, Result::Einval}));
    EXPECT_TRUE(releasedEarlyDevices(t, m.state()).empty());
}

} // namespace
} // namespace bridgepath
