// Contracts stay live in the builds CI runs (Release defines NDEBUG): a caller's broken promise
// aborts with where and what, instead of undefined behaviour.

#include "model/ReferenceModel.h"

#include "TestSupport.h"

#include <gtest/gtest.h>

namespace bridgepath {
namespace {

TEST(Contracts, AnUnknownDeviceIsAContractViolationInEveryBuild) {
    const Topology t = test::reviewTree();
    ReferenceModel m(t, LiveUpdateConfig{Policy::Bail, Abi::V6, 5});
    Op op;
    op.kind = OpKind::Preserve;
    op.bdf = test::bdf("09:00.0");
    EXPECT_DEATH((void)m.apply(op), "contract violated: .*ReferenceModel.cpp:[0-9]+: apply: the "
                                    "op's device must be in the topology");
}

} // namespace
} // namespace bridgepath
