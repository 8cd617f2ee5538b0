#pragma once
/// QueryDecision: one SMT query decided by the solvers the user chose. Z3 builds every query;
/// cvc5 (the `cvc5` binary, Debian's 1.0.3) re-decides the same query as SMT-LIB 2 text, so a
/// verdict does not rest on one solver. An answer neither solver gives for sure is Unknown, never
/// a pass. When Z3 and cvc5 give opposite answers the query is saved and the decision says so:
/// callers report it as SmtVerdict::Disagreement (exit 4).

#include "smt/SmtResult.h"

#include <optional>
#include <string>
#include <string_view>
#include <z3++.h>

namespace bridgepath {

/// Which solvers decide a query.
enum class SolverChoice {
    Z3,   ///< Z3 alone
    Cvc5, ///< cvc5 decides; a satisfiable query's model (the counterexample) comes from Z3, which
          ///< must agree
    Both, ///< both decide, and must agree
};

/// `z3`, `cvc5`, `both`.
const char *toString(SolverChoice s);
/// Inverse of toString.
std::optional<SolverChoice> parseSolverChoice(std::string_view name);

/// The cvc5 binary the cross-check runs: $BRIDGEPATH_CVC5 when set, else `cvc5` on PATH; nullopt
/// if that is not an executable regular file.
std::optional<std::string> cvc5Binary();

/// What one query came to.
struct QueryDecision {
    enum class Answer { Sat, Unsat, Unknown, Disagreement };
    Answer answer = Answer::Unknown;
    std::optional<z3::model> model; ///< Sat: Z3's model
    /// Unknown: why (which solver, its reason); Disagreement: both answers and the saved query.
    std::string why;
};

/// Decides the assertions of `s` with `choice` within `timeoutSeconds` (each solver gets it).
/// `what` names the query in messages and in the saved file's name (saved under `saveDir` on a
/// disagreement). `logic` is the SMT-LIB logic cvc5 is told (the bounded encodings are
/// quantifier-free linear integer arithmetic; the every-size proof is UFLIA). `s`'s assertions
/// are unchanged.
[[nodiscard]] QueryDecision decide(z3::solver &s, SolverChoice choice, double timeoutSeconds,
                                   const std::string &what, const std::string &saveDir,
                                   const std::string &logic = "QF_LIA");

/// A proof's query that was not decided: the verdict it leaves the proof with (unknown or
/// disagreement) and why. decideProofQuery throws it; a proof catches it where it reports.
struct ProofUndecided {
    SmtVerdict verdict = SmtVerdict::Unknown;
    std::string why;
};

/// One query of an inductive proof, in a fresh solver on `(then simplify solve-eqs smt)`: Z3's
/// model when satisfiable, nullopt when unsatisfiable. No time left (`seconds` <= 0: "timeout in
/// <what>"), unknown or a disagreement: throws ProofUndecided. `name` names the query as
/// decide()'s `what` does.
[[nodiscard]] std::optional<z3::model> decideProofQuery(const z3::expr &query, SolverChoice choice,
                                                        double seconds, const std::string &what,
                                                        const std::string &name,
                                                        const std::string &saveDir);

} // namespace bridgepath
