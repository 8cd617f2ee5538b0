// --dot / --png: the counterexample drawn, devices coloured by what happened, the walk in red.

#include "CliRunner.h"

#include <gtest/gtest.h>

namespace bridgepath {
namespace {

std::size_t count(const std::string &s, const std::string &what) {
    std::size_t n = 0;
    for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1))
        ++n;
    return n;
}

TEST(Picture, ReplayDrawsTheReviewLeakWithBothBridgesLeakedAndTheWalkInRed) {
    const auto r =
        test::runShell("build/bridgepath replay tests/traces/review-lost-slot-bail.trace "
                       "--dot /tmp/bp-picture.dot");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const std::string dot = test::slurp("/tmp/bp-picture.dot");
    EXPECT_EQ(dot.rfind("digraph G {", 0), 0u);
    EXPECT_EQ(count(dot, "LEAKED"), 2u) << dot;
    EXPECT_NE(dot.find("0000:02:00.0\\nbridge\\nslot lost"), std::string::npos) << dot;
    // The walk of `unpreserve 03:00.1`: 00:00.0 -> 01:00.0 -> 02:00.0 -> 03:00.1, three red edges.
    EXPECT_EQ(count(dot, "->") - count(dot, "-> EINVAL"), 5u);
    EXPECT_EQ(count(dot, " [color=\"red\", penwidth=3]"), 3u) << dot;
    EXPECT_NE(dot.find("in red the walk of step 4: unpreserve 0000:03:00.1 -> EINVAL"),
              std::string::npos);
}

TEST(Picture, CheckAndProveDrawTheirCounterexampleAndPngIsAnImage) {
    auto r = test::runShell("build/bridgepath check --faults lost-slot --invariants no-leak "
                            "--save-trace /tmp/bp-picture --dot /tmp/bp-check.dot --png "
                            "/tmp/bp-check.png");
    ASSERT_EQ(r.exitCode, 1) << r.err;
    EXPECT_NE(test::slurp("/tmp/bp-check.dot").find("no-leak fails after step"), std::string::npos);
    EXPECT_EQ(test::slurp("/tmp/bp-check.png").substr(1, 3), "PNG");
    r = test::runShell("build/bridgepath prove --faults lost-slot --invariants no-leak "
                       "--max-devices 3 --steps 4 --save-trace /tmp/bp-picture --dot "
                       "/tmp/bp-prove.dot");
    ASSERT_EQ(r.exitCode, 1) << r.err;
    EXPECT_NE(test::slurp("/tmp/bp-prove.dot").find("no-leak fails after step"), std::string::npos);
}

TEST(Picture, SimulateDrawsAReleasedEarlyBridge) {
    // continue + unpreserving a never-preserved sibling releases the shared bridge early.
    const auto r = test::runShell(
        "build/bridgepath simulate --topology tests/topologies/review-rc-b1-b2-ep0-ep1.lspci-tv "
        "--policy continue --ops 'preserve 03:00.0; unpreserve 03:00.1' --dot /tmp/bp-sim.dot");
    ASSERT_EQ(r.exitCode, 1) << r.err; // no-premature-release fails
    const std::string dot = test::slurp("/tmp/bp-sim.dot");
    EXPECT_EQ(count(dot, "RELEASED EARLY"), 3u) << dot;
    EXPECT_NE(dot.find("0000:03:00.0\\nendpoint\\nEP0\\nrefcount 1 (ideal 1)\\npreserved"),
              std::string::npos)
        << dot;
}

} // namespace
} // namespace bridgepath
