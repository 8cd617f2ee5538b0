#include "exhaustive/ExhaustiveSearch.h"
#include "impl/internal/SearchState.h"

#include "exhaustive/StateJudge.h"
#include "exhaustive/VisitedSet.h"
#include "model/IdealSpec.h"
#include "properties/PropertyCheck.h"

#include "topology/Contract.h"
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <thread>
#include <tuple>

namespace bridgepath {

namespace {

// The kernel event an outcome is, for those that are one.
std::optional<KernelEventKind> eventOf(Outcome o) {
    switch (o) {
    case Outcome::Leak:
    case Outcome::NrDevicesDrift:
    case Outcome::PrematureRelease:
    case Outcome::Panic: // panic-at-finish or incoming-held, by version: judged on panicked()
        return std::nullopt;
    case Outcome::TableFreedWithReferences:
        return KernelEventKind::TableFreedWithReferences;
    case Outcome::UseAfterFree:
        return KernelEventKind::UseAfterFree;
    case Outcome::BugAtRelease:
        return KernelEventKind::BugAtRelease;
    }
    return std::nullopt;
}

constexpr std::uint32_t kNoParent = UINT32_MAX;
constexpr std::uint8_t kNoDevice = 0xff;

// What a set-refcount move writes, relative to the slot's refcount when it is taken.
enum class RefcountChange : std::uint8_t { Zero, Minus, Plus };

// One letter of a tree's alphabet: an operation, optionally with a fail-next armed before it.
struct Move {
    OpKind kind = OpKind::Kexec;
    std::uint8_t device = kNoDevice; // the op's device
    std::uint8_t target = kNoDevice; // index into the targets, for API ops on a target
    std::uint8_t failAt = kNoDevice; // fail-next device (step fault), or none
    StepKind failKind = StepKind::Preserve;
    RefcountChange change = RefcountChange::Zero;
    bool fault = false; // a fault operation (spends the one fault)
};

// What correct use and the E bound depend on beyond the implementation's state (cf. UsageTracker).
struct Meta {
    std::uint8_t faultUsed = 0;
    std::uint8_t faultDevice = kNoDevice; // the one fault's device (containment)
    std::uint16_t pad = 0;
    std::uint32_t targetsUsed = 0; // bit per target
    std::uint32_t frozen = 0;      // bit per device
    std::uint32_t vanishedTops = 0;
    std::uint32_t notEnumerated = 0;
};

constexpr std::size_t kMaxDevices = 16;
using Perm = std::array<std::uint8_t, kMaxDevices>;

Perm identity() {
    Perm p{};
    for (std::size_t i = 0; i < kMaxDevices; ++i)
        p[i] = static_cast<std::uint8_t>(i);
    return p;
}

struct NodeRecord {
    std::uint32_t parent = kNoParent;
    std::uint32_t move = 0;
    std::uint16_t value = 0; // set-refcount's value
    std::uint8_t depth = 0;
    // The automorphism that took the state the move produced to the one stored (symmetry).
    Perm renamed = identity();
};

// The smallest violation of one check within one search: its operations.
struct Found {
    std::uint64_t count = 0;
    std::uint32_t maxSlots = 0;
    bool has = false;
    std::size_t depth = 0;
    std::vector<Op> ops;
};

// Everything one (tree, capacity) search reports.
struct ItemResult {
    bool done = false;
    std::uint64_t sequences = 0, generated = 0, distinct = 0;
    std::vector<Found> invariants; // per checked invariant
    std::array<Found, kOutcomeCount> outcomes;
    Found bothSides;
    std::uint64_t judgeDisagreements = 0;
    std::string firstJudgeDisagreement;
};

// One tree, prepared once for every capacity searched on it.
struct TreeContext {
    Topology topology;
    std::vector<DeviceId> targets;               // the leaves
    std::vector<int> targetIndex;                // per device, -1 if not a target
    std::vector<std::uint32_t> shapeClass;       // per device: its subtree's shape, numbered
    std::vector<std::vector<DeviceId>> children; // per device, in BDF order
    std::vector<DeviceId> roots;
    std::vector<std::vector<DeviceId>> byShape; // children ordered by shape, then BDF
    std::vector<DeviceId> rootsByShape;
    std::vector<bool> symmetricBelow;       // two siblings of one shape in the subtree
    bool symmetric = false;                 // two siblings have the same shape
    std::vector<std::uint32_t> pathMask;    // bit per device on the upstream path
    std::vector<std::uint32_t> subtreeMask; // bit per device at or below
    std::vector<std::vector<DeviceId>> path;
};

TreeContext prepare(const ForestShape &shape) {
    TreeContext c;
    c.topology = buildTopology(shape);
    const Topology &t = c.topology;
    const std::size_t n = t.size();
    c.pathMask.assign(n, 0);
    c.subtreeMask.assign(n, 0);
    c.path.resize(n);
    for (DeviceId d = 0; d < n; ++d) {
        c.path[d] = t.upstreamPath(d);
        for (DeviceId up : c.path[d]) {
            c.pathMask[d] |= 1u << up;
            c.subtreeMask[up] |= 1u << d;
        }
        c.children.push_back(t.children(d));
        c.targetIndex.push_back(-1);
        if (c.children[d].empty()) {
            c.targetIndex[d] = static_cast<int>(c.targets.size());
            c.targets.push_back(d);
        }
    }
    c.roots = t.roots();
    // Shape classes bottom up (children have larger ids than their parent in a built tree).
    std::map<std::pair<bool, std::vector<std::uint32_t>>, std::uint32_t> classes;
    c.shapeClass.assign(n, 0);
    for (DeviceId d = n; d-- > 0;) {
        std::vector<std::uint32_t> kids;
        for (DeviceId k : c.children[d])
            kids.push_back(c.shapeClass[k]);
        std::sort(kids.begin(), kids.end());
        const auto key = std::make_pair(t.isBridge(d), kids);
        const auto it = classes.emplace(key, static_cast<std::uint32_t>(classes.size())).first;
        c.shapeClass[d] = it->second;
    }
    auto orderByShape = [&](std::vector<DeviceId> v) {
        std::stable_sort(v.begin(), v.end(),
                         [&](DeviceId a, DeviceId b) { return c.shapeClass[a] < c.shapeClass[b]; });
        return v;
    };
    for (DeviceId d = 0; d < n; ++d)
        c.byShape.push_back(orderByShape(c.children[d]));
    c.rootsByShape = orderByShape(c.roots);
    auto repeats = [&](const std::vector<DeviceId> &siblings) {
        std::set<std::uint32_t> seen;
        for (DeviceId k : siblings)
            if (k != 0 && !seen.insert(c.shapeClass[k]).second)
                return true;
        return false;
    };
    c.symmetricBelow.assign(n, false);
    for (DeviceId d = n; d-- > 0;) {
        bool below = repeats(c.children[d]);
        for (DeviceId k : c.children[d])
            below = below || c.symmetricBelow[k];
        c.symmetricBelow[d] = below;
    }
    c.symmetric = repeats(c.roots);
    for (DeviceId d = 0; d < n; ++d)
        c.symmetric = c.symmetric || c.symmetricBelow[d];
    return c;
}

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

// The Harness's isMisuse, for the operations the alphabet generates (phase already right).
bool misuse(const TreeContext &c, const PciLiveUpdate &impl, const Meta &m, const Move &mv) {
    switch (mv.kind) {
    case OpKind::Preserve:
        return impl.directlyPreserved(mv.device) || c.topology.isVf(mv.device) ||
               (c.pathMask[mv.device] & m.frozen) != 0;
    case OpKind::Unpreserve:
        return !impl.directlyPreserved(mv.device) || (c.pathMask[mv.device] & m.frozen) != 0;
    case OpKind::Finish:
        return !impl.directlyIncoming(mv.device);
    case OpKind::FinishAll:
        for (DeviceId d = 0; d < c.topology.size(); ++d)
            if (impl.directlyIncoming(d) && !(m.notEnumerated >> d & 1u))
                return true;
        return false;
    case OpKind::Freeze:
    case OpKind::Kexec:
    case OpKind::FailNext:
    case OpKind::Lose:
    case OpKind::SetRefcount:
    case OpKind::Vanish:
    case OpKind::Unplug:
        return false;
    }
    return false;
}

// Whether the search generates `k` in phase `p` of kernel `generation` of a chain of
// `generations` kexecs: the outgoing operations up to the last kexec, the incoming ones while a
// Live Update is incoming, the slot faults and unplug until the last kernel ended.
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

// The operations of a move as a trace writes them.
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

class Searcher {
  public:
    Searcher(const TreeContext &c, const LiveUpdateConfig &config, const ExhaustiveOptions &o)
        : c_(c), config_(config), o_(o), moves_(alphabet(c, o.faults)), impl_(c.topology, config),
          judge_(c.topology, config.abi == Abi::V6 ? std::optional<std::size_t>(config.capacity)
                                                   : std::nullopt) {
        for (Invariant inv : o.invariants)
            checked_ |= 1u << static_cast<int>(inv);
        misuseAllowed_ = o.faults.count(FaultClass::Misuse) != 0;
        symmetry_ = o.symmetry && c.symmetric;
        perm_.resize(c.topology.size());
        bothMarks_.resize(c.topology.size());
        sig_.resize(c.topology.size());
        // With no more targets than E the bound never bites: leave it out of the key.
        boundTargets_ = c.targets.size() > o.endpoints;
    }

