#include "model/ReferenceModel.h"

#include "topology/Contract.h"

#include <tuple>

namespace bridgepath {

ReferenceModel::ReferenceModel(const Topology &topology, const LiveUpdateConfig &config)
    : topology_(&topology), config_(config) {
    if (!config.sessionTable) // one table for the whole run, there from the start
        allocateTable();
}

void ReferenceModel::allocateTable() {
    tableAllocated_ = true;
    tableSize_ = 0;
    if (config_.abi == Abi::V6)
        tableSize_ = config_.tableSizedToPresent ? presentDevices() : config_.capacity;
}

std::size_t ReferenceModel::presentDevices() const {
    // The devices not gone (gone: unplugged or not enumerated, each a set of the tree's BDFs).
    std::size_t goneDevices = notEnumerated_.size();
    for (const Bdf &b : unplugged_)
        goneDevices += notEnumerated_.count(b) || !topology_->find(b) ? 0 : 1;
    return topology_->size() - goneDevices;
}

bool ReferenceModel::sameFuture(const ReferenceModel &o) const {
    // The freed copies as the steps reach them: per device its copy's refcount and, for copies
    // two devices share, which (releases numbered in order of first use). Unreached copies, and
    // the release counter that only hands out new numbers, change nothing.
    auto freed = [](const ReferenceModel &m) {
        std::map<unsigned, unsigned> renumbered;
        std::vector<std::tuple<Bdf, unsigned, std::size_t, std::uint16_t>> out;
        for (const auto &[dev, at] : m.freedAt_) {
            const unsigned n = renumbered.emplace(at.first, renumbered.size()).first->second;
            out.emplace_back(dev, n, at.second, m.freedSlots_.at(at));
        }
        return out;
    };
    // Every other member but the history, events_ and steps_ (keep this list whole when a
    // member is added).
    auto members = [](const ReferenceModel &m) {
        return std::tie(m.phase_, m.generation_, m.inTable_, m.inNr_, m.inSlotOf_, m.inDirect_,
                        m.inherited_, m.inFiles_, m.inRefs_, m.inReleased_, m.warnedAtRelease_,
                        m.tableSize_, m.table_, m.nrDevices_, m.retrievePending_, m.slotOf_,
                        m.frozen_, m.vanishedTops_, m.unplugged_, m.notEnumerated_,
                        m.pendingFailures_, m.direct_, m.panicked_, m.tableAllocated_, m.dead_);
    };
    return topology_ == o.topology_ && members(*this) == members(o) && freed(*this) == freed(o);
}

bool ReferenceModel::gone(const Bdf &dev) const {
    return unplugged_.count(dev) || notEnumerated_.count(dev);
}

void ReferenceModel::event(KernelEventKind kind, std::optional<Bdf> device) {
    events_.push_back(KernelEvent{kind, device, nrDevices_});
    dead_ = dead_ || killsKernel(kind);
}

void ReferenceModel::incomingEvent(KernelEventKind kind) {
    events_.push_back(KernelEvent{kind, std::nullopt, inNr_});
    dead_ = dead_ || killsKernel(kind);
}

std::uint16_t *ReferenceModel::freedCopy(const Bdf &dev) {
    const auto at = freedAt_.find(dev);
    return at == freedAt_.end() ? nullptr : &freedSlots_.at(at->second);
}

void ReferenceModel::releaseTableIfUnused() {
    if (!tableAllocated_ || !direct_.empty() || !config_.sessionTable)
        return;
    if (nrDevices_ != 0) {
        switch (releaseCheckOf(config_)) {
        case ReleaseCheck::BugOn:
            event(KernelEventKind::BugAtRelease);
            return;
        case ReleaseCheck::WarnAndFree:
            event(KernelEventKind::TableFreedWithReferences);
            break;
        case ReleaseCheck::WarnOnceAndFree:
            // WARN_ON_ONCE: a new kernel starts with the warning unused.
            if (!warnedAtRelease_)
                event(KernelEventKind::TableFreedWithReferences);
            warnedAtRelease_ = true;
            break;
        case ReleaseCheck::WarnClearAndFree:
        case ReleaseCheck::WarnAndReconcile: {
            // for_each_pci_dev reaches the present devices: each one's pointer is cleared (also
            // one into an earlier freed table), under reconcile after its count is dropped (in
            // BDF order; a slot two devices share once, by the first). A hot-removed device is
            // not on the list: its pointer stays and dangles after the free like any other.
            const bool reconcile = releaseCheckOf(config_) == ReleaseCheck::WarnAndReconcile;
            const bool any = !slotOf_.empty() || !freedAt_.empty();
            for (auto it = slotOf_.begin(); it != slotOf_.end();) {
                if (gone(it->first)) {
                    ++it;
                    continue;
                }
                auto entry = table_.find(it->second);
                if (reconcile && entry != table_.end() && entry->second.refcount != 0) {
                    table_.erase(entry);
                    nrDevices_ -= 1;
                    event(KernelEventKind::CountDropped, it->first);
                }
                it = slotOf_.erase(it);
            }
            for (auto it = freedAt_.begin(); it != freedAt_.end();)
                it = gone(it->first) ? std::next(it) : freedAt_.erase(it);
            const bool kept = !slotOf_.empty() || !freedAt_.empty();
            if (kept)
                event(KernelEventKind::TableFreedWithReferences);
            else if (!reconcile && any)
                event(KernelEventKind::ReleaseCleared);
            break;
        }
        }
    }
    ++releases_;
    for (const auto &[dev, slot] : slotOf_) {
        auto entry = table_.find(slot);
        freedAt_[dev] = {releases_, slot};
        freedSlots_[{releases_, slot}] = entry == table_.end() ? 0 : entry->second.refcount;
    }
    slotOf_.clear();
    table_.clear();
    tableSize_ = 0;
    nrDevices_ = 0;
    tableAllocated_ = false;
}

std::vector<Bdf> ReferenceModel::pathOf(const Bdf &dev) const {
    std::vector<Bdf> path;
    std::optional<DeviceId> at = topology_->find(dev);
    while (at) {
        path.push_back(topology_->bdf(*at));
        at = topology_->parent(*at);
    }
    return path;
}

bool ReferenceModel::isBridge(const Bdf &dev) const {
    return topology_->isBridge(*topology_->find(dev));
}

std::vector<Bdf> ReferenceModel::inWalkOrder(std::vector<Bdf> leafFirst) const {
    if (config_.walkOrder == WalkOrder::RootFirst)
        std::reverse(leafFirst.begin(), leafFirst.end());
    return leafFirst;
}

Result ReferenceModel::walk(const std::vector<Bdf> &devices, const Step &step) const {
    std::optional<Result> firstError;
    for (const Bdf &dev : inWalkOrder(devices)) {
        const Result r = step(dev);
        if (dead_)
            break; // the step killed the kernel (a NULL dereference)
        if (r == Result::Ok)
            continue;
        if (!firstError)
            firstError = r;
        // The walk's first device in leaf-first order is the named one.
        if (walkStopsAfterFailure(config_, dev == devices.front()))
            break;
    }
    return firstError.value_or(Result::Ok);
}

bool ReferenceModel::consumeFailure(const Bdf &dev, StepKind kind) {
    return pendingFailures_.erase({dev, kind}) == 1;
}

std::optional<std::size_t> ReferenceModel::newSlot() {
    auto isFree = [this](std::size_t i) {
        auto it = table_.find(i);
        return it == table_.end() || it->second.refcount == 0;
    };
    switch (config_.abi) {
    case Abi::V6:
        // Full only when the counter equals the size: a counter that wrapped below 0 (a step
        // through a freed slot decrements the live table's) probes like any other, from
        // (u32)(nr_devices + k) mod size.
        if (nrDevices_ == tableSize_ || tableSize_ == 0)
            return std::nullopt;
        for (std::size_t k = 0; k < tableSize_; ++k) {
            const std::size_t i = static_cast<std::uint32_t>(nrDevices_ + k) % tableSize_;
            if (isFree(i))
                return i;
        }
        return std::nullopt;
    case Abi::V7:
        for (std::size_t i = 0; i < tableSize_; ++i)
            if (isFree(i))
                return i;
        return tableSize_++;
    }
    return std::nullopt;
}

Result ReferenceModel::preserveStep(const Bdf &dev) {
    const Result r = preserveStepBody(dev);
    steps_.push_back(StepEvent{dev, StepKind::Preserve, r});
    return r;
}

Result ReferenceModel::preserveStepBody(const Bdf &dev) {
    if (consumeFailure(dev, StepKind::Preserve))
        return Result::Eio;
    if (vfCheckOf(config_) == VfCheck::EveryDevice && topology_->isVf(*topology_->find(dev)))
        return Result::Einval;
    if (frozen_.count(dev))
        return Result::Einval;
    if (config_.stepChecks == StepChecks::None) {
        // Any device with a slot is counted once more, read through its pointer.
        if (std::uint16_t *freed = freedCopy(dev)) {
            event(KernelEventKind::UseAfterFree, dev);
            *freed = static_cast<std::uint16_t>(*freed + 1);
            return Result::Ok;
        }
        if (const auto cached = slotOf_.find(dev); cached != slotOf_.end()) {
            SlotEntry &entry = table_[cached->second]; // a lost slot reads as zeroes
            entry.refcount = static_cast<std::uint16_t>(entry.refcount + 1);
            return Result::Ok;
        }
    }
    if (std::uint16_t *freed = freedCopy(dev)) {
        if (checkOrderOf(config_) == CheckOrder::EbusyFirst && !isBridge(dev))
            return Result::Ebusy; // decided without reading the slot
        event(KernelEventKind::UseAfterFree, dev);
        if (*freed == 0)
            return Result::Einval;
        if (!isBridge(dev))
            return Result::Ebusy;
        *freed = static_cast<std::uint16_t>(*freed + 1);
        return Result::Ok;
    }
    auto cached = slotOf_.find(dev);
    if (cached == slotOf_.end()) {
        const auto slot = newSlot();
        if (!slot)
            return Result::Enospc;
        table_[*slot] = SlotEntry::of(dev, 1);
        slotOf_[dev] = *slot;
        nrDevices_ += 1;
        return Result::Ok;
    }
    SlotEntry &entry = table_[cached->second];
    // Kernel files differ in which of EBUSY and refcount 0 they check first.
    if (checkOrderOf(config_) == CheckOrder::EbusyFirst && !isBridge(dev))
        return Result::Ebusy;
    if (entry.refcount == 0)
        return Result::Einval;
    if (!isBridge(dev))
        return Result::Ebusy;
    entry.refcount = static_cast<std::uint16_t>(entry.refcount + 1);
    return Result::Ok;
}

Result ReferenceModel::unpreserveStep(const Bdf &dev) {
    const Result r = unpreserveStepBody(dev);
    steps_.push_back(StepEvent{dev, StepKind::Unpreserve, r});
    return r;
}

Result ReferenceModel::unpreserveStepBody(const Bdf &dev) {
    if (consumeFailure(dev, StepKind::Unpreserve))
        return Result::Eio;
    if (frozen_.count(dev))
        return Result::Einval;
    const bool checked = config_.stepChecks == StepChecks::Full;
    if (std::uint16_t *freed = freedCopy(dev)) {
        event(KernelEventKind::UseAfterFree, dev);
        if (*freed == 0 && checked)
            return Result::Einval;
        if (--*freed == 0) {
            // Zeroed in freed memory (for every device sharing it) and the pointer cleared; the
            // step still decrements the counter of the table it was handed, the live one (u32:
            // below 0 it wraps, as the kernel's does).
            freedAt_.erase(dev);
            nrDevices_ -= 1;
        }
        return Result::Ok;
    }
    auto cached = slotOf_.find(dev);
    if (cached == slotOf_.end())
        return Result::Einval;
    auto entry = table_.find(cached->second);
    if (checked && (entry == table_.end() || entry->second.refcount == 0))
        return Result::Einval;
    if (entry == table_.end())
        entry = table_.emplace(cached->second, SlotEntry{}).first; // a lost slot: zeroes
    entry->second.refcount = static_cast<std::uint16_t>(entry->second.refcount - 1);
    if (entry->second.refcount == 0) {
        table_.erase(entry); // the slot is zeroed
        slotOf_.erase(cached);
        nrDevices_ -= 1;
    }
    return Result::Ok;
}

Result ReferenceModel::finishStep(const Bdf &dev) {
    const Result r = finishStepBody(dev);
    steps_.push_back(StepEvent{dev, StepKind::Finish, r});
    return r;
}

Result ReferenceModel::finishStepBody(const Bdf &dev) {
    if (consumeFailure(dev, StepKind::Finish))
        return Result::Eio;
    auto cached = inSlotOf_.find(dev);
    if (config_.stepChecks == StepChecks::None) {
        // Straight through the device's incoming pointer: no check, no nr_devices.
        if (cached == inSlotOf_.end()) {
            event(KernelEventKind::NullDereference, dev);
            return Result::Panic;
        }
        if (inReleased_)
            event(KernelEventKind::UseAfterFree, dev);
        SlotEntry &entry = inTable_[cached->second];
        entry.refcount = static_cast<std::uint16_t>(entry.refcount - 1);
        if (entry.refcount == 0)
            inSlotOf_.erase(cached);
        return Result::Ok;
    }
    if (cached == inSlotOf_.end())
        return Result::Einval;
    SlotEntry &entry = inTable_[cached->second];
    if (entry.refcount == 0)
        return Result::Einval;
    entry.refcount = static_cast<std::uint16_t>(entry.refcount - 1);
    if (entry.refcount == 0) {
        inSlotOf_.erase(cached); // no longer incoming; the entry keeps its BDF
        inNr_ -= 1;
        if (incomingPutOf(config_) == IncomingPut::PerDevice)
            putIncoming();
    }
    return Result::Ok;
}

Result ReferenceModel::preserve(const Bdf &dev) {
    // As the named device (v6), a VF is refused before the lock is taken and the outgoing state
    // fetched: in every phase.
    // A device that is gone cannot be named at all: unplugged, or not enumerated after kexec.
    if (gone(dev))
        return Result::Enodev;
    if (vfCheckOf(config_) == VfCheck::NamedDevice && topology_->isVf(*topology_->find(dev)))
        return Result::Einval;
    if (config_.directRecord == DirectRecord::Checked && direct_.count(dev))
        return Result::Ebusy; // the record: preserved already
    if (!tableAllocated_)
        allocateTable();
    // Without step checks, a named device that holds a slot (a pointer, live or not) is busy:
    // decided before the walk, also for a bridge already on a preserved path.
    if (config_.stepChecks == StepChecks::None && (slotOf_.count(dev) || freedAt_.count(dev))) {
        releaseTableIfUnused();
        return Result::Ebusy;
    }
    const std::vector<Bdf> path = inWalkOrder(pathOf(dev));
    for (std::size_t i = 0; i < path.size(); ++i) {
        const Result r = preserveStep(path[i]);
        if (r == Result::Ok)
            continue;
        // The devices already preserved (leaf-first: dev first; root-first: the bridges above
        // the failing one), rolled back in walk order.
        std::vector<Bdf> done(path.begin(), path.begin() + static_cast<long>(i));
        if (config_.walkOrder == WalkOrder::RootFirst)
            std::reverse(done.begin(), done.end());
        // The rollback's own errors are not the preserve's: it returns the first step's.
        (void)walk(done, [this](const Bdf &d) { return unpreserveStep(d); });
        releaseTableIfUnused();
        return r;
    }
    direct_.insert(dev);
    return Result::Ok;
}

Result ReferenceModel::unpreserve(const Bdf &dev) {
    if (gone(dev))
        return Result::Enodev;
    // Without a session there is no outgoing state to walk (every version returns first).
    if (config_.sessionTable && !tableAllocated_)
        return Result::Enoent;
    if (config_.directRecord == DirectRecord::Checked && !direct_.count(dev))
        return Result::Einval; // the record: never preserved
    direct_.erase(dev);
    const Result r = walk(pathOf(dev), [this](const Bdf &d) { return unpreserveStep(d); });
    releaseTableIfUnused();
    return r;
}

Result ReferenceModel::kexec() {
    // LUO serializes the outgoing FLB only: the incoming side this kernel inherited is dropped
    // as it is, finished or not (no .finish, no nr_devices check), and the outgoing table is
    // handed to the next kernel, which starts a session of its own.
    ++generation_;
    phase_ = Phase::Incoming;
    panicked_ = false; // the new kernel's update has not ended
    inTable_.assign(tableSize_, SlotEntry{});
    for (const auto &[slot, entry] : table_)
        inTable_[slot] = entry;
    inNr_ = nrDevices_;
    inDirect_ = direct_;
    inFiles_ = direct_.size();
    inReleased_ = false;
    warnedAtRelease_ = false;
    // LUO hands over FLB data only for a session with files: without one, this kernel
    // inherits nothing at all (not even an empty table).
    inherited_ = tableAllocated_;
    inSlotOf_.clear();
    inRefs_ = inherited_ ? static_cast<long>(inFiles_) : 0; // no device is incoming yet
    retrievePending_ = false;
    table_.clear();
    tableSize_ = 0;
    nrDevices_ = 0;
    tableAllocated_ = false;
    slotOf_.clear();
    direct_.clear();
    frozen_.clear();
    freedAt_.clear();
    freedSlots_.clear();
    // What is gone is not enumerated: every device in a vanished device's subtree, and every
    // unplugged one.
    std::vector<DeviceId> below;
    for (const Bdf &top : vanishedTops_)
        if (const auto id = topology_->find(top))
            below.push_back(*id);
    while (!below.empty()) {
        const DeviceId d = below.back();
        below.pop_back();
        notEnumerated_.insert(topology_->bdf(d));
        for (DeviceId c : topology_->children(d))
            below.push_back(c);
    }
    for (const Bdf &b : unplugged_)
        if (topology_->find(b))
            notEnumerated_.insert(b);
    if (!config_.sessionTable)
        allocateTable();
    // The incoming kernel keeps the handed-over table and counter as they were.
    std::map<std::uint64_t, std::size_t> index;
    for (std::size_t slot = 0; slot < inTable_.size(); ++slot) {
        const SlotEntry &entry = inTable_[slot];
        if (entry.refcount == 0)
            continue;
        if (config_.stepChecks == StepChecks::None) {
            index[entry.address().key()] = slot; // xa_store: the last slot naming it wins
            continue;
        }
        if (!index.emplace(entry.address().key(), slot).second) {
            // xa_insert fails: later kernels panic; v6 frees the table, and LUO retries the
            // retrieve on the freed table at the next get (a double free). Either way, dead.
            // The retrieve runs at the first enumerated device's setup; with none enumerated,
            // when the session ends (LUO's last put retrieves first).
            if (presentDevices() != 0)
                incomingEvent(KernelEventKind::RetrieveFailed);
            else
                retrievePending_ = true;
            return Result::Eexist;
        }
    }
    for (const auto &[key, slot] : index) {
        const Bdf b = inTable_[slot].address();
        if (topology_->find(b) && !notEnumerated_.count(b))
            inSlotOf_[b] = slot;
    }
    // Each file holds a reference on the incoming state until the session ends, and so does
    // every device incoming at enumeration until it puts its own (IncomingPut).
    const bool devicesHold = incomingPutOf(config_) != IncomingPut::AtSetup;
    if (inherited_ && devicesHold)
        inRefs_ += static_cast<long>(inSlotOf_.size());
    return Result::Ok;
}

Result ReferenceModel::finish(const Bdf &dev) {
    if (phase_ != Phase::Incoming)
        return Result::Enoent;
    if (gone(dev))
        return Result::Enodev;
    // Nothing inherited: the incoming FLB cannot be had, so finish returns before any walk
    // (a fail-next stays armed), as unpreserve does without a session.
    if (!inherited_)
        return Result::Enoent;
    if (config_.directRecord == DirectRecord::Checked && !inDirect_.count(dev))
        return Result::Einval; // the record: the previous kernel did not preserve it
    inDirect_.erase(dev);
    if (config_.stepChecks == StepChecks::None) {
        // Refused before the walk when the named device is not incoming; else the walk, and
        // the call puts the device's reference back (whatever its count became).
        if (!inSlotOf_.count(dev))
            return Result::Einval;
        const Result r = walk(pathOf(dev), [this](const Bdf &d) { return finishStep(d); });
        if (!dead_)
            putIncoming();
        return r;
    }
    const bool wasIncoming = inSlotOf_.count(dev) != 0;
    const Result r = walk(pathOf(dev), [this](const Bdf &d) { return finishStep(d); });
    if (incomingPutOf(config_) == IncomingPut::PerFinishCall && wasIncoming && !dead_)
        putIncoming(); // one per call: the bridges the walk cleared keep theirs
    return r;
}

long ReferenceModel::deviceReferences() const {
    if (!inherited_)
        return 0;
    return inRefs_ - (phase_ == Phase::Incoming ? static_cast<long>(inFiles_) : 0);
}

void ReferenceModel::putIncoming() {
    // .finish runs when the count reaches 0, once: it frees the incoming table (a later step
    // through an incoming pointer reads freed memory).
    if (--inRefs_ == 0)
        inReleased_ = true;
}

Result ReferenceModel::unplug(const Bdf &dev) {
    if (gone(dev))
        return Result::Enodev;
    // Hot-removal takes children before their parent, siblings in BDF order.
    std::optional<Result> firstError;
    std::function<void(DeviceId)> remove = [&](DeviceId id) {
        for (DeviceId child : topology_->children(id)) {
            const Bdf &c = topology_->bdf(child);
            if (!gone(c))
                remove(child);
        }
        const Bdf &b = topology_->bdf(id);
        // v6 walks the path of a removed device that holds a slot (pci_liveupdate_cleanup_device
        // looks at the device's pointers, so a leaked bridge walks too): the outgoing one first
        // (unpreserve), then the incoming one (finish). Later kernels only warn, and the device
        // stays preserved with its counts, but a device that is gone no longer holds the
        // incoming state.
        // With the record the cleanup walks only what was preserved directly.
        const bool checked = config_.directRecord == DirectRecord::Checked;
        const bool holdsOut =
            checked ? direct_.count(b) != 0 : slotOf_.count(b) || freedAt_.count(b);
        const bool holdsIn = checked ? inDirect_.count(b) != 0 : inSlotOf_.count(b) != 0;
        if (unplugCleanupOf(config_) == UnplugCleanup::WalksPaths) {
            direct_.erase(b);
            inDirect_.erase(b);
            std::optional<Result> r;
            // The cleanup's unpreserve needs the outgoing session like any other: without one
            // (the table was released under it) it returns first and the pointer stays.
            if (holdsOut && (tableAllocated_ || !config_.sessionTable)) {
                const Result u =
                    walk(pathOf(b), [this](const Bdf &d) { return unpreserveStep(d); });
                if (u != Result::Ok)
                    r = u;
            }
            if (holdsIn) {
                const bool wasIncoming = inSlotOf_.count(b) != 0;
                const Result f = walk(pathOf(b), [this](const Bdf &d) { return finishStep(d); });
                if (incomingPutOf(config_) == IncomingPut::PerFinishCall && wasIncoming)
                    putIncoming(); // the cleanup's finish call puts one
                if (f != Result::Ok && !r)
                    r = f;
            }
            if (r && !firstError)
                firstError = r;
        } else {
            if (inSlotOf_.count(b) && incomingPutOf(config_) != IncomingPut::AtSetup)
                putIncoming(); // the reference its enumeration took
            inSlotOf_.erase(b);
        }
        unplugged_.insert(b);
    };
    remove(*topology_->find(dev));
    releaseTableIfUnused();
    return firstError.value_or(Result::Ok);
}

Result ReferenceModel::corrupt(const Bdf &dev, const std::function<void(SlotEntry &)> &change) {
    // The outgoing slot (or its freed copy) if dev holds one, else its incoming entry.
    if (std::uint16_t *freed = freedCopy(dev)) {
        SlotEntry copy;
        copy.refcount = *freed;
        change(copy);
        *freed = copy.refcount; // every device that shares the freed slot sees it
        return Result::Ok;
    }
    auto cached = slotOf_.find(dev);
    if (cached == slotOf_.end()) {
        auto in = inSlotOf_.find(dev);
        if (phase_ != Phase::Incoming || in == inSlotOf_.end())
            return Result::Enoent;
        change(inTable_[in->second]);
        return Result::Ok;
    }
    SlotEntry entry = table_[cached->second];
    change(entry);
    if (entry == SlotEntry{})
        table_.erase(cached->second);
    else
        table_[cached->second] = entry;
    return Result::Ok;
}

Result ReferenceModel::apply(const Op &op) {
    steps_.clear();
    if (dead_)
        return Result::Enoent; // BUG_ON, a failed retrieve or a panic killed the kernel
    BP_REQUIRE(!op.hasDevice() || topology_->find(op.bdf),
               "the op's device must be in the topology");
    switch (op.kind) {
    case OpKind::Preserve:
        return preserve(op.bdf);
    case OpKind::Unpreserve:
        return unpreserve(op.bdf);
    case OpKind::Freeze:
        if (gone(op.bdf))
            return Result::Enodev;
        frozen_.insert(op.bdf);
        return Result::Ok;
    case OpKind::Kexec:
        return kexec();
    case OpKind::Finish:
        return finish(op.bdf);
    case OpKind::FinishAll:
        if (phase_ != Phase::Incoming)
            return Result::Enoent;
        phase_ = Phase::Ended;
        if (retrievePending_) {
            incomingEvent(KernelEventKind::RetrieveFailed);
            return Result::Enoent;
        }
        // The files' references go; the state is held while any device's is still out.
        if (inherited_)
            for (std::size_t i = 0; i < inFiles_; ++i)
                putIncoming();
        if (config_.stepChecks == StepChecks::None && inherited_) {
            if (inNr_ == 0)
                return Result::Ok;
            panicked_ = true;
            if (!inReleased_)
                incomingEvent(KernelEventKind::IncomingHeld);
            return Result::Panic;
        }
        if (inNr_ == 0) {
            // Every count is back to 0, but a device that never put its reference (a bridge
            // under a put-per-call finish) keeps the state from being freed.
            if (deviceReferences() > 0)
                incomingEvent(KernelEventKind::IncomingHeld);
            return Result::Ok;
        }
        panicked_ = true;
        switch (endOfUpdateOf(config_)) {
        case EndOfUpdate::Panic:
            incomingEvent(KernelEventKind::PanicAtFinish);
            break;
        case EndOfUpdate::HeldForever:
            // The incoming state is held by the devices still incoming (each took a reference
            // at enumeration); when none is, it is freed at the end like any other (v6 06/12,
            // pci_liveupdate_setup_device): nr_devices of a device that never came back leaks.
            if (deviceReferences() > 0)
                incomingEvent(KernelEventKind::IncomingHeld);
            break;
        case EndOfUpdate::PanicIfDirectUnfinished:
            if (!inDirect_.empty()) {
                incomingEvent(KernelEventKind::PanicAtFinish);
                break;
            }
            // Only bridges' counts are left: warned and dropped, the update ends normally.
            panicked_ = false;
            incomingEvent(KernelEventKind::LeakDropped);
            for (SlotEntry &e : inTable_)
                e.refcount = 0;
            if (incomingPutOf(config_) != IncomingPut::AtSetup)
                inRefs_ -= static_cast<long>(inSlotOf_.size()); // each cleared pointer puts its own
            inSlotOf_.clear();
            inNr_ = 0;
            return Result::Ok;
        }
        return Result::Panic;
    case OpKind::FailNext:
        pendingFailures_.insert({op.bdf, op.step});
        return Result::Ok;
    case OpKind::Lose:
        return corrupt(op.bdf, [](SlotEntry &e) { e = SlotEntry{}; });
    case OpKind::SetRefcount:
        return corrupt(op.bdf, [&op](SlotEntry &e) { e.refcount = op.value; });
    case OpKind::Vanish:
        if (gone(op.bdf))
            return Result::Enodev;
        vanishedTops_.insert(op.bdf);
        return Result::Ok;
    case OpKind::Unplug:
        return unplug(op.bdf);
    }
    return Result::Einval;
}

State ReferenceModel::state() const {
    State s;
    s.phase = phase_;
    s.generation = generation_;
    s.incoming.table = inTable_;
    s.incoming.nrDevices = inNr_;
    s.incoming.directlyPreserved = inDirect_;
    s.incoming.references = deviceReferences();
    s.table.assign(tableSize_, SlotEntry{});
    for (const auto &[slot, entry] : table_)
        s.table[slot] = entry;
    s.nrDevices = nrDevices_;
    s.directlyPreserved = direct_;
    s.panicked = panicked_;
    s.pendingFailures = pendingFailures_;
    for (const auto &[dev, at] : freedAt_)
        s.dangling[dev] = freedSlots_.at(at);
    s.events = events_;
    return s;
}

} // namespace bridgepath
