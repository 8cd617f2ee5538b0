#pragma once
/// Topology: an immutable PCI tree (devices, bridges, root buses), Boost.Graph inside, queries
/// outside.
///
/// Devices get dense ids 0..size()-1 in BDF order. The parent of a device is the bridge whose
/// secondary bus it sits on (the kernel's `dev->bus->self`); a device on a root bus has none. A
/// root bus is a bus no bridge of the topology forwards to (for an excerpt, the top of what was
/// pasted).

#include "topology/Bdf.h"

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <typeindex>
#include <utility>
#include <vector>

namespace bridgepath {

/// Whether a device forwards to a secondary bus.
enum class DeviceKind { Bridge, Endpoint };

/// `bridge` / `endpoint`.
const char *toString(DeviceKind kind);

/// Dense device index within one Topology, in BDF order.
using DeviceId = std::size_t;

/// One device as an importer describes it, before the tree is built and checked.
struct DeviceSpec {
    Bdf bdf;
    DeviceKind kind = DeviceKind::Endpoint;
    unsigned secondary = 0;   ///< bridges only: first bus behind the bridge
    unsigned subordinate = 0; ///< bridges only: last bus behind the bridge
    bool vf = false;          ///< an SR-IOV virtual function (preserve refuses it)
    std::string label;        ///< device name as lspci -tv or sysfs gave it; may be empty
    std::optional<Bdf>
        declaredParent;        ///< parent stated by the input, checked against the bus numbers
    bool declaredRoot = false; ///< the input states the device sits on a root bus (no parent)
    std::string place;         ///< where the input described it (file:line:column), for errors
    std::string parentPlace;   ///< where the input stated the parent (defaults to `place`)
};

/// A root bus: a (domain, bus) with no bridge above it in this topology.
struct RootBus {
    std::uint32_t domain = 0;
    unsigned bus = 0;
    friend bool operator==(const RootBus &a, const RootBus &b) {
        return a.domain == b.domain && a.bus == b.bus;
    }
};

/// An immutable PCI tree.
class Topology {
  public:
    /// Builds and checks a tree; throws InputError (naming the spec's place, else `source`) on
    /// duplicate BDFs, bad bus ranges, two bridges claiming one bus, cycles, or a declared parent
    /// that disagrees with the bus numbers.
    static Topology build(std::vector<DeviceSpec> specs, const std::string &source);

    Topology();
    Topology(const Topology &);
    Topology(Topology &&) noexcept;
    Topology &operator=(const Topology &);
    Topology &operator=(Topology &&) noexcept;
    ~Topology();

    std::size_t size() const;
    const Bdf &bdf(DeviceId id) const;
    DeviceKind kind(DeviceId id) const;
    bool isBridge(DeviceId id) const { return kind(id) == DeviceKind::Bridge; }
    bool isVf(DeviceId id) const;
    const std::string &label(DeviceId id) const;
    /// Bridges only: the secondary and subordinate bus numbers.
    unsigned secondaryBus(DeviceId id) const;
    unsigned subordinateBus(DeviceId id) const;
    /// The bridge whose secondary bus the device sits on; nullopt on a root bus.
    std::optional<DeviceId> parent(DeviceId id) const;
    /// Devices on this bridge's secondary bus, in BDF order.
    std::vector<DeviceId> children(DeviceId id) const;
    /// The devices that are not bridges, in id order (listed once, when the tree is built).
    const std::vector<DeviceId> &endpoints() const;
    /// Devices on a root bus, in BDF order.
    std::vector<DeviceId> roots() const;
    /// Root buses in (domain, bus) order.
    std::vector<RootBus> rootBuses() const;
    /// dev, parent, ..., the device on the root bus: the kernel's walk.
    std::vector<DeviceId> upstreamPath(DeviceId id) const;
    /// Number of bridges strictly above the device.
    std::size_t upstreamBridges(DeviceId id) const;
    /// True if another function of the same (domain, bus, device) is present.
    bool isMultifunction(DeviceId id) const;
    /// The device with this address, if present.
    std::optional<DeviceId> find(const Bdf &bdf) const;

    std::size_t bridgeCount() const;
    std::size_t endpointCount() const;
    std::size_t vfCount() const;
    /// The most bridges above any one device (0 for an empty topology).
    std::size_t maxUpstreamBridges() const;

    /// The devices as specs (declaredParent filled in), in id order: what an exporter writes.
    std::vector<DeviceSpec> specs() const;

    /// A value of type T computed from this tree alone: `make()` (returning a T) runs at the first
    /// call for T, and every copy of the tree shares what it built from then on (the tree never
    /// changes, so neither does the value). Safe to call from several threads; `make` must not
    /// call derived() on the same tree (it runs under the lock).
    template <class T, class Make> std::shared_ptr<const T> derived(Make make) const {
        return std::static_pointer_cast<const T>(derivedOf(typeid(T), [&make] {
            return std::shared_ptr<const void>(std::make_shared<const T>(make()));
        }));
    }

    /// Same devices, kinds, bus ranges, VF flags and parents (labels are not compared).
    friend bool operator==(const Topology &a, const Topology &b);
    friend bool operator!=(const Topology &a, const Topology &b) { return !(a == b); }

  private:
    std::shared_ptr<const void>
    derivedOf(std::type_index type, const std::function<std::shared_ptr<const void>()> &make) const;

    struct Graph;
    std::shared_ptr<Graph> graph_; // shared by copies: only build() writes it, before sharing
};

} // namespace bridgepath
