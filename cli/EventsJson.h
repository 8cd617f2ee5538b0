#pragma once
/// EventsJson: kernel events in JSON, the same shape in every command's output:
/// `[{"step": 3, "event": "bug-at-release", "nr_devices": 1}, {"step": 4, "event":
/// "use-after-free", "device": "0000:00:00.0"}]`.

#include "cli/Report.h"

#include <nlohmann/json.hpp>

namespace bridgepath {

/// The events as a JSON array: step (1-based), event name, and the device (use-after-free) or
/// nr_devices at that moment (the other events).
nlohmann::ordered_json eventsJson(const std::vector<StepKernelEvent> &events);

/// A counterexample as JSON: its tree (lspci -t), capacity and operations.
nlohmann::ordered_json exampleJson(const Counterexample &x);

} // namespace bridgepath
