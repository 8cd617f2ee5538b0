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
/// `bridgepath check [--json]`: the built-in scenarios under every policy.
int runCheck(const std::vector<std::string> &args, std::ostream &out);
/// Usage text.
std::string usage();

} // namespace bridgepath
