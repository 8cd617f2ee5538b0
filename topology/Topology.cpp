#include "topology/Topology.h"

#include "topology/InputError.h"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <map>
#include <mutex>
#include <set>

namespace bridgepath {

const char *toString(DeviceKind kind) {
    switch (kind) {
    case DeviceKind::Bridge:
        return "bridge";
    case DeviceKind::Endpoint:
        return "endpoint";
    }
    return "?";
}

namespace {

struct DeviceRecord {
    Bdf bdf;
    DeviceKind kind = DeviceKind::Endpoint;
    unsigned secondary = 0;
    unsigned subordinate = 0;
    bool vf = false;
    std::string label;
};

// Edges run parent -> child; vertex i is the i-th device in BDF order.
using Adjacency =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, DeviceRecord>;

} // namespace

struct Topology::Graph {
    Adjacency g;
    std::vector<std::size_t> depth;  // bridges above each device, computed once at build
    std::vector<DeviceId> endpoints; // the devices that are not bridges, likewise
    // derived()'s values by type; the one part written after build(), under the lock.
    std::mutex derivedLock;
    std::map<std::type_index, std::shared_ptr<const void>> derived;
};

// A built topology never changes, so copies share one graph.
Topology::Topology() : graph_(std::make_shared<Graph>()) {}
Topology::Topology(const Topology &o) = default;
Topology::Topology(Topology &&o) noexcept = default;
Topology &Topology::operator=(const Topology &o) = default;
Topology &Topology::operator=(Topology &&o) noexcept = default;
Topology::~Topology() = default;

namespace {

std::string rangeText(const DeviceSpec &s) {
    return "[" + std::to_string(s.secondary) + "-" + std::to_string(s.subordinate) + "]";
}

// The bus ranges must nest as a PCI hierarchy's do: a bridge's range inside its parent's, the
// ranges of bridges on one bus (or on the root buses of one domain) disjoint, and no root bus
// inside a bridge's range. `parentOf[i]` is the bridge forwarding to specs[i]'s bus.
template <class PlaceOf>
void checkBusRanges(const std::vector<DeviceSpec> &specs,
                    const std::vector<std::optional<std::size_t>> &parentOf, PlaceOf placeOf) {
    // Bridges grouped by where they sit: their parent bridge, or (domain, no parent).
    std::map<std::pair<std::uint32_t, std::optional<std::size_t>>, std::vector<std::size_t>> onBus;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        const DeviceSpec &c = specs[i];
        if (c.kind != DeviceKind::Bridge)
            continue;
        onBus[{c.bdf.domain, parentOf[i]}].push_back(i);
        if (!parentOf[i])
            continue;
        const DeviceSpec &p = specs[*parentOf[i]];
        if (c.subordinate > p.subordinate)
            throw InputError(placeOf(c), "bridge " + c.bdf.toString() + " forwards " +
                                             rangeText(c) + ", outside the range " + rangeText(p) +
                                             " of the bridge above it, " + p.bdf.toString());
    }
    for (auto &[where, bridges] : onBus) {
        std::sort(bridges.begin(), bridges.end(), [&](std::size_t a, std::size_t b) {
            return specs[a].secondary < specs[b].secondary;
        });
        for (std::size_t k = 1; k < bridges.size(); ++k) {
            const DeviceSpec &a = specs[bridges[k - 1]], &b = specs[bridges[k]];
            if (b.secondary <= a.subordinate)
                throw InputError(placeOf(b), "bridges " + a.bdf.toString() + " " + rangeText(a) +
                                                 " and " + b.bdf.toString() + " " + rangeText(b) +
                                                 " forward overlapping bus ranges");
        }
    }
    // The top-level ranges of each domain are disjoint and sorted now: a root bus inside one?
    for (std::size_t i = 0; i < specs.size(); ++i) {
        if (parentOf[i])
            continue;
        const DeviceSpec &d = specs[i];
        const auto top = onBus.find({d.bdf.domain, std::nullopt});
        if (top == onBus.end())
            continue;
        const std::vector<std::size_t> &ranges = top->second;
        auto after =
            std::upper_bound(ranges.begin(), ranges.end(), d.bdf.bus,
                             [&](unsigned bus, std::size_t b) { return bus < specs[b].secondary; });
        if (after == ranges.begin())
            continue;
        const DeviceSpec &b = specs[*std::prev(after)];
        if (d.bdf.bus <= b.subordinate)
            throw InputError(
                placeOf(d), "device " + d.bdf.toString() + " sits on a root bus inside the range " +
                                rangeText(b) + " of bridge " + b.bdf.toString() +
                                " (no bridge forwards to bus " + std::to_string(d.bdf.bus) + ")");
    }
}

} // namespace

