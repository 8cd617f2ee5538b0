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
};

} // namespace bridgepath
