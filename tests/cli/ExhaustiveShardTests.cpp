// `exhaustive --shard I/N` and `exhaustive-merge`: the shards of a search, merged, print what one
// run of it prints (the same bytes, text and JSON, the same exit code and traces); what is not
// the shards of one search is refused with exit 2 and one line.

#include "CliRunner.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace bridgepath {
namespace {

// A bound with a fault class that finds violations, one that finds none, alloc (every capacity
// of a tree, all in the tree's shard), a design, and a chain (bridge on both sides).
const std::string kBounds[] = {
    "--max-devices 4 --max-ops 4 --faults step,lost-slot",
    "--max-devices 4 --max-ops 4 --faults none",
    "--max-devices 4 --max-ops 3 --faults alloc,refcount",
    "--max-devices 3 --max-ops 4 --faults step --design later",
    "--max-devices 3 --max-ops 4 --faults lost-slot --generations 2",
};

std::string exhaustive(const std::string &bound) {
    return "build/bridgepath exhaustive " + bound + " --threads 2";
}

// Writes shard `i`/`n` of the search to /tmp/bp-NAME-i.json; its file name.
std::string writeShard(const std::string &bound, std::size_t i, std::size_t n,
                       const std::string &name) {
    const std::string file = "/tmp/bp-" + name + "-" + std::to_string(i) + ".json";
    const auto r = test::runShell(exhaustive(bound) + " --shard " + std::to_string(i) + "/" +
                                  std::to_string(n) + " > " + file);
    EXPECT_EQ(r.exitCode, 0) << bound << " shard " << i << "/" << n << ": " << r.err;
    return file;
}

class ShardedExhaustive : public ::testing::TestWithParam<std::string> {};

TEST_P(ShardedExhaustive, MergedShardsPrintWhatOneRunPrints) {
    const std::string bound = GetParam();
    const std::string traces = " --save-trace /tmp/bp-shard-traces";
    const auto single = test::runShell(exhaustive(bound) + traces);
    const auto singleJson = test::runShell(exhaustive(bound) + traces + " --format json");
    ASSERT_TRUE(single.exitCode == 0 || single.exitCode == 1) << single.err;
    std::vector<std::string> files;
    for (std::size_t i = 1; i <= 3; ++i)
        files.push_back(writeShard(bound, i, 3, "sharded"));
    // Given in any order.
    const std::string merge =
        "build/bridgepath exhaustive-merge " + files[2] + " " + files[0] + " " + files[1] + traces;
    const auto merged = test::runShell(merge);
    EXPECT_EQ(merged.exitCode, single.exitCode) << merged.err;
    EXPECT_EQ(merged.out, single.out) << bound;
    const auto mergedJson = test::runShell(merge + " --format json");
    EXPECT_EQ(mergedJson.exitCode, singleJson.exitCode) << mergedJson.err;
    EXPECT_EQ(mergedJson.out, singleJson.out) << bound;
    EXPECT_EQ(merged.err.rfind("bridgepath exhaustive-merge: 3 shards, ", 0), 0u) << merged.err;
}

INSTANTIATE_TEST_SUITE_P(Bounds, ShardedExhaustive, ::testing::ValuesIn(kBounds));

TEST(ExhaustiveShard, MergedCountsAndSmallestExamplesAreTheSingleRunsAndItsTraces) {
    const std::string bound = kBounds[0];
    const auto single =
        test::runShell(exhaustive(bound) + " --format json --save-trace /tmp/bp-one-traces");
    ASSERT_EQ(single.exitCode, 1) << single.err;
    const auto one = nlohmann::json::parse(single.out);
    std::string shards;
    std::uint64_t trees = 0, spaces = 0, distinct = 0;
    for (std::size_t i = 1; i <= 3; ++i) {
        const std::string file = writeShard(bound, i, 3, "counts");
        shards += " " + file;
        const auto s = nlohmann::json::parse(test::slurp(file));
        EXPECT_EQ(s["shard"]["index"], i);
        trees += s["trees"].get<std::uint64_t>();
        spaces += s["state_spaces"].get<std::uint64_t>();
        distinct += s["distinct_states"].get<std::uint64_t>();
    }
    // Every tree in exactly one shard: the shards' counts add up to the single run's.
    EXPECT_EQ(trees, one["trees"].get<std::uint64_t>());
    EXPECT_EQ(spaces, one["state_spaces"].get<std::uint64_t>());
    EXPECT_EQ(distinct, one["distinct_states"].get<std::uint64_t>());
    const auto merged = test::runShell("build/bridgepath exhaustive-merge" + shards +
                                       " --format json --save-trace /tmp/bp-merged-traces");
    ASSERT_EQ(merged.exitCode, 1) << merged.err;
    const auto all = nlohmann::json::parse(merged.out);
    ASSERT_EQ(all["results"].size(), one["results"].size());
    std::size_t failing = 0;
    for (std::size_t k = 0; k < one["results"].size(); ++k) {
        const auto &a = one["results"][k], &b = all["results"][k];
        EXPECT_EQ(b["violations"], a["violations"]) << a["invariant"];
        if (!a.contains("counterexample")) {
            EXPECT_FALSE(b.contains("counterexample")) << a["invariant"];
            continue;
        }
        ++failing;
        const auto &x = a["counterexample"], &y = b["counterexample"];
        EXPECT_EQ(y["devices"], x["devices"]);
        EXPECT_EQ(y["ops"], x["ops"]);
        EXPECT_EQ(y["tree"], x["tree"]);
        EXPECT_EQ(y["events"], x["events"]);
        // The same trace, saved where the merge was told.
        EXPECT_EQ(test::slurp(y["trace_file"].get<std::string>()),
                  test::slurp(x["trace_file"].get<std::string>()));
        EXPECT_NE(y["trace_file"], x["trace_file"]);
    }
    EXPECT_GT(failing, 0u) << "the bound finds no violation: it tests less than it claims";
}

TEST(ExhaustiveShard, OneShardOfOneIsTheWholeRun) {
    const std::string bound = kBounds[0];
    const std::string traces = " --save-trace /tmp/bp-whole-traces";
    const auto single = test::runShell(exhaustive(bound) + traces);
    const std::string file = writeShard(bound, 1, 1, "whole");
    const auto merged = test::runShell("build/bridgepath exhaustive-merge " + file + traces);
    EXPECT_EQ(merged.exitCode, single.exitCode) << merged.err;
    EXPECT_EQ(merged.out, single.out);
    const auto s = nlohmann::json::parse(test::slurp(file));
    EXPECT_EQ(s["format"], "bridgepath exhaustive shard 1");
    EXPECT_EQ(s["options"]["faults"], "step,lost-slot");
}

TEST(ExhaustiveShard, MoreShardsThanTreesLeavesSomeEmptyAndStillMerges) {
    const std::string bound = "--max-devices 2 --max-ops 3 --faults step"; // 2 + 5 trees
    const auto single = test::runShell(exhaustive(bound) + " --save-trace /tmp/bp-many-traces");
    std::string files;
    for (std::size_t i = 1; i <= 9; ++i)
        files += " " + writeShard(bound, i, 9, "many");
    const auto merged = test::runShell("build/bridgepath exhaustive-merge" + files +
                                       " --save-trace /tmp/bp-many-traces");
    EXPECT_EQ(merged.exitCode, single.exitCode) << merged.err;
    EXPECT_EQ(merged.out, single.out);
}

// Exit 2, nothing on stdout, one line on stderr naming `place`.
void expectRefused(const std::string &command, const std::string &place) {
    const auto r = test::runShell(command);
    EXPECT_EQ(r.exitCode, 2) << command << "\n" << r.out << r.err;
    EXPECT_EQ(r.out, "") << command;
    ASSERT_FALSE(r.err.empty()) << command;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "more than one line: " << r.err;
    EXPECT_EQ(r.err.rfind("bridgepath: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(test::scoped(place)), std::string::npos) << command << "\n" << r.err;
}

TEST(ExhaustiveShard, BadShardValuesExitTwoNamingTheFlag) {
    const std::string run = "build/bridgepath exhaustive --max-devices 2 --shard ";
    for (const char *bad : {"0/3", "4/3", "1/0", "x", "1/", "/3", "-1/3", "1/3/4"})
        expectRefused(run + "'" + bad + "'", "--shard: expected I/N");
    expectRefused(run + "1/2 --stop-first", "--stop-first: a shard searches all its trees");
    expectRefused(run + "1/2 --format text", "--format: a shard writes JSON");
    expectRefused(run + "1/2 --save-trace /tmp/bp-x", "--save-trace: a shard saves no trace");
}

TEST(ExhaustiveMerge, RefusesWhatIsNotTheShardsOfOneSearch) {
    const std::string small = "--max-devices 3 --max-ops 3 --faults step";
    const std::string a1 = writeShard(small, 1, 2, "a"), a2 = writeShard(small, 2, 2, "a");
    const std::string other = writeShard("--max-devices 3 --max-ops 2 --faults step", 2, 2, "b");
    const std::string three = writeShard(small, 2, 3, "c");
    const std::string merge = "build/bridgepath exhaustive-merge ";
    expectRefused(merge, "exhaustive-merge: needs the shard FILEs");
    expectRefused(merge + a1 + " " + other,
                  "/tmp/bp-b-2.json: options differ from /tmp/bp-a-1.json's (--max-ops 2, not 3)");
    expectRefused(merge + a1 + " " + a1,
                  "/tmp/bp-a-1.json: shard 1/2 again (also /tmp/bp-a-1.json)");
    expectRefused(merge + a2, "exhaustive-merge: shard 1/2 is missing (1 of 2 given)");
    expectRefused(merge + a1 + " " + three, "/tmp/bp-c-2.json: shard 2/3 of a search in 2 shards");
    expectRefused("printf '{\"format\": ' > /tmp/bp-cut.json && " + merge + a1 +
                      " /tmp/bp-cut.json",
                  "/tmp/bp-cut.json: malformed JSON");
    expectRefused("printf '{\"trees\": 3}' > /tmp/bp-other.json && " + merge +
                      " /tmp/bp-other.json",
                  "/tmp/bp-other.json: not a shard file");
    expectRefused("sed 's/\"state_spaces\": [0-9]*/\"state_spaces\": -1/' " + a2 +
                      " > /tmp/bp-neg.json && " + merge + a1 + " /tmp/bp-neg.json",
                  "/tmp/bp-neg.json: state_spaces: expected a non-negative integer");
    expectRefused("sed 's/\"max-ops\": 3/\"max-ops\": 99/' " + a1 + " > /tmp/bp-big.json && " +
                      merge + " /tmp/bp-big.json " + a2,
                  "/tmp/bp-big.json: options: --max-ops: expected 1..12");
    // A finding that names a tree of the other shard.
    expectRefused("sed 's/\"work_item\": [0-9]*/\"work_item\": 0/' " + a2 +
                      " > /tmp/bp-moved.json && " + merge + a1 + " /tmp/bp-moved.json",
                  "/tmp/bp-moved.json: a smallest example names work item 0");
    expectRefused(merge + "/dev/zero", "/dev/zero: cannot read: not a regular file");
    expectRefused("rm -f /tmp/bp-fifo && mkfifo /tmp/bp-fifo && " + merge + a1 + " /tmp/bp-fifo",
                  "/tmp/bp-fifo: cannot read: not a regular file");
    expectRefused(merge + a1 + " tests", "tests: cannot read: is a directory");
    expectRefused(merge + a1 + " " + a2 + " --format xml", "--format: unknown format 'xml'");
}

} // namespace
} // namespace bridgepath
