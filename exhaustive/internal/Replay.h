#pragma once
/// Replay: what the search found, confirmed through the Harness (implementation and model side
/// by side, the exact invariants of model/Invariant). A finding is reported with the replayed
/// run as its counterexample, or as a disagreement when the replay does not show it. Internal to
/// exhaustive/.

#include "exhaustive/Outcome.h"
#include "model/Invariant.h"
#include "properties/Counterexample.h"
#include "properties/Harness.h"
#include "topology/FaultClass.h"
#include "topology/LiveUpdateConfig.h"

#include <functional>
#include <optional>
#include <set>
#include <vector>

namespace bridgepath::exhaustive {

/// Whether a replayed run shows the finding, given its last step and final state.
using ReplayShows = std::function<bool(const StepOutcome &last, const State &final)>;

/// Replays `ops` through a Harness judging `checked`; the counterexample if the run ends showing
/// what the search found (`shows`) or in an impl/model mismatch, nullopt otherwise.
std::optional<Counterexample> confirm(const Topology &t, const LiveUpdateConfig &config,
                                      const std::vector<Op> &ops,
                                      const std::set<FaultClass> &faults,
                                      std::vector<Invariant> checked, const ReplayShows &shows);

/// The replay's last step fails `inv`.
std::optional<Counterexample> confirm(const Topology &t, const LiveUpdateConfig &config,
                                      const std::vector<Op> &ops, Invariant inv,
                                      const std::set<FaultClass> &faults);

/// The replay's final state shows `o` (every invariant judged on the way).
std::optional<Counterexample> confirm(const Topology &t, const LiveUpdateConfig &config,
                                      const std::vector<Op> &ops, Outcome o,
                                      const std::set<FaultClass> &faults);

} // namespace bridgepath::exhaustive
