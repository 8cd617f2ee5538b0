#pragma once
/// Scenarios: the built-in cases `bridgepath check` runs under every policy, each with what the
/// kernel rules predict (which invariants fail in the final state), so a change in behaviour shows.

#include "model/Invariant.h"
#include "topology/Policy.h"
#include "topology/Topology.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bridgepath {

/// One built-in scenario.
struct Scenario {
    std::string name;
    std::string summary; ///< one line: what it shows
    std::string ops;     ///< the --ops text
    std::optional<std::size_t> capacity;
    /// Invariants expected to fail in the final state, per policy (absent policy: none fail).
    std::map<Policy, std::vector<Invariant>> expectedViolations;
};

/// The review's tree: RC 0000:00:00.0 -> B1 0000:01:00.0 -> B2 0000:02:00.0 -> {EP0 0000:03:00.0,
/// EP1 0000:03:00.1}.
Topology reviewTopology();

/// The built-in scenarios, all on reviewTopology().
const std::vector<Scenario> &builtinScenarios();

} // namespace bridgepath
