// Version differences (DOMAIN.md "Versions"): the implementation and the reference model follow
// each version's rules.

#include "impl/PciLiveUpdate.h"
#include "impl/internal/SearchState.h"
#include "model/Invariant.h"
#include "model/ReferenceModel.h"
#include "topology/LspciParser.h"

#include "TestSupport.h"

#include <gtest/gtest.h>

namespace bridgepath {
namespace {

// Both the implementation and the reference model follow each version's rules.
template <class Machine> std::vector<Result> runOn(Abi abi, const std::string &ops) {
    const Topology t = test::reviewTree();
    LiveUpdateConfig c;
    c.abi = abi;
    c.capacity = abi == Abi::V6 ? t.size() : 0;
    Machine m(t, c);
    return test::run(m, ops);
}

TEST(Versions, V7ChecksTheEndpointsEbusyBeforeAFreedSlot) {
    // B2 is unpreserved from under EP0 (misuse), then EP0's slot is lost: preserving EP0 again
    // meets a cached slot with refcount 0. v6 checks that first (-EINVAL), v7 the endpoint's
    // EBUSY first.
    const std::string ops = "preserve 03:00.0; unpreserve 02:00.0; lose 03:00.0; preserve 03:00.0";
    EXPECT_EQ(runOn<PciLiveUpdate>(Abi::V6, ops).back(), Result::Einval);
    EXPECT_EQ(runOn<PciLiveUpdate>(Abi::V7, ops).back(), Result::Ebusy);
    EXPECT_EQ(runOn<ReferenceModel>(Abi::V6, ops).back(), Result::Einval);
    EXPECT_EQ(runOn<ReferenceModel>(Abi::V7, ops).back(), Result::Ebusy);
}

TEST(Versions, HotUnplugWalksInV6AndOnlyWarnsInV7) {
    const Topology t = test::reviewTree();
    for (Abi abi : {Abi::V6, Abi::V7}) {
        LiveUpdateConfig c;
        c.abi = abi;
        c.capacity = abi == Abi::V6 ? t.size() : 0;
        PciLiveUpdate impl(t, c);
        ReferenceModel model(t, c);
        const std::string ops = "preserve 03:00.0; unplug 02:00.0";
        EXPECT_EQ(test::run(impl, ops), test::run(model, ops));
        EXPECT_EQ(impl.state(), model.state());
        if (abi == Abi::V6) {
            EXPECT_EQ(impl.nrDevices(), 0u); // the kernel unpreserved EP0's path itself
            EXPECT_TRUE(impl.state().directlyPreserved.empty());
        } else {
            EXPECT_EQ(impl.nrDevices(), 4u); // v7 warns; EP0 stays preserved, counts and all
            EXPECT_EQ(impl.state().directlyPreserved.count(test::bdf("03:00.0")), 1u);
        }
    }
}

// The smallest tree: a root port RC (00:00.0) with one endpoint EP (01:00.0) below it.
Topology rcEp() {
    return parseLspci("-[0000:00]---00.0-[01]----00.0\n", "RC -> EP");
}

LiveUpdateConfig configFor(Abi abi, const Topology &t) {
    LiveUpdateConfig c;
    c.abi = abi;
    c.capacity = abi == Abi::V6 ? t.size() : 0;
    return c;
}

// The review's leak on the smallest tree: RC's unpreserve step fails, EP is unpreserved, RC stays
// counted; nothing is preserved any more, so the table is released with nr_devices 1.
const char *kLeakThenRelease = "preserve 01:00.0; fail-next unpreserve 00:00.0; unpreserve 01:00.0";

TEST(Versions, InV6TheLeakedBridgeHitsBugOnAtTheTablesRelease) {
    const Topology t = rcEp();
    PciLiveUpdate impl(t, configFor(Abi::V6, t));
    ReferenceModel model(t, configFor(Abi::V6, t));
    EXPECT_EQ(test::run(impl, kLeakThenRelease), test::run(model, kLeakThenRelease));
    EXPECT_EQ(impl.state(), model.state());
    ASSERT_EQ(test::eventKinds(impl.state()),
              std::vector<KernelEventKind>{KernelEventKind::BugAtRelease});
    EXPECT_EQ(impl.state().events[0].nrDevices, 1u);
    EXPECT_TRUE(impl.crashed());
    EXPECT_FALSE(check(Invariant::NoCrash, t, impl.state(), t.size()).holds);
    // The outgoing kernel is dead: nothing runs any more.
    EXPECT_EQ(test::run(impl, "preserve 01:00.0; kexec"),
              test::results({Result::Enoent, Result::Enoent}));
    EXPECT_EQ(test::run(model, "preserve 01:00.0; kexec"),
              test::results({Result::Enoent, Result::Enoent}));
}

TEST(Versions, InV7TheTableIsFreedUnderTheLeakedBridgeAndAPreserveBelowItUsesFreedMemory) {
    const Topology t = rcEp();
    PciLiveUpdate impl(t, configFor(Abi::V7, t));
    ReferenceModel model(t, configFor(Abi::V7, t));
    EXPECT_EQ(test::run(impl, kLeakThenRelease), test::run(model, kLeakThenRelease));
    EXPECT_EQ(test::eventKinds(impl.state()),
              std::vector<KernelEventKind>{KernelEventKind::TableFreedWithReferences});
    EXPECT_FALSE(impl.crashed());
    EXPECT_TRUE(impl.state().table.empty());
    EXPECT_EQ(impl.state().dangling.count(test::bdf("00:00.0")), 1u);
    // A later preserve below the leaked bridge: RC's cached slot is in the freed table.
    EXPECT_EQ(test::run(impl, "preserve 01:00.0"), test::results({Result::Ok}));
    EXPECT_EQ(test::run(model, "preserve 01:00.0"), test::results({Result::Ok}));
    EXPECT_EQ(impl.state(), model.state());
    const State s = impl.state();
    ASSERT_EQ(test::eventKinds(s),
              (std::vector<KernelEventKind>{KernelEventKind::TableFreedWithReferences,
                                            KernelEventKind::UseAfterFree}));
    EXPECT_EQ(s.events[1].device, test::bdf("00:00.0"));
    // The new table has EP but not RC: the bridge would stop forwarding EP's DMA after kexec.
    EXPECT_EQ(s.slots(), (std::map<Bdf, unsigned>{{test::bdf("01:00.0"), 1}}));
    EXPECT_FALSE(check(Invariant::Closure, t, s, std::nullopt).holds);
    EXPECT_FALSE(check(Invariant::NoCrash, t, s, std::nullopt).holds);
}

// Found by kernel-check on the real later and latest files: a lost slot handed out again is
// cached by two devices; once the table is freed both pointers still name that one freed slot,
// so a write through one is seen through the other.
TEST(Versions, TwoDevicesThatCachedOneSlotShareItsFreedCopy) {
    const Topology t =
        parseLspci("-[0000:80]---00.0-[81-84]----00.0-[82-84]----01.0-[84]--+-00.1\n"
                   "                                                        \\-00.3\n",
                   "RC -> B1 -> B2 -> {EP1, EP3}");
    // By hand, v7 (first free slot): EP1, B2, B1, RC take slots 0..3; B1's slot is lost (zeroed)
    // and EP3 takes it; B1 still caches it, so the bridge step adds one to EP3's slot (2). EP3's
    // slot is lost too; unpreserving EP1 frees slot 0 and stops at B1 (refcount 0), unpreserving
    // EP3 stops at once: nothing is preserved, nr_devices 4, the table is freed under B2 (1),
    // B1 and EP3 (slot 2, 0) and RC (2). Then EP3's freed slot is set to 3: B1 reads 3 too.
    const std::string ops = "preserve 84:00.1; lose 81:00.0; preserve 84:00.3; lose 84:00.3; "
                            "unpreserve 84:00.1; unpreserve 84:00.3; set-refcount 84:00.3 3";
    const std::map<Bdf, std::uint16_t> dangling{{test::bdf("80:00.0"), 2},
                                                {test::bdf("81:00.0"), 3},
                                                {test::bdf("82:01.0"), 1},
                                                {test::bdf("84:00.3"), 3}};
    PciLiveUpdate impl(t, configFor(Abi::V7, t));
    ReferenceModel model(t, configFor(Abi::V7, t));
    EXPECT_EQ(test::run(impl, ops), test::run(model, ops));
    EXPECT_EQ(impl.state().dangling, dangling);
    EXPECT_EQ(model.state().dangling, dangling);
    EXPECT_EQ(impl.state(), model.state());
    // Saved and restored, the sharing stays: EP3's copy counts down through B1's pointer too.
    std::vector<std::uint8_t> record;
    internal::SearchState::save(impl, record);
    PciLiveUpdate again(t, configFor(Abi::V7, t));
    internal::SearchState::restore(again, record.data(), record.size());
    EXPECT_EQ(test::run(again, "set-refcount 81:00.0 1"), test::results({Result::Ok}));
    EXPECT_EQ(again.state().dangling.at(test::bdf("84:00.3")), 1u);
}

TEST(Versions, TheEndOfTheLiveUpdatePanicsInV7AndHoldsTheIncomingStateInV6) {
    const Topology t = rcEp();
    const std::string ops =
        "preserve 01:00.0; kexec; fail-next finish 00:00.0; finish 01:00.0; finish-all";
    for (Abi abi : {Abi::V6, Abi::V7}) {
        PciLiveUpdate impl(t, configFor(abi, t));
        ReferenceModel model(t, configFor(abi, t));
        EXPECT_EQ(test::run(impl, ops).back(), Result::Panic);
        EXPECT_EQ(test::run(model, ops).back(), Result::Panic);
        EXPECT_EQ(impl.state(), model.state());
        EXPECT_EQ(test::eventKinds(impl.state()),
                  std::vector<KernelEventKind>{abi == Abi::V7 ? KernelEventKind::PanicAtFinish
                                                              : KernelEventKind::IncomingHeld});
        EXPECT_EQ(check(Invariant::NoCrash, t, impl.state(), std::nullopt).holds, abi == Abi::V6);
    }
}

TEST(Versions, ReleasingAnEmptyTableIsSilentAndTheNextPreserveAllocatesAFreshOne) {
    const Topology t = rcEp();
    for (Abi abi : {Abi::V6, Abi::V7}) {
        PciLiveUpdate impl(t, configFor(abi, t));
        const std::string ops = "preserve 01:00.0; unpreserve 01:00.0; preserve 01:00.0";
        EXPECT_EQ(test::run(impl, ops), test::results({Result::Ok, Result::Ok, Result::Ok}));
        EXPECT_TRUE(impl.state().events.empty());
        EXPECT_EQ(impl.state().slots().size(), 2u);
        test::run(impl, "unpreserve 01:00.0");
        EXPECT_TRUE(impl.state().table.empty()) << "released: no table until the next preserve";
    }
}

TEST(Versions, AllocationOrderAfterALostSlotDiffersAndV7ReusesTheLostIndex) {
    // EP0's slot (index 0) is lost; EP0 keeps its cached index. Preserving EP1 then takes, in v6,
    // the slot at nr_devices mod capacity (4), in v7 the first free one: index 0, EP0's.
    const std::string ops = "preserve 03:00.0; lose 03:00.0; preserve 03:00.1";
    const Topology t = test::reviewTree();
    PciLiveUpdate v6(t, configFor(Abi::V6, t)), v7(t, configFor(Abi::V7, t));
    ReferenceModel m6(t, configFor(Abi::V6, t)), m7(t, configFor(Abi::V7, t));
    test::run(v6, ops);
    test::run(v7, ops);
    test::run(m6, ops);
    test::run(m7, ops);
    EXPECT_EQ(v6.state(), m6.state());
    EXPECT_EQ(v7.state(), m7.state());
    EXPECT_EQ(v6.state().table[4], SlotEntry::of(test::bdf("03:00.1"), 1));
    EXPECT_EQ(v7.state().table[0], SlotEntry::of(test::bdf("03:00.1"), 1));
    // So EP0's stale index now aliases EP1's slot in v7 only: unpreserving EP0 frees EP1's slot.
    EXPECT_EQ(test::run(v6, "unpreserve 03:00.0"), test::results({Result::Einval}));
    EXPECT_EQ(test::run(v7, "unpreserve 03:00.0"), test::results({Result::Ok}));
    EXPECT_EQ(v7.state().refcount(test::bdf("03:00.1")), 0u);
}

// A root port RC (00:00.0) with a PF (01:00.0) and a VF (01:00.1) below it.
Topology rcPfVf() {
    return parseLspci("-[0000:00]---00.0-[01]--+-00.0  PF\n"
                      "                        \\-00.1  Virtual Function\n",
                      "RC -> {PF, VF}");
}

TEST(Versions, V7ChecksTheVfInTheWalkSoAnArmedFaultFiresFirstAndV6RefusesItBefore) {
    // v6 refuses the named VF before it walks: a fail-next armed at the VF stays armed. v7 checks
    // the VF in the walk, after the fail-next: the fault fires (-EIO), the next try is -EINVAL.
    const Topology t = rcPfVf();
    const Bdf vf = test::bdf("01:00.1");
    const std::string ops = "fail-next preserve 01:00.1; preserve 01:00.1; preserve 01:00.1";
    PciLiveUpdate v6(t, configFor(Abi::V6, t)), v7(t, configFor(Abi::V7, t));
    ReferenceModel m6(t, configFor(Abi::V6, t)), m7(t, configFor(Abi::V7, t));
    const auto want6 = test::results({Result::Ok, Result::Einval, Result::Einval});
    const auto want7 = test::results({Result::Ok, Result::Eio, Result::Einval});
    EXPECT_EQ(test::run(v6, ops), want6);
    EXPECT_EQ(test::run(m6, ops), want6);
    EXPECT_EQ(test::run(v7, ops), want7);
    EXPECT_EQ(test::run(m7, ops), want7);
    EXPECT_EQ(v6.state(), m6.state());
    EXPECT_EQ(v7.state(), m7.state());
    EXPECT_EQ(v6.state().pendingFailures,
              (std::set<std::pair<Bdf, StepKind>>{{vf, StepKind::Preserve}}));
    EXPECT_TRUE(v7.state().pendingFailures.empty());
}

TEST(Versions, BothVersionsRefuseAVirtualFunctionInEveryPhaseOfTheChain) {
    // v6 checks the named device's is_virtfn before it fetches the outgoing state, v7 checks VFs
    // in the walk; every kernel has an outgoing state, so both refuse the VF with -EINVAL before
    // the kexec, after it and after finish-all, and the PF's update ends cleanly.
    const Topology t = rcPfVf();
    ASSERT_TRUE(t.isVf(*t.find(test::bdf("01:00.1"))));
    const std::string ops = "preserve 01:00.1; preserve 01:00.0; kexec; preserve 01:00.1; "
                            "finish 01:00.0; finish-all; preserve 01:00.1";
    const auto want = test::results({Result::Einval, Result::Ok, Result::Ok, Result::Einval,
                                     Result::Ok, Result::Ok, Result::Einval});
    for (Abi abi : {Abi::V6, Abi::V7}) {
        PciLiveUpdate impl(t, configFor(abi, t));
        ReferenceModel model(t, configFor(abi, t));
        EXPECT_EQ(test::run(impl, ops), want) << toString(abi);
        EXPECT_EQ(test::run(model, ops), want) << toString(abi);
        EXPECT_EQ(impl.state(), model.state());
        EXPECT_TRUE(impl.state().table.empty()) << "the refused VF leaves no outgoing table";
    }
}

TEST(Versions, AfterTheV6CrashEvenAVirtualFunctionsPreserveIsEnoent) {
    // BUG_ON at the release killed the outgoing kernel: the VF check never runs.
    const Topology t = rcPfVf();
    const std::string ops =
        "preserve 01:00.0; fail-next unpreserve 00:00.0; unpreserve 01:00.0; preserve 01:00.1";
    const auto want = test::results({Result::Ok, Result::Ok, Result::Eio, Result::Enoent});
    PciLiveUpdate impl(t, configFor(Abi::V6, t));
    ReferenceModel model(t, configFor(Abi::V6, t));
    EXPECT_EQ(test::run(impl, ops), want);
    EXPECT_EQ(test::run(model, ops), want);
    EXPECT_TRUE(impl.crashed());
}

// Version switches (LiveUpdateConfig): each one alone changes what its ABI default would do.

// The results and final state of `ops` under `c`; the implementation and the model must agree.
struct BothRun {
    std::vector<Result> results;
    State state;
};
BothRun runBoth(const Topology &t, const LiveUpdateConfig &c, const std::string &ops) {
    PciLiveUpdate impl(t, c);
    ReferenceModel model(t, c);
    BothRun r{test::run(impl, ops), impl.state()};
    EXPECT_EQ(test::run(model, ops), r.results) << ops;
    EXPECT_EQ(model.state(), r.state) << ops;
    return r;
}

LiveUpdateConfig switched(Abi abi, const Topology &t, void (*set)(LiveUpdateConfig &)) {
    LiveUpdateConfig c = configFor(abi, t);
    set(c);
    return c;
}

TEST(VersionSwitches, ZeroRefcountFirstUnderV7MakesALostEndpointSlotEinvalInsteadOfEbusy) {
    // EP keeps its cached slot after the lose; preserving it again reads refcount 0 first.
    const Topology t = rcEp();
    const std::string ops = "preserve 01:00.0; lose 01:00.0; preserve 01:00.0";
    const auto c = switched(
        Abi::V7, t, [](LiveUpdateConfig &x) { x.checkOrder = CheckOrder::ZeroRefcountFirst; });
    EXPECT_EQ(runBoth(t, configFor(Abi::V7, t), ops).results.back(), Result::Ebusy);
    EXPECT_EQ(runBoth(t, c, ops).results.back(), Result::Einval);
}

TEST(VersionSwitches, EbusyFirstUnderV6MakesALostEndpointSlotEbusyInsteadOfEinval) {
    const Topology t = rcEp();
    const std::string ops = "preserve 01:00.0; lose 01:00.0; preserve 01:00.0";
    const auto c =
        switched(Abi::V6, t, [](LiveUpdateConfig &x) { x.checkOrder = CheckOrder::EbusyFirst; });
    EXPECT_EQ(runBoth(t, configFor(Abi::V6, t), ops).results.back(), Result::Einval);
    EXPECT_EQ(runBoth(t, c, ops).results.back(), Result::Ebusy);
}

TEST(VersionSwitches, ZeroRefcountFirstReadsADanglingEndpointsFreedCopyBeforeItsEbusy) {
    // EP's own unpreserve step fails (bail): nothing is directly preserved, the v7 table is freed
    // with EP and RC still pointing into it. EP's freed copy is then zeroed. Preserving EP again:
    // EbusyFirst answers -EBUSY without reading the copy; ZeroRefcountFirst reads it (a
    // use-after-free) and finds refcount 0: -EINVAL.
    const Topology t = rcEp();
    const std::string ops = "preserve 01:00.0; fail-next unpreserve 01:00.0; unpreserve 01:00.0; "
                            "lose 01:00.0; preserve 01:00.0";
    const BothRun v7 = runBoth(t, configFor(Abi::V7, t), ops);
    EXPECT_EQ(v7.results,
              test::results({Result::Ok, Result::Ok, Result::Eio, Result::Ok, Result::Ebusy}));
    EXPECT_EQ(test::eventKinds(v7.state),
              std::vector<KernelEventKind>{KernelEventKind::TableFreedWithReferences});
    const BothRun zeroFirst =
        runBoth(t,
                switched(Abi::V7, t,
                         [](LiveUpdateConfig &x) { x.checkOrder = CheckOrder::ZeroRefcountFirst; }),
                ops);
    EXPECT_EQ(zeroFirst.results.back(), Result::Einval);
    ASSERT_EQ(test::eventKinds(zeroFirst.state),
              (std::vector<KernelEventKind>{KernelEventKind::TableFreedWithReferences,
                                            KernelEventKind::UseAfterFree}));
    EXPECT_EQ(zeroFirst.state.events[1].device, test::bdf("01:00.0"));
}

TEST(VersionSwitches, WarnAndFreeUnderV6TurnsTheLeakedBridgeIntoAFreedTableInsteadOfBugOn) {
    const Topology t = rcEp();
    const auto c = switched(
        Abi::V6, t, [](LiveUpdateConfig &x) { x.releaseCheck = ReleaseCheck::WarnAndFree; });
    const BothRun r = runBoth(t, c, kLeakThenRelease);
    EXPECT_EQ(r.results, test::results({Result::Ok, Result::Ok, Result::Eio}));
    ASSERT_EQ(test::eventKinds(r.state),
              std::vector<KernelEventKind>{KernelEventKind::TableFreedWithReferences});
    EXPECT_EQ(r.state.events[0].nrDevices, 1u); // RC's leaked count
    EXPECT_FALSE(r.state.crashed());
    EXPECT_TRUE(r.state.table.empty());
    EXPECT_EQ(r.state.dangling, (std::map<Bdf, std::uint16_t>{{test::bdf("00:00.0"), 1}}));
    // Not dead: the next preserve runs (and meets RC's freed copy).
    EXPECT_EQ(runBoth(t, c, std::string(kLeakThenRelease) + "; preserve 01:00.0").results.back(),
              Result::Ok);
}

TEST(VersionSwitches, BugOnUnderV7CrashesAtTheReleaseOfALeakedTable) {
    const Topology t = rcEp();
    const auto c =
        switched(Abi::V7, t, [](LiveUpdateConfig &x) { x.releaseCheck = ReleaseCheck::BugOn; });
    const BothRun r = runBoth(t, c, std::string(kLeakThenRelease) + "; preserve 01:00.0; kexec");
    EXPECT_EQ(r.results,
              test::results({Result::Ok, Result::Ok, Result::Eio, Result::Enoent, Result::Enoent}));
    EXPECT_EQ(test::eventKinds(r.state),
              std::vector<KernelEventKind>{KernelEventKind::BugAtRelease});
    EXPECT_TRUE(r.state.crashed());
}

TEST(VersionSwitches, HeldForeverUnderV7GivesIncomingHeldAtFinishAllAndPanicUnderV6APanic) {
    // RC's finish step fails: nr_devices is 1 at finish-all.
    const Topology t = rcEp();
    const std::string ops =
        "preserve 01:00.0; kexec; fail-next finish 00:00.0; finish 01:00.0; finish-all";
    const BothRun held = runBoth(
        t,
        switched(Abi::V7, t, [](LiveUpdateConfig &x) { x.endOfUpdate = EndOfUpdate::HeldForever; }),
        ops);
    EXPECT_EQ(held.results.back(), Result::Panic); // the harness's "nr_devices != 0 at the end"
    EXPECT_EQ(test::eventKinds(held.state),
              std::vector<KernelEventKind>{KernelEventKind::IncomingHeld});
    EXPECT_TRUE(check(Invariant::NoCrash, t, held.state, std::nullopt).holds);
    const BothRun panic = runBoth(
        t, switched(Abi::V6, t, [](LiveUpdateConfig &x) { x.endOfUpdate = EndOfUpdate::Panic; }),
        ops);
    EXPECT_EQ(test::eventKinds(panic.state),
              std::vector<KernelEventKind>{KernelEventKind::PanicAtFinish});
    EXPECT_FALSE(check(Invariant::NoCrash, t, panic.state, std::nullopt).holds);
}

TEST(VersionSwitches, EveryDeviceUnderV6LetsAFaultArmedAtTheVfFireFirst) {
    // EveryDevice moves v6's VF check into the walk, after the fail-next check.
    const Topology t = rcPfVf();
    const std::string ops = "fail-next preserve 01:00.1; preserve 01:00.1";
    const auto c =
        switched(Abi::V6, t, [](LiveUpdateConfig &x) { x.vfCheck = VfCheck::EveryDevice; });
    EXPECT_EQ(runBoth(t, configFor(Abi::V6, t), ops).results,
              test::results({Result::Ok, Result::Einval}));
    const BothRun r = runBoth(t, c, ops);
    EXPECT_EQ(r.results, test::results({Result::Ok, Result::Eio}));
    EXPECT_TRUE(r.state.pendingFailures.empty());
    EXPECT_TRUE(r.state.table.empty()) << "the walk's table is released again";
    EXPECT_TRUE(r.state.events.empty());
}

TEST(VersionSwitches, EveryDeviceUnderV6RefusesTheVfInTheWalkAfterKexecToo) {
    // After the kexec the new kernel's outgoing side walks the VF as before it: -EINVAL from the
    // walk (EveryDevice) as from the named-device check (v6's own).
    const Topology t = rcPfVf();
    const std::string ops = "kexec; preserve 01:00.1";
    const auto c =
        switched(Abi::V6, t, [](LiveUpdateConfig &x) { x.vfCheck = VfCheck::EveryDevice; });
    EXPECT_EQ(runBoth(t, configFor(Abi::V6, t), ops).results.back(), Result::Einval);
    EXPECT_EQ(runBoth(t, c, ops).results.back(), Result::Einval);
    EXPECT_TRUE(runBoth(t, c, ops).state.table.empty()) << "the walk's table is released again";
}

TEST(VersionSwitches, NamedDeviceUnderV7RefusesAVfBeforeAnArmedFaultInEveryPhase) {
    // NamedDevice moves v7's VF check before the walk: the armed fault never fires, before the
    // kexec or after it (a pending fault survives the kexec).
    const Topology t = rcPfVf();
    const auto c =
        switched(Abi::V7, t, [](LiveUpdateConfig &x) { x.vfCheck = VfCheck::NamedDevice; });
    const BothRun r =
        runBoth(t, c, "fail-next preserve 01:00.1; preserve 01:00.1; kexec; preserve 01:00.1");
    EXPECT_EQ(r.results, test::results({Result::Ok, Result::Einval, Result::Ok, Result::Einval}));
    EXPECT_EQ(r.state.pendingFailures,
              (std::set<std::pair<Bdf, StepKind>>{{test::bdf("01:00.1"), StepKind::Preserve}}));
}

TEST(VersionSwitches, TableSizedToPresentGivesAV6TableOneSlotPerDeviceNotUnplugged) {
    // The review tree has 5 devices; capacity stays 5. EP1 is unplugged before the first
    // preserve: the table gets 4 slots. A table allocated before the unplug has 5.
    const Topology t = test::reviewTree();
    const auto c = switched(Abi::V6, t, [](LiveUpdateConfig &x) { x.tableSizedToPresent = true; });
    ASSERT_EQ(c.capacity, 5u);
    EXPECT_EQ(
        runBoth(t, configFor(Abi::V6, t), "unplug 03:00.1; preserve 03:00.0").state.table.size(),
        5u);
    EXPECT_EQ(runBoth(t, c, "preserve 03:00.0").state.table.size(), 5u);
    EXPECT_EQ(runBoth(t, c, "unplug 03:00.1; preserve 03:00.0").state.table.size(), 4u);
    // Each allocation counts again: released, then EP1 unplugged, then a new table.
    EXPECT_EQ(runBoth(t, c,
                      "preserve 03:00.0; unpreserve 03:00.0; unplug 03:00.1; "
                      "preserve 03:00.0")
                  .state.table.size(),
              4u);
}

TEST(VersionSwitches, TableSizedToPresentSizesTheNextKernelsTableToTheDevicesItEnumerated) {
    // EP1 vanishes before the kexec: kernel 1 enumerates 4 of the 5 devices, so the table it
    // allocates for kernel 2 has 4 slots; the inherited one keeps kernel 0's 5.
    const Topology t = test::reviewTree();
    const auto c = switched(Abi::V6, t, [](LiveUpdateConfig &x) { x.tableSizedToPresent = true; });
    const BothRun r = runBoth(t, c, "preserve 03:00.0; vanish 03:00.1; kexec; preserve 03:00.0");
    EXPECT_EQ(r.results, test::results({Result::Ok, Result::Ok, Result::Ok, Result::Ok}));
    EXPECT_EQ(r.state.table.size(), 4u);
    EXPECT_EQ(r.state.incoming.table.size(), 5u);
}

TEST(VersionSwitches, TableSizedToPresentLeavesAV7TableGrowingAsBefore) {
    const Topology t = test::reviewTree();
    const std::string ops = "unplug 03:00.1; preserve 03:00.0";
    const auto c = switched(Abi::V7, t, [](LiveUpdateConfig &x) { x.tableSizedToPresent = true; });
    EXPECT_EQ(runBoth(t, c, ops).state, runBoth(t, configFor(Abi::V7, t), ops).state);
}

TEST(VersionSwitches, TableSizedToPresentSurvivesSaveAndRestore) {
    const Topology t = test::reviewTree();
    LiveUpdateConfig c = configFor(Abi::V6, t);
    c.tableSizedToPresent = true;
    PciLiveUpdate a(t, c), b(t, c);
    test::run(a, "unplug 03:00.1; preserve 03:00.0");
    std::vector<std::uint8_t> bytes;
    internal::SearchState::save(a, bytes);
    internal::SearchState::restore(b, bytes.data(), bytes.size());
    EXPECT_EQ(b.state(), a.state());
    EXPECT_EQ(b.slots().size(), 4u);
}

} // namespace
} // namespace bridgepath
