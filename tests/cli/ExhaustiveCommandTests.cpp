// `bridgepath exhaustive` and `bridgepath policies`: exit codes, JSON, what they find, and that
// the thread count never changes what they print.

#include "CliRunner.h"

#include <filesystem>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <set>

namespace bridgepath {
namespace {

TEST(Exhaustive, CorrectUseOnEveryForestUpToFourDevicesExitsZero) {
    const auto r = test::runShell("build/bridgepath exhaustive --max-devices 4 --max-ops 5");
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("trees 57, "), std::string::npos) << r.out; // 2 + 5 + 13 + 37
    EXPECT_NE(r.out.find("9 of 9 invariants hold; exit 0"), std::string::npos) << r.out;
    // stderr carries the timing, stdout none.
    EXPECT_EQ(r.err.rfind("bridgepath exhaustive: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(" distinct states/s"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(" bytes per stored state (largest search "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(" MiB), peak RSS "), std::string::npos) << r.err;
}

TEST(Exhaustive, StepFaultsUnderBailFailContainmentWithAReplayableTrace) {
    const auto r = test::runShell("build/bridgepath exhaustive --max-devices 3 --max-ops 4 "
                                  "--faults step --invariants containment,closure --format json "
                                  "--save-trace /tmp/bp-exhaustive-tests");
    ASSERT_EQ(r.exitCode, 1) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["bound"]["max_devices"], 3);
    EXPECT_EQ(j["policy"], "bail");
    EXPECT_GT(j["distinct_states"].get<std::uint64_t>(), 0u);
    EXPECT_GE(j["sequences"].get<std::uint64_t>(), j["states_generated"].get<std::uint64_t>());
    const auto &containment = j["results"][0];
    EXPECT_EQ(containment["invariant"], "containment");
    EXPECT_EQ(containment["status"], "fail");
    EXPECT_EQ(containment["counterexample"]["devices"], 2);
    const auto replay =
        test::runShell("build/bridgepath replay " +
                       containment["counterexample"]["trace_file"].get<std::string>());
    EXPECT_EQ(replay.exitCode, 0) << replay.out << replay.err;
    EXPECT_NE(replay.out.find("replay: as expected"), std::string::npos) << replay.out;
    // Closure holds under bail with one failed step: the walk stops, it never frees out of order.
    EXPECT_EQ(j["results"][1]["status"], "pass");
}

TEST(Exhaustive, OneAndTwoThreadsPrintTheSameReport) {
    const std::string cmd = "build/bridgepath exhaustive --max-devices 4 --max-ops 4 --faults "
                            "step,lost-slot,misuse --save-trace /tmp/bp-exhaustive-threads";
    const auto one = test::runShell(cmd + " --threads 1");
    const auto two = test::runShell(cmd + " --threads 2");
    EXPECT_EQ(one.exitCode, 1);
    EXPECT_EQ(two.exitCode, 1);
    EXPECT_EQ(one.out, two.out);
}

TEST(Policies, MatrixHasEveryFaultClassAndPolicyWithExamplesOfWhatGoesWrong) {
    const auto r = test::runShell("build/bridgepath policies --max-devices 3 --max-ops 4 "
                                  "--prove-devices 3 --format json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["bound"]["max_devices"], 3);
    ASSERT_EQ(j["cells"].size(), 24u); // (none + 7 fault classes) x 3 policies
    for (const auto &cell : j["cells"]) {
        ASSERT_FALSE(cell["outcomes"].empty());
        for (const auto &o : cell["outcomes"]) {
            if (o["outcome"] == "ok") {
                EXPECT_EQ(cell["outcomes"].size(), 1u) << "ok stands alone";
                continue;
            }
            EXPECT_FALSE(o["example"]["ops"].empty()) << cell.dump();
        }
        if (cell["fault"] == "none") {
            EXPECT_EQ(cell["outcomes"][0]["outcome"], "ok") << cell.dump();
        }
    }
    // The review: under bail a failed step leaks every slot above it, under continue only its own.
    auto leakSlots = [&](const std::string &fault, const std::string &policy) {
        for (const auto &cell : j["cells"])
            if (cell["fault"] == fault && cell["policy"] == policy)
                for (const auto &o : cell["outcomes"])
                    if (o["outcome"] == "leak")
                        return o["slots"].get<int>();
        return 0;
    };
    EXPECT_EQ(leakSlots("step", "bail"), 3);
    EXPECT_EQ(leakSlots("step", "continue"), 1);
    // Induction covers correct use and allocation failures (a failed preserve rolls back
    // exactly): those rows are proved under every policy, no other cell is.
    ASSERT_EQ(j["z3"].size(), 6u);
    for (const auto &p : j["z3"]) {
        EXPECT_EQ(p["verdict"], "proved") << p.dump();
        EXPECT_TRUE(p["fault"] == "none" || p["fault"] == "alloc") << p.dump();
    }
    for (const auto &cell : j["cells"])
        EXPECT_EQ(cell["proved"].get<bool>(), cell["fault"] == "none" || cell["fault"] == "alloc")
            << cell.dump();
    const auto unproved = test::runShell("build/bridgepath policies --max-devices 2 --max-ops 3 "
                                         "--prove-devices 0 --format json");
    const auto unprovedJson = nlohmann::json::parse(unproved.out); // kept alive for the loop
    for (const auto &cell : unprovedJson["cells"])
        EXPECT_FALSE(cell["proved"].get<bool>()) << "ok within the bound is not proved";
}

TEST(Policies, BothAbisGiveARowPerVersionAndDifferOnUnplug) {
    const auto r = test::runShell("build/bridgepath policies --abi both --max-devices 3 "
                                  "--max-ops 5 --prove-devices 0 --format json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["cells"].size(), 48u); // (none + 7 fault classes) x 2 ABIs x 3 policies
    auto outcomes = [&](const std::string &abi) {
        std::set<std::string> out;
        for (const auto &cell : j["cells"])
            if (cell["fault"] == "unplug" && cell["abi"] == abi && cell["policy"] == "bail")
                for (const auto &o : cell["outcomes"])
                    out.insert(o["outcome"].get<std::string>());
        return out;
    };
    // v6's own unpreserve walk meets a frozen device and leaks, and the release of the table then
    // hits BUG_ON; v7 only warns, keeps the device preserved, and the Live Update ends in a panic.
    EXPECT_EQ(outcomes("v6"), (std::set<std::string>{"leak", "bug-at-release"}));
    EXPECT_EQ(outcomes("v7"), (std::set<std::string>{"panic"}));
}

TEST(Docs, PolicyMatrixIsWhatPoliciesPrints) {
    const auto r = test::runShell("build/bridgepath policies --format markdown");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const std::string readme =
        test::slurp(std::string(BRIDGEPATH_SOURCE_DIR) + "/docs/exhaustive.md");
    EXPECT_NE(readme.find(r.out), std::string::npos) << "docs/exhaustive.md lacks the matrix:\n"
                                                     << r.out;
}

TEST(Docs, DesignTableIsWhatDesignsPrints) {
    const auto r = test::runShell("build/bridgepath designs --format markdown");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const std::string doc = test::slurp(std::string(BRIDGEPATH_SOURCE_DIR) + "/docs/findings.md");
    EXPECT_NE(doc.find(r.out), std::string::npos) << "docs/findings.md lacks the table:\n" << r.out;
}

TEST(Exhaustive, ADesignsCounterexampleReplaysUnderItsDesign) {
    // warn-and-free under v6's check order: the endpoint's freed copy is read by its next
    // preserve. The trace names the design's switches, so replay meets the same crash; without
    // the headers (bug-on, v6's default) the run would die at the release instead.
    const std::string dir = "/tmp/bp-design-replay";
    std::filesystem::remove_all(dir);
    const auto r = test::runShell(
        "build/bridgepath exhaustive --design continue/checked/warn-and-free/held-forever "
        "--max-devices 1 --max-ops 4 --faults step --invariants no-crash --threads 1 "
        "--save-trace " +
        dir);
    EXPECT_EQ(r.exitCode, 1) << r.err;
    EXPECT_NE(r.out.find("design continue/checked/warn-and-free/held-forever"), std::string::npos)
        << r.out;
    const std::string trace = dir + "/exhaustive-no-crash-continue-v6.trace";
    const std::string text = test::slurp(trace);
    EXPECT_NE(text.find("# record: checked\n# release: warn-and-free\n"), std::string::npos)
        << text;
    const auto replay = test::runShell("build/bridgepath replay " + trace);
    EXPECT_EQ(replay.exitCode, 0) << replay.out << replay.err;
    EXPECT_NE(replay.out.find("use after free"), std::string::npos) << replay.out;
}

TEST(Exhaustive, TheAbiDecidesWhatTheSmallestCrashIs) {
    auto run = [](const char *abi) {
        return test::runShell(std::string("build/bridgepath exhaustive --max-devices 2 --max-ops 4 "
                                          "--faults step --invariants no-crash --threads 1 "
                                          "--save-trace /tmp/bp-abi --abi ") +
                              abi);
    };
    const auto v6 = run("v6"), v7 = run("v7");
    EXPECT_EQ(v6.exitCode, 1) << v6.err;
    EXPECT_EQ(v7.exitCode, 1) << v7.err;
    // v6: the release itself crashes, three operations on one device.
    EXPECT_NE(v6.out.find("no-crash: counterexample (1 device, 3 ops)"), std::string::npos)
        << v6.out;
    EXPECT_NE(v6.out.find("!! kernel BUG"), std::string::npos) << v6.out;
    // v7: the release only warns; the crash is the next preserve through the freed slot.
    EXPECT_NE(v7.out.find("no-crash: counterexample (1 device, 4 ops)"), std::string::npos)
        << v7.out;
    EXPECT_NE(v7.out.find("!! WARN: the table is freed"), std::string::npos) << v7.out;
    EXPECT_NE(v7.out.find("!! use after free: 0000:00:00.0"), std::string::npos) << v7.out;
}

TEST(Docs, MachineTableIsWhatPoliciesPrints) {
    const auto r =
        test::runShell("build/bridgepath policies --view machine --abi both --format markdown");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const std::string readme =
        test::slurp(std::string(BRIDGEPATH_SOURCE_DIR) + "/docs/exhaustive.md");
    EXPECT_NE(readme.find(r.out), std::string::npos) << "docs/exhaustive.md lacks the table:\n"
                                                     << r.out;
}

// The machine view: v6 turns a single failed step into the BUG at release, v7 into the use after
// free, under bail and under the best alternative alike; correct use and alloc stay ok.
TEST(Policies, TheMachineViewShowsTheCrashEachVersionTurnsALeakInto) {
    const auto r = test::runShell("build/bridgepath policies --view machine --abi both "
                                  "--max-devices 3 --max-ops 4 --prove-devices 0");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    auto row = [&](const std::string &start) {
        const auto at = r.out.find("\n" + start);
        return at == std::string::npos ? std::string()
                                       : r.out.substr(at + 1, r.out.find('\n', at + 1) - at - 1);
    };
    EXPECT_NE(row("step       v6").find("BUG at release"), std::string::npos) << r.out;
    EXPECT_EQ(row("step       v6").find("use after free"), std::string::npos) << r.out;
    EXPECT_NE(row("step       v7").find("use after free"), std::string::npos) << r.out;
    EXPECT_EQ(row("step       v7").find("BUG"), std::string::npos) << r.out;
    EXPECT_NE(row("none       v6").find("ok  "), std::string::npos) << r.out;
    EXPECT_NE(row("alloc      v7").find("continue: ok"), std::string::npos) << r.out;
}

TEST(Policies, TheMachineViewRefusesJson) {
    const auto r = test::runShell("build/bridgepath policies --view machine --format json");
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_NE(r.err.find("--view"), std::string::npos) << r.err;
}

} // namespace
} // namespace bridgepath
