#include "exhaustive/StateJudge.h"

#include <algorithm>

namespace bridgepath {

namespace {

constexpr std::uint32_t kRoot = UINT32_MAX;

std::uint32_t bit(Invariant i) {
    return 1u << static_cast<int>(i);
}

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

template <class Direct>
std::uint32_t StateJudge::judgeSide(const std::vector<SlotEntry> &slots, std::uint32_t nr,
                                    Direct direct, std::uint32_t dangling, bool panicked,
                                    std::optional<DeviceId> soleFault, std::uint32_t &inUse,
                                    bool &nothing) const {
    const std::size_t n = key_.size();
    std::fill(refcount_.begin(), refcount_.end(), 0);
    std::fill(ideal_.begin(), ideal_.end(), 0);
    std::uint32_t failing = 0;
    inUse = 0;
    // Slots naming no device of the tree (a set-refcount on a lost slot names 0000:00:00.0):
    // counted as off (their ideal is 0), skipped by closure, as model/Invariant does.
    bool strayOff = false, strayOffOutsideFault = false;
    for (const SlotEntry &e : slots) {
        if (e.refcount == 0)
            continue;
        ++inUse;
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
    nothing = true;
    for (std::size_t d = 0; d < n; ++d) {
        if (!direct(static_cast<DeviceId>(d)))
            continue;
        nothing = false;
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
        failing |= bit(Invariant::Closure);
    if (!exact)
        failing |= bit(Invariant::ExactCount);
    if (nr != inUse || (capacity_ && nr > *capacity_))
        failing |= bit(Invariant::NrDevices);
    if (nothing && (inUse != 0 || dangling != 0 || nr != 0))
        failing |= bit(Invariant::NoLeak);
    if (!premature)
        failing |= bit(Invariant::NoPrematureRelease);
    if (soleFault && !contained)
        failing |= bit(Invariant::Containment);
    if (panicked && nothing)
        failing |= bit(Invariant::NoPanicAtFinish);
    return failing;
}

Judgement StateJudge::judge(const PciLiveUpdate &impl, std::optional<DeviceId> soleFault) const {
    Judgement j;
    for (std::size_t d = 0; d < key_.size(); ++d)
        j.dangling += impl.dangling(d);
    // The outgoing side: panicked belongs to the incoming one.
    j.failing = judgeSide(
        impl.slots(), impl.nrDevices(), [&](DeviceId d) { return impl.directlyPreserved(d); },
        j.dangling, false, soleFault, j.slotsInUse, j.nothingPreserved);
    if (j.nothingPreserved)
        j.leakedSlots = j.slotsInUse + j.dangling;
    if (impl.generation() != 0) {
        std::uint32_t inUse = 0;
        bool nothing = false;
        j.failing |= judgeSide(
            impl.incomingSlots(), impl.incomingNrDevices(),
            [&](DeviceId d) { return impl.directlyIncoming(d); }, 0, impl.panicked(), soleFault,
            inUse, nothing);
        if (nothing)
            j.leakedSlots = std::max(j.leakedSlots, inUse);
    }
    if (impl.happened(KernelEventKind::BugAtRelease) ||
        impl.happened(KernelEventKind::UseAfterFree) ||
        impl.happened(KernelEventKind::PanicAtFinish) ||
        impl.happened(KernelEventKind::RetrieveFailed))
        j.failing |= bit(Invariant::NoCrash);
    return j;
}

} // namespace bridgepath
