// The design switches (topology/Design.h): each new choice, on the smallest tree that shows it,
// with the expected counts and events derived by hand; the implementation and the reference
// model must agree on every one.

#include "impl/PciLiveUpdate.h"
#include "model/ReferenceModel.h"
#include "topology/Design.h"
#include "topology/LspciParser.h"

#include "TestSupport.h"

#include <gtest/gtest.h>

namespace bridgepath {
namespace {

// RC (00:00.0) -> B1 (01:00.0) -> B2 (02:00.0) -> {EP0 03:00.0, EP1 03:00.1}.
const Topology &review() {
    static const Topology t = test::reviewTree();
    return t;
}

// RC (00:00.0) -> EP (01:00.0).
const Topology &rcEp() {
    static const Topology t = parseLspci("-[0000:00]---00.0-[01]----00.0\n", "RC -> EP");
    return t;
}

LiveUpdateConfig designed(const Topology &t, Abi abi, const Design &d) {
    LiveUpdateConfig c;
    c.abi = abi;
    c.capacity = abi == Abi::V6 ? t.size() : 0;
    return withDesign(c, d);
}

struct DesignRun {
    std::vector<Result> results;
    State state;
    std::vector<std::uint16_t> refcounts; // outgoing, per device id
};

// Runs `ops` on the implementation and the model; they must agree.
DesignRun runBoth(const Topology &t, const LiveUpdateConfig &c, const std::string &ops) {
    PciLiveUpdate impl(t, c);
    ReferenceModel model(t, c);
    DesignRun r{test::run(impl, ops), impl.state(), {}};
    EXPECT_EQ(test::run(model, ops), r.results) << ops;
    EXPECT_EQ(model.state(), r.state) << ops;
    for (DeviceId d = 0; d < t.size(); ++d)
        r.refcounts.push_back(impl.outgoingRefcount(d));
    return r;
}

const Design kLatest = latestKernel();

Design with(Design d, DirectRecord r) {
    d.record = r;
    return d;
}

TEST(DesignSwitches, TheRecordRefusesUnpreserveOfANeverPreservedBridgeBeforeTheWalk) {
    // EP0 is preserved: RC, B1, B2, EP0 at 1. Unpreserving B2 (never preserved itself) walks B2,
    // B1, RC down to 0 without the record; with it, -EINVAL and nothing changes.
    const std::string ops = "preserve 03:00.0; unpreserve 02:00.0";
    const DesignRun none = runBoth(review(), designed(review(), Abi::V7, kLatest), ops);
    EXPECT_EQ(none.results, test::results({Result::Ok, Result::Ok}));
    EXPECT_EQ(none.refcounts, (std::vector<std::uint16_t>{0, 0, 0, 1, 0}));
    const DesignRun checked =
        runBoth(review(), designed(review(), Abi::V7, with(kLatest, DirectRecord::Checked)), ops);
    EXPECT_EQ(checked.results, test::results({Result::Ok, Result::Einval}));
    EXPECT_EQ(checked.refcounts, (std::vector<std::uint16_t>{1, 1, 1, 1, 0}));
}

TEST(DesignSwitches, TheRecordRefusesASecondDirectPreserveOfABridge) {
    // A bridge preserved directly twice counts 2 for one direct preservation without the record.
    const std::string ops = "preserve 02:00.0; preserve 02:00.0";
    const DesignRun none = runBoth(review(), designed(review(), Abi::V6, kLatest), ops);
    EXPECT_EQ(none.results, test::results({Result::Ok, Result::Ok}));
    EXPECT_EQ(none.refcounts, (std::vector<std::uint16_t>{2, 2, 2, 0, 0}));
    const DesignRun checked =
        runBoth(review(), designed(review(), Abi::V6, with(kLatest, DirectRecord::Checked)), ops);
    EXPECT_EQ(checked.results, test::results({Result::Ok, Result::Ebusy}));
    EXPECT_EQ(checked.refcounts, (std::vector<std::uint16_t>{1, 1, 1, 0, 0}));
}

TEST(DesignSwitches, TheRecordRefusesFinishOfADeviceTheOldKernelDidNotPreserve) {
    // Finishing B2 (incoming only as EP0's bridge) walks B2, B1, RC to 0 without the record:
    // EP0's own finish then fails at B2. With the record B2's finish is -EINVAL and EP0's works.
    const std::string ops = "preserve 03:00.0; kexec; finish 02:00.0; finish 03:00.0; finish-all";
    const DesignRun none = runBoth(review(), designed(review(), Abi::V7, kLatest), ops);
    EXPECT_EQ(none.results,
              test::results({Result::Ok, Result::Ok, Result::Ok, Result::Einval, Result::Ok}));
    const DesignRun checked =
        runBoth(review(), designed(review(), Abi::V7, with(kLatest, DirectRecord::Checked)), ops);
    EXPECT_EQ(checked.results,
              test::results({Result::Ok, Result::Ok, Result::Einval, Result::Ok, Result::Ok}));
    EXPECT_EQ(checked.state.incoming.nrDevices, 0u);
}

TEST(DesignSwitches, GuardedWithTheRecordWalksOnPastTheNamedDevicesLostSlot) {
    // EP0's slot is lost, then EP0 is unpreserved: its own step fails (-EINVAL). Guarded without
    // the record stops there (misuse looks the same); with it EP0 was preserved, so the walk goes
    // on and RC, B1, B2 drop to 0. nr_devices keeps EP0's lost slot: 1 at the release (v7: WARN
    // and free, EP0 left pointing at its zeroed slot).
    const std::string ops = "preserve 03:00.0; lose 03:00.0; unpreserve 03:00.0";
    Design guarded = kLatest;
    guarded.walk = Policy::Guarded;
    const DesignRun none = runBoth(review(), designed(review(), Abi::V7, guarded), ops);
    EXPECT_EQ(none.results.back(), Result::Einval);
    EXPECT_EQ(none.state.events.at(0).nrDevices, 4u);
    EXPECT_EQ(none.state.dangling.size(), 4u);
    const DesignRun checked =
        runBoth(review(), designed(review(), Abi::V7, with(guarded, DirectRecord::Checked)), ops);
    EXPECT_EQ(checked.results.back(), Result::Einval);
    ASSERT_EQ(test::eventKinds(checked.state),
              std::vector<KernelEventKind>{KernelEventKind::TableFreedWithReferences});
    EXPECT_EQ(checked.state.events[0].nrDevices, 1u);
    EXPECT_EQ(checked.state.dangling, (std::map<Bdf, std::uint16_t>{{test::bdf("03:00.0"), 0}}));
}

// RC's unpreserve step fails under bail: EP is unpreserved, RC stays counted, and the table is
// released with nr_devices 1.
const char *kLeakThenRelease = "preserve 01:00.0; fail-next unpreserve 00:00.0; unpreserve 01:00.0";

TEST(DesignSwitches, WarnClearAndFreeLeavesNoPointerIntoTheFreedTable) {
    Design d = kLatest;
    d.release = ReleaseCheck::WarnClearAndFree;
    const DesignRun r = runBoth(rcEp(), designed(rcEp(), Abi::V7, d),
                                std::string(kLeakThenRelease) + "; preserve 01:00.0");
    EXPECT_EQ(r.results, test::results({Result::Ok, Result::Ok, Result::Eio, Result::Ok}));
    ASSERT_EQ(test::eventKinds(r.state),
              std::vector<KernelEventKind>{KernelEventKind::ReleaseCleared});
    EXPECT_EQ(r.state.events[0].nrDevices, 1u); // RC's leaked count, seen at the release
    EXPECT_TRUE(r.state.dangling.empty());
    // The next preserve starts a fresh table: RC and EP at 1, no use after free.
    EXPECT_EQ(r.refcounts, (std::vector<std::uint16_t>{1, 1}));
    EXPECT_EQ(r.state.nrDevices, 2u);
}

TEST(DesignSwitches, WarnClearAndFreeCannotReachAHotRemovedDevicesPointer) {
    // Two root ports, an endpoint under each. RC0's step fails as EP0 is unpreserved (continue:
    // EP0 is freed, RC0 keeps 1). RC0 is then hot-removed; with the record the cleanup does not
    // walk it (it was never preserved directly), and it leaves the device list with its pointer.
    // At the release for_each_pci_dev cannot clear it: RC0 dangles (its freed copy 1), and the
    // event is the freed-with-references one, nr_devices 1.
    const Topology t = parseLspci("-[0000:00]-+-00.0-[01]----00.0\n"
                                  "           \\-01.0-[02]----00.0\n",
                                  "two roots");
    const Design d{Policy::Continue, DirectRecord::Checked, ReleaseCheck::WarnClearAndFree,
                   EndOfUpdate::HeldForever};
    const DesignRun r = runBoth(t, designed(t, Abi::V6, d),
                                "preserve 01:00.0; preserve 02:00.0; fail-next unpreserve 00:00.0; "
                                "unpreserve 01:00.0; unplug 00:00.0; unpreserve 02:00.0");
    ASSERT_EQ(test::eventKinds(r.state),
              std::vector<KernelEventKind>{KernelEventKind::TableFreedWithReferences});
    EXPECT_EQ(r.state.events[0].nrDevices, 1u);
    EXPECT_EQ(r.state.dangling, (std::map<Bdf, std::uint16_t>{{test::bdf("00:00.0"), 1}}));
}

TEST(DesignSwitches, WarnAndReconcileDropsEveryHeldCountInBdfOrder) {
    // Bail: EP0's step frees its slot, B2's fails; B2, B1 and RC keep 1 (nr_devices 3). The
    // release drops RC, B1, B2 in BDF order: nr_devices 2, 1, 0 at the three events.
    Design d = kLatest;
    d.release = ReleaseCheck::WarnAndReconcile;
    const DesignRun r =
        runBoth(review(), designed(review(), Abi::V6, d),
                "preserve 03:00.0; fail-next unpreserve 02:00.0; unpreserve 03:00.0");
    EXPECT_EQ(r.results.back(), Result::Eio);
    ASSERT_EQ(test::eventKinds(r.state),
              std::vector<KernelEventKind>(3, KernelEventKind::CountDropped));
    const std::vector<std::pair<const char *, std::uint32_t>> want{
        {"00:00.0", 2}, {"01:00.0", 1}, {"02:00.0", 0}};
    for (std::size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(r.state.events[i].device, test::bdf(want[i].first));
        EXPECT_EQ(r.state.events[i].nrDevices, want[i].second);
    }
    EXPECT_TRUE(r.state.dangling.empty());
    EXPECT_TRUE(r.state.table.empty());
}

TEST(DesignSwitches, PanicIfDirectUnfinishedDropsCountsLeftOnlyOnBridges) {
    // RC's finish step fails: EP finishes, RC keeps 1. EP was the only direct device: the end
    // warns and drops RC's count instead of panicking.
    Design d = kLatest;
    d.end = EndOfUpdate::PanicIfDirectUnfinished;
    const DesignRun r =
        runBoth(rcEp(), designed(rcEp(), Abi::V7, d),
                "preserve 01:00.0; kexec; fail-next finish 00:00.0; finish 01:00.0; finish-all");
    EXPECT_EQ(r.results.back(), Result::Ok);
    ASSERT_EQ(test::eventKinds(r.state),
              std::vector<KernelEventKind>{KernelEventKind::LeakDropped});
    EXPECT_EQ(r.state.events[0].nrDevices, 1u);
    EXPECT_FALSE(r.state.panicked);
    EXPECT_EQ(r.state.incoming.nrDevices, 0u);
    for (const SlotEntry &e : r.state.incoming.table)
        EXPECT_EQ(e.refcount, 0);
}

TEST(DesignSwitches, PanicIfDirectUnfinishedStillPanicsForADeviceThatNeverCameBack) {
    Design d = kLatest;
    d.end = EndOfUpdate::PanicIfDirectUnfinished;
    const DesignRun r = runBoth(rcEp(), designed(rcEp(), Abi::V7, d),
                                "preserve 01:00.0; vanish 01:00.0; kexec; finish-all");
    EXPECT_EQ(r.results.back(), Result::Panic);
    EXPECT_EQ(test::eventKinds(r.state),
              std::vector<KernelEventKind>{KernelEventKind::PanicAtFinish});
    // Held forever never panics: the same run only holds the incoming state (RC is incoming).
    d.end = EndOfUpdate::HeldForever;
    const DesignRun held = runBoth(rcEp(), designed(rcEp(), Abi::V7, d),
                                   "preserve 01:00.0; vanish 01:00.0; kexec; finish-all");
    EXPECT_EQ(test::eventKinds(held.state),
              std::vector<KernelEventKind>{KernelEventKind::IncomingHeld});
}

TEST(Designs, ThereAreSeventyTwoAndTheCurrentKernelsAreThreeOfThem) {
    EXPECT_EQ(allDesigns().size(), 3u * 2 * 4 * 3);
    for (const KernelDesign &k : currentKernels()) {
        EXPECT_EQ(std::count(allDesigns().begin(), allDesigns().end(), k.design), 1);
        EXPECT_EQ(kernelOf(k.design), &k);
        EXPECT_EQ(parseDesign(k.name), k.design);
    }
    for (const Design &d : allDesigns())
        EXPECT_EQ(parseDesign(toString(d)), d) << toString(d);
    EXPECT_EQ(toString(latestKernel()), "bail/none/warn-and-free/panic");
    EXPECT_FALSE(parseDesign("bail/none/warn-once-and-free/panic"));
    EXPECT_FALSE(parseDesign("bail/none/bug-on"));
}

TEST(Designs, ChangesCountTheSwitchesThatDiffer) {
    const Design v6 = currentKernels().front().design;
    EXPECT_EQ(changesBetween(v6, latestKernel()), 2); // release and end
    EXPECT_EQ(changesBetween(latestKernel(), latestKernel()), 0);
    const Design all{Policy::Continue, DirectRecord::Checked, ReleaseCheck::WarnAndReconcile,
                     EndOfUpdate::PanicIfDirectUnfinished};
    EXPECT_EQ(changesBetween(all, latestKernel()), kDesignSwitches);
}

} // namespace
} // namespace bridgepath
