#include "exhaustive/internal/MoveAlphabet.h"

namespace bridgepath::exhaustive {

std::vector<Move> alphabet(const TreeContext &c, const std::set<FaultClass> &faults) {
    std::vector<Move> moves;
    auto has = [&](FaultClass f) { return faults.count(f) != 0; };
    // In correct use a frozen device only takes options away (every later preserve/unpreserve
    // whose path meets it is misuse) and changes no count, so freeze can only matter where a
    // frozen device is walked anyway: misuse, or the kernel's own walk at hot-unplug.
    const bool freeze = has(FaultClass::Misuse) || has(FaultClass::Unplug);
    for (std::size_t i = 0; i < c.targets.size(); ++i) {
        const auto dev = static_cast<std::uint8_t>(c.targets[i]);
        const auto target = static_cast<std::uint8_t>(i);
        for (OpKind k : {OpKind::Preserve, OpKind::Unpreserve, OpKind::Freeze, OpKind::Finish})
            if (k != OpKind::Freeze || freeze)
                moves.push_back(Move{k, dev, target, kNoDevice, StepKind::Preserve,
                                     RefcountChange::Zero, false});
        if (!has(FaultClass::Step))
            continue;
        // fail-nth: every step of the walk (and of a preserve's rollback) at every device.
        for (DeviceId up : c.path[dev]) {
            const auto at = static_cast<std::uint8_t>(up);
            moves.push_back(Move{OpKind::Preserve, dev, target, at, StepKind::Preserve,
                                 RefcountChange::Zero, true});
            moves.push_back(Move{OpKind::Preserve, dev, target, at, StepKind::Unpreserve,
                                 RefcountChange::Zero, true});
            moves.push_back(Move{OpKind::Unpreserve, dev, target, at, StepKind::Unpreserve,
                                 RefcountChange::Zero, true});
            moves.push_back(Move{OpKind::Finish, dev, target, at, StepKind::Finish,
                                 RefcountChange::Zero, true});
        }
    }
    moves.push_back(Move{OpKind::Kexec, kNoDevice, kNoDevice, kNoDevice, StepKind::Preserve,
                         RefcountChange::Zero, false});
    moves.push_back(Move{OpKind::FinishAll, kNoDevice, kNoDevice, kNoDevice, StepKind::Preserve,
                         RefcountChange::Zero, false});
    for (DeviceId d = 0; d < c.topology.size(); ++d) {
        const auto dev = static_cast<std::uint8_t>(d);
        auto fault = [&](OpKind k, RefcountChange change = RefcountChange::Zero) {
            moves.push_back(Move{k, dev, kNoDevice, kNoDevice, StepKind::Preserve, change, true});
        };
        if (has(FaultClass::LostSlot))
            fault(OpKind::Lose);
        if (has(FaultClass::Refcount))
            for (RefcountChange ch :
                 {RefcountChange::Zero, RefcountChange::Minus, RefcountChange::Plus})
                fault(OpKind::SetRefcount, ch);
        if (has(FaultClass::Vanish))
            fault(OpKind::Vanish);
        if (has(FaultClass::Unplug))
            fault(OpKind::Unplug);
    }
    return moves;
}

bool phaseAllows(OpKind k, Phase p, unsigned generation, unsigned generations) {
    const bool outgoing = generation < generations;
    switch (k) {
    case OpKind::Preserve:
    case OpKind::Unpreserve:
    case OpKind::Freeze:
    case OpKind::Kexec:
    case OpKind::Vanish:
        return outgoing;
    case OpKind::Finish:
    case OpKind::FinishAll:
        return p == Phase::Incoming;
    case OpKind::Lose:
    case OpKind::SetRefcount:
    case OpKind::Unplug:
        return outgoing || p != Phase::Ended;
    case OpKind::FailNext:
        return false; // only ever armed as part of a move
    }
    return false;
}

Op opOf(const Topology &t, OpKind kind, std::uint8_t device) {
    Op op;
    op.kind = kind;
    if (device != kNoDevice)
        op.bdf = t.bdf(device);
    return op;
}

void appendOps(const Topology &t, const Move &mv, std::uint16_t value, std::vector<Op> &out) {
    if (mv.failAt != kNoDevice) {
        Op arm = opOf(t, OpKind::FailNext, mv.failAt);
        arm.step = mv.failKind;
        out.push_back(arm);
    }
    Op op = opOf(t, mv.kind, mv.device);
    op.value = value;
    out.push_back(op);
}

Result applyMove(PciLiveUpdate &impl, const Move &mv, std::uint16_t value) {
    switch (mv.kind) {
    case OpKind::Preserve:
        return impl.preserve(mv.device);
    case OpKind::Unpreserve:
        return impl.unpreserve(mv.device);
    case OpKind::Freeze:
        return impl.freeze(mv.device);
    case OpKind::Kexec:
        return impl.kexec();
    case OpKind::Finish:
        return impl.finish(mv.device);
    case OpKind::FinishAll:
        return impl.finishAll();
    case OpKind::FailNext:
        return impl.failNext(mv.device, mv.failKind);
    case OpKind::Lose:
        return impl.lose(mv.device);
    case OpKind::SetRefcount:
        return impl.setRefcount(mv.device, value);
    case OpKind::Vanish:
        return impl.vanish(mv.device);
    case OpKind::Unplug:
        return impl.unplug(mv.device);
    }
    return Result::Einval;
}

} // namespace bridgepath::exhaustive