    ItemResult run() {
        ItemResult r;
        r.invariants.resize(o_.invariants.size());
        internal::SearchState::save(impl_, scratch_);
        addNode(Meta{}, NodeRecord{}, r);
        for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
            if (nodes_[i].depth >= o_.maxOps)
                continue;
            expand(i, r);
        }
        r.distinct = nodes_.size();
        r.sequences = countSequences();
        r.done = true;
        return r;
    }

  private:
    std::uint32_t addNode(const Meta &m, const NodeRecord &rec, ItemResult &r) {
        // scratch_ holds impl's bytes; the meta completes the key.
        const auto *mb = reinterpret_cast<const std::uint8_t *>(&m);
        scratch_.insert(scratch_.end(), mb, mb + sizeof(Meta));
        const auto [index, inserted] = visited_.insert(scratch_.data(), scratch_.size());
        if (!inserted)
            return index;
        nodes_.push_back(rec);
        judgeNew(index, m, r);
        return index;
    }

    void judgeNew(std::uint32_t index, const Meta &m, ItemResult &r) {
        const std::optional<DeviceId> fault = m.faultUsed && m.faultDevice != kNoDevice
                                                  ? std::optional<DeviceId>(m.faultDevice)
                                                  : std::nullopt;
        const Judgement j = judge_.judge(impl_, fault);
        if (o_.crossCheckJudge)
            crossCheck(j, fault, r);
        for (std::size_t i = 0; i < o_.invariants.size(); ++i)
            if (o_.invariants[i] != Invariant::AtomicPreserve && j.fails(o_.invariants[i]))
                record(r.invariants[i], index, std::nullopt, 0);
        if (impl_.generation() != 0 && bridgeOnBothSidesNow())
            record(r.bothSides, index, std::nullopt, 0);
        const std::array<bool, kOutcomeCount> shown = outcomesOf(j);
        for (std::size_t k = 0; k < kOutcomeCount; ++k)
            if (shown[k])
                record(r.outcomes[k], index, std::nullopt,
                       static_cast<Outcome>(k) == Outcome::Leak ? j.leakedSlots : 0);
    }

