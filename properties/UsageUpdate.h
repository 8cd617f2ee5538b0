#pragma once
/// UsageUpdate: the one rule of how an operation changes what correct use depends on beyond the
/// state (the devices frozen in this kernel, the vanished tops, the devices the running kernel
/// did not enumerate), decided on a mutable view of that memory. The Harness's UsageTracker
/// keeps it as sets of BDFs, the exhaustive search as bit masks; the views only apply the
/// changes, which operation changes what when is decided here alone.

#include "topology/Op.h"
#include "topology/Result.h"

namespace bridgepath {

/// Applies to `v` what an operation of kind `kind` on its device, which returned `result`,
/// changed: a freeze that returned ok freezes the device; a vanish that returned ok makes it a
/// vanished top; an unplug that found the device (neither -ENODEV nor -ENOENT) stops its subtree
/// being enumerated; a kexec that ran (not -ENOENT) ends the frozen devices' session and stops
/// every vanished top's subtree being enumerated. Nothing else changes the memory.
///
/// `View` answers, each called only when the rule needs it:
///   void freeze()                  the operation's device is frozen in this kernel
///   void vanishTop()               the operation's device is a vanished top
///   void stopEnumerating()         no device at or below the operation's device is enumerated
///   void endFrozen()               no device is frozen any more (the session they belong to
///                                  ended)
///   void stopEnumeratingVanished() no device at or below a vanished top is enumerated
template <class View> void usageUpdate(OpKind kind, Result result, View &v) {
    switch (kind) {
    case OpKind::Freeze:
        if (result == Result::Ok)
            v.freeze();
        return;
    case OpKind::Vanish:
        if (result == Result::Ok)
            v.vanishTop();
        return;
    case OpKind::Unplug:
        if (result != Result::Enodev && result != Result::Enoent)
            v.stopEnumerating();
        return;
    case OpKind::Kexec:
        if (result != Result::Enoent) {
            v.endFrozen(); // frozen devices belong to the outgoing session
            v.stopEnumeratingVanished();
        }
        return;
    case OpKind::Preserve:
    case OpKind::Unpreserve:
    case OpKind::Finish:
    case OpKind::FinishAll:
    case OpKind::FailNext:
    case OpKind::Lose:
    case OpKind::SetRefcount:
        return;
    }
}

} // namespace bridgepath
