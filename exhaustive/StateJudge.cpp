#include "exhaustive/StateJudge.h"

#include "model/IdealSpec.h"
#include "model/InvariantRules.h"

#include <algorithm>

namespace bridgepath {

namespace {

constexpr std::uint32_t kRoot = rules::kNoEntry;
// parent_ is both the rules' parent and idealInto's.
static_assert(kRoot == kRootBus);

} // namespace

// The rules' view of one side of the implementation, as judgeSide() gathered it: entries
// 0 .. n-1 are the devices, entries from n on the slots in use that name no device of the tree.
class StateJudge::Side {
  public:
    Side(const StateJudge &j, std::uint32_t nr, bool dangling, bool referenced, bool panicked,
         std::optional<DeviceId> soleFault)
        : j_(j), nr_(nr), dangling_(dangling), referenced_(referenced), panicked_(panicked),
          soleFault_(soleFault) {}

    std::uint32_t entries() const { return static_cast<std::uint32_t>(j_.refcount_.size()); }
    std::uint32_t have(std::uint32_t e) const { return j_.refcount_[e]; }
    std::uint32_t want(std::uint32_t e) const { return j_.ideal_[e]; }
    std::uint32_t parent(std::uint32_t e) const { return e < n() ? j_.parent_[e] : kRoot; }
    bool faulty(std::uint32_t e) const {
        if (!soleFault_)
            return false;
        // model/Invariant compares BDFs: a stray slot naming the faulty device's BDF is excused.
        return e < n() ? *soleFault_ == e : j_.strayKey_[e - n()] == j_.key_[*soleFault_];
    }
    std::uint32_t inUse() const { return j_.inUse_; }
    std::uint32_t counter() const { return nr_; }
    std::optional<std::size_t> capacity() const { return j_.capacity_; }
    bool dangling() const { return dangling_; }
    bool referenced() const { return referenced_; }
    bool nothingPreserved() const { return j_.nothing_; }
    bool panicked() const { return panicked_; }
    bool hasSoleFault() const { return soleFault_.has_value(); }

  private:
    std::uint32_t n() const { return static_cast<std::uint32_t>(j_.key_.size()); }

    const StateJudge &j_;
    std::uint32_t nr_;
    bool dangling_, referenced_, panicked_;
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
                                    Direct direct, std::uint32_t dangling, bool referenced,
                                    bool panicked, std::optional<DeviceId> soleFault,
                                    std::uint32_t &inUse, bool &nothing) const {
    const std::size_t n = key_.size();
    // No allocation once the most stray slots so far were seen: assign and clear keep the
    // capacity.
    refcount_.assign(n, 0);
    strayKey_.clear();
    strayRefcount_.clear();
    inUse_ = 0;
    // Each slot in use counted on the device it names; those naming no device of the tree (a
    // set-refcount on a lost slot names 0000:00:00.0) are entries of their own, after the
    // devices.
    for (const SlotEntry &e : slots) {
        if (e.refcount == 0)
            continue;
        ++inUse_;
        const std::uint32_t key = e.domain << 16 | e.bdf;
        const auto it = std::find(key_.begin(), key_.end(), key);
        if (it != key_.end()) {
            refcount_[static_cast<std::size_t>(it - key_.begin())] += e.refcount;
            continue;
        }
        strayKey_.push_back(key);
        strayRefcount_.push_back(e.refcount);
    }
    refcount_.insert(refcount_.end(), strayRefcount_.begin(), strayRefcount_.end());
    // idealInto fills the devices' ideal; the stray entries' is 0: they name no device.
    ideal_.resize(refcount_.size());
    std::fill(ideal_.begin() + static_cast<std::ptrdiff_t>(n), ideal_.end(), 0);
    nothing_ =
        idealInto(
            static_cast<std::uint32_t>(n), [&](std::uint32_t d) { return parent_[d]; },
            [&](std::uint32_t d) { return direct(static_cast<DeviceId>(d)); }, ideal_.data()) == 0;
    inUse = inUse_;
    nothing = nothing_;
    return rules::failingOnSide(Side(*this, nr, dangling != 0, referenced, panicked, soleFault));
}

Judgement StateJudge::judge(const PciLiveUpdate &impl, std::optional<DeviceId> soleFault) const {
    Judgement j;
    for (std::size_t d = 0; d < key_.size(); ++d)
        j.dangling += impl.dangling(d);
    // The outgoing side: panicked belongs to the incoming one.
    j.failing = judgeSide(
        impl.slots(), impl.nrDevices(), [&](DeviceId d) { return impl.directlyPreserved(d); },
        j.dangling, false, false, soleFault, j.slotsInUse, j.nothingPreserved);
    if (j.nothingPreserved)
        j.leakedSlots = j.slotsInUse + j.dangling;
    if (impl.generation() != 0) {
        std::uint32_t inUse = 0;
        bool nothing = false;
        j.failing |= judgeSide(
            impl.incomingSlots(), impl.incomingNrDevices(),
            [&](DeviceId d) { return impl.directlyIncoming(d); }, 0, impl.incomingReferences() > 0,
            impl.panicked(), soleFault, inUse, nothing);
        if (nothing)
            j.leakedSlots = std::max(j.leakedSlots, inUse);
    }
    if (!rules::noCrash([&](KernelEventKind k) { return impl.happened(k); }))
        j.failing |= 1u << static_cast<int>(Invariant::NoCrash);
    return j;
}

} // namespace bridgepath