    // bridgeOnBothSides on impl_'s tables: a bridge named by an incoming entry and by an outgoing
    // slot, both with refcount != 0.
    bool bridgeOnBothSidesNow() {
        const Topology &t = c_.topology;
        std::fill(bothMarks_.begin(), bothMarks_.end(), 0);
        for (const SlotEntry &e : impl_.incomingSlots())
            if (e.refcount != 0)
                if (const auto d = t.find(e.address()); d && t.isBridge(*d))
                    bothMarks_[*d] = 1;
        for (const SlotEntry &e : impl_.slots())
            if (e.refcount != 0)
                if (const auto d = t.find(e.address()); d && bothMarks_[*d])
                    return true;
        return false;
    }

    // Which outcomes the current state shows, judged on the implementation's accessors (what
    // shows() judges on the State).
    std::array<bool, kOutcomeCount> outcomesOf(const Judgement &j) const {
        std::array<bool, kOutcomeCount> out{};
        for (std::size_t k = 0; k < kOutcomeCount; ++k) {
            const auto o = static_cast<Outcome>(k);
            switch (o) {
            case Outcome::Leak:
                out[k] = j.leakedSlots > 0;
                break;
            case Outcome::NrDevicesDrift:
                out[k] = j.fails(Invariant::NrDevices);
                break;
            case Outcome::PrematureRelease:
                out[k] = j.fails(Invariant::NoPrematureRelease);
                break;
            case Outcome::Panic:
                out[k] = impl_.panicked();
                break;
            case Outcome::TableFreedWithReferences:
            case Outcome::UseAfterFree:
            case Outcome::BugAtRelease:
                out[k] = impl_.happened(*eventOf(o));
                break;
            }
        }
        return out;
    }

    void crossCheck(const Judgement &j, std::optional<DeviceId> fault, ItemResult &r) {
        const State s = impl_.state();
        std::vector<Bdf> faults;
        if (fault)
            faults.push_back(c_.topology.bdf(*fault));
        const std::optional<std::size_t> capacity =
            config_.abi == Abi::V6 ? std::optional<std::size_t>(config_.capacity) : std::nullopt;
        const std::array<bool, kOutcomeCount> judged = outcomesOf(j);
        for (std::size_t k = 0; k < kOutcomeCount; ++k) {
            const bool exact = shows(static_cast<Outcome>(k), c_.topology, s);
            if (exact != judged[k] && r.judgeDisagreements++ == 0)
                r.firstJudgeDisagreement = std::string(toString(static_cast<Outcome>(k))) +
                                           ": the State says " + (exact ? "yes" : "no") +
                                           " after " +
                                           pathText(static_cast<std::uint32_t>(nodes_.size() - 1));
        }
        for (Invariant inv : allInvariants()) {
            if (inv == Invariant::AtomicPreserve)
                continue;
            InvariantInput in{c_.topology, s, capacity};
            in.faults = &faults;
            const bool exact = !check(inv, in).holds;
            if (exact == j.fails(inv))
                continue;
            if (r.judgeDisagreements++ == 0)
                r.firstJudgeDisagreement = std::string(toString(inv)) + ": model/Invariant says " +
                                           (exact ? "fails" : "holds") + " after " +
                                           pathText(static_cast<std::uint32_t>(nodes_.size() - 1));
        }
    }

    // The search's misuse rule against the Harness's isMisuse, on the State.
    void crossCheckMisuse(const Meta &m, const Move &mv, bool judged, std::uint32_t node,
                          ItemResult &r) {
        const Topology &t = c_.topology;
        std::set<Bdf> frozen, notEnumerated;
        for (DeviceId d = 0; d < t.size(); ++d) {
            if (m.frozen >> d & 1u)
                frozen.insert(t.bdf(d));
            if (m.notEnumerated >> d & 1u)
                notEnumerated.insert(t.bdf(d));
        }
        const Op op = opOf(t, mv.kind, mv.device);
        if (isMisuse(t, op, impl_.state(), frozen, notEnumerated) == judged)
            return;
        if (r.judgeDisagreements++ == 0)
            r.firstJudgeDisagreement = "misuse of '" + op.toString() + "': the Harness says " +
                                       (judged ? "no" : "yes") + " after " + pathText(node);
    }

