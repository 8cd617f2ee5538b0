#pragma once
/// BridgeOnBothSides: the one rule of when a bridge is on both sides of a chain of Live Updates
/// (a coverage fact of the Harness, a finding kind of the exhaustive search), decided on a
/// read-only view of one state. The Harness reads it on a State (bridgeOnBothSides), the
/// exhaustive search on the implementation's tables; the views gather which device each side
/// holds, what counts as on both sides is decided here alone.

#include <cstdint>

namespace bridgepath {

/// Whether some bridge is incoming from one generation and outgoing for the next at once: an
/// incoming entry naming it and an outgoing slot naming it both have refcount != 0. Never in
/// generation 0, where nothing is incoming.
///
/// `View` answers, of one state (each read only when the rule needs it):
///   unsigned generation()         kexecs so far
///   std::uint32_t devices()       the devices, numbered 0 .. devices()-1: every device of the
///                                 tree, or (as the view likes) at least every one heldIncoming
///   bool heldIncoming(d)          an incoming entry naming d has refcount != 0
///   bool heldOutgoing(d)          an outgoing slot naming d has refcount != 0
///   bool isBridge(d)              d is a bridge
template <class View> [[nodiscard]] bool bridgeOnBothSidesOf(const View &v) {
    if (v.generation() == 0)
        return false;
    for (std::uint32_t d = 0; d < v.devices(); ++d)
        if (v.heldIncoming(d) && v.heldOutgoing(d) && v.isBridge(d))
            return true;
    return false;
}

} // namespace bridgepath
