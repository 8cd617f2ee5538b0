// `bridgepath prove`: exit codes 0 proved, 1 counterexample, 2 bad input, 3 unknown; JSON keys.

#include "CliRunner.h"
#include "smt/BoundedSearch.h"
#include "topology/LspciRenderer.h"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace bridgepath {
namespace {

TEST(Prove, InductionWithoutFaultsProvesAndExitsZero) {
    const auto r = test::runShell("build/bridgepath prove --method induction --max-devices 4");
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("result: proved"), std::string::npos) << r.out;
}

TEST(Prove, CounterexampleExitsOneWithJsonAndAReplayableTrace) {
    const auto r =
        test::runShell("build/bridgepath prove --faults lost-slot --invariants no-leak "
                       "--max-devices 3 --steps 4 --format json --save-trace /tmp/bp-prove");
    EXPECT_EQ(r.exitCode, 1) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["result"], "counterexample");
    EXPECT_EQ(j["method"], "bmc");
    EXPECT_EQ(j["bound"]["devices"], 3);
    EXPECT_EQ(j["bound"]["steps"], 4);
    EXPECT_FALSE(j.contains("seconds")) << "timings go to stderr";
    EXPECT_NE(r.err.find("bridgepath prove: counterexample in "), std::string::npos) << r.err;
    const auto &c = j["counterexample"];
    EXPECT_TRUE(c["replay_agrees"].get<bool>());
    const auto replay =
        test::runShell("build/bridgepath replay " + c["trace_file"].get<std::string>());
    EXPECT_EQ(replay.exitCode, 0) << replay.out;
}

TEST(Prove, TimeoutIsUnknownAndExitsThreeNeverProved) {
    const auto r = test::runShell("build/bridgepath prove --method induction --max-devices 32 "
                                  "--timeout 1 --format json");
    EXPECT_EQ(r.exitCode, 3) << r.out;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["result"], "unknown");
}

// The user's own tree, any length of sequence: the review tree (5 devices) is proved, and the
// walk that skips the root device is a counterexample on it (the real code does not skip it, so
// its replay disagrees: the verdict is the encoding's, and says so).
TEST(Prove, InductionOnTheUsersTreeProvesThatTree) {
    const std::string tree = "--topology tests/topologies/review-rc-b1-b2-ep0-ep1.lspci-tv";
    const auto r = test::runShell("build/bridgepath prove --method induction " + tree);
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("on this tree of 5 devices"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("any length"), std::string::npos) << r.out;
    const auto m = test::runShell("build/bridgepath prove --method induction --mutant-skip-root "
                                  "--format json " +
                                  tree + " --save-trace " + test::scratchFile("prove-mutant"));
    EXPECT_EQ(m.exitCode, 1) << m.out << m.err;
    const auto j = nlohmann::json::parse(m.out);
    EXPECT_EQ(j["result"], "counterexample");
    EXPECT_EQ(j["bound"]["devices"], 5);
    EXPECT_EQ(j["counterexample"]["devices"], 5);
}

TEST(Prove, OnThisMachinesSysfs) {
    const auto r = test::runShell("build/bridgepath prove --method induction --sysfs");
    if (r.exitCode == 2 && r.err.find("bus/pci/devices") != std::string::npos)
        GTEST_SKIP() << "no PCI devices in this machine's sysfs";
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("the tree of sysfs /sys"), std::string::npos) << r.out;
}

