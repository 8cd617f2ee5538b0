// `bridgepath prove --abi v6|v7`: the flag reaches the encoding, the output names the ABI, and the
// versions' counterexamples differ and replay as saved.

#include "CliRunner.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace bridgepath {
namespace {

// A fresh directory holding the tree RC 00:00.0 -> EP 01:00.0; returns the tree's path.
std::string rcEpTree(const std::string &dir) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string path = dir + "/rc-ep.lspci-t";
    std::ofstream(path) << "-[0000:00]---00.0-[01]----00.0\n";
    return path;
}

std::vector<std::string> strings(const nlohmann::json &a) {
    std::vector<std::string> out;
    for (const auto &s : a)
        out.push_back(s.get<std::string>());
    return out;
}

TEST(ProveAbi, UnknownAbiExitsTwoWithOneLineNamingTheFlag) {
    const auto r = test::runShell("build/bridgepath prove --abi v9");
    EXPECT_EQ(r.exitCode, 2) << r.out << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
    EXPECT_NE(r.err.find("--abi"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
}

// One failed unpreserve step at the bridge: v6 hits BUG_ON at the table's release (2 steps,
// 3 ops); v7 frees the table and crashes at the next preserve's use after free (3 steps, 4 ops).
// Each saved trace replays as a pass of its expectation.
TEST(ProveAbi, V6CrashesAtTheReleaseAndV7AtTheUseAfterFreeAndBothTracesReplay) {
    const std::string dir = test::scoped("/tmp/bp-prove-abi");
    const std::string tree = rcEpTree(dir);
    const std::string v6ops[] = {"preserve 0000:01:00.0", "fail-next unpreserve 0000:00:00.0",
                                 "unpreserve 0000:01:00.0"};
    for (const char *abi : {"v6", "v7"}) {
        const auto r =
            test::runShell("build/bridgepath prove --topology " + tree +
                           " --faults step --invariants no-crash --endpoints-only --abi " + abi +
                           " --format json --save-trace " + dir);
        ASSERT_EQ(r.exitCode, 1) << abi << "\n" << r.out << r.err;
        const auto j = nlohmann::json::parse(r.out);
        EXPECT_EQ(j["abi"], abi);
        const auto &c = j["counterexample"];
        EXPECT_TRUE(c["replay_agrees"].get<bool>()) << r.out;
        const auto ops = strings(c["ops"]);
        const auto events = strings(c["replay_events"]);
        const bool v6 = std::string(abi) == "v6";
        EXPECT_EQ(c["steps"], v6 ? 2 : 3) << r.out;
        ASSERT_EQ(ops.size(), v6 ? 3u : 4u) << r.out;
        // v6 dies whichever step of the unpreserve fails (Z3 may pick either); v7 only when the
        // bridge's does (a failed endpoint step leaves the endpoint dangling, and v7 decides
        // its -EBUSY without reading the freed slot).
        EXPECT_EQ(ops[0], v6ops[0]) << r.out;
        EXPECT_TRUE(ops[1] == v6ops[1] || (v6 && ops[1] == "fail-next unpreserve 0000:01:00.0"))
            << r.out;
        EXPECT_EQ(ops[2], v6ops[2]) << r.out;
        if (v6) {
            EXPECT_EQ(events, std::vector<std::string>{"bug-at-release"});
        } else {
            EXPECT_EQ(ops[3], "preserve 0000:01:00.0");
            EXPECT_EQ(events,
                      (std::vector<std::string>{"table-freed-with-references", "use-after-free"}));
        }
        const std::string trace = c["trace_file"].get<std::string>();
        EXPECT_NE(trace.find(std::string("-") + abi + "-"), std::string::npos) << trace;
        const std::string text = test::slurp(trace);
        EXPECT_NE(text.find(std::string("# abi: ") + abi), std::string::npos) << text;
        EXPECT_EQ(text.find("# capacity") != std::string::npos, v6)
            << "only a v6 trace names a capacity (the v7 table grows)\n"
            << text;
        const auto replay = test::runShell("build/bridgepath replay " + trace);
        EXPECT_EQ(replay.exitCode, 0) << replay.out << replay.err;
    }
}

TEST(ProveAbi, InductionNamesTheAbiAndProvesNoCrashForCorrectUse) {
    for (const char *abi : {"v6", "v7"}) {
        const auto text = test::runShell(
            std::string("build/bridgepath prove --method induction --max-devices 4 --abi ") + abi);
        EXPECT_EQ(text.exitCode, 0) << text.out << text.err;
        EXPECT_NE(text.out.find(std::string("policy bail, abi ") + abi + ", faults none"),
                  std::string::npos)
            << text.out;
        EXPECT_NE(text.out.find("no-crash"), std::string::npos) << text.out;
        const auto json = test::runShell(
            std::string(
                "build/bridgepath prove --method induction --max-devices 3 --format json --abi ") +
            abi);
        EXPECT_EQ(json.exitCode, 0) << json.out << json.err;
        const auto j = nlohmann::json::parse(json.out);
        EXPECT_EQ(j["abi"], abi);
        EXPECT_EQ(j["result"], "proved");
    }
}

TEST(ProveAbi, WithoutTheFlagTheAbiIsV6) {
    const auto r =
        test::runShell("build/bridgepath prove --method induction --max-devices 2 --format json");
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["abi"], "v6");
}

} // namespace
} // namespace bridgepath
