// What every command does the same way: CMD --help, --version, and a failed write is an error.

#include "CliRunner.h"

#include <gtest/gtest.h>

namespace bridgepath {
namespace {

const char *const kCommands[] = {"topology", "simulate",     "check",        "replay",
                                 "prove",    "sweep",        "exhaustive",   "exhaustive-merge",
                                 "policies", "export-kunit", "kernel-check", "scenarios"};

TEST(Conventions, EveryCommandsHelpIsItsOwnUsageWithExitZero) {
    for (const char *c : kCommands) {
        const auto r = test::runShell(std::string("build/bridgepath ") + c + " --help");
        EXPECT_EQ(r.exitCode, 0) << c << ": " << r.err;
        EXPECT_EQ(r.out.rfind(std::string("usage: bridgepath ") + c + " ", 0), 0u)
            << c << ": " << r.out;
        // Only its own block: no other command's line.
        for (const char *other : kCommands) {
            if (std::string(other) == c)
                continue;
            EXPECT_EQ(r.out.find(std::string("\n  ") + other + " "), std::string::npos)
                << c << " shows " << other;
        }
        EXPECT_EQ(r.err, "");
    }
}

TEST(Conventions, HelpAnywhereAmongTheFlagsWins) {
    const auto r = test::runShell("build/bridgepath check --cases 5 -h");
    EXPECT_EQ(r.exitCode, 0) << r.err;
    EXPECT_EQ(r.out.rfind("usage: bridgepath check ", 0), 0u) << r.out;
}

TEST(Conventions, VersionIsOneLine) {
    const auto r = test::runShell("build/bridgepath --version");
    EXPECT_EQ(r.exitCode, 0);
    EXPECT_EQ(r.out.rfind("bridgepath ", 0), 0u) << r.out;
    EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << r.out;
}

TEST(Conventions, AFullDiskIsAnErrorNamingWhatCouldNotBeWritten) {
    struct Case {
        std::string command, error;
    };
    const Case cases[] = {
        {"build/bridgepath topology tests/topologies/review-rc-b1-b2-ep0-ep1.lspci-tv > /dev/full",
         "bridgepath: error: stdout: cannot write: No space left on device\n"},
        {"build/bridgepath replay tests/traces/review-lost-slot-bail.trace --dot /dev/full",
         "bridgepath: error: /dev/full: cannot write: No space left on device\n"},
        {"build/bridgepath export-kunit tests/traces/review-fault-free.trace --output /dev/full",
         "bridgepath: error: /dev/full: cannot write: No space left on device\n"},
    };
    for (const Case &c : cases) {
        const auto r = test::runShell(c.command);
        EXPECT_EQ(r.exitCode, 2) << c.command;
        EXPECT_EQ(r.err, c.error) << c.command;
    }
}

} // namespace
} // namespace bridgepath
