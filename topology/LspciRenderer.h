#pragma once
/// LspciRenderer: writes a Topology back as `lspci -t` (or `-tv`) text; parseLspci reads it back to
/// the same tree.

#include "topology/Topology.h"

#include <functional>
#include <string>

namespace bridgepath {

/// The tree as `lspci -t` prints it: root buses in descending order (as lspci lists them), devices
/// of a bus in ascending devfn. With `labels`, endpoints get their label after two spaces (`-tv`).
std::string renderLspci(const Topology &t, bool labels = false);

/// Whether a device is marked (drawn `00.0*`) in a report.
using DeviceMark = std::function<bool(DeviceId)>;

/// The same tree with `*` after each marked device's `dd.f` (for reports; not meant to be parsed).
std::string renderLspci(const Topology &t, bool labels, const DeviceMark &marked);

/// Text shown after a device in an indented listing; empty for nothing.
using DeviceAnnotation = std::function<std::string(DeviceId)>;

/// One device per line, indented two spaces per level under its root bus, `BDF  kind  note`:
/// the readable form for reports (lspci's grammar has no room for text after a bridge).
std::string renderIndented(const Topology &t, const DeviceAnnotation &annotate);

} // namespace bridgepath
