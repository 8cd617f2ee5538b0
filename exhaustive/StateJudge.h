#pragma once
/// StateJudge: the state invariants of model/Invariant, judged on the implementation's state
/// without building a State (no allocation): the search's hot path. The rules are
/// model/InvariantRules.h's and the ideal refcounts model/IdealSpec.h's (idealInto); this reads
/// the implementation's tables as their view. It must agree
/// with model/Invariant on every state; ExhaustiveOptions::crossCheckJudge compares them state by
/// state and the tests run that comparison over whole state spaces. What it finds is replayed
/// through the Harness before it is reported.

#include "impl/PciLiveUpdate.h"
#include "model/Invariant.h"
#include "topology/Topology.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace bridgepath {

/// One state's verdicts and the facts the policy matrix classifies by.
struct Judgement {
    std::uint32_t failing = 0;     ///< bit (1 << int(Invariant)) per failing state invariant
    std::uint32_t slotsInUse = 0;  ///< outgoing slots with refcount != 0
    std::uint32_t dangling = 0;    ///< devices pointing into a freed table
    bool nothingPreserved = false; ///< nothing directly preserved on the outgoing side
    /// The most slots (and dangling pointers) one side holds with nothing directly preserved on
    /// it (0: no side leaks a slot).
    std::uint32_t leakedSlots = 0;

    bool fails(Invariant i) const { return (failing >> static_cast<int>(i)) & 1u; }
};

/// Judges closure, exact-count, nr-devices, no-leak, no-premature-release, containment,
/// no-panic-at-finish and no-crash (atomic-preserve is a step invariant: the search judges it per
/// transition), as model/Invariant's check() does: the table rules on the outgoing side and,
/// after a kexec, on the incoming side too (its entries, counter, directly incoming set and the
/// panicked flag; no dangling pointer crosses).
class StateJudge {
  public:
    /// `capacity`: the v6 table size (nullopt for v7).
    StateJudge(const Topology &t, std::optional<std::size_t> capacity);

    /// The verdicts on `impl`'s current state; `soleFault` is the device of the one fault so far
    /// (containment applies), nullopt when there was none.
    Judgement judge(const PciLiveUpdate &impl, std::optional<DeviceId> soleFault) const;

  private:
    // One side's table rules: the failing bits; `inUse` and `nothing` report its slots in use
    // and whether nothing is directly preserved on it.
    template <class Direct>
    std::uint32_t judgeSide(const std::vector<SlotEntry> &slots, std::uint32_t nr, Direct direct,
                            std::uint32_t dangling, bool referenced, bool panicked,
                            std::optional<DeviceId> soleFault, std::uint32_t &inUse,
                            bool &nothing) const;

    class Side; // model/InvariantRules.h's view of one side

    std::optional<std::size_t> capacity_;
    std::vector<std::uint32_t> parent_; // UINT32_MAX on a root bus
    std::vector<std::uint32_t> key_;    // domain << 16 | bdf, what a slot names
    // The side being judged: per entry (the devices, then the slots in use naming none of them)
    // its slots' refcounts and its ideal (IdealSpec's idealInto); the stray slots' keys; the slots
    // in use; whether nothing is directly preserved.
    mutable std::vector<std::uint32_t> refcount_, ideal_, strayKey_, strayRefcount_;
    mutable std::uint32_t inUse_ = 0;
    mutable bool nothing_ = true;
};

} // namespace bridgepath
