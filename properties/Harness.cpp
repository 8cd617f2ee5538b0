#include "properties/Harness.h"

#include "impl/internal/SearchState.h"
#include "properties/BridgeOnBothSides.h"
#include "properties/Misuse.h"
#include "properties/UsageUpdate.h"

namespace bridgepath {

namespace {

bool pathMeets(const Topology &t, const Bdf &dev, const std::set<Bdf> &devices) {
    const auto id = t.find(dev);
    if (!id || devices.empty())
        return false;
    for (DeviceId up : t.upstreamPath(*id))
        if (devices.count(t.bdf(up)))
            return true;
    return false;
}

// misuseOf's view of a State, the usage sets and the operation's device.
struct StateUsageView {
    const Topology &t;
    const Op &op;
    const State &before;
    const std::set<Bdf> &frozen;
    const std::set<Bdf> &notEnumerated;

    bool crashed() const { return before.crashed(); }
    Phase phase() const { return before.phase; }
    bool directlyPreserved() const {
        return op.hasDevice() && before.directlyPreserved.count(op.bdf) != 0;
    }
    bool isVf() const {
        const auto id = t.find(op.bdf);
        return id && t.isVf(*id);
    }
    bool frozenOnPath() const { return pathMeets(t, op.bdf, frozen); }
    bool directlyIncoming() const { return before.incoming.directlyPreserved.count(op.bdf) != 0; }
    bool enumeratedIncomingUnfinished() const {
        for (const Bdf &b : before.incoming.directlyPreserved)
            if (!notEnumerated.count(b))
                return true;
        return false;
    }
};

// usageUpdate's view of the tracker's sets and the operation's device.
struct TrackerUsageView {
    const Topology &t;
    const Bdf &dev;
    UsageTracker &u;

    void freeze() { u.frozen.insert(dev); }
    void vanishTop() { u.vanishedTops.insert(dev); }
    void stopEnumerating() { stopEnumeratingBelow(dev); }
    void endFrozen() { u.frozen.clear(); }
    void stopEnumeratingVanished() {
        for (const Bdf &top : u.vanishedTops)
            stopEnumeratingBelow(top);
    }
    // Every device at or below `top` stops being enumerated.
    void stopEnumeratingBelow(const Bdf &top) {
        const auto id = t.find(top);
        if (!id)
            return;
        std::vector<DeviceId> todo{*id};
        while (!todo.empty()) {
            const DeviceId d = todo.back();
            todo.pop_back();
            u.notEnumerated.insert(t.bdf(d));
            for (DeviceId c : t.children(d))
                todo.push_back(c);
        }
    }
};

// bridgeOnBothSidesOf's view of a State: the BDFs its incoming entries and outgoing slots in
// use name.
class StateSidesView {
  public:
    StateSidesView(const Topology &t, const State &s) : t_(t), s_(s) {
        if (s.generation == 0)
            return; // the rule reads nothing else
        out_ = s.slots();
        // Numbered: the devices the incoming entries in use name (the rule reads no other).
        for (const SlotEntry &e : s.incoming.table)
            if (e.refcount != 0)
                if (const auto id = t.find(e.address()))
                    in_.push_back(*id);
    }

    unsigned generation() const { return s_.generation; }
    std::uint32_t devices() const { return static_cast<std::uint32_t>(in_.size()); }
    bool heldIncoming(std::uint32_t) const { return true; }
    bool heldOutgoing(std::uint32_t i) const { return out_.count(t_.bdf(in_[i])) != 0; }
    bool isBridge(std::uint32_t i) const { return t_.isBridge(in_[i]); }

