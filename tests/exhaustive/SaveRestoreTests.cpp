// PciLiveUpdate::save/restore, the key of the exhaustive search: a restored instance behaves as
// the original under every later operation (the table lifetime, dangling slots and the crash
// included).

#include "impl/PciLiveUpdate.h"
#include "impl/internal/SearchState.h"
#include "properties/PropertyCheck.h"
#include "topology/LspciParser.h"

#include "TestSupport.h"

#include <gtest/gtest.h>

namespace bridgepath {
namespace {

// The state without the event details restore() does not keep: one event per kind seen.
State comparable(State s) {
    std::vector<KernelEvent> kinds;
    for (KernelEventKind k : allKernelEvents())
        for (const KernelEvent &e : s.events)
            if (e.kind == k) {
                kinds.push_back(KernelEvent{k, std::nullopt, 0});
                break;
            }
    s.events = kinds;
    return s;
}

TEST(SaveRestore, ARestoredInstanceBehavesAsTheOriginalUnderEveryLaterOperation) {
    const std::set<FaultClass> all(allFaultClasses().begin(), allFaultClasses().end());
    int crashed = 0, dangling = 0, chains = 0, bothSides = 0;
    for (Abi abi : {Abi::V6, Abi::V7})
        for (std::uint64_t seed = 0; seed < 150; ++seed) {
            const GeneratedCase c = sampleCase(seed, 30, Policy::Bail, abi, all);
            PciLiveUpdate original(c.setup->topology, c.setup->config);
            std::vector<std::uint8_t> bytes;
            for (std::size_t i = 0; i < c.ops.size(); ++i) {
                bytes.clear();
                internal::SearchState::save(original, bytes);
                PciLiveUpdate copy(c.setup->topology, c.setup->config);
                internal::SearchState::restore(copy, bytes.data(), bytes.size());
                ASSERT_EQ(comparable(copy.state()), comparable(original.state()))
                    << "seed " << seed << " after " << i << " ops";
                const Result a = original.apply(c.ops[i]);
                const Result b = copy.apply(c.ops[i]);
                ASSERT_EQ(a, b) << "seed " << seed << " op " << c.ops[i].toString();
                ASSERT_EQ(comparable(copy.state()), comparable(original.state()))
                    << "seed " << seed << " op " << c.ops[i].toString();
                bothSides += bridgeOnBothSides(c.setup->topology, original.state());
            }
            chains += original.generation() >= 2;
            crashed += original.crashed();
            dangling += !original.state().dangling.empty();
        }
    // The interesting states are reached, not assumed.
    EXPECT_GE(crashed, 10);
    EXPECT_GE(dangling, 5);
    EXPECT_GE(chains, 20) << "cases with two kexecs or more";
    EXPECT_GE(bothSides, 20) << "steps after which a bridge is incoming and outgoing";
}

TEST(SaveRestore, ABridgeIncomingAndOutgoingAtOnceRoundTrips) {
    // RC -> B -> EP, v6, capacity 3. Kernel 0 preserves EP (slots 0-2: EP, B, RC); kernel 1
    // finishes nothing yet and preserves EP again: B and RC are incoming with 1 and outgoing
    // with 1. A fail-next on kernel 1's finish of B is armed too.
    const Topology t = parseLspci("-[0000:00]---00.0-[01-02]----00.0-[02]----00.0\n", "RC B EP");
    ASSERT_EQ(t.size(), 3u);
    LiveUpdateConfig config;
    config.capacity = 3;
    PciLiveUpdate original(t, config);
    ASSERT_EQ(test::run(original, "preserve 02:00.0; kexec; preserve 02:00.0; "
                                  "fail-next finish 01:00.0"),
              test::results({Result::Ok, Result::Ok, Result::Ok, Result::Ok}));
    const DeviceId b = *t.find(test::bdf("01:00.0"));
    ASSERT_EQ(original.incomingRefcount(b), 1u);
    ASSERT_EQ(original.outgoingRefcount(b), 1u);
    ASSERT_TRUE(bridgeOnBothSides(t, original.state()));
    std::vector<std::uint8_t> bytes;
    internal::SearchState::save(original, bytes);
    PciLiveUpdate copy(t, config);
    internal::SearchState::restore(copy, bytes.data(), bytes.size());
    EXPECT_EQ(copy.state(), original.state()); // no event yet: nothing is lost by the record
    std::vector<std::uint8_t> again;
    internal::SearchState::save(copy, again);
    EXPECT_EQ(again, bytes);
    // Both go on alike: B's finish step fails (EP's entry reached 0, B and RC stay at 1), kernel 1
    // kexecs with its own table, kernel 2 finishes EP's whole path.
    const std::string rest = "finish 02:00.0; kexec; finish 02:00.0; finish-all";
    const auto want = test::results({Result::Eio, Result::Ok, Result::Ok, Result::Ok});
    EXPECT_EQ(test::run(original, rest), want);
    EXPECT_EQ(test::run(copy, rest), want);
    EXPECT_EQ(copy.state(), original.state());
    EXPECT_EQ(copy.state().generation, 2u);
    EXPECT_FALSE(copy.panicked());
}

} // namespace
} // namespace bridgepath
