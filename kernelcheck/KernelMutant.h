#pragma once
/// KernelMutant: the built-in one-token mutations kernel-check applies to a user's own
/// drivers/pci/liveupdate.c, to show the check can see each bug (mutation adequacy). Each
/// mutation is found in the file by the role of the code (the walk that calls the unpreserve
/// step, the preserve step's checks, the FLB's release), not by line, so it applies to every
/// version that has that code; where a version lacks it, the mutant does not apply.

#include "kernelcheck/CSource.h"
#include "kernelcheck/KernelShape.h"

#include <optional>
#include <string>
#include <vector>

namespace bridgepath {

/// One built-in mutation.
struct KernelMutant {
    std::string name; ///< `unpreserve-continue`, ...
    std::string what; ///< the bug it plants, in words
};

/// Every built-in mutation, in the order the table lists them.
const std::vector<KernelMutant> &builtInMutants();

/// The file's text with `m` applied, or nullopt if this version has no code it applies to.
std::optional<std::string> applyMutant(const KernelMutant &m, const std::string &text);

} // namespace bridgepath
