#pragma once
/// MoveAlphabet: the letters the search generates on one tree (an operation, optionally with a
/// fail-next armed before it), which phases of which kernel of the chain generate each kind, and
/// a letter as the implementation runs it and as a trace writes it. Internal to exhaustive/.

#include "exhaustive/internal/TreeContext.h"
#include "impl/PciLiveUpdate.h"
#include "topology/FaultClass.h"
#include "topology/Op.h"

#include <cstdint>
#include <set>
#include <vector>

namespace bridgepath::exhaustive {

/// No device (a move without one, or no fail-next armed).
inline constexpr std::uint8_t kNoDevice = 0xff;

/// What a set-refcount move writes, relative to the slot's refcount when it is taken.
enum class RefcountChange : std::uint8_t { Zero, Minus, Plus };

/// One letter of a tree's alphabet: an operation, optionally with a fail-next armed before it.
struct Move {
    OpKind kind = OpKind::Kexec;
    std::uint8_t device = kNoDevice; ///< the op's device
    std::uint8_t target = kNoDevice; ///< index into the targets, for API ops on a target
    std::uint8_t failAt = kNoDevice; ///< fail-next device (step fault), or none
    StepKind failKind = StepKind::Preserve;
    RefcountChange change = RefcountChange::Zero;
    bool fault = false; ///< a fault operation (spends the one fault)
};

/// Every letter of the tree's alphabet for the selected fault classes.
std::vector<Move> alphabet(const TreeContext &c, const std::set<FaultClass> &faults);

/// Whether the search generates `k` in phase `p` of kernel `generation` of a chain of
/// `generations` kexecs: the outgoing operations up to the last kexec, the incoming ones while a
/// Live Update is incoming, the slot faults and unplug until the last kernel ended.
bool phaseAllows(OpKind k, Phase p, unsigned generation, unsigned generations);

/// The operation `kind` on `device` (kNoDevice: none) as a trace writes it.
Op opOf(const Topology &t, OpKind kind, std::uint8_t device);

/// Appends the operations of a move as a trace writes them (the fail-next first, if armed);
/// `value` is a set-refcount's value.
void appendOps(const Topology &t, const Move &mv, std::uint16_t value, std::vector<Op> &out);

/// Runs the move's operation on `impl` (not its fail-next: the caller arms that first).
Result applyMove(PciLiveUpdate &impl, const Move &mv, std::uint16_t value);

} // namespace bridgepath::exhaustive
