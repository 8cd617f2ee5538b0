#include "smt/QueryDecision.h"

#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

namespace bridgepath {

namespace {

using Answer = QueryDecision::Answer;

const char *answerText(Answer a) {
    switch (a) {
    case Answer::Sat:
        return "sat";
    case Answer::Unsat:
        return "unsat";
    case Answer::Unknown:
        return "unknown";
    case Answer::Disagreement:
        return "disagreement";
    }
    return "unknown";
}

std::string safeName(std::string s) {
    for (char &ch : s)
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-')
            ch = '-';
    return s;
}

// Z3's SMT-LIB printer writes an empty conjunction or disjunction as a bare `and` / `or` (not
// SMT-LIB); they are `true` and `false`. Everything else is left as printed.
std::string standardSmtLib(const std::string &text) {
    std::string out;
    out.reserve(text.size());
    auto isSymbolChar = [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) ||
               std::string_view("~!@$%^&*_-+=<>.?/").find(ch) != std::string_view::npos;
    };
    char lastNonSpace = '\0';
    for (std::size_t i = 0; i < text.size();) {
        if (isSymbolChar(text[i])) {
            std::size_t j = i;
            while (j < text.size() && isSymbolChar(text[j]))
                ++j;
            const std::string_view token(text.data() + i, j - i);
            if (lastNonSpace != '(' && (token == "and" || token == "or"))
                out += token == "and" ? "true" : "false";
            else
                out.append(token);
            lastNonSpace = text[j - 1];
            i = j;
            continue;
        }
        if (text[i] == '|' || text[i] == '"' || text[i] == ';') { // quoted symbol, string, comment
            const char close = text[i] == ';' ? '\n' : text[i];
            const std::size_t j = std::min(text.find(close, i + 1), text.size() - 1);
            out.append(text, i, j - i + 1);
            lastNonSpace = text[j];
            i = j + 1;
            continue;
        }
        if (!std::isspace(static_cast<unsigned char>(text[i])))
            lastNonSpace = text[i];
        out += text[i++];
    }
    return out;
}

// cvc5 on `text` (a complete SMT-LIB 2 script): its answer, or Unknown with `why`.
Answer runCvc5(const std::string &text, double timeoutSeconds, std::string &why) {
    const std::optional<std::string> binary = cvc5Binary();
    if (!binary) {
        why = "cvc5 is not installed (apt install cvc5, or set BRIDGEPATH_CVC5)";
        return Answer::Unknown;
    }
    std::string path =
        (std::filesystem::temp_directory_path() / "bridgepath-query-XXXXXX.smt2").string();
    const int fd = mkstemps(path.data(), 5);
    if (fd < 0) {
        why =
            "cannot write the query for cvc5 in " + std::filesystem::temp_directory_path().string();
        return Answer::Unknown;
    }
    {
        const ssize_t written = write(fd, text.data(), text.size());
        close(fd);
        if (written != static_cast<ssize_t>(text.size())) {
            std::filesystem::remove(path);
            why = "cannot write the query for cvc5 to " + path;
            return Answer::Unknown;
        }
    }
    const long ms = std::max(1L, static_cast<long>(timeoutSeconds * 1000));
    const std::string command =
        "'" + *binary + "' --lang smt2 --tlimit=" + std::to_string(ms) + " '" + path + "' 2>&1";
    std::string output;
    int status = -1;
    if (FILE *p = popen(command.c_str(), "r")) {
        std::array<char, 4096> buffer{};
        std::size_t n = 0;
        while ((n = fread(buffer.data(), 1, buffer.size(), p)) > 0)
            output.append(buffer.data(), n);
        status = pclose(p);
    }
    std::filesystem::remove(path);
    const std::string first = output.substr(0, output.find('\n'));
    if (first == "sat")
        return Answer::Sat;
    if (first == "unsat")
        return Answer::Unsat;
    why = "cvc5 answered " + (first.empty() ? "nothing (exit status " + std::to_string(status) + ")"
                                            : "'" + first.substr(0, 200) + "'");
    return Answer::Unknown;
}

} // namespace

const char *toString(SolverChoice s) {
    switch (s) {
    case SolverChoice::Z3:
        return "z3";
    case SolverChoice::Cvc5:
        return "cvc5";
    case SolverChoice::Both:
        return "both";
    }
    return "z3";
}

std::optional<SolverChoice> parseSolverChoice(std::string_view name) {
    for (SolverChoice s : {SolverChoice::Z3, SolverChoice::Cvc5, SolverChoice::Both})
        if (name == toString(s))
            return s;
    return std::nullopt;
}

