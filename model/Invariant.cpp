#include "model/Invariant.h"

#include "model/IdealSpec.h"
#include "model/InvariantRules.h"

#include <cstdint>
#include <map>

namespace bridgepath {

const char *toString(Invariant i) {
    switch (i) {
    case Invariant::Closure:
        return "closure";
    case Invariant::ExactCount:
        return "exact-count";
    case Invariant::NrDevices:
        return "nr-devices";
    case Invariant::AtomicPreserve:
        return "atomic-preserve";
    case Invariant::NoLeak:
        return "no-leak";
    case Invariant::NoPrematureRelease:
        return "no-premature-release";
    case Invariant::Containment:
        return "containment";
    case Invariant::NoPanicAtFinish:
        return "no-panic-at-finish";
    case Invariant::NoCrash:
        return "no-crash";
    }
    return "?";
}

const std::vector<Invariant> &allInvariants() {
    static const std::vector<Invariant> all{
        Invariant::Closure,        Invariant::ExactCount,      Invariant::NrDevices,
        Invariant::AtomicPreserve, Invariant::NoLeak,          Invariant::NoPrematureRelease,
        Invariant::Containment,    Invariant::NoPanicAtFinish, Invariant::NoCrash};
    return all;
}

std::optional<Invariant> parseInvariant(std::string_view name) {
    for (Invariant i : allInvariants())
        if (name == toString(i))
            return i;
    return std::nullopt;
}

namespace {

std::string list(const std::vector<std::string> &items) {
    std::string out;
    for (const auto &s : items)
        out += (out.empty() ? "" : ", ") + s;
    return out;
}

// model/InvariantRules.h's view of one side of a State, in BDF order (the order the reasons list
// them in): an entry per BDF named by a slot in use or with a nonzero ideal, and per device
// upstream of one. The rest of the tree (no slot, ideal 0, nothing held below) is left out: no
// rule can report it, so a step of a 100,000-device tree costs its paths, not the tree. Without
// `entries` only the counts are read.
class StateSide {
  public:
    StateSide(const Topology &t, const State &s, std::optional<std::size_t> capacity,
              const std::vector<Bdf> *faults, bool entries)
        : s_(s), capacity_(capacity) {
        for (const SlotEntry &e : s.table)
            inUse_ += e.refcount != 0 ? 1 : 0;
        if (faults && faults->size() == 1)
            faulty_ = faults->front();
        if (!entries)
            return;
        const auto slots = s.slots();
        const auto ideal = idealRefcounts(t, s.directlyPreserved);
        // Each BDF with its device's upstream path (closure walks it to the root).
        std::map<Bdf, std::uint32_t> index;
        std::map<Bdf, std::optional<DeviceId>> upstream;
        const auto addWithPath = [&](const Bdf &b) {
            if (!index.emplace(b, 0).second)
                return; // its path is in already
            const auto id = t.find(b);
            for (auto at = id; at;) {
                const auto up = t.parent(*at);
                upstream[t.bdf(*at)] = up;
                if (!up || !index.emplace(t.bdf(*up), 0).second)
                    break;
                at = up;
            }
        };
        for (const auto &[b, rc] : slots)
            addWithPath(b);
        for (const auto &[b, want] : ideal)
            addWithPath(b);
        for (auto &[b, i] : index) {
            i = static_cast<std::uint32_t>(bdfs_.size());
            bdfs_.push_back(b);
        }
        for (const Bdf &b : bdfs_) {
            const auto rc = slots.find(b);
            have_.push_back(rc == slots.end() ? 0 : rc->second);
            const auto want = ideal.find(b);
            want_.push_back(want == ideal.end() ? 0 : want->second);
            const auto up = upstream.find(b);
            parent_.push_back(up != upstream.end() && up->second ? index.at(t.bdf(*up->second))
                                                                 : rules::kNoEntry);
        }
    }

