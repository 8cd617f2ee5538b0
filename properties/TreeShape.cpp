#include "properties/TreeShape.h"

#include <functional>
#include <map>

namespace bridgepath {

namespace {

class Numberer {
  public:
    std::vector<DeviceSpec> specs;

    void domain(std::uint32_t domain, const std::vector<RootBusShape> &buses) {
        domain_ = domain;
        // Root buses spread over the bus range as on multi-root machines; children take the
        // numbers after their root bus.
        const unsigned stride = buses.empty() ? 0x100 : 0x100 / static_cast<unsigned>(buses.size());
        for (std::size_t i = 0; i < buses.size(); ++i) {
            const unsigned root = static_cast<unsigned>(i) * stride;
            nextBus_ = root + 1;
            limit_ = root + stride - 1;
            bus(root, buses[i].devices);
        }
    }

  private:
    std::uint32_t domain_ = 0;
    unsigned nextBus_ = 1;
    unsigned limit_ = 0xff;

    void bus(unsigned number, const std::vector<DeviceShape> &devices) {
        for (std::size_t dev = 0; dev < devices.size() && dev < 32; ++dev)
            device(number, static_cast<unsigned>(dev), devices[dev]);
    }

    void device(unsigned busNumber, unsigned dev, const DeviceShape &d) {
        if (!d.bridge) {
            for (std::size_t fn = 0; fn < d.functions.size() && fn < 8; ++fn) {
                DeviceSpec s;
                s.bdf = Bdf::make(domain_, busNumber, dev, static_cast<unsigned>(fn));
                s.vf = fn > 0 && d.functions[fn];
                specs.push_back(std::move(s));
            }
            return;
        }
        // A chain of `chain` single-child bridges, then the children on the last secondary bus.
        std::vector<std::size_t> opened;
        unsigned at = busNumber;
        unsigned devno = dev;
        for (unsigned level = 0; level <= d.chain; ++level) {
            if (nextBus_ > limit_)
                break;
            DeviceSpec s;
            s.bdf = Bdf::make(domain_, at, devno, 0);
            s.kind = DeviceKind::Bridge;
            s.secondary = nextBus_++;
            opened.push_back(specs.size());
            specs.push_back(std::move(s));
            at = specs.back().secondary;
            devno = 0;
        }
        if (opened.empty())
            return;
        if (opened.size() == d.chain + 1u)
            bus(at, d.children);
        for (std::size_t i : opened)
            specs[i].subordinate = nextBus_ - 1;
    }
};

DeviceShape shapeOf(const Topology &t, const std::vector<DeviceId> &sameSlot) {
    DeviceShape d;
    const DeviceId first = sameSlot.front();
    if (t.isBridge(first)) {
        d.bridge = true;
        // Group the children by device number.
        std::map<unsigned, std::vector<DeviceId>> slots;
        for (DeviceId c : t.children(first))
            slots[t.bdf(c).device()].push_back(c);
        for (const auto &[n, ids] : slots)
            d.children.push_back(shapeOf(t, ids));
        return d;
    }
    d.functions.clear();
    for (DeviceId f : sameSlot)
        if (!t.isBridge(f))
            d.functions.push_back(t.isVf(f));
    if (d.functions.empty())
        d.functions.push_back(false);
    d.functions[0] = false;
    return d;
}

std::vector<DeviceShape> busShape(const Topology &t, const std::vector<DeviceId> &devices) {
    std::map<unsigned, std::vector<DeviceId>> slots;
    for (DeviceId c : devices)
        slots[t.bdf(c).device()].push_back(c);
    std::vector<DeviceShape> out;
    for (const auto &[n, ids] : slots) {
        // A bridge function shares its device number with endpoints only in odd pastes (power9's
        // 00.1 management function): keep the bridge and its siblings as separate devices.
        std::vector<DeviceId> bridges, endpoints;
        for (DeviceId id : ids)
            (t.isBridge(id) ? bridges : endpoints).push_back(id);
        for (DeviceId b : bridges)
            out.push_back(shapeOf(t, {b}));
        if (!endpoints.empty())
            out.push_back(shapeOf(t, endpoints));
    }
    return out;
}

// Shrinks of one device list: drop each device, then shrink each device in place.
void shrinkDevices(const std::vector<DeviceShape> &devices,
                   const std::function<void(std::vector<DeviceShape>)> &emit);

void shrinkDevice(const DeviceShape &d, const std::function<void(DeviceShape)> &emit) {
    if (d.bridge) {
        DeviceShape endpoint;
        emit(endpoint);
        if (!d.children.empty()) {
            DeviceShape empty = d;
            empty.children.clear();
            empty.chain = 0;
            emit(empty);
        }
        // Lift an only child into the bridge's place (shortens the path by one).
        if (d.chain == 0 && d.children.size() == 1)
            emit(d.children.front());
        if (d.chain > 0) {
            DeviceShape shorter = d;
            shorter.chain = 0;
            emit(shorter);
            if (d.chain > 1) {
                shorter.chain = static_cast<std::uint8_t>(d.chain - 1);
                emit(shorter);
            }
        }
        shrinkDevices(d.children, [&](std::vector<DeviceShape> children) {
            DeviceShape smaller = d;
            smaller.children = std::move(children);
            emit(smaller);
        });
        return;
    }
    if (d.functions.size() > 1) {
        DeviceShape single = d;
        single.functions.resize(1);
        emit(single);
        DeviceShape fewer = d;
        fewer.functions.pop_back();
        if (fewer.functions.size() > 1)
            emit(fewer);
    }
    for (std::size_t f = 1; f < d.functions.size(); ++f)
        if (d.functions[f]) {
            DeviceShape noVf = d;
            noVf.functions[f] = false;
            emit(noVf);
        }
}

void shrinkDevices(const std::vector<DeviceShape> &devices,
                   const std::function<void(std::vector<DeviceShape>)> &emit) {
    if (devices.size() > 1) {
        emit(std::vector<DeviceShape>(devices.begin(), devices.begin() + 1));
        for (std::size_t i = 0; i < devices.size(); ++i) {
            std::vector<DeviceShape> fewer = devices;
            fewer.erase(fewer.begin() + static_cast<long>(i));
            emit(std::move(fewer));
        }
    }
    for (std::size_t i = 0; i < devices.size(); ++i)
        shrinkDevice(devices[i], [&](DeviceShape smaller) {
            std::vector<DeviceShape> copy = devices;
            copy[i] = std::move(smaller);
            emit(std::move(copy));
        });
}

std::size_t countDevices(const std::vector<DeviceShape> &devices) {
    std::size_t n = 0;
    for (const DeviceShape &d : devices)
        n += d.bridge ? 1u + d.chain + countDevices(d.children) : d.functions.size();
    return n;
}

} // namespace

Topology buildTopology(const ForestShape &shape) {
    Numberer n;
    for (std::size_t d = 0; d < shape.domains.size(); ++d)
        n.domain(static_cast<std::uint32_t>(d), shape.domains[d]);
    return Topology::build(std::move(n.specs), "generated tree");
}

ForestShape toShape(const Topology &t) {
    // Root buses grouped per domain, in (domain, bus) order.
    std::map<std::uint32_t, std::map<unsigned, std::vector<DeviceId>>> roots;
    for (DeviceId id : t.roots())
        roots[t.bdf(id).domain][t.bdf(id).bus].push_back(id);
    ForestShape out;
    for (const auto &[domain, buses] : roots) {
        std::vector<RootBusShape> shapes;
        for (const auto &[bus, ids] : buses)
            shapes.push_back(RootBusShape{busShape(t, ids)});
        out.domains.push_back(std::move(shapes));
    }
    return out;
}

ForestShape subtreeShape(const Topology &t, DeviceId root) {
    ForestShape out;
    out.domains.push_back({RootBusShape{{shapeOf(t, {root})}}});
    return out;
}

std::size_t deviceCount(const ForestShape &shape) {
    std::size_t n = 0;
    for (const auto &domain : shape.domains)
        for (const RootBusShape &bus : domain)
            n += countDevices(bus.devices);
    return n;
}

std::vector<ForestShape> shrinkShape(const ForestShape &shape) {
    std::vector<ForestShape> out;
    auto emitDomains = [&](std::vector<std::vector<RootBusShape>> domains) {
        ForestShape s;
        s.domains = std::move(domains);
        if (deviceCount(s) > 0)
            out.push_back(std::move(s));
    };
    const auto &domains = shape.domains;
    for (std::size_t d = 0; d < domains.size() && domains.size() > 1; ++d) {
        auto fewer = domains;
        fewer.erase(fewer.begin() + static_cast<long>(d));
        emitDomains(std::move(fewer));
    }
    for (std::size_t d = 0; d < domains.size(); ++d)
        for (std::size_t b = 0; b < domains[d].size() && domains[d].size() > 1; ++b) {
            auto fewer = domains;
            fewer[d].erase(fewer[d].begin() + static_cast<long>(b));
            emitDomains(std::move(fewer));
        }
    for (std::size_t d = 0; d < domains.size(); ++d)
        for (std::size_t b = 0; b < domains[d].size(); ++b)
            shrinkDevices(domains[d][b].devices, [&](std::vector<DeviceShape> devices) {
                auto copy = domains;
                copy[d][b].devices = std::move(devices);
                emitDomains(std::move(copy));
            });
    return out;
}

} // namespace bridgepath
