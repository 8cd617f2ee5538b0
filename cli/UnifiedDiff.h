#pragma once
/// UnifiedDiff: the difference of two texts in `diff -u` form, for a report's patch.

#include <string>

namespace bridgepath {

/// `a` -> `b` as a unified diff with `context` lines around each change: `--- nameA`, `+++
/// nameB`, then `@@ -l,n +l,n @@` hunks of ` `, `-` and `+` lines (a longest common
/// subsequence of lines, so as few lines change as possible). Empty when the texts are equal.
std::string unifiedDiff(const std::string &a, const std::string &b, const std::string &nameA,
                        const std::string &nameB, int context = 3);

} // namespace bridgepath
