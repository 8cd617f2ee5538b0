#pragma once
/// Harness: the system under test of every property. Runs each operation on the implementation
/// and the reference model, compares them, judges the checked invariants after every step, and
/// remembers what a counterexample needs (ops, faults, states, coverage).

#include "impl/PciLiveUpdate.h"
#include "model/Invariant.h"
#include "model/ReferenceModel.h"
#include "topology/FaultClass.h"
#include "topology/LiveUpdateConfig.h"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace bridgepath {

/// What one step did, judged.
struct StepOutcome {
    Result result = Result::Ok;      ///< what the implementation returned
    Result modelResult = Result::Ok; ///< what the reference model returned
    /// impl and model disagreed (a harness or implementation bug), in words.
    std::optional<std::string> mismatch;
    /// The first checked invariant that failed after the step, and why.
    std::optional<Invariant> violated;
    std::string why;
    /// Every checked invariant that failed after the step.
    std::vector<Invariant> violations;
};

/// Coverage facts about one run, for classification.
struct Coverage {
    bool unpreserveUnderSharedBridge =
        false;             ///< an unpreserve/finish walked a bridge with refcount >= 2
    bool rollback = false; ///< a failed preserve rolled back at least one device
    bool faultHit = false; ///< an injected fail-next fired
    bool enospc = false;
    /// An unpreserve/finish walk failed -EINVAL in correct use: it met a lost or corrupted slot
    /// (or a frozen device).
    bool lostSlotHit = false;
    bool kexec = false;
    bool panic = false;
    bool misuse = false;
    /// The table was released with nr_devices != 0 (bug-at-release, table-freed-with-references).
    bool releaseWithReferences = false;
    /// A walk step touched a freed slot.
    bool useAfterFree = false;
    /// Kexecs that happened (the chain's length: generations reached).
    unsigned kexecs = 0;
    /// A kexec dropped an unfinished incoming side (its nr_devices was not 0).
    bool droppedUnfinishedIncoming = false;
    /// Some state had a bridge incoming from one generation (entry refcount != 0) and outgoing
    /// for the next (slot refcount != 0) at once.
    bool bridgeBothSides = false;
};

/// True if `op` is not correct use of the API in `before` (the --faults misuse class): the rule
/// of properties/Misuse.h (misuseOf) on the State. `frozen`: devices frozen since the last kexec;
/// `notEnumerated`: devices the running kernel did not enumerate.
bool isMisuse(const Topology &t, const Op &op, const State &before, const std::set<Bdf> &frozen,
              const std::set<Bdf> &notEnumerated);

/// Some bridge is incoming from one generation (an incoming entry naming it with refcount != 0)
/// and outgoing for the next (an outgoing slot naming it with refcount != 0) in `s`: the rule of
/// properties/BridgeOnBothSides.h (bridgeOnBothSidesOf) on the State.
bool bridgeOnBothSides(const Topology &t, const State &s);

/// What correct use depends on beyond the state: devices frozen in this kernel, and (after a
/// kexec) devices the running kernel did not enumerate.
struct UsageTracker {
    std::set<Bdf> frozen;
    std::set<Bdf> vanishedTops;
    std::set<Bdf> notEnumerated;

    /// Whether `op` is misuse in `before` (see isMisuse).
    bool misuse(const Topology &t, const Op &op, const State &before) const {
        return isMisuse(t, op, before, frozen, notEnumerated);
    }
    /// Records what `op`, which returned `result`, changed: properties/UsageUpdate.h's rule
    /// (usageUpdate) on the sets.
    void update(const Topology &t, const Op &op, Result result);
};

/// What a Harness remembers of the steps it ran.
enum class History {
    Whole,  ///< every op, result and state (what a counterexample shows)
    Latest, ///< the last op and result, the last two states, the first two fault devices: what
            ///< the next step and its judges read, in memory that does not grow with the run
};

/// Runs operations on impl and model side by side and judges invariants.
class Harness {
  public:
    Harness(const Topology &t, const LiveUpdateConfig &config, std::vector<Invariant> checked,
            History history = History::Whole);

    /// Applies `op` (its device must be in the topology) and judges the step.
    StepOutcome step(const Op &op);

    const Topology &topology() const { return *topology_; }
    const LiveUpdateConfig &config() const { return config_; }
    const std::vector<Op> &ops() const { return ops_; }
    const std::vector<Result> &results() const { return results_; }
    /// The implementation's state after each step (index 0: the initial state).
    const std::vector<State> &states() const { return states_; }
    /// Devices named by fault and misuse operations so far (History::Latest: the first two).
    const std::vector<Bdf> &faults() const { return faults_; }
    const Coverage &coverage() const { return coverage_; }
    const ReferenceModel &model() const { return model_; }

    /// Appends to `out` the implementation's state as far as it decides the future, as bytes
    /// (SearchState::saveBehaviour).
    void saveImpl(std::vector<std::uint8_t> &out) const;
    /// Whether `other` (same topology, config and checked invariants, no mismatch so far in
    /// either) gives the same outcome as this harness at every future step, whatever the ops,
    /// except where a judge reads the fault devices (containment) or whether a crash happened
    /// (no-crash, broken at every step once one did): equal implementation state,
    /// model state (ReferenceModel::sameFuture) and usage. `implBytes` and `otherImplBytes` are
    /// the two saveImpl() records, compared first.
    bool sameMachine(const Harness &other, const std::vector<std::uint8_t> &implBytes,
                     const std::vector<std::uint8_t> &otherImplBytes) const;

  private:
    const Topology *topology_;
    LiveUpdateConfig config_;
    std::vector<Invariant> checked_;
    History history_;
    PciLiveUpdate impl_;
    ReferenceModel model_;
    std::vector<Op> ops_;
    std::vector<Result> results_;
    std::vector<State> states_;
    std::vector<Bdf> faults_;
    UsageTracker usage_;
    Coverage coverage_;
};

} // namespace bridgepath
