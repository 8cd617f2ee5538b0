#include "topology/State.h"

#include <algorithm>

namespace bridgepath {

const char *toString(Phase p) {
    switch (p) {
    case Phase::Outgoing:
        return "outgoing";
    case Phase::Incoming:
        return "incoming";
    case Phase::Ended:
        return "ended";
    }
    return "?";
}

Bdf SlotEntry::address() const {
    Bdf b;
    b.domain = domain;
    b.bus = static_cast<std::uint8_t>(bdf >> 8);
    b.devfn = static_cast<std::uint8_t>(bdf & 0xff);
    return b;
}

SlotEntry SlotEntry::of(const Bdf &b, std::uint16_t refcount) {
    return SlotEntry{b.domain, b.abiBdf(), refcount};
}

std::map<Bdf, unsigned> State::slots() const {
    std::map<Bdf, unsigned> out;
    for (const SlotEntry &e : table)
        if (e.refcount != 0)
            out[e.address()] += e.refcount;
    return out;
}

unsigned State::refcount(const Bdf &b) const {
    unsigned n = 0;
    for (const SlotEntry &e : table)
        if (e.refcount != 0 && e.address() == b)
            n += e.refcount;
    return n;
}

State State::outgoingSide() const {
    State s = *this;
    s.incoming = IncomingSide{};
    s.panicked = false;
    return s;
}

State State::incomingSide() const {
    State s = *this;
    s.table = incoming.table;
    s.nrDevices = incoming.nrDevices;
    s.directlyPreserved = incoming.directlyPreserved;
    s.dangling.clear();
    s.incoming = IncomingSide{};
    s.incoming.references = incoming.references;
    return s;
}

bool State::outgoingIdle() const {
    return slots().empty() && nrDevices == 0 && directlyPreserved.empty() && dangling.empty();
}

State State::shownSide() const {
    return generation > 0 && outgoingIdle() ? incomingSide() : outgoingSide();
}

bool operator==(const State &a, const State &b) {
    return a.phase == b.phase && a.generation == b.generation && a.incoming == b.incoming &&
           a.table == b.table && a.nrDevices == b.nrDevices &&
           a.directlyPreserved == b.directlyPreserved && a.panicked == b.panicked &&
           a.pendingFailures == b.pendingFailures && a.dangling == b.dangling &&
           a.events == b.events;
}

bool State::crashed() const {
    return crashedBy(events);
}

bool State::anyCrash() const {
    for (const KernelEvent &e : events)
        if (isCrash(e.kind))
            return true;
    return false;
}

namespace {

std::string entryText(const SlotEntry &e) {
    return e.refcount == 0 && e.domain == 0 && e.bdf == 0
               ? std::string("free")
               : e.address().toString() + " refcount " + std::to_string(e.refcount);
}

std::string setText(const std::set<Bdf> &s) {
    std::string out = "{";
    for (const Bdf &b : s)
        out += (out.size() > 1 ? ", " : "") + b.toString();
    return out + "}";
}

} // namespace

std::string describeDifference(const State &expected, const State &actual) {
    if (expected.phase != actual.phase)
        return std::string("phase ") + toString(expected.phase) + " vs " + toString(actual.phase);
    if (expected.generation != actual.generation)
        return "generation " + std::to_string(expected.generation) + " vs " +
               std::to_string(actual.generation);
    if (expected.incoming.nrDevices != actual.incoming.nrDevices)
        return "incoming nr_devices " + std::to_string(expected.incoming.nrDevices) + " vs " +
               std::to_string(actual.incoming.nrDevices);
    if (expected.incoming.table.size() != actual.incoming.table.size())
        return "incoming table size " + std::to_string(expected.incoming.table.size()) + " vs " +
               std::to_string(actual.incoming.table.size());
    for (std::size_t i = 0; i < expected.incoming.table.size(); ++i)
        if (expected.incoming.table[i] != actual.incoming.table[i])
            return "incoming slot " + std::to_string(i) + ": " +
                   entryText(expected.incoming.table[i]) + " vs " +
                   entryText(actual.incoming.table[i]);
    if (expected.incoming.references != actual.incoming.references)
        return "incoming references held by devices " +
               std::to_string(expected.incoming.references) + " vs " +
               std::to_string(actual.incoming.references);
    if (expected.incoming.directlyPreserved != actual.incoming.directlyPreserved)
        return "directly incoming " + setText(expected.incoming.directlyPreserved) + " vs " +
               setText(actual.incoming.directlyPreserved);
    if (expected.nrDevices != actual.nrDevices)
        return "nr_devices " + std::to_string(expected.nrDevices) + " vs " +
               std::to_string(actual.nrDevices);
    if (expected.table.size() != actual.table.size())
        return "table size " + std::to_string(expected.table.size()) + " vs " +
               std::to_string(actual.table.size());
    for (std::size_t i = 0; i < expected.table.size(); ++i)
        if (expected.table[i] != actual.table[i])
            return "slot " + std::to_string(i) + ": " + entryText(expected.table[i]) + " vs " +
                   entryText(actual.table[i]);
    if (expected.directlyPreserved != actual.directlyPreserved)
        return "directly preserved " + setText(expected.directlyPreserved) + " vs " +
               setText(actual.directlyPreserved);
    if (expected.panicked != actual.panicked)
        return std::string("panic ") + (expected.panicked ? "yes" : "no") + " vs " +
               (actual.panicked ? "yes" : "no");
    if (expected.pendingFailures != actual.pendingFailures)
        return "pending fail-next faults differ (" +
               std::to_string(expected.pendingFailures.size()) + " vs " +
               std::to_string(actual.pendingFailures.size()) + ")";
    if (expected.dangling != actual.dangling)
        return "devices pointing into a freed table differ (" +
               std::to_string(expected.dangling.size()) + " vs " +
               std::to_string(actual.dangling.size()) + ")";
    for (std::size_t i = 0; i < std::max(expected.events.size(), actual.events.size()); ++i) {
        auto text = [](const std::vector<KernelEvent> &v, std::size_t k) {
            if (k >= v.size())
                return std::string("none");
            return std::string(toString(v[k].kind)) +
                   (v[k].device ? " at " + v[k].device->toString() : "");
        };
        if (i >= expected.events.size() || i >= actual.events.size() ||
            expected.events[i] != actual.events[i])
            return "kernel event " + std::to_string(i + 1) + ": " + text(expected.events, i) +
                   " vs " + text(actual.events, i);
    }
    return "";
}

} // namespace bridgepath
