#pragma once
/// ReviewReport: the reply a reviewer would post to the v6 06/12 thread, in plain text: the bug
/// in each kernel version with its smallest reproducer (operations and tree) and what it does to
/// the machine, the review's own tree, the proposed change in words and as a diff of the
/// project's own fixtures, what is proved and for which bound, the bridgepath commands that
/// reproduce every claim, and the reproducers as KUnit suites after the signature. Prose and
/// quotes are wrapped at 72 columns; the diff and the attached C are not re-wrapped.

#include "smt/QueryDecision.h"

#include <string>

namespace bridgepath {

/// What the report runs.
struct ReviewReportOptions {
    int proveDevices = 6;                         ///< the proof's bound
    SolverChoice solver = SolverChoice::Both;     ///< who decides the proof's queries
    std::string fixtures = "tests/kernelcheck/c"; ///< holds flb-v6 and flb-design
};

/// The report; InputError naming `fixtures` when a fixture is missing. Same options, same text.
std::string reviewReport(const ReviewReportOptions &options);

/// The width prose and quotes are wrapped to (the diff and the attachments keep their lines).
inline constexpr std::size_t kReportColumns = 72;

} // namespace bridgepath
