#include "model/Invariant.h"

#include "model/IdealSpec.h"

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

Verdict closure(const Topology &t, const State &s) {
    const auto slots = s.slots();
    std::vector<std::string> bad;
    for (const auto &[bdf, rc] : slots) {
        const auto id = t.find(bdf);
        if (!id)
            continue;
        for (DeviceId up : t.upstreamPath(*id))
            if (!slots.count(t.bdf(up))) {
                bad.push_back(bdf.toString() + " without " + t.bdf(up).toString());
                break;
            }
    }
    if (bad.empty())
        return {};
    return {false, "slot below a bridge without one: " + list(bad)};
}

Verdict exactCount(const Topology &t, const State &s) {
    std::vector<std::string> bad;
    for (const auto &[b, counts] : refcountsAndIdeal(t, s))
        if (counts.first != counts.second)
            bad.push_back(b.toString() + " refcount " + std::to_string(counts.first) + " ideal " +
                          std::to_string(counts.second));
    if (bad.empty())
        return {};
    return {false, list(bad)};
}

Verdict nrDevices(const State &s, std::optional<std::size_t> capacity) {
    std::size_t inUse = 0;
    for (const SlotEntry &e : s.table)
        inUse += e.refcount != 0 ? 1 : 0;
    if (s.nrDevices != inUse)
        return {false, "nr_devices " + std::to_string(s.nrDevices) + " but " +
                           std::to_string(inUse) + " slots in use"};
    if (capacity && s.nrDevices > *capacity)
        return {false, "nr_devices " + std::to_string(s.nrDevices) + " above capacity " +
                           std::to_string(*capacity)};
    return {};
}

Verdict noLeak(const State &s) {
    if (!s.directlyPreserved.empty())
        return {};
    std::vector<std::string> held;
    for (const auto &[b, rc] : s.slots())
        held.push_back(b.toString() + " refcount " + std::to_string(rc));
    for (const auto &[b, rc] : s.dangling)
        held.push_back(b.toString() + " still pointing into the freed table");
    if (held.empty() && s.nrDevices == 0)
        return {};
    return {false, "nothing is preserved but " +
                       (held.empty() ? std::string("no slot is in use") : list(held)) +
                       " and nr_devices is " + std::to_string(s.nrDevices)};
}

Verdict noPrematureRelease(const Topology &t, const State &s) {
    std::vector<std::string> bad;
    const auto slots = s.slots();
    for (const auto &[b, want] : idealRefcounts(t, s.directlyPreserved)) {
        auto it = slots.find(b);
        const unsigned have = it == slots.end() ? 0 : it->second;
        if (have < want)
            bad.push_back(b.toString() + " refcount " + std::to_string(have) + " but " +
                          std::to_string(want) + " preserved device(s) need it");
    }
    if (bad.empty())
        return {};
    return {false, list(bad)};
}

Verdict atomicPreserve(const InvariantInput &in) {
    if (!in.before || !in.op || in.op->kind != OpKind::Preserve || in.result == Result::Ok)
        return {};
    const State &a = *in.before, &b = in.after;
    if (a.table == b.table && a.nrDevices == b.nrDevices &&
        a.directlyPreserved == b.directlyPreserved && a.incoming == b.incoming)
        return {};
    std::string what = describeDifference(a, b);
    return {false, "preserve " + in.op->bdf.toString() + " failed " + toString(in.result) +
                       " but changed the state: " + what};
}

Verdict containment(const InvariantInput &in) {
    if (!in.faults || in.faults->size() != 1)
        return {};
    const Bdf &faulty = in.faults->front();
    std::vector<std::string> bad;
    for (const auto &[b, counts] : refcountsAndIdeal(in.topology, in.after))
        if (b != faulty && counts.first != counts.second)
            bad.push_back(b.toString() + " refcount " + std::to_string(counts.first) + " ideal " +
                          std::to_string(counts.second));
    if (bad.empty())
        return {};
    return {false, "the one fault was at " + faulty.toString() + " but " + list(bad)};
}

Verdict noPanicAtFinish(const State &s) {
    if (!s.panicked || !s.directlyPreserved.empty())
        return {};
    return {false, "every preserved device was finished but finish-all found nr_devices " +
                       std::to_string(s.nrDevices) + " and panicked"};
}

Verdict noCrash(const State &s) {
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
        return nrDevices(s, in.capacity);
    case Invariant::AtomicPreserve:
        return atomicPreserve(in);
    case Invariant::NoLeak:
        return noLeak(s);
    case Invariant::NoPrematureRelease:
        return noPrematureRelease(t, s);
    case Invariant::Containment:
        return containment(in);
    case Invariant::NoPanicAtFinish:
        return noPanicAtFinish(s);
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
