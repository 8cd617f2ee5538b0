// Each outcome's judge fires on the run that causes it, written from the kernel's rules
// (docs/semantics.md) on the review's tree (RC 00:00.0, B1 01:00.0, B2 02:00.0, EP0 03:00.0,
// EP1 03:00.1), and stays quiet on a correct run.

#include "exhaustive/Outcome.h"
#include "model/ReferenceModel.h"
#include "topology/Trace.h"

#include "TestSupport.h"

#include <gtest/gtest.h>

#include <set>

namespace bridgepath {
namespace {

// The outcomes the state after `ops` shows, under `abi` and bail.
std::set<Outcome> outcomesAfter(const std::string &ops, Abi abi) {
    const Topology t = test::reviewTree();
    ReferenceModel m(t, LiveUpdateConfig{Policy::Bail, abi, t.size()});
    for (const Op &op : parseOpsText(ops).ops)
        (void)m.apply(op);
    std::set<Outcome> out;
    for (std::size_t k = 0; k < kOutcomeCount; ++k)
        if (shows(static_cast<Outcome>(k), t, m.state()))
            out.insert(static_cast<Outcome>(k));
    return out;
}

TEST(Outcome, EachJudgeFiresOnTheRunThatCausesIt) {
    // The review's leak: EP0's own step fails, bail stops, nothing is directly preserved, the
    // table is released with EP0, B2, B1 and RC still counted: v6 BUG_ON, v7 WARN and free.
    const std::string failedStep =
        "preserve 03:00.0; fail-next unpreserve 03:00.0; unpreserve 03:00.0";
    EXPECT_EQ(outcomesAfter(failedStep, Abi::V6),
              (std::set<Outcome>{Outcome::Leak, Outcome::BugAtRelease}));
    EXPECT_EQ(outcomesAfter(failedStep, Abi::V7),
              (std::set<Outcome>{Outcome::Leak, Outcome::TableFreedWithReferences}));
    // A lost slot: EP0's slot is zeroed behind the code's back, so nr_devices counts a slot no
    // longer in use and EP0 is below what its own preservation needs.
    EXPECT_EQ(outcomesAfter("preserve 03:00.0; lose 03:00.0", Abi::V6),
              (std::set<Outcome>{Outcome::NrDevicesDrift, Outcome::PrematureRelease}));
    // A failed finish step keeps B2 counted, so finish-all finds nr_devices != 0.
    const std::set<Outcome> panic = outcomesAfter(
        "preserve 03:00.0; kexec; fail-next finish 02:00.0; finish 03:00.0; finish-all", Abi::V7);
    EXPECT_TRUE(panic.count(Outcome::Panic)) << panic.size();
    // B1's unpreserve step fails and bail stops there: B1 and RC stay counted with nothing
    // directly preserved, so the table is freed with them caching freed slots (WARN and free);
    // the next preserve of EP0 walks through B1 and touches freed memory.
    const std::set<Outcome> uaf = outcomesAfter(
        "preserve 03:00.0; fail-next unpreserve 01:00.0; unpreserve 03:00.0; preserve 03:00.0",
        Abi::V7);
    EXPECT_TRUE(uaf.count(Outcome::UseAfterFree));
    EXPECT_TRUE(uaf.count(Outcome::TableFreedWithReferences));
    // Correct use shows none.
    EXPECT_TRUE(outcomesAfter("preserve 03:00.0; preserve 03:00.1; unpreserve 03:00.0; "
                              "kexec; finish 03:00.1; finish-all",
                              Abi::V7)
                    .empty());
}

} // namespace
} // namespace bridgepath
