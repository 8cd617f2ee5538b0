#pragma once
/// StepEvent: one device step of a walk, as the reference model took it.

#include "topology/Bdf.h"
#include "topology/Op.h"
#include "topology/Result.h"

namespace bridgepath {

/// A step of a preserve, unpreserve (also rollback) or finish walk at one device.
struct StepEvent {
    Bdf device;
    StepKind kind = StepKind::Preserve;
    Result result = Result::Ok;

    friend bool operator==(const StepEvent &a, const StepEvent &b) {
        return a.device == b.device && a.kind == b.kind && a.result == b.result;
    }
    friend bool operator!=(const StepEvent &a, const StepEvent &b) { return !(a == b); }
};

} // namespace bridgepath
