#pragma once
/// Misuse: the one rule of correct use of the API (the --faults misuse class), decided on a view
/// of the state before the operation. The Harness reads it on a State and a UsageTracker
/// (isMisuse); the exhaustive search on the implementation's accessors and its bit masks. The
/// views only read; which operation is misuse when is decided here alone. (smt/Encoding restates
/// the rule as Z3 terms; SmtEncoding.CorrectUseIsTheHarnessRuleInBothDirections compares them.)

#include "topology/Op.h"
#include "topology/State.h"

namespace bridgepath {

/// Whether an operation of kind `kind` is not correct use in the state `v` views: preserving a
/// directly preserved device or a VF, unpreserving one that is not directly preserved, a
/// preserve/unpreserve whose path meets a device frozen in this kernel, a finish before a kexec
/// or of a device that is not directly incoming, or finish-all before a kexec or while an
/// enumerated directly incoming device is unfinished. The outgoing operations (preserve,
/// unpreserve, freeze, vanish) and kexec are correct use in every phase (a kexec may drop an
/// unfinished incoming side); after finish-all, finish and finish-all are refused and change
/// nothing, so they are no misuse, nor is anything after a crash.
///
/// `View` answers, of the state before the operation and of the operation's device (each read
/// only when the rule needs it):
///   bool crashed()             the kernel is dead
///   Phase phase()
///   bool directlyPreserved()   the device is directly preserved in this kernel
///   bool isVf()                the device is a VF
///   bool frozenOnPath()        a device on its upstream path was frozen in this kernel
///   bool directlyIncoming()    the device is directly incoming and not finished
///   bool enumeratedIncomingUnfinished()  some directly incoming device that the running kernel
///                              enumerated is not finished
template <class View> bool misuseOf(OpKind kind, const View &v) {
    if (v.crashed())
        return false; // the kernel is dead: every operation is refused and changes nothing
    const bool incoming = v.phase() == Phase::Incoming;
    // After finish-all, finish and finish-all are refused (-ENOENT) and change nothing.
    const bool ended = v.phase() == Phase::Ended;
    switch (kind) {
    case OpKind::Preserve:
        return v.directlyPreserved() || v.isVf() || v.frozenOnPath();
    case OpKind::Unpreserve:
        return !v.directlyPreserved() || v.frozenOnPath();
    case OpKind::Finish:
        return !ended && (!incoming || !v.directlyIncoming());
    case OpKind::FinishAll:
        if (!incoming)
            return !ended;
        return v.enumeratedIncomingUnfinished();
    case OpKind::Freeze:
    case OpKind::Kexec:
    case OpKind::FailNext:
    case OpKind::Lose:
    case OpKind::SetRefcount:
    case OpKind::Vanish:
    case OpKind::Unplug:
        return false;
    }
    return false;
}

} // namespace bridgepath