    std::string pathText(std::uint32_t node) const {
        std::string out;
        for (const Op &op : opsTo(node, nullptr, 0))
            out += (out.empty() ? "" : "; ") + op.toString();
        return out.empty() ? "no operation" : out;
    }

    // The operations from the root to `node`, then `last` (a transition not stored as a node).
    std::vector<Op> opsTo(std::uint32_t node, const Move *last, std::uint16_t lastValue) const {
        std::vector<std::uint32_t> chain;
        for (std::uint32_t i = node; nodes_[i].parent != kNoParent; i = nodes_[i].parent)
            chain.push_back(i);
        // A stored state is the real one renamed; `real[x]` is the real device the stored state
        // calls x.
        Perm real = identity();
        auto realMove = [&](Move mv) {
            if (mv.device != kNoDevice)
                mv.device = real[mv.device];
            if (mv.failAt != kNoDevice)
                mv.failAt = real[mv.failAt];
            return mv;
        };
        std::vector<Op> ops;
        for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
            const NodeRecord &rec = nodes_[*it];
            appendOps(c_.topology, realMove(moves_[rec.move]), rec.value, ops);
            Perm next = real;
            for (std::size_t x = 0; x < c_.topology.size(); ++x)
                next[rec.renamed[x]] = real[x];
            real = next;
        }
        if (last)
            appendOps(c_.topology, realMove(*last), lastValue, ops);
        return ops;
    }

    // Records a violation at `node` (or on the transition `last` out of it).
    void record(Found &f, std::uint32_t node, std::optional<std::pair<Move, std::uint16_t>> last,
                std::uint32_t slots) {
        ++f.count;
        f.maxSlots = std::max(f.maxSlots, slots);
        if (f.has)
            return; // breadth first: the first one is the shortest
        f.has = true;
        f.depth = nodes_[node].depth + (last ? 1u : 0u);
        f.ops = last ? opsTo(node, &last->first, last->second) : opsTo(node, nullptr, 0);
    }

    void expand(std::uint32_t from, ItemResult &r) {
        visited_.copyRecord(from, base_);
        const std::vector<std::uint8_t> &base = base_;
        Meta m;
        std::memcpy(&m, base.data() + base.size() - sizeof(Meta), sizeof(Meta));
        const std::size_t implBytes = base.size() - sizeof(Meta);
        internal::SearchState::restore(impl_, base.data(), implBytes);
        if (impl_.crashed())
            return; // v6's BUG_ON: like after finish-all, nothing can change any more
        bool dirty = false;
        const std::uint8_t depth = static_cast<std::uint8_t>(nodes_[from].depth + 1);
        for (std::uint32_t mi = 0; mi < moves_.size(); ++mi) {
            const Move &mv = moves_[mi];
            if (dirty) {
                internal::SearchState::restore(impl_, base.data(), implBytes);
                dirty = false;
            }
            if (!phaseAllows(mv.kind, impl_.phase(), impl_.generation(), o_.generations))
                continue;
            if (mv.fault && m.faultUsed)
                continue;
            Meta next = m;
            bool spends = mv.fault;
            if (mv.target != kNoDevice && boundTargets_ && !(m.targetsUsed >> mv.target & 1u)) {
                if (static_cast<std::size_t>(__builtin_popcount(m.targetsUsed)) >= o_.endpoints)
                    continue; // a new target beyond E
                next.targetsUsed |= 1u << mv.target;
            }
            const bool isMisuse = misuse(c_, impl_, m, mv);
            if (o_.crossCheckJudge)
                crossCheckMisuse(m, mv, isMisuse, from, r);
            if (isMisuse && (mv.failAt != kNoDevice || !misuseAllowed_ || m.faultUsed))
                continue; // a fail-next on top of misuse would be a second fault
            spends = spends || isMisuse;
            std::uint16_t value = 0;
            if (mv.kind == OpKind::SetRefcount) {
                const auto held = impl_.heldRefcount(mv.device);
                if (!held)
                    continue;
                switch (mv.change) {
                case RefcountChange::Zero:
                    value = 0;
                    break;
                case RefcountChange::Minus:
                    if (*held <= 1)
                        continue; // 0 is the Zero move
                    value = static_cast<std::uint16_t>(*held - 1);
                    break;
                case RefcountChange::Plus:
                    value = static_cast<std::uint16_t>(*held + 1);
                    break;
                }
            }
            // Keep what atomic-preserve compares.
            const bool judgeAtomic =
                mv.kind == OpKind::Preserve && (checked_ >> int(Invariant::AtomicPreserve) & 1u);
            if (judgeAtomic) {
                beforeSlots_ = impl_.slots();
                beforeNr_ = impl_.nrDevices();
            }
            dirty = true;
            if (mv.failAt != kNoDevice)
                (void)impl_.failNext(mv.failAt, mv.failKind);
            const Result result = applyMove(mv, value);
            if (mv.failAt != kNoDevice && impl_.failNextPending(mv.failAt, mv.failKind))
                continue; // that step is not on this walk: not a placement
            if (mv.fault && mv.failAt == kNoDevice &&
                (result == Result::Enoent || result == Result::Enodev))
                continue; // the fault did nothing
            ++r.generated;
            if (spends) {
                next.faultUsed = 1;
                next.faultDevice = mv.failAt != kNoDevice ? mv.failAt : mv.device;
            }
            update(next, mv, result);
            if (judgeAtomic && result != Result::Ok && atomicBroken(base, implBytes)) {
                const std::size_t i =
                    static_cast<std::size_t>(std::find(o_.invariants.begin(), o_.invariants.end(),
                                                       Invariant::AtomicPreserve) -
                                             o_.invariants.begin());
                record(r.invariants[i], from, std::make_pair(mv, value), 0);
            }
            // Renamed only after atomic-preserve compared the state with the one before.
            Perm renamed = identity();
            if (symmetry_)
                renamed = canonicalize(next);
            scratch_.clear();
            internal::SearchState::save(impl_, scratch_);
            const std::uint32_t to = addNode(next, NodeRecord{from, mi, value, depth, renamed}, r);
            edges_.push_back({from, to});
        }
    }

