// `bridgepath replay`: the `step N returns RESULT` expectation.

#include "CliRunner.h"

#include <gtest/gtest.h>

namespace bridgepath {
namespace {

test::CommandResult replayWith(const std::string &expect) {
    return test::runShell("printf '# topology:\\n#  -[0000:00]---00.0\\n# expect: " + expect +
                          "\\nkexec\\n' > /tmp/bp-replay-step.trace && build/bridgepath replay "
                          "/tmp/bp-replay-step.trace");
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
