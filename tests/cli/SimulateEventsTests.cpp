// `simulate --json` lists the kernel events with the step that caused them, per version.

#include "CliRunner.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace bridgepath {
namespace {

nlohmann::json simulate(const std::string &abi, const std::string &ops) {
    const auto r = test::runShell("build/bridgepath simulate --json --abi " + abi +
                                  " --topology tests/topologies/review-rc-b1-b2-ep0-ep1.lspci-tv "
                                  "--ops '" +
                                  ops + "'");
    const nlohmann::json j = nlohmann::json::parse(r.out);
    // The exit codes of docs/commands.md: 1 exactly when an invariant fails.
    EXPECT_EQ(r.exitCode, j["violations"].empty() ? 0 : 1) << r.err;
    return j;
}

const char *kReviewLeak = "preserve 03:00.0; fail-next unpreserve 02:00.0; unpreserve 03:00.0";

TEST(SimulateJson, TheV6ReviewLeakEndsInBugAtReleaseAtTheLastUnpreserve) {
    const auto j = simulate("v6", std::string(kReviewLeak) + "; preserve 03:00.1");
    ASSERT_EQ(j["events"].size(), 1u) << j.dump(2);
    EXPECT_EQ(j["events"][0]["step"], 3);
    EXPECT_EQ(j["events"][0]["event"], "bug-at-release");
    EXPECT_EQ(j["events"][0]["nr_devices"], 3);
    EXPECT_EQ(j["crashed"], true);
    EXPECT_EQ(j["steps"][3]["result"], "ENOENT") << "nothing runs after the BUG";
}

TEST(SimulateJson, TheV7ReviewLeakFreesTheTableAndTheNextPreserveUsesEveryFreedBridge) {
    const auto j = simulate("v7", std::string(kReviewLeak) + "; preserve 03:00.1");
    ASSERT_EQ(j["events"].size(), 4u) << j.dump(2);
    EXPECT_EQ(
        j["events"][0],
        (nlohmann::json{{"step", 3}, {"event", "table-freed-with-references"}, {"nr_devices", 3}}));
    for (int i = 1; i < 4; ++i) {
        EXPECT_EQ(j["events"][i]["step"], 4);
        EXPECT_EQ(j["events"][i]["event"], "use-after-free");
    }
    EXPECT_EQ(j["events"][1]["device"], "0000:02:00.0"); // the walk goes up from EP1
    EXPECT_EQ(j["events"][3]["device"], "0000:00:00.0");
    EXPECT_EQ(j["crashed"], false);
    EXPECT_EQ(j["dangling"].size(), 3u);
}

TEST(SimulateJson, AFaultFreeRunHasNoEvents) {
    const auto j = simulate("v6", "preserve 03:00.0; unpreserve 03:00.0; preserve 03:00.1; kexec; "
                                  "finish 03:00.1; finish-all");
    EXPECT_TRUE(j["events"].empty()) << j.dump(2);
    EXPECT_TRUE(j["violations"].empty()) << j.dump(2);
}

} // namespace
} // namespace bridgepath

namespace bridgepath {
namespace {

// Counterexamples carry their kernel events too (check and exhaustive JSON).
TEST(CounterexampleJson, ANoCrashCounterexampleListsTheCrashWithItsStep) {
    for (const std::string &cmd : std::vector<std::string>{
             "build/bridgepath check --faults step --invariants no-crash --format json "
             "--save-trace /tmp/bp-events",
             "build/bridgepath exhaustive --max-devices 2 --max-ops 3 --faults step --invariants "
             "no-crash --format json --threads 1 --save-trace /tmp/bp-events"}) {
        const auto r = test::runShell(cmd);
        ASSERT_EQ(r.exitCode, 1) << cmd << "\n" << r.err;
        const auto j = nlohmann::json::parse(r.out);
        const auto &c = j["results"][0]["counterexample"];
        ASSERT_FALSE(c["events"].empty()) << cmd << "\n" << c.dump(2);
        EXPECT_EQ(c["events"].back()["event"], "bug-at-release") << c.dump(2);
        EXPECT_EQ(c["events"].back()["step"], c["ops"].size()) << "the last op crashed";
    }
}

} // namespace
} // namespace bridgepath
