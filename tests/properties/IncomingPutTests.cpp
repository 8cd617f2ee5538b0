// IncomingPut: when a device puts back the reference on the incoming FLB it took at enumeration.
// The counts and events are derived by hand from the walk; the implementation and the reference
// model must agree on every one.

#include "impl/PciLiveUpdate.h"
#include "model/Invariant.h"
#include "model/ReferenceModel.h"
#include "topology/LspciParser.h"

#include "TestSupport.h"

#include <gtest/gtest.h>

namespace bridgepath {
namespace {

// RC (00:00.0) -> EP (01:00.0).
const Topology &rcEp() {
    static const Topology t = parseLspci("-[0000:00]---00.0-[01]----00.0\n", "RC -> EP");
    return t;
}

LiveUpdateConfig withPut(const Topology &t, Abi abi, IncomingPut put) {
    LiveUpdateConfig c{Policy::Bail, abi, abi == Abi::V6 ? t.size() : 0};
    c.incomingPut = put;
    return c;
}

// Runs `ops` on both (they must agree); returns the implementation's state.
State runBoth(const Topology &t, const LiveUpdateConfig &c, const std::string &ops) {
    PciLiveUpdate impl(t, c);
    ReferenceModel model(t, c);
    const auto results = test::run(impl, ops);
    EXPECT_EQ(test::run(model, ops), results) << ops;
    EXPECT_EQ(model.state(), impl.state()) << ops;
    return impl.state();
}

std::size_t heldEvents(const State &s, std::uint32_t nr) {
    std::size_t n = 0;
    for (const KernelEvent &e : s.events)
        n += e.kind == KernelEventKind::IncomingHeld && e.nrDevices == nr;
    return n;
}

TEST(IncomingPut, APutPerFinishCallLeavesTheBridgesReferenceAndHoldsTheStateForever) {
    // RC and EP are incoming: 2 references. finish EP clears both pointers and nr_devices goes
    // 2 -> 0, but the call puts one: RC's stays, so after the files' puts the state is never
    // freed although every count is 0 (v4 06/11).
    const std::string ops = "preserve 01:00.0; kexec; finish 01:00.0";
    const Topology &t = rcEp();
    const State before = runBoth(t, withPut(t, Abi::V6, IncomingPut::PerFinishCall), ops);
    EXPECT_EQ(before.incoming.references, 1);
    EXPECT_EQ(before.incoming.nrDevices, 0u);
    const State end =
        runBoth(t, withPut(t, Abi::V6, IncomingPut::PerFinishCall), ops + "; finish-all");
    EXPECT_EQ(heldEvents(end, 0), 1u);
    EXPECT_FALSE(end.panicked);
    const Verdict leak = check(Invariant::NoLeak, t, end, t.size());
    EXPECT_FALSE(leak.holds);
    EXPECT_NE(leak.why.find("1 device reference(s) on the incoming state never put"),
              std::string::npos)
        << leak.why;

    // Per device: each cleared pointer puts its own; nothing is held.
    const State fixed =
        runBoth(t, withPut(t, Abi::V6, IncomingPut::PerDevice), ops + "; finish-all");
    EXPECT_EQ(fixed.incoming.references, 0);
    EXPECT_TRUE(fixed.events.empty());
    EXPECT_TRUE(check(Invariant::NoLeak, t, fixed, t.size()).holds);
}

TEST(IncomingPut, PerDeviceReferencesFollowTheIncomingPointersAndPerCallOnlyTheNamedOnes) {
    // RC, B1, B2, EP0, EP1 incoming after the kexec: 5. finish EP0 clears EP0 only (B2 2 -> 1);
    // finish EP1 clears EP1, B2, B1, RC.
    const Topology t = test::reviewTree();
    const std::string ops = "preserve 03:00.0; preserve 03:00.1; kexec";
    for (Abi abi : {Abi::V6, Abi::V7}) {
        const auto refs = [&](IncomingPut put, const std::string &more) {
            return runBoth(t, withPut(t, abi, put), ops + more).incoming.references;
        };
        EXPECT_EQ(refs(IncomingPut::PerDevice, ""), 5);
        EXPECT_EQ(refs(IncomingPut::PerDevice, "; finish 03:00.0"), 4);
        EXPECT_EQ(refs(IncomingPut::PerDevice, "; finish 03:00.0; finish 03:00.1"), 0);
        EXPECT_EQ(refs(IncomingPut::PerFinishCall, ""), 5);
        EXPECT_EQ(refs(IncomingPut::PerFinishCall, "; finish 03:00.0"), 4);
        EXPECT_EQ(refs(IncomingPut::PerFinishCall, "; finish 03:00.0; finish 03:00.1"), 3);
        // The latest file's setup puts at once: devices hold none, whatever is finished.
        EXPECT_EQ(refs(IncomingPut::AtSetup, ""), 0);
        EXPECT_EQ(refs(IncomingPut::AtSetup, "; finish 03:00.0"), 0);
    }
}

TEST(IncomingPut, HotRemovalPutsTheRemovedDevicesReference) {
    // v7's cleanup only drops EP's incoming pointer, and with it EP's reference; RC stays
    // incoming with its own. v6's cleanup finishes EP's path: both cleared, both put.
    const Topology &t = rcEp();
    const std::string ops = "preserve 01:00.0; kexec; unplug 01:00.0";
    EXPECT_EQ(runBoth(t, withPut(t, Abi::V7, IncomingPut::PerDevice), ops).incoming.references, 1);
    EXPECT_EQ(runBoth(t, withPut(t, Abi::V6, IncomingPut::PerDevice), ops).incoming.references, 0);
}

} // namespace
} // namespace bridgepath
