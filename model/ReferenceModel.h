#pragma once
/// ReferenceModel: the same Live Update behaviour as impl/PciLiveUpdate, written to be believed.
///
/// Maps keyed by BDF instead of arrays, the upstream path recomputed from the topology on every
/// call, a walk written as "run the steps, stop where the policy says, report the first error",
/// subtrees found by following each bridge's children. The rules are those
/// of DOMAIN.md and PciLiveUpdate.h, step by step; conformance checks both agree after every op.
/// The table's lifetime is a flag: set at a preserve, and when an outgoing operation leaves nothing
/// directly preserved the table is "released": BUG (v6, nr_devices != 0: the model stops), or the
/// slots devices still hold move to a map of freed copies that later steps read with an event.
/// Generations: every kernel has an outgoing side (the table above, its own FLB session) beside
/// the incoming side it inherited at its kexec (entries, counter, incoming devices); a kexec hands
/// the outgoing table over as the next incoming side and drops the unfinished incoming one.
/// Where versions differ it asks the config's accessors (checkOrderOf, vfCheckOf, releaseCheckOf,
/// endOfUpdateOf), so each choice can be switched alone; the table layout follows `abi`. The
/// design switches (DirectRecord, the release and end-of-update designs) are honoured too.

#include "topology/LiveUpdateConfig.h"
#include "topology/Op.h"
#include "topology/Result.h"
#include "topology/State.h"
#include "topology/StepEvent.h"
#include "topology/Topology.h"

#include <functional>
#include <map>
#include <set>
#include <vector>

namespace bridgepath {

/// The reference model of one Live Update.
class ReferenceModel {
  public:
    /// Outgoing, no slot in use, nr_devices 0.
    ReferenceModel(const Topology &topology, const LiveUpdateConfig &config);

    /// Applies one operation (every BDF it names must be in the topology).
    [[nodiscard]] Result apply(const Op &op);

    /// The observable state.
    State state() const;

    /// The walk steps the last apply() took, in order (rollback steps are Unpreserve steps of a
    /// preserve): what coverage classification and the fail-nth sweep read.
    const std::vector<StepEvent> &lastSteps() const { return steps_; }

    /// Whether `other` (over the same topology and config) behaves as this model under every
    /// future sequence of operations: equal in every member but the history (the event log and
    /// the last steps, whose only effect on the future is whether the kernel is dead), with
    /// freed copies compared as the steps reach them, whatever number their release has. What
    /// the fail-nth sweep merges runs on.
    bool sameFuture(const ReferenceModel &other) const;

  private:
    using Step = std::function<Result(const Bdf &)>;

    std::vector<Bdf> pathOf(const Bdf &dev) const;
    // Unplugged, or not enumerated at some kexec (a device that is gone stays gone).
    bool gone(const Bdf &dev) const;
    std::size_t presentDevices() const;
    bool isBridge(const Bdf &dev) const;
    // `leafFirst` in the order the config's walk visits it.
    std::vector<Bdf> inWalkOrder(std::vector<Bdf> leafFirst) const;
    // Runs `step` over `devices` (given leaf-first) in walk order, stopping as the policy says
    // or when a step kills the kernel; returns the first error.
    [[nodiscard]] Result walk(const std::vector<Bdf> &devices, const Step &step) const;
    // Puts one reference on the incoming state (StepChecks::None); at 0 it is freed.
    void putIncoming();
    // References on the incoming state the devices hold (LUO's count without the files').
    [[nodiscard]] long deviceReferences() const;
    bool consumeFailure(const Bdf &dev, StepKind kind);
    std::optional<std::size_t> newSlot();

    // Each step is logged in steps_; the *Body functions hold the rules.
    [[nodiscard]] Result preserveStep(const Bdf &dev);
    [[nodiscard]] Result unpreserveStep(const Bdf &dev);
    [[nodiscard]] Result finishStep(const Bdf &dev);
    [[nodiscard]] Result preserveStepBody(const Bdf &dev);
    [[nodiscard]] Result unpreserveStepBody(const Bdf &dev);
    [[nodiscard]] Result finishStepBody(const Bdf &dev);

    [[nodiscard]] Result preserve(const Bdf &dev);
    [[nodiscard]] Result unpreserve(const Bdf &dev);
    [[nodiscard]] Result kexec();
    [[nodiscard]] Result finish(const Bdf &dev);
    [[nodiscard]] Result unplug(const Bdf &dev);
    [[nodiscard]] Result corrupt(const Bdf &dev, const std::function<void(SlotEntry &)> &change);
    void event(KernelEventKind kind, std::optional<Bdf> device = std::nullopt);
    // An event of the incoming side (its nr_devices).
    void incomingEvent(KernelEventKind kind);
    void releaseTableIfUnused();
    // v6: `capacity` slots (or one per device present, tableSizedToPresent); v7: none, it grows.
    void allocateTable();

    const Topology *topology_; // a pointer so models can be assigned (RapidCheck copies them)
    LiveUpdateConfig config_;
    Phase phase_ = Phase::Outgoing;
    unsigned generation_ = 0;
    // The incoming side: the decoded entries, their counter, each incoming device's entry and
    // the devices the previous kernel preserved directly.
    std::vector<SlotEntry> inTable_;
    std::uint32_t inNr_ = 0;
    std::map<Bdf, std::size_t> inSlotOf_;
    std::set<Bdf> inDirect_;
    bool inherited_ = false;       // the previous kernel handed over FLB data (it had a session)
    std::size_t inFiles_ = 0;      // preserved files handed over (each holds a reference)
    long inRefs_ = 0;              // LUO's count on the incoming state: files' and devices'
    bool inReleased_ = false;      // its .finish ran: the incoming table is freed
    bool warnedAtRelease_ = false; // this kernel's WARN_ON_ONCE at the release fired
    std::size_t tableSize_ = 0;
    std::map<std::size_t, SlotEntry> table_; // absent = never written since zeroed
    std::uint32_t nrDevices_ = 0;
    bool retrievePending_ = false; // a duplicate key waits for the retrieve at the session's end
    std::map<Bdf, std::size_t> slotOf_; // the device's cached outgoing slot
    std::set<Bdf> frozen_;
    std::set<Bdf> vanishedTops_; // vanish was called on these
    std::set<Bdf> unplugged_;
    std::set<Bdf> notEnumerated_; // after kexec: vanished or unplugged before it
    std::set<std::pair<Bdf, StepKind>> pendingFailures_;
    std::set<Bdf> direct_;
    bool panicked_ = false;
    bool tableAllocated_ = false;
    // Devices pointing into a released table: which slot of which release (two devices that
    // cached one slot, after a lost slot was handed out again, share its freed copy).
    std::map<Bdf, std::pair<unsigned, std::size_t>> freedAt_;
    std::map<std::pair<unsigned, std::size_t>, std::uint16_t> freedSlots_;
    unsigned releases_ = 0;
    /// The refcount of the freed slot `dev` points into, or nullptr.
    std::uint16_t *freedCopy(const Bdf &dev);
    std::vector<KernelEvent> events_;
    bool dead_ = false; // an event in events_ killed the kernel (killsKernel)
    std::vector<StepEvent> steps_;
};

} // namespace bridgepath
