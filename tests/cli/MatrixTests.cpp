// The fault x policy matrix in docs/checking.md is what `bridgepath check` finds now.

#include "CliRunner.h"
#include "matrix/PolicyMatrix.h"

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

// What `check` says of one invariant for one fault class under one policy: "pass" or "fail".
std::string statusOf(const std::string &faults, const std::string &policy, const char *inv) {
    const auto r = test::runShell("build/bridgepath check --policy " + policy + " --faults " +
                                  faults + " --invariants " + inv + " --cases 500 --format json");
    EXPECT_TRUE(r.exitCode == 0 || r.exitCode == 1) << r.err;
    return nlohmann::json::parse(r.out)["results"][0]["status"].get<std::string>();
}

// The findings the matrix shows, each stated from the kernel's rules (docs/semantics.md) and the
// review, not read off the program's output: correct use keeps every invariant under every
// policy; one lost slot leaks under bail (the review's leak: the walk stops, the bridges above
// stay counted); a failed step stays at the faulty device under continue but not under bail.
TEST(Matrix, TheReviewsFindingsHoldWhateverTheTableSays) {
    for (const char *policy : {"bail", "continue", "guarded"})
        for (const char *inv : {"closure", "exact-count", "nr-devices", "no-leak", "no-crash"})
            EXPECT_EQ(statusOf("none", policy, inv), "pass") << policy << " " << inv;
    EXPECT_EQ(statusOf("lost-slot", "bail", "no-leak"), "fail");
    EXPECT_EQ(statusOf("step", "continue", "containment"), "pass");
    EXPECT_EQ(statusOf("step", "bail", "containment"), "fail");
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

// A cell is proved only when it is ok within the bound and its own row's proof (same fault
// class, ABI and policy) says proved: unknown is never a proof, another row's proof does not
// count.
TEST(Matrix, ACellIsProvedOnlyByItsOwnRowsProof) {
    PolicyMatrix m;
    MatrixCell ok;
    ok.fault = FaultClass::Alloc;
    ok.policy = Policy::Continue;
    ok.outcomes.push_back(CellOutcome{});
    EXPECT_FALSE(cellProved(m, ok)) << "no proof asked";
    RowProof unknown{FaultClass::Alloc, Policy::Continue, Abi::V6, {}};
    unknown.outcome.verdict = SmtVerdict::Unknown;
    m.proofs.push_back(unknown);
    EXPECT_FALSE(cellProved(m, ok));
    RowProof otherRow{std::nullopt, Policy::Continue, Abi::V6, {}};
    otherRow.outcome.verdict = SmtVerdict::Proved;
    m.proofs = {otherRow};
    EXPECT_FALSE(cellProved(m, ok));
    RowProof own{FaultClass::Alloc, Policy::Continue, Abi::V6, {}};
    own.outcome.verdict = SmtVerdict::Proved;
    m.proofs = {otherRow, own};
    EXPECT_TRUE(cellProved(m, ok));
    MatrixCell found = ok;
    found.outcomes = {CellOutcome{Outcome::Leak, 1, 1, std::nullopt}};
    EXPECT_FALSE(cellProved(m, found)) << "a found outcome is never proved away";
}

} // namespace
} // namespace bridgepath

namespace bridgepath {
namespace {

// Containment's marks, from the rules (docs/semantics.md), not from the program: continue steps
// every other device past a failed step (proved); bail keeps every bridge above it counted
// (found on a bridge over one endpoint); a lost slot is reused by a later preserve under
// continue (found: the encoding lacks slot identity, so it is never proved); correct use and
// allocation failures name no device (no mark).
TEST(Matrix, ContainmentIsProvedOnlyWhereNoBreachIsFoundAndTheProofHolds) {
    PolicyMatrixOptions o;
    o.maxDevices = 3;
    o.maxOps = 5;
    o.proveDevices = 4;
    const PolicyMatrix m = buildPolicyMatrix(o);
    auto mark = [&](FaultClass f, Policy p) {
        const MatrixCell &c = cellOf(m, f, Abi::V6, p);
        EXPECT_TRUE(c.containment) << toString(f);
        return c.containment ? c.containment->mark : ContainmentMark::WithinBound;
    };
    EXPECT_EQ(mark(FaultClass::Step, Policy::Continue), ContainmentMark::Proved);
    EXPECT_EQ(mark(FaultClass::Step, Policy::Bail), ContainmentMark::Found);
    EXPECT_EQ(mark(FaultClass::Step, Policy::Guarded), ContainmentMark::Found);
    EXPECT_EQ(mark(FaultClass::LostSlot, Policy::Continue), ContainmentMark::Found);
    const MatrixCell &bail = cellOf(m, FaultClass::Step, Abi::V6, Policy::Bail);
    ASSERT_TRUE(bail.containment->example);
    EXPECT_EQ(bail.containment->example->setup->topology.size(), 2U);
    EXPECT_FALSE(cellOf(m, std::nullopt, Abi::V6, Policy::Bail).containment);
    EXPECT_FALSE(cellOf(m, FaultClass::Alloc, Abi::V6, Policy::Bail).containment);
}

} // namespace
} // namespace bridgepath
