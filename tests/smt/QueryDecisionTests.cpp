// QueryDecision: Z3 and cvc5 on the same query. Fake cvc5 binaries (shell scripts named by
// BRIDGEPATH_CVC5) stand for a solver that answers wrong, gives up, or is missing.

#include "smt/QueryDecision.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace bridgepath {
namespace {

namespace fs = std::filesystem;

// A scratch folder of this test process.
fs::path scratch() {
    static const fs::path dir = [] {
        const fs::path d =
            fs::temp_directory_path() / ("bridgepath-query-tests-" + std::to_string(getpid()));
        fs::create_directories(d);
        return d;
    }();
    return dir;
}

// BRIDGEPATH_CVC5 for one scope.
class Cvc5Is {
  public:
    explicit Cvc5Is(const std::string &path) { setenv("BRIDGEPATH_CVC5", path.c_str(), 1); }
    ~Cvc5Is() { unsetenv("BRIDGEPATH_CVC5"); }
    Cvc5Is(const Cvc5Is &) = delete;
    Cvc5Is &operator=(const Cvc5Is &) = delete;
};

// A fake cvc5 that prints `answer` whatever the query.
std::string fakeCvc5(const std::string &name, const std::string &answer) {
    const fs::path p = scratch() / name;
    std::ofstream(p) << "#!/bin/sh\necho " << answer << "\n";
    fs::permissions(p, fs::perms::owner_all);
    return p.string();
}

using Answer = QueryDecision::Answer;

TEST(QueryDecision, BothSolversDecideSatWithZ3sModelAndUnsat) {
    if (!cvc5Binary())
        GTEST_SKIP() << "cvc5 is not installed";
    z3::context c;
    const z3::expr x = c.int_const("x");
    z3::solver sat(c);
    sat.add(x > 1 && x < 3);
    const QueryDecision d = decide(sat, SolverChoice::Both, 10, "sat-query", scratch());
    ASSERT_EQ(d.answer, Answer::Sat) << d.why;
    ASSERT_TRUE(d.model);
    EXPECT_EQ(d.model->eval(x).get_numeral_int(), 2);
    z3::solver unsat(c);
    unsat.add(x > 1 && x < 2);
    EXPECT_EQ(decide(unsat, SolverChoice::Both, 10, "unsat-query", scratch()).answer,
              Answer::Unsat);
    EXPECT_EQ(decide(unsat, SolverChoice::Cvc5, 10, "unsat-query", scratch()).answer,
              Answer::Unsat);
}

// Z3 prints an empty conjunction as a bare `and`, which is not SMT-LIB: the query cvc5 reads
// has `true` there (and `false` for an empty disjunction), so cvc5 decides it.
TEST(QueryDecision, EmptyConjunctionsReachCvc5AsTrueAndFalse) {
    if (!cvc5Binary())
        GTEST_SKIP() << "cvc5 is not installed";
    z3::context c;
    const z3::expr x = c.int_const("x");
    z3::solver s(c);
    s.add(z3::mk_and(z3::expr_vector(c)) && x == 1);
    EXPECT_EQ(decide(s, SolverChoice::Cvc5, 10, "empty-and", scratch()).answer, Answer::Sat);
    z3::solver t(c);
    t.add(z3::mk_or(z3::expr_vector(c)) || x == 1);
    t.add(x == 2);
    EXPECT_EQ(decide(t, SolverChoice::Both, 10, "empty-or", scratch()).answer, Answer::Unsat);
}

TEST(QueryDecision, OppositeAnswersAreADisagreementWithTheQuerySaved) {
    z3::context c;
    const z3::expr x = c.int_const("x");
    z3::solver s(c);
    s.add(x > 1 && x < 3);
    const Cvc5Is liar(fakeCvc5("cvc5-says-unsat", "unsat"));
    const fs::path dir = scratch() / "disputed";
    const QueryDecision d = decide(s, SolverChoice::Both, 10, "disputed query", dir.string());
    EXPECT_EQ(d.answer, Answer::Disagreement);
    EXPECT_FALSE(d.model) << "no side of a disagreement is believed";
    EXPECT_NE(d.why.find("Z3 sat, cvc5 unsat"), std::string::npos) << d.why;
    const fs::path saved = dir / "disagreement-disputed-query.smt2";
    ASSERT_TRUE(fs::exists(saved)) << d.why;
    std::ifstream in(saved);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("(check-sat)"), std::string::npos);
    EXPECT_NE(text.find("declare-fun x"), std::string::npos);
}

TEST(QueryDecision, ACvc5ThatGivesUpOrIsMissingIsUnknownNeverAPass) {
    z3::context c;
    const z3::expr x = c.int_const("x");
    z3::solver s(c);
    s.add(x > 1 && x < 1);
    {
        const Cvc5Is giveUp(fakeCvc5("cvc5-says-unknown", "unknown"));
        const QueryDecision d = decide(s, SolverChoice::Both, 10, "q", scratch());
        EXPECT_EQ(d.answer, Answer::Unknown);
        EXPECT_NE(d.why.find("Z3: unsat, not confirmed"), std::string::npos) << d.why;
    }
    {
        const Cvc5Is missing((scratch() / "no-such-cvc5").string());
        EXPECT_FALSE(cvc5Binary());
        const QueryDecision d = decide(s, SolverChoice::Cvc5, 10, "q", scratch());
        EXPECT_EQ(d.answer, Answer::Unknown);
        EXPECT_NE(d.why.find("not installed"), std::string::npos) << d.why;
    }
    // Z3 alone never asks cvc5.
    const Cvc5Is missing((scratch() / "no-such-cvc5").string());
    EXPECT_EQ(decide(s, SolverChoice::Z3, 10, "q", scratch()).answer, Answer::Unsat);
}

TEST(QueryDecision, ChoicesReadBackFromTheirNames) {
    for (SolverChoice s : {SolverChoice::Z3, SolverChoice::Cvc5, SolverChoice::Both})
        EXPECT_EQ(parseSolverChoice(toString(s)), s);
    EXPECT_FALSE(parseSolverChoice("yices"));
}

} // namespace
} // namespace bridgepath