Topology Topology::build(std::vector<DeviceSpec> specs, const std::string &source) {
    auto placeOf = [&](const DeviceSpec &s) { return s.place.empty() ? source : s.place; };
    // Stable, so that of two equal BDFs the later one in the input is the one named.
    std::stable_sort(specs.begin(), specs.end(),
                     [](const DeviceSpec &a, const DeviceSpec &b) { return a.bdf < b.bdf; });
    for (std::size_t i = 1; i < specs.size(); ++i)
        if (specs[i].bdf == specs[i - 1].bdf)
            throw InputError(placeOf(specs[i]), "duplicate device " + specs[i].bdf.toString());

    // (domain, secondary bus) -> the bridge forwarding to it.
    std::map<std::pair<std::uint32_t, unsigned>, std::size_t> bridgeFor;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        const DeviceSpec &s = specs[i];
        if (s.kind != DeviceKind::Bridge)
            continue;
        if (s.vf)
            throw InputError(placeOf(s), "device " + s.bdf.toString() +
                                             " is a virtual function and a bridge: a VF has no "
                                             "secondary bus");
        if (s.secondary > 0xff || s.subordinate > 0xff || s.secondary > s.subordinate)
            throw InputError(placeOf(s), "bridge " + s.bdf.toString() + " has bad bus range [" +
                                             std::to_string(s.secondary) + "-" +
                                             std::to_string(s.subordinate) + "]");
        if (s.secondary <= s.bdf.bus)
            throw InputError(placeOf(s), "bridge " + s.bdf.toString() +
                                             " forwards to a bus not above its own bus " +
                                             busToString(s.bdf.domain, s.secondary));
        auto [it, fresh] = bridgeFor.emplace(std::make_pair(s.bdf.domain, s.secondary), i);
        if (!fresh)
            throw InputError(placeOf(s), "bridges " + specs[it->second].bdf.toString() + " and " +
                                             s.bdf.toString() + " both forward to bus " +
                                             busToString(s.bdf.domain, s.secondary));
    }

    Topology t;
    Adjacency &g = t.graph_->g;
    for (const DeviceSpec &s : specs)
        boost::add_vertex(
            DeviceRecord{s.bdf, s.kind, s.kind == DeviceKind::Bridge ? s.secondary : 0,
                         s.kind == DeviceKind::Bridge ? s.subordinate : 0, s.vf, s.label},
            g);
    std::vector<std::optional<std::size_t>> parentOf(specs.size());
    for (std::size_t i = 0; i < specs.size(); ++i) {
        const DeviceSpec &s = specs[i];
        auto it = bridgeFor.find({s.bdf.domain, s.bdf.bus});
        if (it != bridgeFor.end()) {
            parentOf[i] = it->second;
            boost::add_edge(it->second, i, g);
        }
        const std::optional<Bdf> derived =
            parentOf[i] ? std::optional<Bdf>(specs[*parentOf[i]].bdf) : std::nullopt;
        const bool contradicts = (s.declaredParent && derived != s.declaredParent) ||
                                 (s.declaredRoot && derived.has_value());
        if (contradicts)
            throw InputError(s.parentPlace.empty() ? placeOf(s) : s.parentPlace,
                             "device " + s.bdf.toString() + " is said to sit " +
                                 (s.declaredParent ? "below " + s.declaredParent->toString()
                                                   : std::string("on a root bus")) +
                                 " but its bus " + busToString(s.bdf.domain, s.bdf.bus) +
                                 " is forwarded by " +
                                 (derived ? derived->toString() : std::string("no bridge")));
    }
    checkBusRanges(specs, parentOf, placeOf);
    // Bus numbers only grow downstream (checked above), so parent chains cannot cycle; depth
    // is computed in order of bus number so each parent is done before its children.
    std::vector<std::size_t> order(specs.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return specs[a].bdf.bus < specs[b].bdf.bus;
    });
    t.graph_->depth.assign(specs.size(), 0);
    for (std::size_t i : order)
        if (parentOf[i])
            t.graph_->depth[i] = t.graph_->depth[*parentOf[i]] + 1;
    for (DeviceId id = 0; id < t.size(); ++id)
        if (!t.isBridge(id))
            t.graph_->endpoints.push_back(id);
    return t;
}

std::size_t Topology::size() const {
    return boost::num_vertices(graph_->g);
}
const Bdf &Topology::bdf(DeviceId id) const {
    return graph_->g[id].bdf;
}
DeviceKind Topology::kind(DeviceId id) const {
    return graph_->g[id].kind;
}
bool Topology::isVf(DeviceId id) const {
    return graph_->g[id].vf;
}
const std::string &Topology::label(DeviceId id) const {
    return graph_->g[id].label;
}
unsigned Topology::secondaryBus(DeviceId id) const {
    return graph_->g[id].secondary;
}
unsigned Topology::subordinateBus(DeviceId id) const {
    return graph_->g[id].subordinate;
}

