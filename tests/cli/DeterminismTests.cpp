// The same command with the same seed prints the same bytes: check, prove, exhaustive and
// policies, each run twice (timings go to stderr).

#include "CliRunner.h"

#include <gtest/gtest.h>

namespace bridgepath {
namespace {

void expectSameTwice(const std::string &command) {
    const auto a = test::runShell(command);
    const auto b = test::runShell(command);
    EXPECT_TRUE(a.exitCode == 0 || a.exitCode == 1) << command << "\n" << a.err;
    EXPECT_EQ(a.exitCode, b.exitCode) << command;
    EXPECT_FALSE(a.out.empty()) << command;
    EXPECT_EQ(a.out, b.out) << command;
}

TEST(Determinism, CheckPrintsTheSameBytesForTheSameSeed) {
    expectSameTwice("build/bridgepath check --faults step,lost-slot --cases 100 --seed 7 "
                    "--save-trace /tmp/bp-determinism");
    expectSameTwice("build/bridgepath check --faults all --cases 50 --seed 3 --format json "
                    "--save-trace /tmp/bp-determinism");
}

TEST(Determinism, ProvePrintsTheSameBytes) {
    expectSameTwice("build/bridgepath prove --method induction --max-devices 4");
    expectSameTwice("build/bridgepath prove --policy bail --faults lost-slot --invariants "
                    "no-leak --max-devices 3 --steps 3 --format json --save-trace "
                    "/tmp/bp-determinism");
}

TEST(Determinism, ExhaustiveAndPoliciesPrintTheSameBytes) {
    expectSameTwice("build/bridgepath exhaustive --max-devices 4 --max-ops 4 --faults all "
                    "--save-trace /tmp/bp-determinism");
    expectSameTwice("build/bridgepath exhaustive --max-devices 4 --max-ops 4 --faults step "
                    "--format json --save-trace /tmp/bp-determinism");
    expectSameTwice("build/bridgepath policies --max-devices 3 --max-ops 3 --prove-devices 2 "
                    "--format json");
}

} // namespace
} // namespace bridgepath
