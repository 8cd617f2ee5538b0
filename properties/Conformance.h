#pragma once
/// Conformance: runs one sequence of operations on the implementation and the reference model side
/// by side and stops at the first step where their result or state differ.

#include "model/Invariant.h"
#include "topology/LiveUpdateConfig.h"
#include "topology/Op.h"
#include "topology/Result.h"
#include "topology/State.h"
#include "topology/Topology.h"

#include <optional>
#include <string>
#include <vector>

namespace bridgepath {

/// One executed step as the implementation saw it.
struct StepRecord {
    Op op;
    Result result = Result::Ok;
    State state; ///< after the step
};

/// The first step where impl and model disagree.
struct Mismatch {
    std::size_t step = 0; ///< 0-based index into the ops
    Result implResult = Result::Ok;
    Result modelResult = Result::Ok;
    std::string difference; ///< "result EIO vs ok" or the first state difference (model vs impl)
};

/// What running a sequence did.
struct RunResult {
    std::vector<StepRecord> steps; ///< up to and including a mismatching step
    std::optional<Mismatch> mismatch;
    State initialState;
    State finalState;        ///< the implementation's state after the last step run
    std::vector<Bdf> faults; ///< devices named by fault and misuse operations, one per fault
};

/// Runs `ops` on PciLiveUpdate and ReferenceModel; every BDF must be in the topology.
RunResult runSideBySide(const Topology &t, const LiveUpdateConfig &config,
                        const std::vector<Op> &ops);

/// The judgement of a final state: leaked and released-early devices and failing invariants.
struct StateReport {
    std::vector<Bdf> leaked;
    std::vector<Bdf> releasedEarly;
    std::vector<std::pair<Invariant, Verdict>> verdicts; ///< every invariant, in order
    std::vector<Invariant> violations() const;
};

/// Judges a run: the state invariants and containment on its final state, atomic-preserve on
/// every step; plus the leaked and released-early devices of the final state.
StateReport judge(const Topology &t, const LiveUpdateConfig &config, const RunResult &run);

/// The v6 capacity to use when the user gave none: one slot per device, as the kernel sizes it.
LiveUpdateConfig withDefaultCapacity(LiveUpdateConfig config, const Topology &t,
                                     bool capacityGiven);

/// Throws InputError (naming the op's place) if an op names a device not in the topology.
void requireKnownDevices(const Topology &t, const std::vector<Op> &ops,
                         const std::vector<std::string> &places);

} // namespace bridgepath