    // Symmetry reduction: renames the devices of impl_'s state and `m` by the automorphism that
    // orders interchangeable siblings (same subtree shape) by their subtree's state, so that
    // states equal up to such a renaming are stored once. Device 0 (0000:00:00.0, the address a
    // zeroed slot names) stays where it is. Returns the renaming.
    Perm canonicalize(Meta &m) {
        const Topology &t = c_.topology;
        const std::size_t n = t.size();
        // Each subtree's state in one hash, bottom up (children have larger ids).
        internal::SearchState::deviceWords(impl_, words_);
        for (DeviceId d = n; d-- > 0;) {
            std::uint64_t h =
                (words_[d] ^ words_[n + d] * 0xc2b2ae3d27d4eb4full) * 0x9e3779b97f4a7c15ull;
            h ^= (std::uint64_t{m.frozen >> d & 1u} | std::uint64_t{m.vanishedTops >> d & 1u} << 1 |
                  std::uint64_t{m.notEnumerated >> d & 1u} << 2 |
                  std::uint64_t{m.faultUsed && m.faultDevice == d} << 3 |
                  std::uint64_t{c_.targetIndex[d] >= 0 && (m.targetsUsed >> c_.targetIndex[d] & 1u)}
                      << 4) *
                 0xbf58476d1ce4e5b9ull;
            // Order-free over the children: a sum of mixed hashes.
            std::uint64_t kids = 0;
            for (DeviceId k : c_.children[d])
                kids += (sig_[k] ^ (sig_[k] >> 31)) * 0x94d049bb133111ebull;
            h = (h ^ kids) * 0xd6e8feb86659fd93ull;
            sig_[d] = h ^ (h >> 29);
        }
        for (DeviceId d = 0; d < n; ++d)
            perm_[d] = d;
        assign(c_.rootsByShape, c_.rootsByShape, true);
        bool moved = false;
        for (DeviceId d = 0; d < n; ++d)
            moved = moved || perm_[d] != d;
        Perm out = identity();
        if (!moved)
            return out;
        internal::SearchState::relabel(impl_, perm_);
        Meta renamed = m;
        renamed.frozen = renamed.vanishedTops = renamed.notEnumerated = 0;
        renamed.targetsUsed = 0;
        for (DeviceId d = 0; d < n; ++d) {
            const DeviceId to = perm_[d];
            out[d] = static_cast<std::uint8_t>(to);
            renamed.frozen |= (m.frozen >> d & 1u) << to;
            renamed.vanishedTops |= (m.vanishedTops >> d & 1u) << to;
            renamed.notEnumerated |= (m.notEnumerated >> d & 1u) << to;
            if (c_.targetIndex[d] >= 0)
                renamed.targetsUsed |= (m.targetsUsed >> c_.targetIndex[d] & 1u)
                                       << c_.targetIndex[to];
        }
        if (m.faultDevice != kNoDevice)
            renamed.faultDevice = static_cast<std::uint8_t>(perm_[m.faultDevice]);
        m = renamed;
        return out;
    }

    // Maps the devices `from` onto the positions `to` (siblings of the same shapes, both lists
    // ordered by shape, `to` in BDF order within a shape): within a shape `from` is ordered by
    // subtree state; then their children alike.
    void assign(const std::vector<DeviceId> &from, const std::vector<DeviceId> &to, bool top) {
        std::array<DeviceId, kMaxDevices> f{};
        std::size_t count = 0;
        for (DeviceId d : from) {
            if (top && d == 0) {
                // Device 0 keeps its place; its subtree may still be reordered inside.
                if (c_.symmetricBelow[0])
                    assign(c_.byShape[0], c_.byShape[0], false);
                continue;
            }
            // Insertion sort by (shape, state): stable, no allocation, lists are short.
            std::size_t i = count++;
            for (; i > 0; --i) {
                const DeviceId prev = f[i - 1];
                if (c_.shapeClass[prev] < c_.shapeClass[d] ||
                    (c_.shapeClass[prev] == c_.shapeClass[d] && sig_[prev] <= sig_[d]))
                    break;
                f[i] = prev;
            }
            f[i] = d;
        }
        std::size_t j = 0;
        for (std::size_t i = 0; i < count; ++i, ++j) {
            if (top && to[j] == 0)
                ++j;
            perm_[f[i]] = to[j];
            // A subtree kept in place with no two siblings alike inside stays as it is.
            if (f[i] != to[j] || c_.symmetricBelow[f[i]])
                assign(c_.byShape[f[i]], c_.byShape[to[j]], false);
        }
    }

