#include "cli/Commands.h"
#include "cli/Flags.h"

#include "topology/DotRenderer.h"
#include "topology/InputError.h"
#include "topology/LspciRenderer.h"
#include "topology/SysfsImporter.h"
#include "topology/TopologyJson.h"
#include "topology/TopologyLoader.h"

namespace bridgepath {

int runTopology(const std::vector<std::string> &args, std::ostream &out) {
    const Flags flags(args, {}, {"--json", "--lspci", "--dot"}, {"--sysfs"});
    flags.allowPositional(1, "topology takes one FILE");
    const int formats = flags.has("--json") + flags.has("--lspci") + flags.has("--dot");
    if (formats > 1)
        throw InputError("--json", "choose one of --json, --lspci, --dot");
    Topology t;
    std::string source;
    if (flags.has("--sysfs")) {
        if (!flags.positional().empty())
            throw InputError(flags.positional()[0], "give either FILE or --sysfs, not both");
        const std::string dir = flags.value("--sysfs")->empty() ? "/sys" : *flags.value("--sysfs");
        t = importSysfs(dir);
        source = "sysfs " + dir;
    } else {
        if (flags.positional().empty())
            throw InputError("topology",
                             "needs a FILE (lspci -t/-tv text or JSON) or --sysfs [DIR]");
        source = flags.positional()[0];
        t = loadTopologyFile(source);
    }
    if (flags.has("--json")) {
        out << topologyToJson(t);
        return 0;
    }
    if (flags.has("--lspci")) {
        bool labels = false;
        for (DeviceId id = 0; id < t.size(); ++id)
            labels = labels || !t.label(id).empty();
        out << renderLspci(t, labels);
        return 0;
    }
    if (flags.has("--dot")) {
        out << renderDot(t);
        return 0;
    }
    out << "topology: " << source << "\n"
        << "devices: " << t.size() << " (" << t.bridgeCount() << " bridges, " << t.endpointCount()
        << " endpoints, " << t.vfCount() << " VFs)\n"
        << "root buses: " << t.rootBuses().size() << "\n"
        << "max upstream bridges: " << t.maxUpstreamBridges() << "\n"
        << renderIndented(t, [&t](DeviceId id) { return t.label(id); });
    return 0;
}

} // namespace bridgepath
