#pragma once
/// Searcher: the breadth-first search over one (tree, capacity) state space. Every move of the
/// tree's alphabet from every stored state, each new state judged (StateJudge, the outcomes,
/// atomic-preserve per failed preserve) with the first, shortest, example of each finding kept
/// as operations; states stored in a VisitedSet keyed by the implementation's saved state and the
/// search's masks, up to symmetry when asked. Internal to exhaustive/.

#include "exhaustive/ExhaustiveSearch.h"
#include "exhaustive/StateJudge.h"
#include "exhaustive/VisitedSet.h"
#include "exhaustive/internal/MoveAlphabet.h"
#include "exhaustive/internal/Symmetry.h"
#include "exhaustive/internal/TreeContext.h"
#include "exhaustive/internal/Usage.h"
#include "impl/PciLiveUpdate.h"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bridgepath::exhaustive {

/// The smallest violation of one check within one search: its operations.
struct Found {
    std::uint64_t count = 0;    ///< states (atomic-preserve: transitions) showing it
    std::uint32_t maxSlots = 0; ///< leak: the most slots held with nothing preserved
    bool has = false;
    std::size_t depth = 0; ///< operations (moves) of the example
    std::vector<Op> ops;   ///< the example, as a trace writes it
};

/// Everything one (tree, capacity) search reports.
struct ItemResult {
    bool done = false;
    std::uint64_t sequences = 0, generated = 0, distinct = 0;
    std::uint64_t bytes = 0;       ///< the visited set's, the nodes' and the edges' at the end
    std::vector<Found> invariants; ///< per checked invariant
    std::array<Found, kOutcomeCount> outcomes;
    Found bothSides;
    std::uint64_t judgeDisagreements = 0;
    std::string firstJudgeDisagreement;
};

/// One (tree, capacity) search.
class Searcher {
  public:
    /// Searches the tree `c` (which must outlive the searcher) under `config` as `o` says.
    Searcher(const TreeContext &c, const LiveUpdateConfig &config, const ExhaustiveOptions &o);

    /// Explores every state reachable in at most maxOps moves.
    ItemResult run();

  private:
    static constexpr std::uint32_t kNoParent = UINT32_MAX; // the initial state's parent

    class MoveStep;  // model/InvariantRules.h's view of the move just made (atomic-preserve)
    class SidesView; // properties/BridgeOnBothSides.h's view of impl_

    // How a stored state was first reached.
    struct NodeRecord {
        std::uint32_t parent = kNoParent;
        std::uint32_t move = 0;
        std::uint16_t value = 0; // set-refcount's value
        std::uint8_t depth = 0;
        // The automorphism that took the state the move produced to the one stored (symmetry).
        Perm renamed = identity();
    };

    std::uint32_t addNode(const Meta &m, const NodeRecord &rec, ItemResult &r);
    void judgeNew(std::uint32_t index, const Meta &m, ItemResult &r);
    OutcomeFacts outcomeFactsOf(const Judgement &j) const;
    void crossCheck(const Judgement &j, std::optional<DeviceId> fault, ItemResult &r);
    void crossCheckMisuse(const Meta &m, const Move &mv, bool judged, std::uint32_t node,
                          ItemResult &r);
    std::string pathText(std::uint32_t node) const;
    std::vector<Op> opsTo(std::uint32_t node, const Move *last, std::uint16_t lastValue) const;
    void record(Found &f, std::uint32_t node, std::optional<std::pair<Move, std::uint16_t>> last,
                std::uint32_t slots);
    void expand(std::uint32_t from, ItemResult &r);
    bool atomicBroken(const Move &mv, Result result, const std::vector<std::uint8_t> &base,
                      std::size_t implBytes);
    std::uint64_t countSequences() const;

    const TreeContext &c_;
    LiveUpdateConfig config_;
    const ExhaustiveOptions &o_;
    std::vector<Move> moves_;
    PciLiveUpdate impl_;
    std::unique_ptr<PciLiveUpdate> probe_;
    StateJudge judge_;
    Canonicalizer canonical_;
    std::uint32_t checked_ = 0;
    bool misuseAllowed_ = false;
    bool boundTargets_ = true;
    bool symmetry_ = false;
    VisitedSet visited_;
    std::vector<NodeRecord> nodes_;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> edges_;
    std::vector<std::uint8_t> scratch_, base_;
    std::vector<SlotEntry> beforeSlots_;
    std::uint32_t beforeNr_ = 0;
};

} // namespace bridgepath::exhaustive