std::optional<std::string> cvc5Binary() {
    std::error_code ec;
    if (const char *env = std::getenv("BRIDGEPATH_CVC5"))
        return access(env, X_OK) == 0 && std::filesystem::is_regular_file(env, ec)
                   ? std::optional<std::string>(env)
                   : std::nullopt;
    const char *pathVar = std::getenv("PATH");
    std::string paths = pathVar ? pathVar : "/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= paths.size()) {
        const std::size_t end = std::min(paths.find(':', start), paths.size());
        const std::string dir = paths.substr(start, end - start);
        const std::string candidate = (dir.empty() ? "." : dir) + "/cvc5";
        if (access(candidate.c_str(), X_OK) == 0 && std::filesystem::is_regular_file(candidate, ec))
            return candidate;
        start = end + 1;
    }
    return std::nullopt;
}

QueryDecision decide(z3::solver &s, SolverChoice choice, double timeoutSeconds,
                     const std::string &what, const std::string &saveDir,
                     const std::string &logic) {
    QueryDecision d;
    auto z3Answer = [&]() {
        z3::params p(s.ctx());
        p.set("timeout", static_cast<unsigned>(std::max(1.0, timeoutSeconds * 1000)));
        s.set(p);
        switch (s.check()) {
        case z3::sat:
            d.model = s.get_model();
            return Answer::Sat;
        case z3::unsat:
            return Answer::Unsat;
        case z3::unknown:
            d.why = "Z3 answered unknown (" + s.reason_unknown() + ") in " + what;
            return Answer::Unknown;
        }
        return Answer::Unknown;
    };
    const Answer z3 = choice == SolverChoice::Cvc5 ? Answer::Unknown : z3Answer();
    if (choice == SolverChoice::Z3 || (choice == SolverChoice::Both && z3 == Answer::Unknown)) {
        d.answer = z3;
        return d;
    }
    std::string cvc5Why;
    // cvc5 is much faster told the logic (QF_LIA for the bounded encodings). With quantifiers it
    // falls back to enumerative instantiation when E-matching is stuck: an instance no trigger
    // produces (the every-size proof needs inv(d, 1) of a count known to be >= 1) is then tried.
    const std::string text = "(set-logic " + logic + ")\n" +
                             (logic.rfind("QF_", 0) == 0 ? "" : "(set-option :enum-inst true)\n") +
                             standardSmtLib(s.to_smt2());
    const Answer cvc5 = runCvc5(text, timeoutSeconds, cvc5Why);
    if (cvc5 == Answer::Unknown) {
        d.answer = Answer::Unknown;
        d.model.reset();
        d.why = cvc5Why + " in " + what +
                (choice == SolverChoice::Both
                     ? std::string(" (Z3: ") + answerText(z3) + ", not confirmed)"
                     : std::string());
        return d;
    }
    // cvc5 alone: a satisfiable query still needs Z3's model (the counterexample).
    const Answer other = choice == SolverChoice::Cvc5 && cvc5 == Answer::Sat ? z3Answer() : z3;
    if (choice == SolverChoice::Cvc5 && cvc5 == Answer::Unsat) {
        d.answer = Answer::Unsat;
        return d;
    }
    if (other == Answer::Unknown) { // cvc5 sat, Z3 gave no model
        d.answer = Answer::Unknown;
        d.why = "cvc5 answered sat but Z3 gave no model: " + d.why;
        return d;
    }
    if (other == cvc5) {
        d.answer = cvc5;
        return d;
    }
    std::filesystem::create_directories(saveDir);
    const std::string file =
        (std::filesystem::path(saveDir) / ("disagreement-" + safeName(what) + ".smt2")).string();
    std::ofstream(file) << text;
    d.answer = Answer::Disagreement;
    d.model.reset();
    d.why = std::string("SOLVERS DISAGREE on ") + what + ": Z3 " + answerText(other) + ", cvc5 " +
            answerText(cvc5) + "; the query is saved in " + file;
    return d;
}

std::optional<z3::model> decideProofQuery(const z3::expr &query, SolverChoice choice,
                                          double seconds, const std::string &what,
                                          const std::string &name, const std::string &saveDir) {
    if (seconds <= 0)
        throw ProofUndecided{SmtVerdict::Unknown, "timeout in " + what};
    z3::context &c = query.ctx();
    const z3::tactic tactic =
        z3::tactic(c, "simplify") & z3::tactic(c, "solve-eqs") & z3::tactic(c, "smt");
    z3::solver s = tactic.mk_solver();
    s.add(query);
    QueryDecision d = decide(s, choice, seconds, name, saveDir);
    switch (d.answer) {
    case QueryDecision::Answer::Sat:
        return std::move(d.model);
    case QueryDecision::Answer::Unsat:
        return std::nullopt;
    case QueryDecision::Answer::Unknown:
        throw ProofUndecided{SmtVerdict::Unknown, d.why};
    case QueryDecision::Answer::Disagreement:
        throw ProofUndecided{SmtVerdict::Disagreement, d.why};
    }
    return std::nullopt;
}

} // namespace bridgepath
