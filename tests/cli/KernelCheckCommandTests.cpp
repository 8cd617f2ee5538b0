// `bridgepath kernel-check`: what it detected and the variant it compared with, exit 0 on
// agreement, 1 with the shrunk disagreement as a trace that `--trace` reproduces, the variant
// table, the mutation table, 2 when the code cannot be found or built.

#include "CliRunner.h"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace bridgepath {
namespace {

const std::string kV6 = "tests/kernelcheck/c/flb-v6";
const std::string kLatest = "tests/kernelcheck/c/flb-latest/drivers/pci/liveupdate.c";

std::string scratch(const std::string &name) {
    return test::scratchFile("kcc-" + name);
}

TEST(KernelCheckCommand, AFailNextOfARecursiveWalkStepIsRefusedAtItsLine) {
    const std::string trace = scratch("recursive.trace");
    std::ofstream(trace) << "# topology: " << BRIDGEPATH_SOURCE_DIR
                         << "/tests/topologies/review-rc-b1-b2-ep0-ep1.lspci-tv\n"
                            "preserve 03:00.0\nfail-next unpreserve 02:00.0\n";
    const auto r = test::runShell("build/bridgepath kernel-check --source "
                                  "tests/kernelcheck/c/flb-early --trace " +
                                  trace);
    EXPECT_EQ(r.exitCode, 2) << r.out << r.err;
    EXPECT_NE(r.err.find(trace + ":3"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("recursive walks"), std::string::npos) << r.err;
    std::remove(trace.c_str());
}

TEST(KernelCheckCommand, AgreementExitsZeroAndSaysWhatWasDetected) {
    const auto r = test::runShell("build/bridgepath kernel-check --source " + kV6 + " --cases 200");
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("detected: fixed devices[] table, BUG_ON(nr_devices) at the release"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("behaves like the model on 200 sequences"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(" kexecs; "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("chains of two or more Live Updates"), std::string::npos) << r.out;
}

// A chain of Live Updates replayed as a trace: generation 1 preserves EP1 for the next kernel
// while EP0's path (B2 on both sides) is still incoming, the second kexec drops EP0's path
// unfinished and hands over EP1's, which generation 2 finishes.
TEST(KernelCheckCommand, AChainOfLiveUpdatesReplaysAndAgrees) {
    const std::string trace = scratch("chain.trace");
    {
        std::ofstream out(trace);
        out << "# topology:\n";
        std::ifstream tree(std::string(BRIDGEPATH_SOURCE_DIR) +
                           "/tests/topologies/review-rc-b1-b2-ep0-ep1.lspci-tv");
        for (std::string line; std::getline(tree, line);)
            out << "#  " << line << "\n";
        out << "preserve 03:00.0\nkexec\npreserve 03:00.1\nkexec\nfinish 03:00.1\nfinish-all\n";
    }
    for (const std::string &f : {kV6, kLatest}) {
        const auto r = test::runShell("build/bridgepath kernel-check --source " + f + " --trace " +
                                      trace + " --format json");
        ASSERT_EQ(r.exitCode, 0) << f << ": " << r.out << r.err;
        const auto j = nlohmann::json::parse(r.out);
        EXPECT_TRUE(j["agree"].get<bool>()) << r.out;
        EXPECT_EQ(j["kexec_steps"].get<int>(), 2) << r.out;
        EXPECT_EQ(j["chain_cases"].get<int>(), 1) << r.out;
    }
}

TEST(KernelCheckCommand, ADisagreementPrintsATraceThatReproducesIt) {
    // Bail turned into continue in the unpreserve walk.
    const std::string copy = scratch("continue.c");
    const auto mutate =
        test::runShell("sed 's/if (pci_liveupdate_unpreserve_device(outgoing, dev))/"
                       "if (pci_liveupdate_unpreserve_device(outgoing, dev) \\&\\& 0)/' " +
                       kLatest + " > " + copy + " && grep -c '&& 0' " + copy);
    ASSERT_EQ(mutate.exitCode, 0) << mutate.out << mutate.err;
    const auto r = test::runShell("build/bridgepath kernel-check --source " + copy);
    ASSERT_EQ(r.exitCode, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("DISAGREES with the model"), std::string::npos) << r.out;
    const std::size_t start = r.out.find("# topology:");
    const std::size_t end = r.out.find("\nreproduce:");
    ASSERT_NE(start, std::string::npos) << r.out;
    const std::string trace = scratch("continue.trace");
    std::ofstream(trace) << r.out.substr(start, end - start);
    const auto again = test::runShell("build/bridgepath kernel-check --source " + copy +
                                      " --trace " + trace + " --format json");
    ASSERT_EQ(again.exitCode, 1) << again.out << again.err;
    const auto j = nlohmann::json::parse(again.out);
    EXPECT_FALSE(j["agree"].get<bool>());
    EXPECT_NE(r.out.find(j["disagreement"]["what"].get<std::string>()), std::string::npos)
        << "the trace reproduces the same disagreement: " << again.out;
    // The faithful code runs that trace without a disagreement.
    const auto faithful =
        test::runShell("build/bridgepath kernel-check --source " + kLatest + " --trace " + trace);
    EXPECT_EQ(faithful.exitCode, 0) << faithful.out;
}

TEST(KernelCheckCommand, VariantsListTheOneThatAgreesFirst) {
    const auto r = test::runShell("build/bridgepath kernel-check --source " + kLatest +
                                  " --variants --cases 200 --format json");
    ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
    const auto j = nlohmann::json::parse(r.out);
    // policy x check order x VF check x walk order, guarded root-first left out (= continue)
    ASSERT_EQ(j["variants"].size(), 20u);
    EXPECT_TRUE(j["variants"][0]["agree"].get<bool>());
    EXPECT_NE(j["variants"][0]["variant"].get<std::string>().find("policy bail"),
              std::string::npos);
    for (std::size_t i = 1; i < 20; ++i)
        EXPECT_FALSE(j["variants"][i]["agree"].get<bool>()) << j["variants"][i]["variant"];
}

TEST(KernelCheckCommand, MutantsAreAllKilledOnTheFixtures) {
    for (const std::string &f : {kV6, kLatest}) {
        const auto r = test::runShell("build/bridgepath kernel-check --source " + f +
                                      " --mutants --cases 1000 --format json");
        ASSERT_EQ(r.exitCode, 0) << f << ": " << r.out << r.err;
        const auto j = nlohmann::json::parse(r.out);
        EXPECT_EQ(j["mutants_applied"], j["mutants_killed"]) << r.out;
        EXPECT_GE(j["mutants_applied"].get<int>(), 11) << r.out;
    }
}

// With --variants, the mutants are checked against the variant that agrees with the original.
TEST(KernelCheckCommand, VariantsAndMutantsTogetherCompareMutantsWithTheAgreeingVariant) {
    const auto r = test::runShell("build/bridgepath kernel-check --source " + kLatest +
                                  " --variants --mutants --cases 300");
    ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("against the first agreeing variant"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("12 of 12 applicable mutants killed"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("SURVIVED"), std::string::npos) << r.out;
}

TEST(KernelCheckCommand, CodeThatCannotBeFoundOrBuiltExitsTwoWithOneLine) {
    for (const std::string &args : std::vector<std::string>{
             "--source /no/such/liveupdate.c", "--source /tmp", "--cases 3",
             "--source " + kV6 + " --abi v9", "--source " + kV6 + " --format xml",
             "--source " + kV6 + " --cases 0", "--source " + kV6 + " --policy sometimes",
             "--source " + kV6 + " --variants --trace x.trace", "--source /dev/zero",
             "--source " + kV6 + " --trace /dev/null",
             "--source " + kV6 + " --variants --trace x.trace"}) {
        const auto r = test::runShell("build/bridgepath kernel-check " + args);
        EXPECT_EQ(r.exitCode, 2) << args << ": " << r.out << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
        EXPECT_EQ(r.out, "") << args << ": nothing is printed before the error";
    }
}

} // namespace
} // namespace bridgepath
