// The fault x policy matrix in docs/checking.md is what `bridgepath check` finds now.

#include "CliRunner.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace bridgepath {
namespace {

// `. . X! ...` for one cell, from check's JSON.
std::string cell(const std::string &faults, const std::string &policy) {
    const auto r =
        test::runShell("build/bridgepath check --policy " + policy + " --faults " + faults +
                       " --cases 500 --format json --save-trace /tmp/bp-matrix");
    EXPECT_TRUE(r.exitCode == 0 || r.exitCode == 1) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    std::string out;
    for (const auto &res : j["results"]) {
        out += out.empty() ? "" : " ";
        out += res["status"] == "pass" ? "." : "X";
        if (!res["expected"].get<bool>())
            out += "!";
    }
    return out;
}

TEST(Docs, FaultPolicyMatrixIsWhatCheckFinds) {
    const std::string readme =
        test::slurp(std::string(BRIDGEPATH_SOURCE_DIR) + "/docs/checking.md");
    for (const char *faults :
         {"none", "alloc", "step", "lost-slot", "refcount", "misuse", "vanish", "unplug"}) {
        const std::string row = std::string("| ") + faults + " | `" + cell(faults, "bail") +
                                "` | `" + cell(faults, "continue") + "` | `" +
                                cell(faults, "guarded") + "` |";
        EXPECT_NE(readme.find(row + "\n"), std::string::npos) << "docs/checking.md lacks the row\n"
                                                              << row;
    }
}

} // namespace
} // namespace bridgepath
