#include "topology/InputError.h"
#include "topology/Topology.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace bridgepath;

namespace {

Bdf bdf(const char *text) {
    const auto b = Bdf::parse(text);
    EXPECT_TRUE(b) << text;
    return b.value_or(Bdf{});
}

DeviceSpec endpoint(const char *address, std::string label = "") {
    DeviceSpec s;
    s.bdf = bdf(address);
    s.label = std::move(label);
    return s;
}

DeviceSpec vf(const char *address) {
    DeviceSpec s = endpoint(address);
    s.vf = true;
    return s;
}

DeviceSpec bridge(const char *address, unsigned secondary, unsigned subordinate) {
    DeviceSpec s;
    s.bdf = bdf(address);
    s.kind = DeviceKind::Bridge;
    s.secondary = secondary;
    s.subordinate = subordinate;
    return s;
}

DeviceSpec withPlace(DeviceSpec s, std::string place) {
    s.place = std::move(place);
    return s;
}

DeviceSpec below(DeviceSpec s, const char *parent) {
    s.declaredParent = bdf(parent);
    return s;
}

/// 00:01.0 -> [01-02] 01:00.0 -> [02] 02:00.0 (+ 02:00.1 VF); 00:02.0 on the root bus; and a
/// second domain with one endpoint. Given out of BDF order on purpose.
std::vector<DeviceSpec> sampleSpecs() {
    return {endpoint("0000:02:00.0", "card"), vf("0000:02:00.1"),
            bridge("0000:01:00.0", 2, 2),     endpoint("0001:00:00.0"),
            endpoint("0000:00:02.0"),         bridge("0000:00:01.0", 1, 2),
            endpoint("0000:00:00.0")};
}

DeviceId idOf(const Topology &t, const char *address) {
    const auto id = t.find(bdf(address));
    EXPECT_TRUE(id) << address;
    return id.value_or(0);
}

/// The what() of the InputError that building `specs` throws, or "no error".
std::string buildError(std::vector<DeviceSpec> specs) {
    try {
        Topology::build(std::move(specs), "src");
    } catch (const InputError &e) {
        return e.what();
    }
    return "no error";
}

bool startsWith(const std::string &s, const std::string &prefix) {
    return s.rfind(prefix, 0) == 0;
}

} // namespace

TEST(Topology, IdsFollowBdfOrder) {
    const Topology t = Topology::build(sampleSpecs(), "src");
    ASSERT_EQ(t.size(), 7u);
    for (DeviceId id = 1; id < t.size(); ++id)
        EXPECT_LT(t.bdf(id - 1), t.bdf(id));
    EXPECT_EQ(t.bdf(0).toString(), "0000:00:00.0");
    EXPECT_EQ(t.bdf(6).toString(), "0001:00:00.0");
}

TEST(Topology, BuildDerivesParentFromSecondaryBus) {
    const Topology t = Topology::build(sampleSpecs(), "src");
    EXPECT_EQ(t.parent(idOf(t, "0000:01:00.0")), idOf(t, "0000:00:01.0"));
    EXPECT_EQ(t.parent(idOf(t, "0000:02:00.0")), idOf(t, "0000:01:00.0"));
    EXPECT_EQ(t.parent(idOf(t, "0000:02:00.1")), idOf(t, "0000:01:00.0"));
    EXPECT_FALSE(t.parent(idOf(t, "0000:00:01.0")));
    EXPECT_FALSE(t.parent(idOf(t, "0001:00:00.0")));
}

TEST(Topology, ARootBusInsideABridgesRangeIsAnInputError) {
    // 00:01.0 forwards [01-02]; a device on bus 02 with no bridge whose secondary bus is 02
    // would be a root bus inside that range, which no PCI hierarchy has.
    EXPECT_EQ(
        buildError({bridge("0000:00:01.0", 1, 2), withPlace(endpoint("0000:02:00.0"), "f:2:1")}),
        "f:2:1: device 0000:02:00.0 sits on a root bus inside the range [1-2] of bridge "
        "0000:00:01.0 (no bridge forwards to bus 2)");
    // Just outside the range it is a root bus of its own.
    const Topology t =
        Topology::build({bridge("0000:00:01.0", 1, 2), endpoint("0000:03:00.0")}, "src");
    EXPECT_EQ(t.rootBuses(), (std::vector<RootBus>{{0, 0}, {0, 3}}));
}

TEST(Topology, AChildBridgesRangeOutsideItsParentsIsAnInputError) {
    EXPECT_EQ(buildError(
                  {bridge("0000:00:01.0", 1, 2), withPlace(bridge("0000:01:00.0", 2, 3), "f:2:1")}),
              "f:2:1: bridge 0000:01:00.0 forwards [2-3], outside the range [1-2] of the bridge "
              "above it, 0000:00:01.0");
}

