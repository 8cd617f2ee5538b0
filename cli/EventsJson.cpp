#include "cli/EventsJson.h"

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

} // namespace bridgepath
