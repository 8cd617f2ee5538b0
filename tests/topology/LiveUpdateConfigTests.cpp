// The version switches of LiveUpdateConfig: each accessor gives the override, else what the ABI
// implies; names print and parse back.

#include "topology/LiveUpdateConfig.h"

#include <gtest/gtest.h>

namespace bridgepath {
namespace {

LiveUpdateConfig withAbi(Abi abi) {
    LiveUpdateConfig c;
    c.abi = abi;
    return c;
}

TEST(LiveUpdateConfig, UnsetSwitchesFollowV6) {
    const LiveUpdateConfig c = withAbi(Abi::V6);
    EXPECT_EQ(checkOrderOf(c), CheckOrder::ZeroRefcountFirst);
    EXPECT_EQ(vfCheckOf(c), VfCheck::NamedDevice);
    EXPECT_EQ(releaseCheckOf(c), ReleaseCheck::BugOn);
    EXPECT_EQ(endOfUpdateOf(c), EndOfUpdate::HeldForever);
    EXPECT_FALSE(c.tableSizedToPresent);
}

TEST(LiveUpdateConfig, UnsetSwitchesFollowV7) {
    const LiveUpdateConfig c = withAbi(Abi::V7);
    EXPECT_EQ(checkOrderOf(c), CheckOrder::EbusyFirst);
    EXPECT_EQ(vfCheckOf(c), VfCheck::EveryDevice);
    EXPECT_EQ(releaseCheckOf(c), ReleaseCheck::WarnAndFree);
    EXPECT_EQ(endOfUpdateOf(c), EndOfUpdate::Panic);
}

TEST(LiveUpdateConfig, AnOverrideWinsOverTheAbiAndLeavesTheOtherSwitchesAlone) {
    // The later full file 58547026163: v7's release, v6's check order, VF check and end.
    LiveUpdateConfig c = withAbi(Abi::V7);
    c.checkOrder = CheckOrder::ZeroRefcountFirst;
    c.vfCheck = VfCheck::NamedDevice;
    c.endOfUpdate = EndOfUpdate::HeldForever;
    EXPECT_EQ(checkOrderOf(c), CheckOrder::ZeroRefcountFirst);
    EXPECT_EQ(vfCheckOf(c), VfCheck::NamedDevice);
    EXPECT_EQ(releaseCheckOf(c), ReleaseCheck::WarnAndFree);
    EXPECT_EQ(endOfUpdateOf(c), EndOfUpdate::HeldForever);
    LiveUpdateConfig v6 = withAbi(Abi::V6);
    v6.releaseCheck = ReleaseCheck::WarnAndFree;
    EXPECT_EQ(releaseCheckOf(v6), ReleaseCheck::WarnAndFree);
    EXPECT_EQ(checkOrderOf(v6), CheckOrder::ZeroRefcountFirst);
}

TEST(LiveUpdateConfig, EverySwitchValuePrintsAndParsesBack) {
    for (CheckOrder o : {CheckOrder::ZeroRefcountFirst, CheckOrder::EbusyFirst})
        EXPECT_EQ(parseCheckOrder(toString(o)), o);
    for (VfCheck v : {VfCheck::NamedDevice, VfCheck::EveryDevice})
        EXPECT_EQ(parseVfCheck(toString(v)), v);
    for (ReleaseCheck r : {ReleaseCheck::BugOn, ReleaseCheck::WarnAndFree})
        EXPECT_EQ(parseReleaseCheck(toString(r)), r);
    for (EndOfUpdate e : {EndOfUpdate::Panic, EndOfUpdate::HeldForever})
        EXPECT_EQ(parseEndOfUpdate(toString(e)), e);
    EXPECT_STREQ(toString(CheckOrder::EbusyFirst), "ebusy-first");
    EXPECT_STREQ(toString(VfCheck::NamedDevice), "named-device");
    EXPECT_STREQ(toString(ReleaseCheck::WarnAndFree), "warn-and-free");
    EXPECT_STREQ(toString(EndOfUpdate::HeldForever), "held-forever");
}

TEST(LiveUpdateConfig, AnUnknownSwitchNameDoesNotParse) {
    EXPECT_EQ(parseCheckOrder("EbusyFirst"), std::nullopt);
    EXPECT_EQ(parseVfCheck(""), std::nullopt);
    EXPECT_EQ(parseReleaseCheck("bug"), std::nullopt);
    EXPECT_EQ(parseEndOfUpdate("panic "), std::nullopt);
}

} // namespace
} // namespace bridgepath