TEST(Topology, SiblingBridgesWithOverlappingRangesAreAnInputError) {
    EXPECT_EQ(buildError(
                  {bridge("0000:00:01.0", 1, 3), withPlace(bridge("0000:00:02.0", 3, 4), "f:2:1")}),
              "f:2:1: bridges 0000:00:01.0 [1-3] and 0000:00:02.0 [3-4] forward overlapping bus "
              "ranges");
    // Below one bridge too.
    EXPECT_NE(buildError({bridge("0000:00:01.0", 1, 9), bridge("0000:01:00.0", 2, 5),
                          bridge("0000:01:01.0", 5, 6)}),
              "no error");
    // Adjacent ranges are fine.
    EXPECT_EQ(buildError({bridge("0000:00:01.0", 1, 9), bridge("0000:01:00.0", 2, 4),
                          bridge("0000:01:01.0", 5, 6)}),
              "no error");
}

TEST(Topology, AVirtualFunctionThatIsABridgeIsAnInputError) {
    DeviceSpec b = withPlace(bridge("0000:00:01.0", 1, 1), "f:1:1");
    b.vf = true;
    EXPECT_EQ(buildError({b}), "f:1:1: device 0000:00:01.0 is a virtual function and a bridge: a "
                               "VF has no secondary bus");
}

TEST(Topology, MatchingDeclaredParentIsAccepted) {
    const Topology t = Topology::build(
        {bridge("0000:00:01.0", 1, 1), below(endpoint("0000:01:00.0"), "0000:00:01.0")}, "src");
    EXPECT_EQ(t.parent(idOf(t, "0000:01:00.0")), idOf(t, "0000:00:01.0"));
}

TEST(Topology, DeclaredParentMismatchIsAnInputErrorAtTheSpec) {
    const std::string what =
        buildError({bridge("0000:00:01.0", 1, 1), bridge("0000:00:02.0", 2, 2),
                    withPlace(below(endpoint("0000:01:00.0"), "0000:00:02.0"), "file:3:4")});
    EXPECT_TRUE(startsWith(what, "file:3:4: ")) << what;
}

TEST(Topology, DeclaredParentOfARootDeviceIsAMismatch) {
    const std::string what =
        buildError({bridge("0000:00:01.0", 1, 1), below(endpoint("0000:05:00.0"), "0000:00:01.0")});
    EXPECT_TRUE(startsWith(what, "src: ")) << what;
}

TEST(Topology, BadBusRangesAreInputErrors) {
    EXPECT_TRUE(
        startsWith(buildError({withPlace(bridge("0000:00:01.0", 5, 3), "f:1:2")}), "f:1:2: "));
    EXPECT_TRUE(startsWith(buildError({bridge("0000:00:01.0", 1, 256)}), "src: "));
    // A bridge forwards downstream only: its secondary bus is above its own.
    EXPECT_TRUE(startsWith(buildError({bridge("0000:05:01.0", 5, 5)}), "src: "));
    EXPECT_TRUE(startsWith(buildError({bridge("0000:05:01.0", 3, 6)}), "src: "));
}

TEST(Topology, TwoBridgesClaimingOneBusIsAnInputError) {
    const std::string what = buildError(
        {bridge("0000:00:01.0", 1, 1), withPlace(bridge("0000:00:02.0", 1, 1), "f:2:1")});
    EXPECT_TRUE(startsWith(what, "f:2:1: ")) << what;
}

TEST(Topology, SameBusInAnotherDomainIsAnotherBus) {
    const Topology t = Topology::build(
        {bridge("0000:00:01.0", 1, 1), bridge("0001:00:01.0", 1, 1), endpoint("0001:01:00.0")},
        "src");
    EXPECT_EQ(t.parent(idOf(t, "0001:01:00.0")), idOf(t, "0001:00:01.0"));
}

TEST(Topology, DuplicateBdfIsAnInputError) {
    const std::string what =
        buildError({endpoint("0000:00:00.0"), withPlace(endpoint("0000:00:00.0"), "f:9:9")});
    EXPECT_TRUE(startsWith(what, "f:9:9: ")) << what;
}

TEST(Topology, RootsAreTheDevicesOnRootBusesInBdfOrder) {
    const Topology t = Topology::build(sampleSpecs(), "src");
    EXPECT_EQ(t.roots(), (std::vector<DeviceId>{idOf(t, "0000:00:00.0"), idOf(t, "0000:00:01.0"),
                                                idOf(t, "0000:00:02.0"), idOf(t, "0001:00:00.0")}));
}

TEST(Topology, RootBusesAreInDomainThenBusOrder) {
    const Topology t = Topology::build({endpoint("0001:00:00.0"), endpoint("0000:80:00.0"),
                                        endpoint("0000:00:00.0"), endpoint("0000:80:01.0")},
                                       "src");
    EXPECT_EQ(t.rootBuses(), (std::vector<RootBus>{{0, 0}, {0, 0x80}, {1, 0}}));
}

