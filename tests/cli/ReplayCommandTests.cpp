// `bridgepath replay`: the `step N returns RESULT` expectation.

#include "CliRunner.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace bridgepath {
namespace {

// Each call writes its own trace (ctest -j runs these tests side by side).
test::CommandResult replayWith(const std::string &expect) {
    static int calls = 0;
    const std::string path = testing::TempDir() + "bp-replay-step-" + std::to_string(getpid()) +
                             "-" + std::to_string(++calls) + ".trace";
    return test::runShell("printf '# topology:\\n#  -[0000:00]---00.0\\n# expect: " + expect +
                          "\\nkexec\\n' > " + path + " && build/bridgepath replay " + path);
}

TEST(Replay, AStepThatReturnsWhatItShouldMeetsTheExpectation) {
    const auto r = replayWith("step 1 returns ok");
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("replay: as expected"), std::string::npos) << r.out;
}

TEST(Replay, AStepThatReturnsSomethingElseIsNotMetAndExitsOne) {
    const auto r = replayWith("step 1 returns EINVAL");
    EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("NOT MET: step 1 was expected to return EINVAL but returned ok"),
              std::string::npos)
        << r.out;
}

TEST(Replay, AStepBeyondTheTraceIsNotMet) {
    const auto r = replayWith("step 2 returns ok");
    EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("NOT MET: step 2 was expected to return ok but did not run"),
              std::string::npos)
        << r.out;
}

} // namespace
} // namespace bridgepath
