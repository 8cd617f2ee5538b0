// `bridgepath report` and the unified diff it carries: the reply's shape, its 72 columns, its
// diff against GNU diff's, and every reproducer it names replayed on impl and model.

#include "cli/UnifiedDiff.h"
#include "properties/Conformance.h"
#include "topology/Design.h"
#include "topology/LspciParser.h"
#include "topology/TextFile.h"
#include "topology/Trace.h"

#include "CliRunner.h"

#include <gtest/gtest.h>
#include <sstream>

namespace bridgepath {
namespace {

TEST(UnifiedDiff, EqualTextsHaveNoDiff) {
    EXPECT_EQ(unifiedDiff("a\nb\n", "a\nb\n", "x", "y"), "");
}

TEST(UnifiedDiff, OneChangedLineHasThreeLinesOfContextEachSide) {
    // By hand: line 5 of 9 changed; the hunk is lines 2..8 on both sides.
    const std::string a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
    const std::string b = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
    EXPECT_EQ(unifiedDiff(a, b, "a", "b"),
              "--- a\n+++ b\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
}

TEST(UnifiedDiff, AnInsertionAtTheStartAndARemovalAtTheEnd) {
    // Far apart (nine kept lines between): two hunks, as GNU diff prints them.
    std::string a, b = "new\n";
    for (int i = 1; i <= 10; ++i) {
        a += std::to_string(i) + "\n";
        if (i != 10)
            b += std::to_string(i) + "\n";
    }
    EXPECT_EQ(unifiedDiff(a, b, "a", "b"), "--- a\n+++ b\n@@ -1,3 +1,4 @@\n+new\n 1\n 2\n 3\n"
                                           "@@ -7,4 +8,3 @@\n 7\n 8\n 9\n-10\n");
}

TEST(UnifiedDiff, TheFixturesDiffIsGnuDiffs) {
    const std::string root = BRIDGEPATH_SOURCE_DIR;
    const std::string a = root + "/tests/kernelcheck/c/flb-v6/drivers/pci/liveupdate.c";
    const std::string b = root + "/tests/kernelcheck/c/flb-design/drivers/pci/liveupdate.c";
    const auto gnu = test::runShell("diff -u " + a + " " + b + " | tail -n +3");
    ASSERT_EQ(gnu.exitCode, 0) << gnu.err;
    const std::string mine = unifiedDiff(readTextFile(a), readTextFile(b), "a", "b");
    ASSERT_FALSE(gnu.out.empty());
    EXPECT_EQ(mine.substr(mine.find("@@")), gnu.out);
}

// The report's lines from `from` (a line that starts it) up to the line `to`, exclusive.
std::vector<std::string> linesBetween(const std::string &text, const std::string &from,
                                      const std::string &to) {
    std::istringstream in(text);
    std::vector<std::string> out;
    bool on = from.empty();
    for (std::string line; std::getline(in, line);) {
        if (!on && line.rfind(from, 0) == 0)
            on = true;
        if (on && line == to)
            break;
        if (on)
            out.push_back(line);
    }
    return out;
}

class Report : public testing::Test {
  protected:
    static void SetUpTestSuite() {
        const auto r = test::runShell("build/bridgepath report --solver z3 --prove-devices 4");
        ASSERT_EQ(r.exitCode, 0) << r.err;
        text_ = new std::string(r.out);
    }
    static void TearDownTestSuite() {
        delete text_;
        text_ = nullptr;
    }
    static std::string *text_;
};
std::string *Report::text_ = nullptr;

TEST_F(Report, IsAReplyToTheThreadQuotingTheMaintainersAnswer) {
    ASSERT_TRUE(text_);
    EXPECT_EQ(text_->rfind("Subject: Re: [PATCH v6 06/12] PCI: liveupdate:", 0), 0u);
    EXPECT_NE(
        text_->find("\n> unpreserve the bridges upstream. But I opted to log a big warning and\n"),
        std::string::npos)
        << "the quote keeps the thread's lines";
    EXPECT_NE(text_->find("\n-- \nbridgepath\n"), std::string::npos);
}

TEST_F(Report, EveryLineOfProseAndQuoteFitsInSeventyTwoColumns) {
    ASSERT_TRUE(text_);
    // Before the diff, and from the diff's end to the signature (the diff and the attached C
    // keep their own lines).
    const std::string head = text_->substr(0, text_->find("\n--- a/"));
    const std::string afterDiff = text_->substr(text_->find("\nWhat is proved"));
    for (const std::string &part : {head, afterDiff.substr(0, afterDiff.find("\n-- \n"))}) {
        std::istringstream in(part);
        for (std::string line; std::getline(in, line);)
            EXPECT_LE(line.size(), 72u) << line;
    }
}

TEST_F(Report, CarriesTheFixturesDiffAndThreeKunitSuites) {
    ASSERT_TRUE(text_);
    const std::string root = BRIDGEPATH_SOURCE_DIR;
    const std::string diff =
        unifiedDiff(readTextFile(root + "/tests/kernelcheck/c/flb-v6/drivers/pci/liveupdate.c"),
                    readTextFile(root + "/tests/kernelcheck/c/flb-design/drivers/pci/liveupdate.c"),
                    "a/drivers/pci/liveupdate.c", "b/drivers/pci/liveupdate.c");
    EXPECT_NE(text_->find(diff), std::string::npos);
    std::size_t suites = 0;
    for (std::size_t at = text_->find("kunit_test_suite("); at != std::string::npos;
         at = text_->find("kunit_test_suite(", at + 1))
        ++suites;
    EXPECT_EQ(suites, 3u);
}

TEST_F(Report, EveryReproducerReplaysToTheCrashItNames) {
    ASSERT_TRUE(text_);
    // Each numbered reproducer: its tree (lspci -t) and ops, replayed under the kernel's design
    // by the side-by-side harness, must end in the crash events the report names.
    const std::vector<std::pair<const char *, KernelEventKind>> want{
        {"1. v6", KernelEventKind::BugAtRelease},
        {"2. later", KernelEventKind::UseAfterFree},
        {"3. latest", KernelEventKind::UseAfterFree}};
    for (const auto &[start, crash] : want) {
        const std::vector<std::string> block = linesBetween(*text_, start, "");
        ASSERT_GE(block.size(), 5u) << start;
        std::string tree, ops;
        bool inTree = false, inOps = false;
        for (const std::string &line : block) {
            if (line == "   tree (lspci -t):") {
                inTree = true;
                continue;
            }
            if (line == "   ops:") {
                inTree = false;
                inOps = true;
                continue;
            }
            if (line.rfind("   machine:", 0) == 0)
                break;
            if (inTree)
                tree += line.substr(5) + "\n";
            if (inOps)
                ops += (ops.empty() ? "" : "; ") + line.substr(5);
        }
        const Topology t = parseLspci(tree, start);
        const std::string kernel = std::string(start).substr(3);
        const Abi abi = kernel == "v6" ? Abi::V6 : Abi::V7;
        LiveUpdateConfig c{Policy::Bail, abi, abi == Abi::V6 ? t.size() : 0};
        c = withDesign(c, *parseDesign(kernel));
        const RunResult run = runSideBySide(t, c, parseOpsText(ops, start).ops);
        ASSERT_FALSE(run.mismatch) << start;
        EXPECT_TRUE(happened(run.finalState.events, crash)) << start << ": " << ops;
    }
}

} // namespace
} // namespace bridgepath