TEST(Topology, ChildrenAreInBdfOrder) {
    const Topology t = Topology::build({endpoint("0000:01:1f.0"), endpoint("0000:01:00.1"),
                                        bridge("0000:00:01.0", 1, 1), endpoint("0000:01:00.0")},
                                       "src");
    const DeviceId b = idOf(t, "0000:00:01.0");
    EXPECT_EQ(t.children(b),
              (std::vector<DeviceId>{idOf(t, "0000:01:00.0"), idOf(t, "0000:01:00.1"),
                                     idOf(t, "0000:01:1f.0")}));
    EXPECT_TRUE(t.children(idOf(t, "0000:01:00.0")).empty());
}

TEST(Topology, FindHitsPresentAndMissesAbsentAddresses) {
    const Topology t = Topology::build(sampleSpecs(), "src");
    for (DeviceId id = 0; id < t.size(); ++id)
        EXPECT_EQ(t.find(t.bdf(id)), id);
    EXPECT_FALSE(t.find(bdf("0000:02:00.2")));
    EXPECT_FALSE(t.find(bdf("0002:00:00.0")));
    EXPECT_FALSE(t.find(bdf("0000:00:00.1")));
    EXPECT_FALSE(Topology().find(bdf("0000:00:00.0")));
}

TEST(Topology, UpstreamPathRunsFromTheDeviceToTheRootBus) {
    const Topology t = Topology::build(sampleSpecs(), "src");
    EXPECT_EQ(t.upstreamPath(idOf(t, "0000:02:00.1")),
              (std::vector<DeviceId>{idOf(t, "0000:02:00.1"), idOf(t, "0000:01:00.0"),
                                     idOf(t, "0000:00:01.0")}));
    EXPECT_EQ(t.upstreamPath(idOf(t, "0000:00:02.0")),
              (std::vector<DeviceId>{idOf(t, "0000:00:02.0")}));
}

TEST(Topology, UpstreamBridgesCountsBridgesStrictlyAbove) {
    const Topology t = Topology::build(sampleSpecs(), "src");
    EXPECT_EQ(t.upstreamBridges(idOf(t, "0000:00:01.0")), 0u);
    EXPECT_EQ(t.upstreamBridges(idOf(t, "0000:01:00.0")), 1u);
    EXPECT_EQ(t.upstreamBridges(idOf(t, "0000:02:00.0")), 2u);
    EXPECT_EQ(t.upstreamBridges(idOf(t, "0001:00:00.0")), 0u);
    EXPECT_EQ(t.maxUpstreamBridges(), 2u);
    for (DeviceId id = 0; id < t.size(); ++id)
        EXPECT_EQ(t.upstreamBridges(id), t.upstreamPath(id).size() - 1);
}

TEST(Topology, MultifunctionMeansAnotherFunctionInTheSameSlot) {
    const Topology t = Topology::build(sampleSpecs(), "src");
    EXPECT_TRUE(t.isMultifunction(idOf(t, "0000:02:00.0")));
    EXPECT_TRUE(t.isMultifunction(idOf(t, "0000:02:00.1")));
    // Neighbours in id order but in another slot, bus or domain do not count.
    EXPECT_FALSE(t.isMultifunction(idOf(t, "0000:00:00.0")));
    EXPECT_FALSE(t.isMultifunction(idOf(t, "0000:00:01.0")));
    EXPECT_FALSE(t.isMultifunction(idOf(t, "0000:01:00.0")));
    EXPECT_FALSE(t.isMultifunction(idOf(t, "0001:00:00.0")));
}

TEST(Topology, MultifunctionHoldsForAFunctionWithoutFunctionZero) {
    const Topology t = Topology::build(
        {endpoint("0000:00:14.3"), endpoint("0000:00:14.5"), endpoint("0000:00:15.0")}, "src");
    EXPECT_TRUE(t.isMultifunction(0));
    EXPECT_TRUE(t.isMultifunction(1));
    EXPECT_FALSE(t.isMultifunction(2));
}

TEST(Topology, CountsSplitIntoBridgesEndpointsAndVfs) {
    const Topology t = Topology::build(sampleSpecs(), "src");
    EXPECT_EQ(t.bridgeCount(), 2u);
    EXPECT_EQ(t.endpointCount(), 5u);
    EXPECT_EQ(t.vfCount(), 1u);
    EXPECT_TRUE(t.isVf(idOf(t, "0000:02:00.1")));
    EXPECT_EQ(t.label(idOf(t, "0000:02:00.0")), "card");
    EXPECT_EQ(t.secondaryBus(idOf(t, "0000:00:01.0")), 1u);
    EXPECT_EQ(t.subordinateBus(idOf(t, "0000:00:01.0")), 2u);
}

