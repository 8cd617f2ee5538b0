#include "cli/UnifiedDiff.h"

#include <algorithm>
#include <sstream>
#include <vector>

namespace bridgepath {

namespace {

std::vector<std::string> linesOf(const std::string &text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

// One line of the edit script: ' ' kept, '-' only in a, '+' only in b.
struct Edit {
    char kind;
    std::size_t ai, bi; // positions in a and b before this line
};

} // namespace

std::string unifiedDiff(const std::string &a, const std::string &b, const std::string &nameA,
                        const std::string &nameB, int context) {
    const std::vector<std::string> x = linesOf(a), y = linesOf(b);
    const std::size_t n = x.size(), m = y.size();
    // lcs[i][j]: the longest common subsequence of x[i..] and y[j..].
    std::vector<std::vector<std::uint32_t>> lcs(n + 1, std::vector<std::uint32_t>(m + 1, 0));
    for (std::size_t i = n; i-- > 0;)
        for (std::size_t j = m; j-- > 0;)
            lcs[i][j] =
                x[i] == y[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    std::vector<Edit> script;
    std::size_t i = 0, j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && x[i] == y[j]) {
            script.push_back({' ', i++, j++});
        } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
            script.push_back({'+', i, j++});
        } else {
            script.push_back({'-', i++, j});
        }
    }
    // Removals before additions within a run of changes, as diff prints them.
    for (std::size_t k = 0; k < script.size();) {
        if (script[k].kind == ' ') {
            ++k;
            continue;
        }
        std::size_t end = k;
        while (end < script.size() && script[end].kind != ' ')
            ++end;
        std::stable_partition(script.begin() + static_cast<long>(k),
                              script.begin() + static_cast<long>(end),
                              [](const Edit &e) { return e.kind == '-'; });
        k = end;
    }
    std::string out;
    const std::size_t c = static_cast<std::size_t>(std::max(0, context));
    for (std::size_t k = 0; k < script.size();) {
        if (script[k].kind == ' ') {
            ++k;
            continue;
        }
        // A hunk: from `context` lines before this change to `context` after the last change
        // that is within 2 * context kept lines of the one before it.
        const std::size_t start = k >= c ? k - c : 0;
        std::size_t end = k, kept = 0;
        for (std::size_t q = k; q < script.size(); ++q) {
            if (script[q].kind == ' ') {
                if (++kept > 2 * c)
                    break;
            } else {
                kept = 0;
                end = q;
            }
        }
        const std::size_t stop = std::min(script.size(), end + 1 + c);
        std::size_t aLines = 0, bLines = 0;
        for (std::size_t q = start; q < stop; ++q) {
            aLines += script[q].kind != '+';
            bLines += script[q].kind != '-';
        }
        auto range = [](std::size_t at, std::size_t count) {
            // diff numbers an empty range by the line before it.
            return std::to_string(count == 0 ? at : at + 1) + "," + std::to_string(count);
        };
        if (out.empty())
            out = "--- " + nameA + "\n+++ " + nameB + "\n";
        out += "@@ -" + range(script[start].ai, aLines) + " +" + range(script[start].bi, bLines) +
               " @@\n";
        for (std::size_t q = start; q < stop; ++q)
            out +=
                script[q].kind + (script[q].kind == '+' ? y[script[q].bi] : x[script[q].ai]) + "\n";
        k = stop;
    }
    return out;
}

} // namespace bridgepath