    Result applyMove(const Move &mv, std::uint16_t value) {
        switch (mv.kind) {
        case OpKind::Preserve:
            return impl_.preserve(mv.device);
        case OpKind::Unpreserve:
            return impl_.unpreserve(mv.device);
        case OpKind::Freeze:
            return impl_.freeze(mv.device);
        case OpKind::Kexec:
            return impl_.kexec();
        case OpKind::Finish:
            return impl_.finish(mv.device);
        case OpKind::FinishAll:
            return impl_.finishAll();
        case OpKind::FailNext:
            return impl_.failNext(mv.device, mv.failKind);
        case OpKind::Lose:
            return impl_.lose(mv.device);
        case OpKind::SetRefcount:
            return impl_.setRefcount(mv.device, value);
        case OpKind::Vanish:
            return impl_.vanish(mv.device);
        case OpKind::Unplug:
            return impl_.unplug(mv.device);
        }
        return Result::Einval;
    }

    // UsageTracker::update on the masks.
    void update(Meta &m, const Move &mv, Result result) const {
        switch (mv.kind) {
        case OpKind::Freeze:
            m.frozen |= 1u << mv.device;
            break;
        case OpKind::Vanish:
            if (result == Result::Ok)
                m.vanishedTops |= 1u << mv.device;
            break;
        case OpKind::Unplug:
            if (result != Result::Enodev && result != Result::Enoent)
                m.notEnumerated |= c_.subtreeMask[mv.device];
            break;
        case OpKind::Kexec:
            if (result != Result::Enoent) {
                for (DeviceId d = 0; d < c_.topology.size(); ++d)
                    if (m.vanishedTops >> d & 1u)
                        m.notEnumerated |= c_.subtreeMask[d];
                // Frozen devices belong to the outgoing session. Only outgoing operations read
                // them: in the last kernel, where none is generated, the mask is kept as it was
                // (so a single Live Update keeps the state counts of the search before chains).
                if (impl_.generation() < o_.generations)
                    m.frozen = 0;
            }
            break;
        case OpKind::Preserve:
        case OpKind::Unpreserve:
        case OpKind::Finish:
        case OpKind::FinishAll:
        case OpKind::FailNext:
        case OpKind::Lose:
        case OpKind::SetRefcount:
            break;
        }
    }

    // A failed preserve changed the slots, nr_devices or the directly preserved set.
    bool atomicBroken(const std::vector<std::uint8_t> &base, std::size_t implBytes) {
        if (impl_.slots() != beforeSlots_ || impl_.nrDevices() != beforeNr_)
            return true;
        // The directly preserved set: compare against the saved state's flags.
        PciLiveUpdate &probe =
            probe_ ? *probe_ : *(probe_ = std::make_unique<PciLiveUpdate>(c_.topology, config_));
        internal::SearchState::restore(probe, base.data(), implBytes);
        for (DeviceId d = 0; d < c_.topology.size(); ++d)
            if (probe.directlyPreserved(d) != impl_.directlyPreserved(d))
                return true;
        return false;
    }

    std::uint64_t countSequences() const {
        // Sequences of length 1..K: paths of the transition graph from the initial state. Every
        // sequence is covered: a state reached again later behaves as where it was first found.
        std::vector<std::uint64_t> ways(nodes_.size(), 0), next(nodes_.size(), 0);
        ways[0] = 1;
        std::uint64_t total = 0;
        for (std::size_t d = 0; d < o_.maxOps; ++d) {
            std::fill(next.begin(), next.end(), 0);
            for (const auto &[from, to] : edges_)
                next[to] += ways[from];
            for (std::uint64_t w : next)
                total += w;
            ways.swap(next);
        }
        return total;
    }

    const TreeContext &c_;
    LiveUpdateConfig config_;
    const ExhaustiveOptions &o_;
    std::vector<Move> moves_;
    PciLiveUpdate impl_;
    std::unique_ptr<PciLiveUpdate> probe_;
    StateJudge judge_;
    std::uint32_t checked_ = 0;
    bool misuseAllowed_ = false;
    bool boundTargets_ = true;
    bool symmetry_ = false;
    std::vector<DeviceId> perm_;
    std::vector<std::uint8_t> bothMarks_;
    std::vector<std::uint64_t> sig_, words_;
    VisitedSet visited_;
    std::vector<NodeRecord> nodes_;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> edges_;
    std::vector<std::uint8_t> scratch_, base_;
    std::vector<SlotEntry> beforeSlots_;
    std::uint32_t beforeNr_ = 0;
};

struct Item {
    std::size_t devices = 0;
    std::size_t tree = 0;   // index among the forests of that size
    std::size_t treeId = 0; // global tree number
    std::size_t capacity = 0;
};

