#include "impl/PciLiveUpdate.h"

#include "impl/IncomingIndex.h"
#include "impl/KhoImage.h"

#include "topology/Contract.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

namespace bridgepath {

const std::vector<SlotEntry> PciLiveUpdate::kNoSlots;

PciLiveUpdate::Layout PciLiveUpdate::layoutOf(const Topology &topology) {
    const std::size_t n = topology.size();
    Layout l;
    l.link.assign(n, Link{});
    l.key.reserve(n);
    for (DeviceId d = 0; d < n; ++d) {
        if (auto p = topology.parent(d))
            l.link[d].parent = static_cast<std::uint32_t>(*p);
        l.key.push_back(topology.bdf(d).key());
        l.link[d].domain = topology.bdf(d).domain;
        l.link[d].bdf = topology.bdf(d).abiBdf();
        l.link[d].gate = static_cast<std::uint8_t>((topology.isBridge(d) ? kGateBridge : 0) |
                                                   (topology.isVf(d) ? kGateVf : 0));
    }
    BP_REQUIRE(std::is_sorted(l.key.begin(), l.key.end()), "device ids are in BDF order");
    return l;
}

PciLiveUpdate::PciLiveUpdate(const Topology &topology, const LiveUpdateConfig &config)
    : topology_(topology), config_(config),
      table_(config.abi, config.tableSizedToPresent ? topology.size() : config.capacity),
      layout_(topology.derived<Layout>([&topology] { return layoutOf(topology); })),
      link_(layout_->link), key_(layout_->key) {
    // The early recursive file's walks are the reference model's alone (kernel-check compares
    // that file with the model); this implementation is the v6-and-later one.
    BP_REQUIRE(config.walkOrder == WalkOrder::LeafFirst && config.stepChecks == StepChecks::Full,
               "PciLiveUpdate implements leaf-first walks with full step checks");
    const std::size_t n = topology.size();
    inSlot_.assign(n, kNone);
    inDirect_.assign(n, 0);
    frozen_.assign(n, 0);
    failNext_.assign(n, 0);
    vanished_.assign(n, 0);
    removed_.assign(n, 0);
    ghost_.assign(n, 0);
    alias_.assign(n, 0);
    isNoted_.assign(n, 0);
    vfEveryDevice_ = vfCheckOf(config) == VfCheck::EveryDevice;
    incomingPut_ = incomingPutOf(config);
    ebusyFirst_ = checkOrderOf(config) == CheckOrder::EbusyFirst;
    if (vfEveryDevice_) // the layout's gates are for nothing pending and the named-device check
        for (DeviceId d = 0; d < n; ++d)
            refreshGate(d);
    tableLive_ = !config.sessionTable; // without sessions: one table, there from the start
}

std::size_t PciLiveUpdate::presentDevices() const {
    return removed_.size() -
           static_cast<std::size_t>(std::count(removed_.begin(), removed_.end(), 1));
}

void PciLiveUpdate::allocateTable() {
    if (config_.tableSizedToPresent && config_.abi == Abi::V6)
        table_.reset(presentDevices());
    tableLive_ = true;
}

void PciLiveUpdate::emitIncoming(KernelEventKind k) {
    KernelEvent e;
    e.kind = k;
    e.nrDevices = inNr_;
    events_.push_back(e);
    seen_ = static_cast<std::uint16_t>(seen_ | 1u << static_cast<int>(k));
}

void PciLiveUpdate::emit(KernelEventKind k, std::optional<DeviceId> dev) {
    KernelEvent e;
    e.kind = k;
    if (dev)
        e.device = topology_.bdf(*dev);
    e.nrDevices = nrDevices_;
    events_.push_back(e);
    seen_ = static_cast<std::uint16_t>(seen_ | 1u << static_cast<int>(k));
}

void PciLiveUpdate::setDirect(DeviceId dev, bool on) {
    directCount_ += static_cast<std::uint32_t>(on) - link_[dev].direct;
    link_[dev].direct = on;
    if (on)
        note(dev);
}

std::uint16_t PciLiveUpdate::readSlot(DeviceId dev) {
    if (link_[dev].slot != kStale)
        return table_[link_[dev].slot].refcount;
    emit(KernelEventKind::UseAfterFree, dev);
    return ghost_[dev];
}

void PciLiveUpdate::writeGhost(DeviceId dev, std::uint16_t refcount) {
    ghost_[dev] = refcount;
    if (alias_[dev] == 0)
        return;
    for (DeviceId d = 0; d < ghost_.size(); ++d) // the devices that share the freed slot
        if (alias_[d] == alias_[dev] && link_[d].slot == kStale)
            ghost_[d] = refcount;
}

void PciLiveUpdate::writeSlot(DeviceId dev, std::uint16_t refcount) {
    if (link_[dev].slot == kStale)
        writeGhost(dev, refcount);
    else
        table_.setRefcount(link_[dev].slot, refcount);
}

void PciLiveUpdate::freeSlot(DeviceId dev) {
    if (link_[dev].slot == kStale) {
        // Zeroed in freed memory (for every device sharing it), but the step decrements the
        // counter of the table it was handed: the live one (u32, it wraps below 0 as the
        // kernel's does).
        writeGhost(dev, 0);
        alias_[dev] = 0;
        --nrDevices_;
    } else {
        table_.set(link_[dev].slot, SlotEntry{});
        --holders_;
        --nrDevices_;
    }
    link_[dev].slot = kNone;
}

void PciLiveUpdate::releaseIfUnused() {
    if (!tableLive_ || directCount_ != 0 || !config_.sessionTable)
        return;
    if (nrDevices_ != 0) {
        switch (releaseCheckOf(config_)) {
        case ReleaseCheck::BugOn:
            emit(KernelEventKind::BugAtRelease); // nothing after this runs (crashed())
            return;
        case ReleaseCheck::WarnAndFree:
            emit(KernelEventKind::TableFreedWithReferences);
            break;
        case ReleaseCheck::WarnOnceAndFree:
            if (!warnedAtRelease_)
                emit(KernelEventKind::TableFreedWithReferences);
            warnedAtRelease_ = true;
            break;
        case ReleaseCheck::WarnClearAndFree:
        case ReleaseCheck::WarnAndReconcile: {
            // Every present device's pointer cleared, under reconcile after its count is
            // dropped; a removed device's stays (the model says why) and dangles after the free
            // below.
            const bool reconcile = releaseCheckOf(config_) == ReleaseCheck::WarnAndReconcile;
            bool any = false, kept = false;
            for (DeviceId d = 0; d < link_.size(); ++d) {
                if (link_[d].slot == kNone)
                    continue;
                any = true;
                if (removed_[d]) {
                    kept = true;
                    continue;
                }
                if (reconcile && link_[d].slot != kStale && table_[link_[d].slot].refcount != 0) {
                    table_.set(link_[d].slot, SlotEntry{});
                    --nrDevices_;
                    emit(KernelEventKind::CountDropped, d);
                }
                holders_ -= link_[d].slot != kStale;
                link_[d].slot = kNone;
                ghost_[d] = 0;
                alias_[d] = 0;
            }
            if (kept)
                emit(KernelEventKind::TableFreedWithReferences);
            else if (!reconcile && any)
                emit(KernelEventKind::ReleaseCleared);
            break;
        }
        }
    }
    // Devices that cache one slot (a lost slot handed out again) share its freed copy: they get
    // one alias id, the smallest not held by a device still dangling from an earlier release.
    std::map<std::uint32_t, std::vector<DeviceId>> bySlot;
    for (DeviceId d = 0; d < link_.size(); ++d)
        if (link_[d].slot != kNone && link_[d].slot != kStale)
            bySlot[link_[d].slot].push_back(d);
    for (const auto &[slot, devs] : bySlot) {
        std::uint8_t id = 0;
        if (devs.size() > 1) {
            std::vector<bool> used(256, false);
            for (DeviceId d = 0; d < link_.size(); ++d)
                used[alias_[d]] = used[alias_[d]] || link_[d].slot == kStale;
            for (int k = 1; k < 256 && id == 0; ++k)
                if (!used[static_cast<std::size_t>(k)])
                    id = static_cast<std::uint8_t>(k);
            if (id == 0) { // a contract, live in release builds
                std::fputs("PciLiveUpdate: more than 255 groups of devices share a freed slot\n",
                           stderr);
                std::abort();
            }
        }
        for (DeviceId d : devs) {
            ghost_[d] = table_[slot].refcount;
            alias_[d] = id;
            link_[d].slot = kStale;
            note(d);
            --holders_;
        }
    }
    table_.reset();
    tableLive_ = false;
    nrDevices_ = 0;
}

Result PciLiveUpdate::apply(const Op &op) {
    DeviceId dev = 0;
    if (op.hasDevice()) {
        const auto found = topology_.find(op.bdf);
        BP_REQUIRE(found, "PciLiveUpdate::apply: the op's device must be in the topology");
        dev = *found;
    }
    if (crashed())
        return Result::Enoent; // a dead kernel runs nothing
    switch (op.kind) {
    case OpKind::Preserve:
        return preserve(dev);
    case OpKind::Unpreserve:
        return unpreserve(dev);
    case OpKind::Freeze:
        return freeze(dev);
    case OpKind::Kexec:
        return kexec();
    case OpKind::Finish:
        return finish(dev);
    case OpKind::FinishAll:
        return finishAll();
    case OpKind::FailNext:
        return failNext(dev, op.step);
    case OpKind::Lose:
        return lose(dev);
    case OpKind::SetRefcount:
        return setRefcount(dev, op.value);
    case OpKind::Vanish:
        return vanish(dev);
    case OpKind::Unplug:
        return unplug(dev);
    }
    return Result::Einval;
}

bool PciLiveUpdate::takeFailNext(DeviceId dev, StepKind kind) {
    if (!(failNext_[dev] & bit(kind)))
        return false;
    failNext_[dev] &= static_cast<std::uint8_t>(~bit(kind));
    refreshGate(dev);
    return true;
}

template <class Step> Result PciLiveUpdate::walkDown(DeviceId dev, std::uint32_t end, Step step) {
    Result first = Result::Ok;
    for (auto d = static_cast<std::uint32_t>(dev); d != end; d = link_[d].parent) {
        const Result r = step(d);
        if (r == Result::Ok)
            continue;
        if (first == Result::Ok)
            first = r;
        if (walkStopsAfterFailure(config_, d == dev)) // v6/v7: "log a big warning and bail"
            return first;
    }
    return first;
}

Result PciLiveUpdate::preserveDevice(DeviceId dev) {
    const std::uint8_t gate = link_[dev].gate;
    if (gate & kGateSlow) {
        if (takeFailNext(dev, StepKind::Preserve))
            return Result::Eio;
        if (vfEveryDevice_ && (gate & kGateVf))
            return Result::Einval;
        if (frozen_[dev])
            return Result::Einval;
    }
    if (link_[dev].slot == kNone) {
        const std::uint32_t idx = table_.allocateIndex(nrDevices_);
        if (idx == SlotTable::kFull)
            return Result::Enospc;
        table_.set(idx, SlotEntry{link_[dev].domain, link_[dev].bdf, 1});
        link_[dev].slot = idx;
        ++holders_;
        ++nrDevices_;
        return Result::Ok;
    }
    // Kernel files differ in which of EBUSY and refcount 0 they check first; EBUSY first never
    // reads an endpoint's slot.
    if (ebusyFirst_ && !(gate & kGateBridge))
        return Result::Ebusy;
    const std::uint16_t refcount = readSlot(dev);
    if (refcount == 0)
        return Result::Einval; // the kernel WARNs: a cached slot that was freed under us
    if (!(gate & kGateBridge))
        return Result::Ebusy; // an endpoint is preserved once
    writeSlot(dev, static_cast<std::uint16_t>(refcount + 1));
    return Result::Ok;
}

Result PciLiveUpdate::unpreserveDevice(DeviceId dev) {
    if (link_[dev].gate & kGateSlow) {
        if (takeFailNext(dev, StepKind::Unpreserve))
            return Result::Eio;
        if (frozen_[dev])
            return Result::Einval;
    }
    if (link_[dev].slot == kNone)
        return Result::Einval;
    const std::uint16_t refcount = readSlot(dev);
    if (refcount == 0)
        return Result::Einval;
    if (refcount > 1)
        writeSlot(dev, static_cast<std::uint16_t>(refcount - 1));
    else
        freeSlot(dev);
    return Result::Ok;
}

Result PciLiveUpdate::finishDevice(DeviceId dev) {
    if ((link_[dev].gate & kGateSlow) && takeFailNext(dev, StepKind::Finish))
        return Result::Eio;
    if (inSlot_[dev] == kNone)
        return Result::Einval; // not incoming
    SlotEntry &e = incoming_[inSlot_[dev]];
    if (e.refcount == 0)
        return Result::Einval;
    if (--e.refcount == 0) {
        inSlot_[dev] = kNone; // the entry keeps its BDF
        --inNr_;
        if (incomingPut_ == IncomingPut::PerDevice)
            --inHeld_;
    }
    return Result::Ok;
}

Result PciLiveUpdate::preserve(DeviceId dev) {
    if (crashed())
        return Result::Enoent; // a dead kernel runs nothing
    // A device that is gone cannot be named at all: unplugged, or not enumerated at a kexec.
    const std::uint8_t gate = link_[dev].gate;
    if (gate & kGateRemoved) // vanished devices are removed at the kexec
        return Result::Enodev;
    // As the named device (v6), a VF is refused before the lock is taken and the outgoing state
    // fetched.
    if (!vfEveryDevice_ && (gate & kGateVf))
        return Result::Einval;
    if (config_.directRecord == DirectRecord::Checked && link_[dev].direct)
        return Result::Ebusy; // the record: preserved already
    if (!tableLive_)
        allocateTable();
    for (auto d = static_cast<std::uint32_t>(dev); d != kNone; d = link_[d].parent) {
        const Result r = preserveDevice(d);
        if (r != Result::Ok) {
            walkDown(dev, d, [this](DeviceId x) { return unpreserveDevice(x); });
            releaseIfUnused();
            return r;
        }
    }
    setDirect(dev, true);
    return Result::Ok;
}

Result PciLiveUpdate::unpreserve(DeviceId dev) {
    if (crashed())
        return Result::Enoent;
    if (link_[dev].gate & kGateRemoved)
        return Result::Enodev;
    // Without a session there is no outgoing state to walk (every version returns first).
    if (config_.sessionTable && !tableLive_)
        return Result::Enoent;
    if (config_.directRecord == DirectRecord::Checked && !link_[dev].direct)
        return Result::Einval; // the record: never preserved
    setDirect(dev, false);
    const Result r = walkDown(dev, kNone, [this](DeviceId x) { return unpreserveDevice(x); });
    releaseIfUnused();
    return r;
}

Result PciLiveUpdate::freeze(DeviceId dev) {
    if (crashed())
        return Result::Enoent;
    if (removed_[dev])
        return Result::Enodev;
    frozen_[dev] = 1;
    refreshGate(dev);
    return Result::Ok;
}

Result PciLiveUpdate::kexec() {
    if (crashed())
        return Result::Enoent;
    // LUO serializes the outgoing FLB only: the incoming side is dropped as it is (no .finish,
    // no nr_devices check), and the outgoing table crosses as the next kernel's incoming side.
    warnedAtRelease_ = false; // a new kernel's WARN_ON_ONCE is unused
    const auto bytes = encodeKho(config_.abi, KhoImage{nrDevices_, slots()});
    auto decoded = decodeKho(config_.abi, bytes);
    BP_REQUIRE(std::holds_alternative<KhoImage>(decoded), "our own image must decode");
    KhoImage &image = std::get<KhoImage>(decoded);
    ++generation_;
    phase_ = Phase::Incoming;
    panicked_ = false; // the new kernel's update has not ended
    incoming_ = std::move(image.slots);
    inNr_ = image.nrDevices;
    for (DeviceId d = 0; d < link_.size(); ++d)
        inDirect_[d] = link_[d].direct;
    // LUO hands FLB data over only for a session with a table: without one the next kernel
    // inherits nothing at all (not even an empty table).
    inherited_ = tableLive_;
    std::fill(inSlot_.begin(), inSlot_.end(), kNone);
    inHeld_ = 0;
    retrievePending_ = false;
    // The new kernel's outgoing side starts empty.
    table_.reset();
    tableLive_ = false;
    nrDevices_ = 0;
    for (Link &l : link_)
        l.slot = kNone;
    std::fill(ghost_.begin(), ghost_.end(), 0); // pointers into freed memory do not cross
    std::fill(alias_.begin(), alias_.end(), 0);
    for (Link &l : link_)
        l.direct = 0;
    std::fill(frozen_.begin(), frozen_.end(), 0);
    directCount_ = 0;
    holders_ = 0;
    for (DeviceId d = 0; d < removed_.size(); ++d)
        removed_[d] = removed_[d] || vanished_[d];
    for (DeviceId d = 0; d < link_.size(); ++d)
        refreshGate(d);
    if (!config_.sessionTable)
        allocateTable();

    const auto index = indexIncoming(incoming_);
    if (std::holds_alternative<DuplicateKey>(index)) {
        // The retrieve runs at the first enumerated device's setup; with none enumerated, when
        // the session ends. Either way the incoming kernel is dead after it (crashed()).
        if (presentDevices() != 0)
            emitIncoming(KernelEventKind::RetrieveFailed);
        else
            retrievePending_ = true;
        return Result::Eexist;
    }
    for (const auto &[key, slot] : std::get<IncomingIndex>(index)) {
        const auto dev = topology_.find(incoming_[slot].address());
        if (dev && !removed_[*dev]) {
            inSlot_[*dev] = slot;
            // Its setup keeps the reference it took on the incoming FLB (the latest file's puts
            // it at once).
            inHeld_ += incomingPut_ != IncomingPut::AtSetup;
        }
    }
    return Result::Ok;
}

Result PciLiveUpdate::finish(DeviceId dev) {
    if (phase_ != Phase::Incoming)
        return Result::Enoent;
    if (removed_[dev])
        return Result::Enodev;
    // Nothing inherited: the incoming FLB cannot be had, so finish returns before any walk (a
    // fail-next stays armed), as unpreserve does without a session.
    if (!inherited_)
        return Result::Enoent;
    if (config_.directRecord == DirectRecord::Checked && !inDirect_[dev])
        return Result::Einval; // the record: the previous kernel did not preserve it
    inDirect_[dev] = 0;
    const bool wasIncoming = inSlot_[dev] != kNone;
    const Result r = walkDown(dev, kNone, [this](DeviceId x) { return finishDevice(x); });
    if (incomingPut_ == IncomingPut::PerFinishCall && wasIncoming && !crashed())
        --inHeld_; // one per call: the bridges the walk cleared keep theirs
    return r;
}

Result PciLiveUpdate::finishAll() {
    if (phase_ != Phase::Incoming)
        return Result::Enoent;
    phase_ = Phase::Ended;
    if (retrievePending_) {
        emitIncoming(KernelEventKind::RetrieveFailed);
        return Result::Enoent;
    }
    if (inNr_ == 0) {
        // Every count is back to 0, but a device that never put its reference keeps the state.
        if (inHeld_ > 0)
            emitIncoming(KernelEventKind::IncomingHeld);
        return Result::Ok;
    }
    panicked_ = true;
    switch (endOfUpdateOf(config_)) {
    case EndOfUpdate::Panic:
        emitIncoming(KernelEventKind::PanicAtFinish);
        break;
    case EndOfUpdate::HeldForever:
        // Held while a device still holds the reference it took at enumeration.
        if (inHeld_ > 0)
            emitIncoming(KernelEventKind::IncomingHeld);
        break;
    case EndOfUpdate::PanicIfDirectUnfinished:
        if (std::any_of(inDirect_.begin(), inDirect_.end(), [](std::uint8_t on) { return on; })) {
            emitIncoming(KernelEventKind::PanicAtFinish);
            break;
        }
        // Only bridges' counts are left: warned and dropped, the update ends normally.
        panicked_ = false;
        emitIncoming(KernelEventKind::LeakDropped);
        for (SlotEntry &e : incoming_)
            e.refcount = 0;
        // Each pointer cleared puts its own reference.
        if (incomingPut_ != IncomingPut::AtSetup)
            inHeld_ -= static_cast<std::int32_t>(std::count_if(
                inSlot_.begin(), inSlot_.end(), [](std::uint32_t s) { return s != kNone; }));
        std::fill(inSlot_.begin(), inSlot_.end(), kNone);
        inNr_ = 0;
        return Result::Ok;
    }
    return Result::Panic;
}

Result PciLiveUpdate::failNext(DeviceId dev, StepKind kind) {
    if (crashed())
        return Result::Enoent;
    failNext_[dev] |= bit(kind);
    note(dev);
    refreshGate(dev);
    return Result::Ok;
}

Result PciLiveUpdate::lose(DeviceId dev) {
    if (crashed())
        return Result::Enoent;
    if (link_[dev].slot == kStale)
        writeGhost(dev, 0);
    else if (link_[dev].slot != kNone)
        table_.set(link_[dev].slot, SlotEntry{});
    else if (phase_ == Phase::Incoming && inSlot_[dev] != kNone)
        incoming_[inSlot_[dev]] = SlotEntry{};
    else
        return Result::Enoent;
    return Result::Ok;
}

Result PciLiveUpdate::setRefcount(DeviceId dev, std::uint16_t value) {
    if (crashed())
        return Result::Enoent;
    if (link_[dev].slot == kStale)
        writeGhost(dev, value);
    else if (link_[dev].slot != kNone)
        table_.setRefcount(link_[dev].slot, value);
    else if (phase_ == Phase::Incoming && inSlot_[dev] != kNone)
        incoming_[inSlot_[dev]].refcount = value;
    else
        return Result::Enoent;
    return Result::Ok;
}

Result PciLiveUpdate::vanish(DeviceId dev) {
    if (crashed())
        return Result::Enoent;
    if (removed_[dev])
        return Result::Enodev;
    std::vector<DeviceId> todo{dev};
    while (!todo.empty()) {
        const DeviceId d = todo.back();
        todo.pop_back();
        vanished_[d] = 1;
        for (DeviceId c : topology_.children(d))
            todo.push_back(c);
    }
    return Result::Ok;
}

Result PciLiveUpdate::unplugTree(DeviceId dev) {
    Result first = Result::Ok;
    for (DeviceId c : topology_.children(dev)) {
        if (removed_[c])
            continue;
        const Result r = unplugTree(c);
        if (first == Result::Ok)
            first = r;
    }
    // v6 walks the path of a removed device that holds a slot (a leaked bridge too): its
    // outgoing pointer first (unpreserve), then its incoming one (finish). Later kernels only
    // warn, and the device stays preserved with its counts, but a device that is gone no longer
    // holds the incoming state.
    if (unplugCleanupOf(config_) == UnplugCleanup::WalksPaths) {
        // With the record the cleanup walks only what was preserved directly.
        const bool checked = config_.directRecord == DirectRecord::Checked;
        const bool holdsOut = checked ? link_[dev].direct != 0 : link_[dev].slot != kNone;
        const bool holdsIn = checked ? inDirect_[dev] != 0 : inSlot_[dev] != kNone;
        setDirect(dev, false);
        inDirect_[dev] = 0;
        Result r = Result::Ok;
        // The cleanup's unpreserve needs the outgoing session like any other: without a table
        // (released under the device) it returns first and the pointer stays.
        if (holdsOut && tableLive_)
            r = walkDown(dev, kNone, [this](DeviceId x) { return unpreserveDevice(x); });
        if (holdsIn) {
            const bool wasIncoming = inSlot_[dev] != kNone;
            const Result f = walkDown(dev, kNone, [this](DeviceId x) { return finishDevice(x); });
            if (incomingPut_ == IncomingPut::PerFinishCall && wasIncoming)
                --inHeld_; // the cleanup's finish call puts one
            if (r == Result::Ok)
                r = f;
        }
        if (first == Result::Ok)
            first = r;
    } else {
        if (inSlot_[dev] != kNone && incomingPut_ != IncomingPut::AtSetup)
            --inHeld_; // the reference its enumeration took
        inSlot_[dev] = kNone;
    }
    removed_[dev] = 1;
    refreshGate(dev);
    return first;
}

Result PciLiveUpdate::unplug(DeviceId dev) {
    if (crashed())
        return Result::Enoent;
    if (removed_[dev])
        return Result::Enodev;
    const Result r = unplugTree(dev);
    releaseIfUnused();
    return r;
}

void PciLiveUpdate::relistNoted() const {
    noted_.clear();
    for (DeviceId d = 0; d < link_.size(); ++d) {
        isNoted_[d] = link_[d].direct || inDirect_[d] || link_[d].slot == kStale || failNext_[d];
        if (isNoted_[d])
            noted_.push_back(d);
    }
    notedStale_ = false;
}

State PciLiveUpdate::state() const {
    if (notedStale_)
        relistNoted();
    State s;
    s.phase = phase_;
    s.generation = generation_;
    s.table = slots();
    s.nrDevices = nrDevices_;
    s.incoming.table = incoming_;
    s.incoming.nrDevices = inNr_;
    s.incoming.references = inHeld_;
    for (DeviceId d : noted_) {
        if (link_[d].direct)
            s.directlyPreserved.insert(topology_.bdf(d));
        if (inDirect_[d])
            s.incoming.directlyPreserved.insert(topology_.bdf(d));
        if (link_[d].slot == kStale)
            s.dangling[topology_.bdf(d)] = ghost_[d];
        for (StepKind k : {StepKind::Preserve, StepKind::Unpreserve, StepKind::Finish})
            if (failNext_[d] & bit(k))
                s.pendingFailures.insert({topology_.bdf(d), k});
    }
    s.panicked = panicked_;
    s.events = events_;
    return s;
}

} // namespace bridgepath