std::optional<DeviceId> Topology::parent(DeviceId id) const {
    auto [first, last] = boost::in_edges(id, graph_->g);
    if (first == last)
        return std::nullopt;
    return boost::source(*first, graph_->g);
}

std::vector<DeviceId> Topology::children(DeviceId id) const {
    std::vector<DeviceId> out;
    for (auto [it, end] = boost::out_edges(id, graph_->g); it != end; ++it)
        out.push_back(boost::target(*it, graph_->g));
    std::sort(out.begin(), out.end());
    return out;
}

std::shared_ptr<const void>
Topology::derivedOf(std::type_index type,
                    const std::function<std::shared_ptr<const void>()> &make) const {
    const std::lock_guard<std::mutex> hold(graph_->derivedLock);
    std::shared_ptr<const void> &value = graph_->derived[type];
    if (!value)
        value = make();
    return value;
}

const std::vector<DeviceId> &Topology::endpoints() const {
    return graph_->endpoints;
}

std::vector<DeviceId> Topology::roots() const {
    std::vector<DeviceId> out;
    for (DeviceId id = 0; id < size(); ++id)
        if (boost::in_degree(id, graph_->g) == 0)
            out.push_back(id);
    return out;
}

std::vector<RootBus> Topology::rootBuses() const {
    std::vector<RootBus> out;
    for (DeviceId id : roots()) {
        const RootBus rb{bdf(id).domain, bdf(id).bus};
        if (std::find(out.begin(), out.end(), rb) == out.end())
            out.push_back(rb);
    }
    return out;
}

std::vector<DeviceId> Topology::upstreamPath(DeviceId id) const {
    std::vector<DeviceId> path{id};
    while (auto p = parent(path.back()))
        path.push_back(*p);
    return path;
}

std::size_t Topology::upstreamBridges(DeviceId id) const {
    return graph_->depth[id];
}

bool Topology::isMultifunction(DeviceId id) const {
    auto sameSlot = [&](DeviceId other) {
        const Bdf &a = bdf(id), &b = bdf(other);
        return a.domain == b.domain && a.bus == b.bus && a.device() == b.device();
    };
    return (id > 0 && sameSlot(id - 1)) || (id + 1 < size() && sameSlot(id + 1));
}

std::optional<DeviceId> Topology::find(const Bdf &target) const {
    DeviceId lo = 0, hi = size();
    while (lo < hi) {
        const DeviceId mid = lo + (hi - lo) / 2;
        if (bdf(mid) < target)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < size() && bdf(lo) == target)
        return lo;
    return std::nullopt;
}

std::size_t Topology::bridgeCount() const {
    std::size_t n = 0;
    for (DeviceId id = 0; id < size(); ++id)
        n += isBridge(id) ? 1 : 0;
    return n;
}

std::size_t Topology::endpointCount() const {
    return size() - bridgeCount();
}

std::size_t Topology::vfCount() const {
    std::size_t n = 0;
    for (DeviceId id = 0; id < size(); ++id)
        n += isVf(id) ? 1 : 0;
    return n;
}

std::size_t Topology::maxUpstreamBridges() const {
    const auto &d = graph_->depth;
    return d.empty() ? 0 : *std::max_element(d.begin(), d.end());
}

std::vector<DeviceSpec> Topology::specs() const {
    std::vector<DeviceSpec> out;
    for (DeviceId id = 0; id < size(); ++id) {
        const DeviceRecord &r = graph_->g[id];
        DeviceSpec s;
        s.bdf = r.bdf;
        s.kind = r.kind;
        s.secondary = r.secondary;
        s.subordinate = r.subordinate;
        s.vf = r.vf;
        s.label = r.label;
        if (auto p = parent(id))
            s.declaredParent = bdf(*p);
        out.push_back(std::move(s));
    }
    return out;
}

bool operator==(const Topology &a, const Topology &b) {
    if (a.size() != b.size())
        return false;
    for (DeviceId id = 0; id < a.size(); ++id) {
        if (a.bdf(id) != b.bdf(id) || a.kind(id) != b.kind(id) || a.isVf(id) != b.isVf(id) ||
            a.secondaryBus(id) != b.secondaryBus(id) ||
            a.subordinateBus(id) != b.subordinateBus(id) || a.parent(id) != b.parent(id))
            return false;
    }
    return true;
}

} // namespace bridgepath
