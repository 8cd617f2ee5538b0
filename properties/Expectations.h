#pragma once
/// Expectations: under which fault classes and policies each invariant is expected to hold, as the
/// kernel rules predict. A failure inside this table is the known behaviour (e.g. bail leaks under
/// a lost slot); a failure outside it is a finding.

#include "model/Invariant.h"
#include "topology/FaultClass.h"
#include "topology/Policy.h"

#include <set>
#include <string>

namespace bridgepath {

/// True if `inv` should hold whenever only the given fault classes occur under `policy`
/// (it must hold for each class of the set; with no class, correct use, every invariant holds).
bool expectedToHold(Invariant inv, const std::set<FaultClass> &faults, Policy policy, Abi abi);

/// One line: why `inv` is (not) expected to hold under `fault` and `policy`.
std::string expectationReason(Invariant inv, FaultClass fault, Policy policy, Abi abi);

} // namespace bridgepath
