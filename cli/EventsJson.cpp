#include "cli/EventsJson.h"

#include "topology/LspciRenderer.h"

namespace bridgepath {

nlohmann::ordered_json eventsJson(const std::vector<StepKernelEvent> &events) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const StepKernelEvent &e : events) {
        nlohmann::ordered_json one{{"step", e.step}, {"event", toString(e.event.kind)}};
        if (e.event.device)
            one["device"] = e.event.device->toString();
        else
            one["nr_devices"] = e.event.nrDevices;
        out.push_back(std::move(one));
    }
    return out;
}

nlohmann::ordered_json exampleJson(const Counterexample &x) {
    std::vector<std::string> ops;
    for (const Op &op : x.ops)
        ops.push_back(op.toString());
    return {{"tree", renderLspci(x.setup->topology, false)},
            {"capacity", x.setup->config.capacity},
            {"ops", ops}};
}

} // namespace bridgepath