    std::uint32_t entries() const { return static_cast<std::uint32_t>(bdfs_.size()); }
    std::uint32_t have(std::uint32_t e) const { return have_[e]; }
    std::uint32_t want(std::uint32_t e) const { return want_[e]; }
    std::uint32_t parent(std::uint32_t e) const { return parent_[e]; }
    bool faulty(std::uint32_t e) const { return faulty_ && bdfs_[e] == *faulty_; }
    std::uint32_t inUse() const { return inUse_; }
    std::uint32_t counter() const { return s_.nrDevices; }
    std::optional<std::size_t> capacity() const { return capacity_; }
    bool dangling() const { return !s_.dangling.empty(); }
    bool referenced() const { return s_.incoming.references > 0; }
    bool nothingPreserved() const { return s_.directlyPreserved.empty(); }
    bool panicked() const { return s_.panicked; }
    bool hasSoleFault() const { return faulty_.has_value(); }

    const Bdf &bdf(std::uint32_t e) const { return bdfs_[e]; }
    // "B refcount R ideal I" of an entry.
    std::string counts(std::uint32_t e) const {
        return bdfs_[e].toString() + " refcount " + std::to_string(have_[e]) + " ideal " +
               std::to_string(want_[e]);
    }

  private:
    const State &s_;
    std::optional<std::size_t> capacity_;
    std::optional<Bdf> faulty_;
    std::uint32_t inUse_ = 0;
    std::vector<Bdf> bdfs_;
    std::vector<std::uint32_t> have_, want_, parent_;
};

Verdict closure(const Topology &t, const State &s) {
    const StateSide v(t, s, std::nullopt, nullptr, true);
    std::vector<std::string> bad;
    if (rules::closure(v, [&](std::uint32_t e, std::uint32_t up) {
            bad.push_back(v.bdf(e).toString() + " without " + v.bdf(up).toString());
            return true;
        }))
        return {};
    return {false, "slot below a bridge without one: " + list(bad)};
}

Verdict exactCount(const Topology &t, const State &s) {
    const StateSide v(t, s, std::nullopt, nullptr, true);
    std::vector<std::string> bad;
    if (rules::exactCount(v, [&](std::uint32_t e) {
            bad.push_back(v.counts(e));
            return true;
        }))
        return {};
    return {false, list(bad)};
}

Verdict nrDevices(const Topology &t, const State &s, std::optional<std::size_t> capacity) {
    const StateSide v(t, s, capacity, nullptr, false);
    switch (rules::nrDevices(v)) {
    case rules::NrDevicesBreak::None:
        return {};
    case rules::NrDevicesBreak::Count:
        return {false, "nr_devices " + std::to_string(s.nrDevices) + " but " +
                           std::to_string(v.inUse()) + " slots in use"};
    case rules::NrDevicesBreak::Capacity:
        return {false, "nr_devices " + std::to_string(s.nrDevices) + " above capacity " +
                           std::to_string(*capacity)};
    }
    return {};
}

Verdict noLeak(const Topology &t, const State &s) {
    if (rules::noLeak(StateSide(t, s, std::nullopt, nullptr, false)))
        return {};
    std::vector<std::string> held;
    for (const auto &[b, rc] : s.slots())
        held.push_back(b.toString() + " refcount " + std::to_string(rc));
    for (const auto &[b, rc] : s.dangling)
        held.push_back(b.toString() + " still pointing into the freed table");
    if (s.incoming.references > 0)
        held.push_back(std::to_string(s.incoming.references) +
                       " device reference(s) on the incoming state never put");
    return {false, "nothing is preserved but " +
                       (held.empty() ? std::string("no slot is in use") : list(held)) +
                       " and nr_devices is " + std::to_string(s.nrDevices)};
}

Verdict noPrematureRelease(const Topology &t, const State &s) {
    const StateSide v(t, s, std::nullopt, nullptr, true);
    std::vector<std::string> bad;
    if (rules::noPrematureRelease(v, [&](std::uint32_t e) {
            bad.push_back(v.bdf(e).toString() + " refcount " + std::to_string(v.have(e)) + " but " +
                          std::to_string(v.want(e)) + " preserved device(s) need it");
            return true;
        }))
        return {};
    return {false, list(bad)};
}

// rules::atomicPreserve's view of a step: the States before (`a`) and after (`b`) it.
struct StateStep {
    const State &a, &b;

