// bridgepath_machine_tree N: the benchmarks' machine-shaped tree of about N PCI functions as
// `lspci -tv` text, the tree `check --topology` is measured on in docs/performance.md:
//   build/bridgepath_machine_tree 100000 > /tmp/machine-100k.lspci-tv

#include "bench/MachineTree.h"
#include "topology/LspciRenderer.h"

#include <charconv>
#include <cstdio>
#include <iostream>
#include <string_view>
#include <system_error>

int main(int argc, char **argv) {
    using namespace bridgepath;
    std::size_t n = 0;
    const std::string_view arg = argc == 2 ? argv[1] : "";
    const auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), n);
    if (arg.empty() || ec != std::errc() || end != arg.data() + arg.size() || n == 0 ||
        n > 10'000'000) {
        std::fputs("usage: bridgepath_machine_tree N (functions, 1 to 10000000)\n", stderr);
        return 2;
    }
    // -tv, not -t: the names carry the VF flags, which plain -t drops.
    std::cout << renderLspci(buildTopology(bench::machineShape(n)), true);
    return std::cout ? 0 : 2;
}
