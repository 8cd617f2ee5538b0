// Every ```console block of README.md: each `$ ` line is run from the repository root and must
// print exactly the lines that follow it.

#include "CliRunner.h"

#include <filesystem>
#include <gtest/gtest.h>

namespace bridgepath {
namespace {

struct Example {
    std::size_t line = 0;
    std::string command;
    std::string expected;
};

std::vector<Example> consoleExamples(const std::string &file) {
    std::istringstream in(test::slurp(std::string(BRIDGEPATH_SOURCE_DIR) + "/" + file));
    std::vector<Example> out;
    std::string line;
    bool inConsole = false;
    for (std::size_t n = 1; std::getline(in, line); ++n) {
        if (!inConsole) {
            inConsole = line == "```console";
            continue;
        }
        if (line == "```") {
            inConsole = false;
        } else if (line.rfind("$ ", 0) == 0) {
            out.push_back(Example{n, line.substr(2), ""});
        } else if (!out.empty()) {
            out.back().expected += line + "\n";
        }
    }
    return out;
}

std::vector<Example> readmeExamples() {
    return consoleExamples("README.md");
}

TEST(Docs, EveryConsoleExampleOfTheManualPrintsWhatItShows) {
    for (const auto &entry :
         std::filesystem::directory_iterator(std::string(BRIDGEPATH_SOURCE_DIR) + "/docs")) {
        if (entry.path().extension() != ".md")
            continue;
        const std::string file = "docs/" + entry.path().filename().string();
        for (const Example &e : consoleExamples(file)) {
            const auto r = test::runShell(e.command);
            EXPECT_EQ(r.out, e.expected) << file << ":" << e.line << ": " << e.command << "\n"
                                         << r.err;
            EXPECT_TRUE(r.exitCode == 0 || r.exitCode == 1)
                << file << ":" << e.line << " exited " << r.exitCode << ": " << r.err;
        }
    }
}

TEST(Readme, EveryConsoleExamplePrintsWhatTheReadmeShows) {
    const auto examples = readmeExamples();
    ASSERT_GE(examples.size(), 2u) << "README.md lost its worked example";
    for (const Example &e : examples) {
        const auto r = test::runShell(e.command);
        EXPECT_EQ(r.out, e.expected) << "README.md:" << e.line << ": " << e.command << "\n"
                                     << r.err;
        EXPECT_TRUE(r.exitCode == 0 || r.exitCode == 1)
            << "README.md:" << e.line << " exited " << r.exitCode << ": " << r.err;
    }
}

TEST(Readme, QuickStartIsExactlyTwoLines) {
    const std::string readme = test::slurp(std::string(BRIDGEPATH_SOURCE_DIR) + "/README.md");
    const std::string block = "```sh\nci/setup && build/bridgepath check\n"
                              "ci/setup && ctest --test-dir build -j2 --output-on-failure\n```";
    EXPECT_NE(readme.find(block), std::string::npos);
    EXPECT_NE(test::slurp(std::string(BRIDGEPATH_SOURCE_DIR) + "/.ci/run")
                  .find("ci/setup && ctest --test-dir build -j2 --output-on-failure"),
              std::string::npos)
        << ".ci/run must run the README's test line";
}

TEST(Cli, BuiltInScenariosBehaveAsPredicted) {
    const auto r = test::runShell("build/bridgepath scenarios");
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("27 runs, 27 as the kernel rules predict, 0 unexpected"),
              std::string::npos)
        << r.out;
}

} // namespace
} // namespace bridgepath
