#include "bench/MachineTree.h"

#include <algorithm>
#include <random>
#include <vector>

namespace bridgepath::bench {
namespace {

int pick(std::mt19937 &rng, int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
}

DeviceShape endpoint(std::vector<bool> functions) {
    DeviceShape d;
    d.functions = std::move(functions);
    return d;
}

DeviceShape bridge(std::vector<DeviceShape> children) {
    DeviceShape d;
    d.bridge = true;
    d.children = std::move(children);
    return d;
}

/// What sits on the secondary bus of a root or downstream port.
std::vector<DeviceShape> portBus(std::mt19937 &rng) {
    const int r = pick(rng, 0, 99);
    if (r < 30) {
        // An SR-IOV NIC with its VFs on the same bus (ARI): each device number a PF and 7 VFs.
        static const int sizes[] = {1, 1, 2, 4, 4, 8, 16, 32};
        const int n = sizes[pick(rng, 0, 7)];
        std::vector<bool> fns(8, true);
        fns[0] = false;
        return std::vector<DeviceShape>(static_cast<std::size_t>(n), endpoint(fns));
    }
    if (r < 40) {
        // Dual-port SR-IOV NIC: two PFs, six VFs per device number.
        const int n = pick(rng, 1, 8);
        return std::vector<DeviceShape>(
            static_cast<std::size_t>(n),
            endpoint({false, false, true, true, true, true, true, true}));
    }
    if (r < 65)
        return {endpoint({false})}; // NVMe
    if (r < 80)
        return {endpoint(std::vector<bool>(static_cast<std::size_t>(pick(rng, 2, 8)), false))};
    if (r < 90)
        return std::vector<DeviceShape>(static_cast<std::size_t>(pick(rng, 2, 4)),
                                        endpoint({false}));
    return {}; // empty slot
}

/// A PCIe switch: the upstream port bridge, its downstream port bridges, what sits below them.
DeviceShape pcieSwitch(std::mt19937 &rng, int level) {
    std::vector<DeviceShape> downstream;
    const int ports = level == 1 ? pick(rng, 2, 8) : pick(rng, 2, 4);
    for (int p = 0; p < ports; ++p) {
        if (level == 1 && pick(rng, 0, 99) < 15)
            downstream.push_back(bridge({pcieSwitch(rng, 2)}));
        else
            downstream.push_back(bridge(portBus(rng)));
    }
    return bridge(std::move(downstream));
}

DeviceShape rootPort(std::mt19937 &rng) {
    const int r = pick(rng, 0, 99);
    if (r < 45)
        return bridge({pcieSwitch(rng, 1)});
    if (r < 88)
        return bridge(portBus(rng));
    return bridge({}); // empty hotplug slot
}

std::size_t functionCount(const DeviceShape &d) {
    if (!d.bridge)
        return d.functions.size();
    std::size_t n = 1 + d.chain;
    for (const DeviceShape &c : d.children)
        n += functionCount(c);
    return n;
}

unsigned busCount(const DeviceShape &d) {
    if (!d.bridge)
        return 0;
    unsigned n = 1u + d.chain;
    for (const DeviceShape &c : d.children)
        n += busCount(c);
    return n;
}

} // namespace

// Domains of four root buses, each with a host bridge and root ports leading to switches (one or
// two levels), SR-IOV and multifunction endpoints and empty slots (fixed-seed std::mt19937).
ForestShape machineShape(std::size_t target) {
    std::mt19937 rng(0x5ca1e);
    ForestShape f;
    std::size_t count = 0;
    // A root bus of a four-root domain owns 64 bus numbers: itself and 63 secondary buses.
    unsigned busesLeft = 0;
    std::vector<DeviceShape> *rootBus = nullptr;
    const auto newRootBus = [&] {
        if (f.domains.empty() || f.domains.back().size() == 4)
            f.domains.emplace_back();
        f.domains.back().emplace_back();
        rootBus = &f.domains.back().back().devices;
        busesLeft = 63;
        rootBus->push_back(endpoint({false})); // host bridge
        count += 1;
        if (f.domains.back().size() == 1) {
            rootBus->push_back(endpoint({false, false, false, false})); // chipset functions
            count += 4;
        }
    };
    while (count < target) {
        DeviceShape port = rootPort(rng);
        // Near the target only small ports, so the total lands within a few percent of it.
        if (count + functionCount(port) > target + target / 20)
            port = bridge(
                {endpoint(std::vector<bool>(std::min<std::size_t>(8, target - count), false))});
        if (!rootBus || busCount(port) > busesLeft || rootBus->size() >= 18)
            newRootBus();
        busesLeft -= busCount(port);
        count += functionCount(port);
        rootBus->push_back(std::move(port));
    }
    return f;
}

} // namespace bridgepath::bench