    bool sameTable() const { return a.table == b.table; }
    bool sameCounter() const { return a.nrDevices == b.nrDevices; }
    bool sameDirectlyPreserved() const { return a.directlyPreserved == b.directlyPreserved; }
    bool sameIncoming() const { return a.incoming == b.incoming; }
};

Verdict atomicPreserve(const InvariantInput &in) {
    if (!in.before || !in.op ||
        rules::atomicPreserve(in.op->kind, in.result, StateStep{*in.before, in.after}))
        return {};
    std::string what = describeDifference(*in.before, in.after);
    return {false, "preserve " + in.op->bdf.toString() + " failed " + toString(in.result) +
                       " but changed the state: " + what};
}

Verdict containment(const InvariantInput &in) {
    const StateSide v(in.topology, in.after, std::nullopt, in.faults, true);
    std::vector<std::string> bad;
    if (rules::containment(v, [&](std::uint32_t e) {
            bad.push_back(v.counts(e));
            return true;
        }))
        return {};
    return {false, "the one fault was at " + in.faults->front().toString() + " but " + list(bad)};
}

Verdict noPanicAtFinish(const Topology &t, const State &s) {
    if (rules::noPanicAtFinish(StateSide(t, s, std::nullopt, nullptr, false)))
        return {};
    return {false, "every preserved device was finished but finish-all found nr_devices " +
                       std::to_string(s.nrDevices) + " and panicked"};
}

Verdict noCrash(const State &s) {
    if (rules::noCrash([&](KernelEventKind k) { return happened(s.events, k); }))
        return {};
    for (const KernelEvent &e : s.events)
        if (isCrash(e.kind))
            return {false, describe(e)};
    return {};
}

// The rules judged on one side's view (a table, its counter, its directly preserved set).
Verdict checkSide(Invariant i, const InvariantInput &in) {
    const Topology &t = in.topology;
    const State &s = in.after;
    switch (i) {
    case Invariant::Closure:
        return closure(t, s);
    case Invariant::ExactCount:
        return exactCount(t, s);
    case Invariant::NrDevices:
        return nrDevices(t, s, in.capacity);
    case Invariant::AtomicPreserve:
        return atomicPreserve(in);
    case Invariant::NoLeak:
        return noLeak(t, s);
    case Invariant::NoPrematureRelease:
        return noPrematureRelease(t, s);
    case Invariant::Containment:
        return containment(in);
    case Invariant::NoPanicAtFinish:
        return noPanicAtFinish(t, s);
    case Invariant::NoCrash:
        return noCrash(s);
    }
    return {};
}

} // namespace

Verdict check(Invariant i, const InvariantInput &in) {
    switch (i) {
    case Invariant::AtomicPreserve: // compares whole states, both sides
    case Invariant::NoCrash:        // the kernel log is one
        return checkSide(i, in);
    case Invariant::Closure:
    case Invariant::ExactCount:
    case Invariant::NrDevices:
    case Invariant::NoLeak:
    case Invariant::NoPrematureRelease:
    case Invariant::Containment:
    case Invariant::NoPanicAtFinish:
        break;
    }
    // Each side is held to the same rules: the outgoing one, and after a kexec the incoming one.
    const State outgoing = in.after.outgoingSide();
    const InvariantInput side{in.topology, outgoing,  in.capacity, in.before,
                              in.op,       in.result, in.faults};
    if (Verdict v = checkSide(i, side); !v.holds || in.after.generation == 0)
        return v;
    const State incoming = in.after.incomingSide();
    const InvariantInput inc{in.topology, incoming,  in.capacity, nullptr,
                             nullptr,     in.result, in.faults};
    Verdict v = checkSide(i, inc);
    if (!v.holds)
        v.why = "incoming: " + v.why;
    return v;
}

Verdict check(Invariant i, const Topology &t, const State &s, std::optional<std::size_t> capacity) {
    return check(i, InvariantInput{t, s, capacity});
}

} // namespace bridgepath