// Replays a found sequence through the Harness (impl and model side by side, exact invariants,
// `checked` judged); the run must end showing what the search found (`shows`, given the last
// step and the final state), or in an impl/model mismatch.
template <class Shows>
std::optional<Counterexample>
confirm(const Topology &t, const LiveUpdateConfig &config, const std::vector<Op> &ops,
        const std::set<FaultClass> &faults, std::vector<Invariant> checked, Shows shows) {
    auto setup = std::make_shared<CaseSetup>();
    setup->topology = t;
    setup->config = config;
    setup->faults = faults;
    setup->checked = checked;
    Harness h(setup->topology, config, std::move(checked));
    StepOutcome last;
    for (const Op &op : ops)
        if ((last = h.step(op)).mismatch)
            break;
    if (!last.mismatch && !shows(last, h.states().back()))
        return std::nullopt;
    Counterexample c = failureOf(setup, h, last);
    c.faultsUsed = faultClassesUsed(setup->topology, c.ops, c.results, c.states);
    return c;
}

// The last step fails `inv`.
std::optional<Counterexample> confirm(const Topology &t, const LiveUpdateConfig &config,
                                      const std::vector<Op> &ops, Invariant inv,
                                      const std::set<FaultClass> &faults) {
    return confirm(t, config, ops, faults, {inv}, [](const StepOutcome &last, const State &) {
        return last.violated.has_value();
    });
}

// The final state shows `o`.
std::optional<Counterexample> confirm(const Topology &t, const LiveUpdateConfig &config,
                                      const std::vector<Op> &ops, Outcome o,
                                      const std::set<FaultClass> &faults) {
    return confirm(t, config, ops, faults, allInvariants(),
                   [&](const StepOutcome &, const State &s) { return shows(o, t, s); });
}

} // namespace

const char *toString(Outcome o) {
    switch (o) {
    case Outcome::Leak:
        return "leak";
    case Outcome::NrDevicesDrift:
        return "nr-devices-drift";
    case Outcome::PrematureRelease:
        return "premature-release";
    case Outcome::Panic:
        return "panic";
    case Outcome::TableFreedWithReferences:
        return "table-freed-with-references";
    case Outcome::UseAfterFree:
        return "use-after-free";
    case Outcome::BugAtRelease:
        return "bug-at-release";
    }
    return "?";
}

bool shows(Outcome o, const Topology &t, const State &s) {
    switch (o) {
    case Outcome::Leak: {
        if (s.directlyPreserved.empty() && (!s.slots().empty() || !s.dangling.empty()))
            return true;
        if (s.generation == 0 || !s.incoming.directlyPreserved.empty())
            return false;
        for (const SlotEntry &e : s.incoming.table)
            if (e.refcount != 0)
                return true;
        return false;
    }
    case Outcome::NrDevicesDrift: {
        auto drifts = [](const std::vector<SlotEntry> &table, std::uint32_t nr) {
            std::uint32_t inUse = 0;
            for (const SlotEntry &e : table)
                inUse += e.refcount != 0 ? 1 : 0;
            return nr != inUse;
        };
        return drifts(s.table, s.nrDevices) ||
               (s.generation != 0 && drifts(s.incoming.table, s.incoming.nrDevices));
    }
    case Outcome::PrematureRelease:
        return !releasedEarlyDevices(t, s.outgoingSide()).empty() ||
               (s.generation != 0 && !releasedEarlyDevices(t, s.incomingSide()).empty());
    case Outcome::Panic:
        return s.panicked;
    case Outcome::TableFreedWithReferences:
    case Outcome::UseAfterFree:
    case Outcome::BugAtRelease:
        for (const KernelEvent &e : s.events)
            if (e.kind == *eventOf(o))
                return true;
        return false;
    }
    return false;
}

