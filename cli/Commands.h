#pragma once
/// The subcommands; each parses its flags, calls the libraries and formats the result.
/// Exit codes: 0 ok, 1 violation / mismatch, 2 bad input (InputError, thrown to main).

#include <ostream>
#include <string>
#include <vector>

namespace bridgepath {

/// `bridgepath topology (FILE | --sysfs [DIR]) [--json | --lspci | --dot]`
int runTopology(const std::vector<std::string> &args, std::ostream &out);
/// `bridgepath simulate --topology FILE [--policy P] [--abi A] [--capacity N]
///  (--ops "OP; ..." | --trace FILE) [--json]`
int runSimulate(const std::vector<std::string> &args, std::ostream &out);
/// `bridgepath check [--topology FILE | --sysfs [DIR]] [--policy P] [--abi A] [--faults LIST]
///  [--invariants LIST] [--cases N] [--seed S] [--format text|json|ktap|junit]
///  [--save-trace DIR] [--shard I/N]`: the property harness, per invariant pass or minimal
///  counterexample.
int runCheck(const std::vector<std::string> &args, std::ostream &out);
/// `bridgepath replay FILE`: run a trace on impl and model and check its `# expect:` lines.
int runReplay(const std::vector<std::string> &args, std::ostream &out);
/// `bridgepath prove [--topology FILE | --sysfs [DIR] | --max-devices N --max-depth D] [--policy P]
/// [--abi A]
/// [--faults LIST]
///  [--invariants LIST] [--method bmc|induction|every-size] [--steps K] [--timeout S] [--format
///  text|json]`: exit 0 proved, 1 counterexample, 3 unknown.
int runProve(const std::vector<std::string> &args, std::ostream &out);
/// `bridgepath sweep FILE [--policy P] [--format text|json]`: fail-nth over every walk step.
int runSweep(const std::vector<std::string> &args, std::ostream &out);
/// `bridgepath exhaustive [--max-devices N] [--max-ops K] [--endpoints E] [--policy P] [--abi A]
///  [--faults LIST] [--invariants LIST] [--threads T] [--format text|json] [--stop-first]
///  [--save-trace DIR] [--shard I/N]`: every tree, sequence and single fault within the bound;
///  exit 1 if an invariant fails anywhere. With `--shard I/N` (1 <= I <= N): only the trees
///  numbered I - 1 modulo N, written as a shard file's JSON (cli/ShardFile.h), exit 0.
int runExhaustive(const std::vector<std::string> &args, std::ostream &out);
/// `bridgepath exhaustive-merge FILE... [--format text|json] [--save-trace DIR]`: the shards
///  1..N of one search, merged; prints what the single `exhaustive` run prints, with its exit code.
int runExhaustiveMerge(const std::vector<std::string> &args, std::ostream &out);
/// `bridgepath policies [--max-devices N] [--max-ops K] [--endpoints E] [--abi v6|v7|both]
/// [--threads T]
///  [--prove-devices M] [--format text|json|markdown]`: fault class x policy, every outcome found
///  by exhaustive search, worst first, with the smallest example; Z3 on the fault-free row.
///  Exit 0; 1 if Z3 refutes the fault-free row, 3 if it cannot decide it.
int runPolicies(const std::vector<std::string> &args, std::ostream &out);
/// `bridgepath designs [--max-devices N] [--max-ops K] [--endpoints E] [--abi v6|v7]
///  [--faults LIST] [--threads T] [--format text|json|markdown]`: every design (topology/Design.h)
///  x every fault class by exhaustive search, ranked (matrix/DesignRanking.h). Exit 0.
int runDesigns(const std::vector<std::string> &args, std::ostream &out);
/// `bridgepath report [--prove-devices N] [--solver z3|cvc5|both] [--fixtures DIR]
///  [--output FILE]`: the reply to the v6 06/12 review (cli/ReviewReport.h). Exit 0.
int runReport(const std::vector<std::string> &args, std::ostream &out);
/// `bridgepath export-kunit TRACE [--expect observed|ideal] [--output FILE]`: the trace as a
///  KUnit suite in C (a table of steps and expected results, then the final counts).
int runExportKunit(const std::vector<std::string> &args, std::ostream &out);
/// `bridgepath kernel-check --source PATH [--abi v6|v7] [--cases N] [--seed S] [--topology FILE |
///  --trace FILE] [--format text|json]`: the kernel tree's own walk functions, compiled and driven
///  like the model; exit 0 agreement, 1 the shrunk first disagreement, 2 not found / not compiling.
int runKernelCheck(const std::vector<std::string> &args, std::ostream &out);
/// `bridgepath scenarios [--json]`: the built-in scenarios under every policy.
int runScenarios(const std::vector<std::string> &args, std::ostream &out);
/// Usage text.
std::string usage();

} // namespace bridgepath