TEST(Topology, EmptyTopologyHasNothing) {
    const Topology t = Topology::build({}, "src");
    EXPECT_EQ(t.size(), 0u);
    EXPECT_TRUE(t.roots().empty());
    EXPECT_TRUE(t.rootBuses().empty());
    EXPECT_EQ(t.maxUpstreamBridges(), 0u);
    EXPECT_EQ(t, Topology());
}

TEST(Topology, BuildingFromSpecsGivesTheSameTree) {
    const Topology t = Topology::build(sampleSpecs(), "src");
    const std::vector<DeviceSpec> specs = t.specs();
    ASSERT_EQ(specs.size(), t.size());
    EXPECT_EQ(specs[idOf(t, "0000:02:00.0")].declaredParent, bdf("0000:01:00.0"));
    EXPECT_FALSE(specs[idOf(t, "0000:00:00.0")].declaredParent);
    const Topology back = Topology::build(specs, "src");
    EXPECT_EQ(back, t);
    for (DeviceId id = 0; id < t.size(); ++id)
        EXPECT_EQ(back.label(id), t.label(id));
}

TEST(Topology, CopyIsEqualAndIndependentOfTheOriginal) {
    Topology t = Topology::build(sampleSpecs(), "src");
    const Topology copy = t;
    EXPECT_EQ(copy, t);
    t = Topology();
    EXPECT_EQ(copy.size(), 7u);
}

TEST(Topology, EqualityIgnoresLabels) {
    std::vector<DeviceSpec> relabelled = sampleSpecs();
    for (DeviceSpec &s : relabelled)
        s.label = "other " + s.bdf.toString();
    EXPECT_EQ(Topology::build(relabelled, "a"), Topology::build(sampleSpecs(), "b"));
}

TEST(Topology, EqualityComparesVfFlags) {
    std::vector<DeviceSpec> noVf = sampleSpecs();
    for (DeviceSpec &s : noVf)
        s.vf = false;
    EXPECT_NE(Topology::build(noVf, "a"), Topology::build(sampleSpecs(), "b"));
}

TEST(Topology, EqualityComparesKindsRangesAndDevices) {
    const Topology base = Topology::build(sampleSpecs(), "src");
    std::vector<DeviceSpec> wider = sampleSpecs();
    wider[5].subordinate = 3; // 00:01.0 [01-03]
    EXPECT_NE(Topology::build(wider, "src"), base);
    std::vector<DeviceSpec> fewer = sampleSpecs();
    fewer.pop_back();
    EXPECT_NE(Topology::build(fewer, "src"), base);
    std::vector<DeviceSpec> moved = sampleSpecs();
    moved[6] = endpoint("0000:00:03.0");
    EXPECT_NE(Topology::build(moved, "src"), base);
}

TEST(Topology, KindPrintsAsAWord) {
    EXPECT_STREQ(toString(DeviceKind::Bridge), "bridge");
    EXPECT_STREQ(toString(DeviceKind::Endpoint), "endpoint");
}

TEST(Topology, EndpointsAreEveryDeviceThatIsNotABridgeInIdOrder) {
    const Topology t = Topology::build(sampleSpecs(), "src");
    // By hand: the two bridges are 00:01.0 and 01:00.0; the other five in BDF order.
    const std::vector<DeviceId> want{idOf(t, "0000:00:00.0"), idOf(t, "0000:00:02.0"),
                                     idOf(t, "0000:02:00.0"), idOf(t, "0000:02:00.1"),
                                     idOf(t, "0001:00:00.0")};
    EXPECT_EQ(t.endpoints(), want);
    EXPECT_TRUE(Topology().endpoints().empty());
}

TEST(Topology, ADerivedValueIsBuiltOnceAndSharedByEveryCopyOfTheTree) {
    const Topology t = Topology::build(sampleSpecs(), "src");
    int built = 0;
    const auto make = [&built, &t] {
        ++built;
        return t.size() * 10;
    };
    const auto first = t.derived<std::size_t>(make);
    const Topology copy =
        t; // NOLINT(performance-unnecessary-copy-initialization): the copy is the point
    const auto again = copy.derived<std::size_t>(make);
    EXPECT_EQ(built, 1);
    EXPECT_EQ(first.get(), again.get());
    EXPECT_EQ(*again, 70u);
    // Another type is another value; another tree (even an equal one) has its own.
    EXPECT_EQ(*t.derived<int>([] { return 5; }), 5);
    const Topology other = Topology::build(sampleSpecs(), "src");
    EXPECT_NE(other.derived<std::size_t>(make).get(), first.get());
    EXPECT_EQ(built, 2);
}