ExhaustiveResult runExhaustive(const ExhaustiveOptions &o, const ExhaustiveProgress &progress) {
    BP_REQUIRE(o.minDevices >= 1 && o.minDevices <= o.maxDevices && o.maxDevices <= 16 &&
                   o.generations >= 1,
               "1 <= minDevices <= maxDevices <= 16 and at least one generation");
    const auto start = std::chrono::steady_clock::now();
    const TreeEnumerator trees(TreeFamily::Pci, o.maxDevices);
    std::vector<std::vector<ForestShape>> forests(o.maxDevices + 1);
    std::vector<Item> items;
    ExhaustiveResult result;
    std::size_t treeId = 0;
    for (std::size_t n = o.minDevices; n <= o.maxDevices; ++n) {
        forests[n] = trees.forests(n);
        if (!o.forests.empty()) { // the given ones of this size only
            forests[n].clear();
            for (const ForestShape &f : o.forests)
                if (deviceCount(f) == n)
                    forests[n].push_back(f);
        }
        result.trees += forests[n].size();
        for (std::size_t i = 0; i < forests[n].size(); ++i, ++treeId) {
            if (o.abi == Abi::V6 && o.faults.count(FaultClass::Alloc))
                for (std::size_t cap = 1; cap <= n; ++cap)
                    items.push_back(Item{n, i, treeId, cap});
            else
                items.push_back(Item{n, i, treeId, o.abi == Abi::V6 ? n : 0});
        }
    }

    std::vector<ItemResult> results(items.size());
    std::atomic<std::size_t> nextItem{0}, doneItems{0};
    std::atomic<std::uint64_t> generated{0};
    std::atomic<std::size_t> firstViolating{SIZE_MAX};
    auto worker = [&] {
        for (;;) {
            const std::size_t i = nextItem.fetch_add(1);
            if (i >= items.size() || (o.stopAtFirst && i > firstViolating.load()))
                return;
            const Item &it = items[i];
            const TreeContext c = prepare(forests[it.devices][it.tree]);
            const LiveUpdateConfig config{o.policy, o.abi, it.capacity};
            results[i] = Searcher(c, config, o).run();
            generated += results[i].generated;
            ++doneItems;
            bool violated = false;
            for (const Found &f : results[i].invariants)
                violated = violated || f.has;
            if (violated) {
                std::size_t seen = firstViolating.load();
                while (i < seen && !firstViolating.compare_exchange_weak(seen, i)) {
                }
            }
        }
    };
    const unsigned threads = std::max(1u, o.threads);
    std::atomic<unsigned> finished{0};
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
        pool.emplace_back([&] {
            worker();
            ++finished;
        });
    while (progress && finished.load() < threads) {
        progress(doneItems.load(), items.size(), generated.load());
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    for (std::thread &t : pool)
        t.join();
    if (progress)
        progress(doneItems.load(), items.size(), generated.load());

    // Merge in item order (up to the first violating item when stopping early), so the thread
    // count never changes what is reported.
    const std::size_t end = o.stopAtFirst && firstViolating.load() != SIZE_MAX
                                ? firstViolating.load() + 1
                                : items.size();
    result.stoppedEarly = end < items.size();
    result.threads = threads;
    result.tallies.resize(o.invariants.size());
    for (std::size_t k = 0; k < o.invariants.size(); ++k)
        result.tallies[k].invariant = o.invariants[k];
    for (std::size_t k = 0; k < kOutcomeCount; ++k)
        result.outcomes[k].outcome = static_cast<Outcome>(k);
    // The smallest example of each check: fewest devices, then fewest operations, then item order.
    std::vector<std::pair<std::size_t, const Found *>> bestInv(o.invariants.size(), {0, nullptr});
    std::array<std::pair<std::size_t, const Found *>, kOutcomeCount> bestOut{};
    std::pair<std::size_t, const Found *> bestBoth{0, nullptr};
    auto better = [&](std::size_t i, const Found &f,
                      const std::pair<std::size_t, const Found *> &b) {
        if (!f.has)
            return false;
        if (!b.second)
            return true;
        const auto key = [&](std::size_t item, const Found &x) {
            return std::make_tuple(items[item].devices, x.depth, item);
        };
        return key(i, f) < key(b.first, *b.second);
    };
    std::set<std::size_t> searchedTrees;
    for (std::size_t i = 0; i < end; ++i) {
        const ItemResult &r = results[i];
        BP_REQUIRE(r.done, "every search ran to its end");
        ++result.searches;
        searchedTrees.insert(items[i].treeId);
        result.sequences += r.sequences;
        result.statesGenerated += r.generated;
        result.distinctStates += r.distinct;
        result.judgeDisagreements += r.judgeDisagreements;
        if (result.firstJudgeDisagreement.empty())
            result.firstJudgeDisagreement = r.firstJudgeDisagreement;
        for (std::size_t k = 0; k < o.invariants.size(); ++k) {
            result.tallies[k].violations += r.invariants[k].count;
            if (better(i, r.invariants[k], bestInv[k]))
                bestInv[k] = {i, &r.invariants[k]};
        }
        result.bothSidesStates += r.bothSides.count;
        if (better(i, r.bothSides, bestBoth))
            bestBoth = {i, &r.bothSides};
        for (std::size_t k = 0; k < kOutcomeCount; ++k) {
            result.outcomes[k].states += r.outcomes[k].count;
            result.outcomes[k].maxSlots =
                std::max(result.outcomes[k].maxSlots, r.outcomes[k].maxSlots);
            if (better(i, r.outcomes[k], bestOut[k]))
                bestOut[k] = {i, &r.outcomes[k]};
        }
    }
    if (result.stoppedEarly)
        result.trees = searchedTrees.size();

    auto example = [&](const std::pair<std::size_t, const Found *> &best, auto what,
                       bool &disagrees) -> std::optional<Counterexample> {
        if (!best.second)
            return std::nullopt;
        const Item &it = items[best.first];
        const Topology t = buildTopology(forests[it.devices][it.tree]);
        const LiveUpdateConfig config{o.policy, o.abi, it.capacity};
        auto c = confirm(t, config, best.second->ops, what, o.faults);
        disagrees = !c;
        return c;
    };
    for (std::size_t k = 0; k < o.invariants.size(); ++k)
        result.tallies[k].smallest =
            example(bestInv[k], o.invariants[k], result.tallies[k].harnessDisagrees);
    for (std::size_t k = 0; k < kOutcomeCount; ++k)
        result.outcomes[k].smallest =
            example(bestOut[k], static_cast<Outcome>(k), result.outcomes[k].harnessDisagrees);
    if (bestBoth.second) {
        const Item &it = items[bestBoth.first];
        const Topology t = buildTopology(forests[it.devices][it.tree]);
        const LiveUpdateConfig config{o.policy, o.abi, it.capacity};
        result.bothSidesSmallest =
            confirm(t, config, bestBoth.second->ops, o.faults, {},
                    [&](const StepOutcome &, const State &s) { return bridgeOnBothSides(t, s); });
    }
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

} // namespace bridgepath
