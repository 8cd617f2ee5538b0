// Version differences (DOMAIN.md "Versions"): the implementation and the reference model follow
// each version's rules.

#include "impl/PciLiveUpdate.h"
#include "model/ReferenceModel.h"

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

} // namespace
} // namespace bridgepath