// --solver both: cvc5 decides every query Z3 decides, and the verdict stands only if they agree.
// A cvc5 that contradicts Z3 (a fake one) is exit 4 with the query saved, never a verdict.
TEST(Prove, BothSolversMustAgreeAndADisagreementIsExitFour) {
    const auto r = test::runShell("build/bridgepath prove --method induction --max-devices 3 "
                                  "--solver both");
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("solver both"), std::string::npos) << r.out;
    const std::string fake = test::scratchFile("cvc5-says-sat");
    test::runShell("printf '#!/bin/sh\\necho sat\\n' > " + fake + " && chmod +x " + fake);
    const std::string dir = test::scratchFile("disputes");
    const auto d = test::runShell("BRIDGEPATH_CVC5=" + fake +
                                  " build/bridgepath prove --method induction --max-devices 2 "
                                  "--solver both --save-trace " +
                                  dir);
    EXPECT_EQ(d.exitCode, 4) << d.out << d.err;
    EXPECT_NE(d.out.find("result: disagreement: SOLVERS DISAGREE"), std::string::npos) << d.out;
    EXPECT_NE(d.out.find(dir + "/disagreement-"), std::string::npos) << d.out;
    const auto missing = test::runShell("BRIDGEPATH_CVC5=/nonexistent build/bridgepath prove "
                                        "--solver cvc5");
    EXPECT_EQ(missing.exitCode, 2) << missing.err;
    EXPECT_NE(missing.err.find("--solver"), std::string::npos) << missing.err;
    const auto folder = test::runShell("BRIDGEPATH_CVC5=/tmp build/bridgepath prove --solver both");
    EXPECT_EQ(folder.exitCode, 2) << folder.err;
    EXPECT_NE(folder.err.find("BRIDGEPATH_CVC5 names '/tmp', not an executable file"),
              std::string::npos)
        << folder.err;
}

TEST(Prove, EverySizeProvesWithoutABoundAndRefusesOne) {
    const auto r = test::runShell("build/bridgepath prove --method every-size --abi v7");
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("every tree of every size, any length"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("result: proved: closure, exact-count, nr-devices"), std::string::npos)
        << r.out;
    for (const char *bound : {"--max-devices 4", "--steps 3", "--faults step"}) {
        const auto bad =
            test::runShell(std::string("build/bridgepath prove --method every-size ") + bound);
        EXPECT_EQ(bad.exitCode, 2) << bound << ": " << bad.out;
        EXPECT_NE(bad.err.find("every-size"), std::string::npos) << bad.err;
    }
}

// The user's own tree of any size: a generated one of 512 devices (a binary tree of 64 bridges,
// 7 endpoints under each), beyond what the bounded encodings take (64 devices).
TEST(Prove, EverySizeCoversTheUsersTreeOfAnySize) {
    std::vector<int> parent(512);
    for (int i = 0; i < 64; ++i)
        parent[i] = i == 0 ? -1 : (i - 1) / 2;
    for (int i = 64; i < 512; ++i)
        parent[i] = (i - 64) / 7;
    const std::string file = "/tmp/bridgepath-prove-512.lspci-tv";
    std::ofstream(file) << renderLspci(
        forestTopology(parent, std::vector<bool>(512, false), "512 devices"));
    const auto r = test::runShell("build/bridgepath prove --method every-size --topology " + file);
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("so the given tree of 512 devices too"), std::string::npos) << r.out;
    const auto bounded =
        test::runShell("build/bridgepath prove --method induction --topology " + file);
    EXPECT_EQ(bounded.exitCode, 2) << "the bounded encodings take at most 64 devices";
}

TEST(Prove, BadInputExitsTwo) {
    for (const char *args :
         {"--method guess", "--max-devices 0", "--max-devices 33", "--faults vanish",
          "--invariants containment", "--format yaml",
          "--topology tests/topologies/review-rc-b1-b2-ep0-ep1.lspci-tv --max-devices 3",
          "--sysfs --max-devices 3",
          "--sysfs --topology tests/topologies/review-rc-b1-b2-ep0-ep1.lspci-tv",
          "--topology tests/topologies/amd-wrx80-threadripper-pro-mi100-multiroot.lspci-tv",
          "--solver yices"}) {
        const auto r = test::runShell(std::string("build/bridgepath prove ") + args);
        EXPECT_EQ(r.exitCode, 2) << args << "\n" << r.out << r.err;
        EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
    }
}

} // namespace
} // namespace bridgepath
