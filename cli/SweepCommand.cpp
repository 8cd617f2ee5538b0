#include "cli/Commands.h"
#include "cli/Flags.h"
#include "cli/Report.h"
#include "cli/RunSetup.h"

#include "properties/FailNthSweep.h"
#include "topology/InputError.h"
#include "topology/TopologyLoader.h"

#include <nlohmann/json.hpp>

namespace bridgepath {

int runSweep(const std::vector<std::string> &args, std::ostream &out) {
    const Flags flags(args, {"--policy", "--design", "--format"}, {});
    flags.allowPositional(1, "sweep takes one trace FILE");
    if (flags.positional().empty())
        throw InputError("sweep", "needs a trace FILE");
    const std::string file = flags.positional()[0];
    const RunSetup setup = setUpRun(readTraceFile(file), file, flags);
    const Topology &t = setup.topology;
    const LiveUpdateConfig &config = setup.config;
    const Trace &trace = setup.trace;
    const std::string format = flags.value("--format").value_or("text");
    if (format != "text" && format != "json")
        throw InputError("--format", "unknown format '" + format + "' (text, json)");

    const SweepResult r = sweepFaultSites(t, config, trace.ops);
    std::size_t breaking = 0;
    for (const SiteOutcome &s : r.sites)
        breaking += (!s.broken.empty() || s.mismatch) ? 1 : 0;
    if (format == "json") {
        nlohmann::ordered_json j;
        j["policy"] = toString(config.policy);
        j["baseline"] = nlohmann::ordered_json::array();
        for (Invariant i : r.baseline)
            j["baseline"].push_back(toString(i));
        j["sites"] = nlohmann::ordered_json::array();
        for (const SiteOutcome &s : r.sites) {
            nlohmann::ordered_json site{{"op", s.site.op + 1},
                                        {"operation", trace.ops[s.site.op].toString()},
                                        {"device", s.site.device.toString()},
                                        {"step", toString(s.site.kind)},
                                        {"result", toString(s.opResult)},
                                        {"mismatch", s.mismatch}};
            site["broken"] = nlohmann::ordered_json::array();
            for (Invariant i : s.broken)
                site["broken"].push_back(toString(i));
            j["sites"].push_back(std::move(site));
        }
        out << j.dump(2) << "\n";
    } else {
        out << "fail-nth sweep of " << file << " (" << trace.ops.size() << " ops, policy "
            << toString(config.policy) << "): " << r.sites.size() << " fault sites\n"
            << "unfaulted run breaks: " << invariantNames(r.baseline) << "\n\n";
        for (const SiteOutcome &s : r.sites) {
            std::string where = "op " + std::to_string(s.site.op + 1) + " (" +
                                trace.ops[s.site.op].toString() + "): " + toString(s.site.kind) +
                                " step at " + s.site.device.toString();
            if (where.size() < 70)
                where.append(70 - where.size(), ' ');
            out << "  " << where << " -> " << toString(s.opResult) << "; breaks "
                << (s.mismatch ? "MODEL MISMATCH" : invariantNames(s.broken)) << "\n";
        }
        out << "\n" << breaking << " of " << r.sites.size() << " sites break an invariant\n";
    }
    return breaking == 0 ? 0 : 1;
}

} // namespace bridgepath
