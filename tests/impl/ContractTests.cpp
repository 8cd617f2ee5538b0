// Contracts stay live in the builds CI runs (Release defines NDEBUG): an unknown device passed
// to the implementation aborts naming the promise, instead of undefined behaviour.

#include "impl/PciLiveUpdate.h"

#include "TestSupport.h"

#include <gtest/gtest.h>

namespace bridgepath {
namespace {

TEST(Contracts, TheImplementationChecksItsPreconditionInEveryBuild) {
    const Topology t = test::reviewTree();
    PciLiveUpdate impl(t, LiveUpdateConfig{Policy::Bail, Abi::V6, 5});
    Op op;
    op.kind = OpKind::Unpreserve;
    op.bdf = test::bdf("09:00.0");
    EXPECT_DEATH((void)impl.apply(op), "contract violated: .*PciLiveUpdate.cpp:[0-9]+: apply: "
                                       "PciLiveUpdate::apply: the op's device must be in the "
                                       "topology");
}

TEST(Contracts, TheImplementationRefusesTheEarlyFilesWalks) {
    const Topology t = test::reviewTree();
    LiveUpdateConfig c{Policy::Continue, Abi::V6, 5};
    c.walkOrder = WalkOrder::RootFirst;
    EXPECT_DEATH(PciLiveUpdate(t, c), "PciLiveUpdate implements leaf-first walks with full step "
                                      "checks");
    c.walkOrder = WalkOrder::LeafFirst;
    c.stepChecks = StepChecks::None;
    EXPECT_DEATH(PciLiveUpdate(t, c), "PciLiveUpdate implements leaf-first walks");
}

} // namespace
} // namespace bridgepath
