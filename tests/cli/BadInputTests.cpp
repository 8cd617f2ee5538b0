// Bad input anywhere gets exit 2 and one line on stderr naming the place; never a crash.

#include "CliRunner.h"

#include <gtest/gtest.h>

namespace bridgepath {
namespace {

const std::string review = "tests/topologies/review-rc-b1-b2-ep0-ep1.lspci-tv";

struct BadInput {
    std::string command;
    std::string place; // must appear in the error line
};

void PrintTo(const BadInput &b, std::ostream *os) {
    *os << b.command;
}

class BadInputs : public ::testing::TestWithParam<BadInput> {};

TEST_P(BadInputs, ExitTwoWithOneLineNamingThePlace) {
    const auto r = test::runShell(GetParam().command);
    EXPECT_EQ(r.exitCode, 2) << GetParam().command << "\n" << r.out << r.err;
    EXPECT_EQ(r.out, "");
    ASSERT_FALSE(r.err.empty());
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "more than one line: " << r.err;
    EXPECT_EQ(r.err.rfind("bridgepath: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(test::scoped(GetParam().place)), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Cli, BadInputs,
    ::testing::Values(
        BadInput{"build/bridgepath frobnicate", "frobnicate: unknown command"},
        BadInput{"build/bridgepath check --verbose", "--verbose: unknown flag"},
        BadInput{"build/bridgepath check --faults lost-slot,gremlins",
                 "--faults: unknown fault class 'gremlins'"},
        BadInput{"build/bridgepath check --invariants no-leak,no-bugs",
                 "--invariants: unknown invariant 'no-bugs'"},
        BadInput{"build/bridgepath check --shard 3/3", "--shard: expected I/N with 0 <= I < N"},
        BadInput{"build/bridgepath check --cases 0", "--cases: must be at least 1"},
        BadInput{"build/bridgepath check --format yaml", "--format: unknown format 'yaml'"},
        BadInput{"build/bridgepath check --seed x", "--seed: expected a non-negative number"},
        BadInput{"build/bridgepath check --cases 12345678901234567890123",
                 "--cases: too large: at most 999999999"},
        BadInput{"build/bridgepath simulate --topology "
                 "tests/topologies/review-rc-b1-b2-ep0-ep1.lspci-tv "
                 "--capacity 65537 --ops kexec",
                 "--capacity: too large: at most 65536"},
        BadInput{"printf '# capacity: 100000000000\\nkexec\\n' > /tmp/bp-cap.trace && "
                 "build/bridgepath replay /tmp/bp-cap.trace",
                 "/tmp/bp-cap.trace:1:13: capacity too large: at most 65536"},
        BadInput{"build/bridgepath check --seed \"$(printf 'A%.0s' $(seq 1 5000))\"",
                 "--seed: expected a non-negative number, got "
                 "'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA...'"},
        BadInput{"build/bridgepath replay", "replay: needs a trace FILE"},
        BadInput{"printf '# expect: leaks a lot\\nkexec\\n' > /tmp/bp-exp.trace && "
                 "build/bridgepath replay /tmp/bp-exp.trace",
                 "/tmp/bp-exp.trace: names no topology"},
        BadInput{"printf '# topology:\\n#  -[0000:00]---00.0\\n# expect: leaks a lot\\nkexec\\n' > "
                 "/tmp/bp-exp2.trace && build/bridgepath replay /tmp/bp-exp2.trace",
                 "/tmp/bp-exp2.trace:3:11: expectation 'leaks a lot'"},
        BadInput{"printf '# topology:\\n#  -[0000:00]---00.0\\n# expect: step 0 returns EINVAL\\n"
                 "kexec\\n' > /tmp/bp-exp3.trace && build/bridgepath replay /tmp/bp-exp3.trace",
                 "/tmp/bp-exp3.trace:3:11: expectation 'step 0 returns EINVAL' is not `step N "
                 "returns RESULT`"},
        BadInput{"build/bridgepath topology", "needs a FILE"},
        BadInput{"build/bridgepath topology /no/such/file", "/no/such/file: cannot read"},
        BadInput{"build/bridgepath topology tests", "tests: cannot read: is a directory"},
        BadInput{"printf -- '-[0000:00]-+-00.0\\n           +-0g.0\\n' > /tmp/bp-bad.txt && "
                 "build/bridgepath topology /tmp/bp-bad.txt",
                 "/tmp/bp-bad.txt:2:15: expected a device number"},
        BadInput{"printf '{\"tree\": [}' > /tmp/bp-bad.json && build/bridgepath topology "
                 "/tmp/bp-bad.json",
                 "/tmp/bp-bad.json:1:11: malformed JSON"},
        BadInput{"build/bridgepath topology --sysfs /no/such/dir", "/no/such/dir/bus/pci/devices"},
        BadInput{"build/bridgepath simulate --topology " + review, "give exactly one of --ops"},
        BadInput{"build/bridgepath simulate --topology " + review + " --ops 'preserve 09:00.0'",
                 "--ops:1: unknown device 0000:09:00.0"},
        BadInput{"build/bridgepath simulate --topology " + review +
                     " --ops 'preserve 03:00.0; frobnicate 03:00.0'",
                 "--ops:19: unknown operation 'frobnicate'"},
        BadInput{"build/bridgepath simulate --topology " + review + " --ops 'preserve 3:0.9'",
                 "--ops:10: malformed BDF"},
        BadInput{"build/bridgepath simulate --topology " + review +
                     " --ops 'set-refcount 03:00.0 65536'",
                 "--ops:22: refcount '65536'"},
        BadInput{"build/bridgepath simulate --topology " + review + " --policy yolo --ops kexec",
                 "--policy: unknown policy 'yolo'"},
        BadInput{"build/bridgepath simulate --topology " + review + " --abi v8 --ops kexec",
                 "--abi: unknown abi 'v8'"},
        BadInput{"build/bridgepath simulate --topology " + review + " --capacity -1 --ops kexec",
                 "--capacity: expected a non-negative number"},
        BadInput{"build/bridgepath simulate --topology " + review +
                     " --abi v7 --capacity 3 --ops kexec",
                 "--capacity: applies to --abi v6 only"},
        BadInput{"build/bridgepath simulate --topology " + review + " --ops",
                 "--ops: needs a value"},
        BadInput{"printf 'preserve 03:00.0\\nunpreserve 03:00.0 extra\\n' > /tmp/bp-bad.trace && "
                 "build/bridgepath simulate --topology " +
                     review + " --trace /tmp/bp-bad.trace",
                 "/tmp/bp-bad.trace:2:20: unexpected 'extra'"},
        BadInput{"printf '# policy: sometimes\\nkexec\\n' > /tmp/bp-bad2.trace && "
                 "build/bridgepath simulate --topology " +
                     review + " --trace /tmp/bp-bad2.trace",
                 "/tmp/bp-bad2.trace:1:11: unknown policy 'sometimes'"},
        BadInput{"build/bridgepath simulate --trace /no/such.trace", "/no/such.trace: cannot read"},
        BadInput{"printf 'kexec\\n' > /tmp/bp-notopo.trace && build/bridgepath simulate --trace "
                 "/tmp/bp-notopo.trace",
                 "/tmp/bp-notopo.trace: names no topology"},
        BadInput{"build/bridgepath exhaustive --max-devices 0", "--max-devices: expected 1..12"},
        BadInput{"build/bridgepath exhaustive --max-devices 13", "--max-devices: expected 1..12"},
        BadInput{"build/bridgepath exhaustive --max-ops x", "--max-ops: expected a non-negative"},
        BadInput{"build/bridgepath exhaustive --threads 0", "--threads: expected 1..256"},
        BadInput{"build/bridgepath exhaustive --faults fire",
                 "--faults: unknown fault class 'fire'"},
        BadInput{"build/bridgepath exhaustive --invariants nope",
                 "--invariants: unknown invariant"},
        BadInput{"build/bridgepath exhaustive --format xml", "--format: unknown format 'xml'"},
        BadInput{"build/bridgepath exhaustive trees", "exhaustive takes flags only"},
        BadInput{"build/bridgepath exhaustive --max-devices 3 --min-devices 4",
                 "--min-devices: expected 1..3"},
        BadInput{"build/bridgepath policies --format html", "--format: unknown format 'html'"},
        BadInput{"build/bridgepath policies --abi v9", "--abi: unknown abi 'v9' (v6, v7, both)"},
        BadInput{"build/bridgepath policies --prove-devices 11", "--prove-devices: expected 0..10"},
        BadInput{"build/bridgepath export-kunit", "export-kunit: needs a trace FILE"},
        BadInput{
            "build/bridgepath export-kunit tests/traces/review-fault-free.trace --expect maybe",
            "--expect: unknown expectation 'maybe'"},
        BadInput{"build/bridgepath export-kunit /no/such.trace", "/no/such.trace: cannot read"},
        BadInput{"build/bridgepath export-kunit tests/traces/review-fault-free.trace --output "
                 "/no/such/dir/x.c",
                 "/no/such/dir/x.c: cannot write"},
        BadInput{
            "printf '# topology: a.lspci\\n# topology: b.lspci\\nkexec\\n' > /tmp/bp-two.trace && "
            "build/bridgepath replay /tmp/bp-two.trace",
            "/tmp/bp-two.trace:2:13: a second topology header"},
        BadInput{"printf -- '-[0000:60]-\\n' > /tmp/bp-busonly.txt && build/bridgepath topology "
                 "/tmp/bp-busonly.txt",
                 "/tmp/bp-busonly.txt:1:1: no PCI device in the tree (only buses)"},
        BadInput{
            "printf '# topology: %s/tests/topologies/review-rc-b1-b2-ep0-ep1.lspci-tv\\n"
            "# expect: holds all; fails no-leak\\nkexec\\n' \"$PWD\" > /tmp/bp-contra.trace && "
            "build/bridgepath replay /tmp/bp-contra.trace",
            "/tmp/bp-contra.trace:2:11: the expectation contradicts itself"},
        BadInput{"printf '{\"tree\": []}' > /tmp/bp-empty.json && build/bridgepath check "
                 "--topology /tmp/bp-empty.json",
                 "/tmp/bp-empty.json: tree: no PCI device (the \"tree\" array is empty)"},
        BadInput{"printf '{\"tree\": []}' > /tmp/bp-empty.json && build/bridgepath prove "
                 "--topology /tmp/bp-empty.json",
                 "/tmp/bp-empty.json: tree: no PCI device (the \"tree\" array is empty)"},
        BadInput{"printf '{\"tree\": [], \"x\": 1e999}' > /tmp/bp-bignum.json && build/bridgepath "
                 "topology /tmp/bp-bignum.json",
                 "/tmp/bp-bignum.json: malformed JSON: number overflow"},
        BadInput{
            "build/bridgepath replay tests/traces/review-fault-free.trace --dot /no/such/x.dot",
            "/no/such/x.dot: cannot write: No such file or directory"}));

TEST(Cli, HelpExitsZeroAndNoArgumentsExitsTwo) {
    EXPECT_EQ(test::runShell("build/bridgepath help").exitCode, 0);
    EXPECT_EQ(test::runShell("build/bridgepath").exitCode, 2);
}

TEST(Cli, TraceFileHeaderNamesTheTopologyRelativeToTheTrace) {
    const auto r = test::runShell(
        "build/bridgepath simulate --json --trace tests/traces/review-lost-slot-bail.trace");
    EXPECT_EQ(r.exitCode, 1)
        << r.err; // the leak breaks invariants: exit 1, as docs/commands.md says
    EXPECT_NE(r.out.find("\"leaked\": [\n    \"0000:00:00.0\",\n    \"0000:01:00.0\"\n  ]"),
              std::string::npos)
        << r.out;
}

TEST(Cli, TopologyJsonReadsBackToTheSameSummary) {
    const auto a = test::runShell(
        "build/bridgepath topology --json "
        "tests/topologies/ruijie-firewall-xeon-e5v2-i350-quadport-switches.lspci-tv "
        "> /tmp/bp-ruijie.json && build/bridgepath topology --json /tmp/bp-ruijie.json");
    const auto b = test::runShell(
        "build/bridgepath topology --json "
        "tests/topologies/ruijie-firewall-xeon-e5v2-i350-quadport-switches.lspci-tv");
    EXPECT_EQ(a.exitCode, 0) << a.err;
    EXPECT_EQ(a.out, b.out);
}

TEST(Cli, TopologyOfThisMachinesSysfs) {
    const auto r = test::runShell("build/bridgepath topology --sysfs --json");
    if (r.exitCode == 2 && r.err.find("bus/pci/devices") != std::string::npos)
        GTEST_SKIP() << "no PCI devices in this machine's sysfs";
    EXPECT_EQ(r.exitCode, 0) << r.err;
    EXPECT_NE(r.out.find("\"devices\": "), std::string::npos);
}

} // namespace
} // namespace bridgepath

namespace bridgepath {
namespace {

// One row of docs/hardening.md's bad-input table: | what | `command` | `message` |.
struct TableRow {
    std::string command, message;
};

std::vector<TableRow> badInputTable() {
    std::istringstream in(test::slurp(std::string(BRIDGEPATH_SOURCE_DIR) + "/docs/hardening.md"));
    std::vector<TableRow> rows;
    bool inSection = false;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("## ", 0) == 0)
            inSection = line == "## Bad input";
        if (!inSection || line.rfind("| ", 0) != 0 ||
            line.find("| `build/bridgepath") == std::string::npos)
            continue;
        // Cells are separated by " | "; a `|` inside a cell is written `\|`.
        std::vector<std::string> cells;
        std::string cell;
        for (std::size_t i = 2; i < line.size(); ++i) {
            if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '|') {
                cell += '|';
                ++i;
            } else if (line.compare(i, 3, " | ") == 0 || line.compare(i, 2, " |") == 0) {
                cells.push_back(cell);
                cell.clear();
                i += 2;
            } else {
                cell += line[i];
            }
        }
        auto unquote = [](const std::string &s) { return s.substr(1, s.size() - 2); };
        if (cells.size() == 3)
            rows.push_back(TableRow{unquote(cells[1]), unquote(cells[2])});
    }
    return rows;
}

TEST(Docs, EveryBadInputInTheTableGetsItsOneLineAndExitTwo) {
    const auto rows = badInputTable();
    ASSERT_GE(rows.size(), 20u) << "docs/hardening.md's bad-input table went missing";
    for (const TableRow &row : rows) {
        const auto r = test::runShell(row.command);
        EXPECT_EQ(r.exitCode, 2) << row.command;
        EXPECT_EQ(r.err, "bridgepath: error: " + row.message + "\n") << row.command;
        EXPECT_EQ(r.out, "") << row.command;
    }
}

} // namespace
} // namespace bridgepath
