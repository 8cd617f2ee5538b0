// `bridgepath kernel-check`: exit 0 on agreement, 1 with the shrunk disagreement as a trace that
// `--trace` reproduces, 2 when the code cannot be found or built.

#include "CliRunner.h"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace bridgepath {
namespace {

const std::string kV6 = "tests/kernelcheck/c/liveupdate-v6.c";

TEST(KernelCheckCommand, AgreementExitsZeroAndSaysOnHowManySequences) {
    const auto r = test::runShell("build/bridgepath kernel-check --source " + kV6 + " --cases 200");
    EXPECT_EQ(r.exitCode, 0) << r.err;
    EXPECT_NE(r.out.find("behaves like the model (v6, policy bail) on 200 sequences"),
              std::string::npos)
        << r.out;
}

TEST(KernelCheckCommand, ADisagreementPrintsATraceThatReproducesIt) {
    // Bail turned into continue in the unpreserve walk.
    const auto mutate = test::runShell(
        "sed 's/leaking the devices above\\\\n\");/&\\n\\t\\t\\tcontinue;/' " + kV6 +
        " > /tmp/bp-kc-continue.c && grep -c continue /tmp/bp-kc-continue.c");
    ASSERT_EQ(mutate.exitCode, 0) << mutate.err;
    const auto r = test::runShell(
        "build/bridgepath kernel-check --source /tmp/bp-kc-continue.c --cases 2000");
    ASSERT_EQ(r.exitCode, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("DISAGREES with the model"), std::string::npos) << r.out;
    const std::size_t start = r.out.find("# topology:");
    const std::size_t end = r.out.find("\nreproduce:");
    ASSERT_NE(start, std::string::npos) << r.out;
    std::ofstream("/tmp/bp-kc-continue.trace") << r.out.substr(start, end - start);
    const auto again = test::runShell("build/bridgepath kernel-check --source /tmp/bp-kc-continue.c "
                                      "--trace /tmp/bp-kc-continue.trace --format json");
    ASSERT_EQ(again.exitCode, 1) << again.out << again.err;
    const auto j = nlohmann::json::parse(again.out);
    EXPECT_FALSE(j["agree"].get<bool>());
    EXPECT_NE(r.out.find(j["disagreement"]["what"].get<std::string>()), std::string::npos)
        << "the trace reproduces the same disagreement: " << again.out;
    // The faithful code runs that trace without a disagreement.
    const auto faithful = test::runShell("build/bridgepath kernel-check --source " + kV6 +
                                         " --trace /tmp/bp-kc-continue.trace");
    EXPECT_EQ(faithful.exitCode, 0) << faithful.out;
}

TEST(KernelCheckCommand, CodeThatCannotBeFoundOrBuiltExitsTwoWithOneLine) {
    for (const std::string &args :
          std::vector<std::string>{"--source /no/such/liveupdate.c", "--source /tmp", "--cases 3",
          "--source " + kV6 + " --abi v9", "--source " + kV6 + " --format xml",
          "--source " + kV6 + " --cases 0"}) {
        const auto r = test::runShell("build/bridgepath kernel-check " + args);
        EXPECT_EQ(r.exitCode, 2) << args << ": " << r.out << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
    }
}

} // namespace
} // namespace bridgepath
