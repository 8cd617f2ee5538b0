// PciLiveUpdate::save/restore, the key of the exhaustive search: a restored instance behaves as
// the original under every later operation (the table lifetime, dangling slots and the crash
// included).

#include "impl/PciLiveUpdate.h"
#include "properties/PropertyCheck.h"

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
    int crashed = 0, dangling = 0;
    for (Abi abi : {Abi::V6, Abi::V7})
        for (std::uint64_t seed = 0; seed < 150; ++seed) {
            const GeneratedCase c = sampleCase(seed, 30, Policy::Bail, abi, all);
            PciLiveUpdate original(c.setup->topology, c.setup->config);
            std::vector<std::uint8_t> bytes;
            for (std::size_t i = 0; i < c.ops.size(); ++i) {
                bytes.clear();
                original.save(bytes);
                PciLiveUpdate copy(c.setup->topology, c.setup->config);
                copy.restore(bytes.data(), bytes.size());
                ASSERT_EQ(comparable(copy.state()), comparable(original.state()))
                    << "seed " << seed << " after " << i << " ops";
                const Result a = original.apply(c.ops[i]);
                const Result b = copy.apply(c.ops[i]);
                ASSERT_EQ(a, b) << "seed " << seed << " op " << c.ops[i].toString();
                ASSERT_EQ(comparable(copy.state()), comparable(original.state()))
                    << "seed " << seed << " op " << c.ops[i].toString();
            }
            crashed += original.crashed();
            dangling += !original.state().dangling.empty();
        }
    // The interesting states are reached, not assumed.
    EXPECT_GE(crashed, 10);
    EXPECT_GE(dangling, 5);
}

} // namespace
} // namespace bridgepath
