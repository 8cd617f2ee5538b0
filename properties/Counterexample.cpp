#include "properties/Counterexample.h"

namespace bridgepath {

std::optional<Counterexample> &lastFailure() {
    thread_local std::optional<Counterexample> record;
    return record;
}

Counterexample failureOf(std::shared_ptr<const CaseSetup> setup, const Harness &h,
                         const StepOutcome &out) {
    Counterexample c;
    c.setup = std::move(setup);
    c.ops = h.ops();
    c.results = h.results();
    c.states = h.states();
    c.why = out.mismatch ? *out.mismatch : out.why;
    c.mismatch = out.mismatch.has_value();
    return c;
}

} // namespace bridgepath
