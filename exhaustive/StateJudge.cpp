#include "exhaustive/StateJudge.h"

#include "model/InvariantRules.h"

#include <algorithm>

namespace bridgepath {

namespace {

constexpr std::uint32_t kRoot = rules::kNoEntry;

} // namespace

// The rules' view of one side of the implementation: entries 0 .. n-1 are the devices, entry
// n + k the outgoing (or incoming) slot k when it is in use and names no device of the tree.
class StateJudge::Side {
  public:
    Side(const StateJudge &j, const std::vector<SlotEntry> &slots, std::uint32_t nr, bool dangling,
         bool panicked, std::optional<DeviceId> soleFault)
        : j_(j), slots_(slots), nr_(nr), dangling_(dangling), panicked_(panicked),
          soleFault_(soleFault) {}

    std::uint32_t entries() const { return static_cast<std::uint32_t>(n() + slots_.size()); }
    std::uint32_t have(std::uint32_t e) const {
        if (e < n())
            return j_.refcount_[e];
        const std::size_t k = e - n();
        return j_.slotDevice_[k] == kRoot ? slots_[k].refcount : 0;
    }
    std::uint32_t want(std::uint32_t e) const { return e < n() ? j_.ideal_[e] : 0; }
    std::uint32_t parent(std::uint32_t e) const { return e < n() ? j_.parent_[e] : kRoot; }
    bool faulty(std::uint32_t e) const {
        if (e < n())
            return soleFault_ && *soleFault_ == e;
        // model/Invariant compares BDFs: a stray slot naming the faulty device's BDF is excused.
        const SlotEntry &s = slots_[e - n()];
        return soleFault_ && j_.key_[*soleFault_] == (s.domain << 16 | s.bdf);
    }
    std::uint32_t inUse() const { return j_.inUse_; }
    std::uint32_t counter() const { return nr_; }
    std::optional<std::size_t> capacity() const { return j_.capacity_; }
    bool dangling() const { return dangling_; }
    bool nothingPreserved() const { return j_.nothing_; }
    bool panicked() const { return panicked_; }
    bool hasSoleFault() const { return soleFault_.has_value(); }

  private:
    std::size_t n() const { return j_.key_.size(); }

    const StateJudge &j_;
    const std::vector<SlotEntry> &slots_;
    std::uint32_t nr_;
    bool dangling_, panicked_;
    std::optional<DeviceId> soleFault_;
};

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
    slotDevice_.resize(slots.size()); // no allocation once the largest table was seen
    inUse_ = 0;
    // Each slot in use counted on the device it names; those naming no device of the tree (a
    // set-refcount on a lost slot names 0000:00:00.0) are entries of their own.
    for (std::size_t k = 0; k < slots.size(); ++k) {
        const SlotEntry &e = slots[k];
        slotDevice_[k] = kRoot;
        if (e.refcount == 0)
            continue;
        ++inUse_;
        const std::uint32_t key = e.domain << 16 | e.bdf;
        const auto it = std::find(key_.begin(), key_.end(), key);
        slotDevice_[k] = it == key_.end() ? kRoot : static_cast<std::uint32_t>(it - key_.begin());
        if (it != key_.end())
            refcount_[slotDevice_[k]] += e.refcount;
    }
    // ideal (IdealSpec): each directly preserved device counts on its whole upstream path.
    nothing_ = true;
    for (std::size_t d = 0; d < n; ++d) {
        if (!direct(static_cast<DeviceId>(d)))
            continue;
        nothing_ = false;
        for (std::uint32_t up = static_cast<std::uint32_t>(d); up != kRoot; up = parent_[up])
            ++ideal_[up];
    }
    inUse = inUse_;
    nothing = nothing_;
    return rules::failingOnSide(Side(*this, slots, nr, dangling != 0, panicked, soleFault));
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
    if (!rules::noCrash([&](KernelEventKind k) { return impl.happened(k); }))
        j.failing |= 1u << static_cast<int>(Invariant::NoCrash);
    return j;
}

} // namespace bridgepath
