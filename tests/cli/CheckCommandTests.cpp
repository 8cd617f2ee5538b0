// `bridgepath check`: exit codes, output formats, determinism, shards, replay of what it writes.

#include "CliRunner.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace bridgepath {
namespace {

const std::string leak = "build/bridgepath check --faults lost-slot --invariants no-leak,closure "
                         "--save-trace /tmp/bp-check-tests";

TEST(Check, CorrectUseUnderBailPassesWithExitZero) {
    const auto r = test::runShell("build/bridgepath check --faults none --cases 100");
    EXPECT_EQ(r.exitCode, 0) << r.out;
    EXPECT_NE(r.out.find("9 of 9 invariants hold"), std::string::npos) << r.out;
}

TEST(Check, LostSlotUnderBailFailsNoLeakWithASmallCounterexample) {
    const auto r = test::runShell(leak + " --format json");
    EXPECT_EQ(r.exitCode, 1);
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["policy"], "bail");
    EXPECT_EQ(j["seed"], 1);
    EXPECT_EQ(j["cases"], 200);
    const auto &res = j["results"][0];
    EXPECT_EQ(res["invariant"], "no-leak");
    EXPECT_EQ(res["status"], "fail");
    const auto &c = res["counterexample"];
    EXPECT_LE(c["devices"].get<int>(), 3);
    EXPECT_LE(c["ops"].size(), 4u);
    EXPECT_EQ(c["tree"].get<std::string>().rfind("-[", 0), 0u);
    // The trace it wrote replays to the same failure.
    const auto replay =
        test::runShell("build/bridgepath replay " + c["trace_file"].get<std::string>());
    EXPECT_EQ(replay.exitCode, 0) << replay.out;
    EXPECT_NE(replay.out.find("replay: as expected"), std::string::npos);
}

TEST(Check, KtapHasAPlanAndOneResultPerInvariant) {
    const auto r = test::runShell(leak + " --format ktap");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_EQ(r.out.rfind("KTAP version 1\n1..2\n", 0), 0u) << r.out;
    EXPECT_NE(r.out.find("\nnot ok 1 no-leak\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("# no-leak: counterexample ("), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("# no-leak: replay: bridgepath replay "), std::string::npos);
}

TEST(Check, JunitHasOneTestcasePerInvariantAndTheFailure) {
    const auto r = test::runShell(leak + " --format junit");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_EQ(r.out.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>", 0), 0u);
    EXPECT_NE(r.out.find("tests=\"2\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("<testcase classname=\"bridgepath.bail\" name=\"no-leak\">"),
              std::string::npos);
    EXPECT_NE(r.out.find("<failure message=\""), std::string::npos);
}

TEST(Check, SameSeedPrintsTheSameBytes) {
    const auto a = test::runShell(leak + " --seed 9");
    const auto b = test::runShell(leak + " --seed 9");
    EXPECT_EQ(a.out, b.out);
    EXPECT_EQ(a.exitCode, b.exitCode);
}

TEST(Check, ShardsAreRepeatableAndDiffer) {
    const std::string base = "build/bridgepath check --faults step --invariants containment "
                             "--policy bail --format json --save-trace /tmp/bp-check-tests";
    const auto s0 = test::runShell(base + " --shard 0/2"),
               s0b = test::runShell(base + " --shard 0/2"),
               s1 = test::runShell(base + " --shard 1/2");
    EXPECT_EQ(s0.out, s0b.out);
    EXPECT_NE(s0.out, s1.out);
}

TEST(Check, OnThisMachinesSysfs) {
    const auto r = test::runShell("build/bridgepath check --sysfs --faults none --cases 30");
    if (r.exitCode == 2 && r.err.find("bus/pci/devices") != std::string::npos)
        GTEST_SKIP() << "no PCI devices in this machine's sysfs";
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("fixed tree ("), std::string::npos);
}

TEST(Check, StderrStaysEmptyWhenNotATerminal) {
    const auto r = test::runShell(leak);
    EXPECT_EQ(r.err, "");
}

TEST(Sweep, ReportsEverySiteAndExitsOneWhenOneBreaks) {
    const auto r = test::runShell("build/bridgepath sweep tests/traces/review-fault-free.trace "
                                  "--format json");
    EXPECT_EQ(r.exitCode, 1);
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["sites"].size(), 24u);
    EXPECT_TRUE(j["baseline"].empty());
}

// A preserved device that never comes back: v6 holds the incoming state (no crash), v7 panics.
TEST(Check, NoCrashUnderVanishHoldsInV6AndFailsAsExpectedInV7) {
    auto run = [](const char *abi) {
        return test::runShell(std::string("build/bridgepath check --faults vanish --invariants "
                                          "no-crash --cases 200 --save-trace /tmp/bp-abi --abi ") +
                              abi);
    };
    const auto v6 = run("v6"), v7 = run("v7");
    EXPECT_EQ(v6.exitCode, 0) << v6.out;
    EXPECT_NE(v6.out.find("1 of 1 invariants hold"), std::string::npos) << v6.out;
    EXPECT_NE(v7.out.find("FAIL  no-crash"), std::string::npos) << v7.out;
    EXPECT_NE(v7.out.find("(known: vanish:"), std::string::npos) << v7.out;
    EXPECT_NE(v7.out.find("!! panic: the Live Update ends"), std::string::npos) << v7.out;
    EXPECT_NE(v7.out.find("vanish"), std::string::npos) << "the counterexample keeps its fault";
}

} // namespace
} // namespace bridgepath
