#pragma once
/// SysfsImporter: reads the PCI tree from sysfs (`/sys/bus/pci/devices` symlinks into
/// `/sys/devices/pci…/…`), or from a copy of it laid out the same way.
///
/// Per device: the parent is the BDF-named folder above it in the link target; a bridge is a device
/// with a `pci_bus/dddd:bb` entry or a `secondary_bus_number` file (`subordinate_bus_number` gives
/// the range end); a VF has a `physfn` link; the label is `vendor:device` from those files when
/// present.

#include "topology/Topology.h"

#include <string>

namespace bridgepath {

/// Imports from `root` (a sysfs mount such as `/sys`, or a test's fake tree with the same layout).
/// InputError naming the path on a missing folder, a link that does not lead to a BDF, or
/// inconsistent bus numbers.
Topology importSysfs(const std::string &root);

} // namespace bridgepath
