#include "exhaustive/StateJudge.h"

#include <algorithm>

namespace bridgepath {

namespace {

constexpr std::uint32_t kRoot = UINT32_MAX;

std::uint32_t bit(Invariant i) { return 1u << static_cast<int>(i); }

} // namespace

StateJudge::StateJudge(const Topology &t, std::optional<std::size_t> capacity)
    : capacity_(capacity) {
    for (DeviceId d = 0; d < t.size(); ++d) {
        const auto p = t.parent(d);
        parent_.push_back(p ? static_cast<std::uint32_t>(*p) : kRoot);
        key_.push_back(t.bdf(d).domain << 16 | t.bdf(d).abiBdf());
    }
    refcount_.resize(t.size());
    ideal_.resize(t.size());
}

Judgement StateJudge::judge(const PciLiveUpdate &impl, std::optional<DeviceId> soleFault) const {
    const std::size_t n = key_.size();
    std::fill(refcount_.begin(), refcount_.end(), 0);
    std::fill(ideal_.begin(), ideal_.end(), 0);
    Judgement j;
    // Slots naming no device of the tree (a set-refcount on a lost slot names 0000:00:00.0):
    // counted as off (their ideal is 0), skipped by closure, as model/Invariant does.
    bool strayOff = false, strayOffOutsideFault = false;
    for (const SlotEntry &e : impl.slots()) {
        if (e.refcount == 0)
            continue;
        ++j.slotsInUse;
        const std::uint32_t key = e.domain << 16 | e.bdf;
        const auto it = std::find(key_.begin(), key_.end(), key);
        if (it != key_.end()) {
            refcount_[static_cast<std::size_t>(it - key_.begin())] += e.refcount;
            continue;
        }
        strayOff = true;
        // model/Invariant compares BDFs: a stray slot naming the faulty device's BDF is excused.
        strayOffOutsideFault = strayOffOutsideFault || !soleFault || key_[*soleFault] != key;
    }
    j.nothingPreserved = true;
    for (std::size_t d = 0; d < n; ++d) {
        j.dangling += impl.dangling(d);
        if (!impl.directlyPreserved(d))
            continue;
        j.nothingPreserved = false;
        for (std::uint32_t up = static_cast<std::uint32_t>(d); up != kRoot; up = parent_[up])
            ++ideal_[up];
    }

    bool closure = true, exact = !strayOff, premature = true, contained = !strayOffOutsideFault;
    for (std::size_t d = 0; d < n; ++d) {
        const std::uint32_t have = refcount_[d], want = ideal_[d];
        if (have != want) {
            exact = false;
            contained = contained && soleFault && *soleFault == d;
        }
        premature = premature && have >= want;
        if (have != 0)
            for (std::uint32_t up = parent_[d]; up != kRoot && closure; up = parent_[up])
                closure = refcount_[up] != 0;
    }
    if (!closure)
        j.failing |= bit(Invariant::Closure);
    if (!exact)
        j.failing |= bit(Invariant::ExactCount);
    if (impl.nrDevices() != j.slotsInUse || (capacity_ && impl.nrDevices() > *capacity_))
        j.failing |= bit(Invariant::NrDevices);
    if (j.nothingPreserved && (j.slotsInUse != 0 || j.dangling != 0 || impl.nrDevices() != 0))
        j.failing |= bit(Invariant::NoLeak);
    if (!premature)
        j.failing |= bit(Invariant::NoPrematureRelease);
    if (soleFault && !contained)
        j.failing |= bit(Invariant::Containment);
    if (impl.panicked() && j.nothingPreserved)
        j.failing |= bit(Invariant::NoPanicAtFinish);
    if (impl.happened(KernelEventKind::BugAtRelease) ||
        impl.happened(KernelEventKind::UseAfterFree) ||
        impl.happened(KernelEventKind::PanicAtFinish))
        j.failing |= bit(Invariant::NoCrash);
    return j;
}

} // namespace bridgepath
