#include "properties/Generators.h"

#include "properties/RealTrees.h"
#include "properties/Uniform.h"
#include "topology/LspciRenderer.h"

namespace bridgepath {

namespace gen = rc::gen;

namespace {

rc::Gen<DeviceShape> genEndpoint() {
    return gen::exec([] {
        DeviceShape d;
        const int functions = *gen::weightedElement<int>({{12, 1}, {4, 2}, {2, 4}, {1, 8}});
        d.functions.assign(static_cast<std::size_t>(functions), false);
        // An SR-IOV physical function with its virtual functions behind it.
        if (functions > 1 && *gen::weightedElement<int>({{4, 0}, {1, 1}}) == 1)
            for (int f = 1; f < functions; ++f)
                d.functions[static_cast<std::size_t>(f)] = true;
        return d;
    });
}

rc::Gen<DeviceShape> genPort(int depth);

// A switch: its upstream port (a bridge) with downstream ports below; uses two levels.
rc::Gen<DeviceShape> genSwitch(int depth) {
    return gen::withSize([depth](int size) {
        return gen::exec([depth, size] {
            DeviceShape up;
            up.bridge = true;
            const int ports = *uniformIn(1, 2 + std::min(3, size / 30));
            for (int i = 0; i < ports; ++i)
                up.children.push_back(*genPort(depth - 1));
            return up;
        });
    });
}

// A root port or downstream port and whatever sits below it, using at most `depth` bridges.
rc::Gen<DeviceShape> genPort(int depth) {
    return gen::exec([depth] {
        DeviceShape port;
        port.bridge = true;
        if (depth >= 3)
            port.chain =
                static_cast<std::uint8_t>(*gen::weightedElement<int>({{8, 0}, {2, 1}, {1, 2}}));
        const int left = depth - 1 - port.chain;
        const int what = left >= 2 ? *gen::weightedElement<int>({{1, 0}, {5, 1}, {4, 2}})
                                   : *gen::weightedElement<int>({{1, 0}, {5, 1}});
        if (what == 1)
            port.children.push_back(*genEndpoint());
        else if (what == 2)
            port.children.push_back(*genSwitch(left - 1));
        return port;
    });
}

rc::Gen<RootBusShape> genRootBus() {
    return gen::withSize([](int size) {
        return gen::exec([size] {
            RootBusShape bus;
            const int devices = *uniformIn(1, 3 + std::min(4, size / 20));
            const int depth = *uniformIn(1, 8); // 0-6 bridges below the root port
            for (int i = 0; i < devices; ++i)
                bus.devices.push_back(
                    *gen::weightedOneOf<DeviceShape>({{4, genPort(depth)}, {3, genEndpoint()}}));
            return bus;
        });
    });
}

} // namespace

void showValue(const ForestShape &shape, std::ostream &os) {
    os << "\n" << renderLspci(buildTopology(shape), true);
}

rc::Gen<ForestShape> genMachineShape() {
    return gen::exec([] {
        ForestShape f;
        const int domains = *gen::weightedElement<int>({{8, 1}, {2, 2}, {1, 3}});
        for (int d = 0; d < domains; ++d) {
            const int buses = *gen::weightedElement<int>({{5, 1}, {3, 2}, {1, 3}});
            std::vector<RootBusShape> roots;
            for (int b = 0; b < buses; ++b)
                roots.push_back(*genRootBus());
            f.domains.push_back(std::move(roots));
        }
        return f;
    });
}

rc::Gen<ForestShape> genRealSubtreeShape() {
    return gen::exec([] {
        const auto &trees = realTrees();
        const RealTree &tree = trees[*uniformIn<std::size_t>(0, trees.size())];
        const Topology &t = tree.topology;
        std::vector<DeviceId> bridges;
        for (DeviceId id = 0; id < t.size(); ++id)
            if (t.isBridge(id) && !t.children(id).empty())
                bridges.push_back(id);
        const int what =
            *gen::weightedElement<int>({{1, 0}, {1, 1}, {bridges.empty() ? 0u : 3u, 2}});
        if (what == 2)
            return subtreeShape(t, bridges[*uniformIn<std::size_t>(0, bridges.size())]);
        ForestShape whole = toShape(t);
        if (what == 0)
            return whole;
        // One root bus of one domain.
        const auto &domain = whole.domains[*uniformIn<std::size_t>(0, whole.domains.size())];
        ForestShape one;
        one.domains.push_back({domain[*uniformIn<std::size_t>(0, domain.size())]});
        return one;
    });
}

rc::Gen<ForestShape> genTreeShape() {
    const rc::Gen<ForestShape> either =
        gen::weightedOneOf<ForestShape>({{3, genMachineShape()}, {1, genRealSubtreeShape()}});
    return rc::Gen<ForestShape>([either](const rc::Random &random, int size) {
        return rc::shrinkable::shrinkRecur(either(random, size).value(), [](const ForestShape &s) {
            return rc::seq::fromContainer(shrinkShape(s));
        });
    });
}

} // namespace bridgepath