  private:
    const Topology &t_;
    const State &s_;
    std::vector<DeviceId> in_;
    std::map<Bdf, unsigned> out_;
};

} // namespace

bool isMisuse(const Topology &t, const Op &op, const State &before, const std::set<Bdf> &frozen,
              const std::set<Bdf> &notEnumerated) {
    return misuseOf(op.kind, StateUsageView{t, op, before, frozen, notEnumerated});
}

void UsageTracker::update(const Topology &t, const Op &op, Result result) {
    TrackerUsageView v{t, op.bdf, *this};
    usageUpdate(op.kind, result, v);
}

bool bridgeOnBothSides(const Topology &t, const State &s) {
    return bridgeOnBothSidesOf(StateSidesView(t, s));
}

Harness::Harness(const Topology &t, const LiveUpdateConfig &config, std::vector<Invariant> checked,
                 History history)
    : topology_(&t), config_(config), checked_(std::move(checked)), history_(history),
      impl_(t, config), model_(t, config) {
    states_.push_back(impl_.state());
}

void Harness::saveImpl(std::vector<std::uint8_t> &out) const {
    internal::SearchState::saveBehaviour(impl_, out);
}

bool Harness::sameMachine(const Harness &o, const std::vector<std::uint8_t> &implBytes,
                          const std::vector<std::uint8_t> &otherImplBytes) const {
    return implBytes == otherImplBytes && topology_ == o.topology_ && checked_ == o.checked_ &&
           usage_.frozen == o.usage_.frozen && usage_.vanishedTops == o.usage_.vanishedTops &&
           usage_.notEnumerated == o.usage_.notEnumerated && model_.sameFuture(o.model_);
}

StepOutcome Harness::step(const Op &op) {
    const Topology &t = *topology_;
    const State &before = states_.back();
    const bool misuse = usage_.misuse(t, op, before);
    if ((misuse || faultClassOf(op.kind)) && (history_ == History::Whole || faults_.size() < 2))
        faults_.push_back(op.hasDevice() ? op.bdf : Bdf{});
    coverage_.misuse = coverage_.misuse || misuse;
    if (op.kind == OpKind::Unpreserve || op.kind == OpKind::Finish) {
        const auto id = t.find(op.bdf);
        for (DeviceId up : t.upstreamPath(*id))
            if (t.isBridge(up) && before.refcount(t.bdf(up)) >= 2)
                coverage_.unpreserveUnderSharedBridge = true;
    }

    StepOutcome out;
    out.result = impl_.apply(op);
    const Result expected = model_.apply(op);
    out.modelResult = expected;
    State after = impl_.state();
    const State modelState = model_.state();
    if (out.result != expected)
        out.mismatch = std::string("result ") + toString(expected) + " (model) vs " +
                       toString(out.result) + " (impl)";
    else if (modelState != after)
        out.mismatch = describeDifference(modelState, after) + " (model vs impl)";

    for (const StepEvent &e : model_.lastSteps()) {
        coverage_.faultHit = coverage_.faultHit || e.result == Result::Eio;
        coverage_.enospc = coverage_.enospc || e.result == Result::Enospc;
        coverage_.rollback =
            coverage_.rollback || (op.kind == OpKind::Preserve && e.kind == StepKind::Unpreserve);
    }
    coverage_.lostSlotHit = coverage_.lostSlotHit || (out.result == Result::Einval && !misuse &&
                                                      op.kind != OpKind::Preserve);
    coverage_.kexec = coverage_.kexec || op.kind == OpKind::Kexec;
    if (op.kind == OpKind::Kexec && after.generation > before.generation) {
        ++coverage_.kexecs;
        coverage_.droppedUnfinishedIncoming =
            coverage_.droppedUnfinishedIncoming || before.incoming.nrDevices != 0;
    }
    coverage_.bridgeBothSides = coverage_.bridgeBothSides || bridgeOnBothSides(t, after);
    coverage_.panic = coverage_.panic || out.result == Result::Panic;
    for (std::size_t i = before.events.size(); i < after.events.size(); ++i) {
        switch (after.events[i].kind) {
        case KernelEventKind::BugAtRelease:
        case KernelEventKind::TableFreedWithReferences:
            coverage_.releaseWithReferences = true;
            break;
        case KernelEventKind::UseAfterFree:
            coverage_.useAfterFree = true;
            break;
        case KernelEventKind::PanicAtFinish:
        case KernelEventKind::IncomingHeld:
        case KernelEventKind::RetrieveFailed:
        case KernelEventKind::NullDereference:
        case KernelEventKind::ReleaseCleared:
        case KernelEventKind::CountDropped:
        case KernelEventKind::LeakDropped:
            break;
        }
    }
    usage_.update(t, op, out.result);

    ops_.push_back(op);
    results_.push_back(out.result);
    states_.push_back(std::move(after));
    if (history_ == History::Latest && ops_.size() > 1) {
        ops_.erase(ops_.begin());
        results_.erase(results_.begin());
        states_.erase(states_.begin());
    }
    if (out.mismatch)
        return out;
    const std::optional<std::size_t> capacity =
        config_.abi == Abi::V6 ? std::optional<std::size_t>(config_.capacity) : std::nullopt;
    for (Invariant inv : checked_) {
        InvariantInput in{t, states_.back(), capacity};
        in.before = &states_[states_.size() - 2];
        in.op = &ops_.back();
        in.result = out.result;
        in.faults = &faults_;
        const Verdict v = check(inv, in);
        if (!v.holds) {
            if (!out.violated) {
                out.violated = inv;
                out.why = v.why;
            }
            out.violations.push_back(inv);
        }
    }
    return out;
}

} // namespace bridgepath
