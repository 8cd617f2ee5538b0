#include "properties/Counterexample.h"

#include "topology/LspciRenderer.h"

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

Trace counterexampleTrace(const Counterexample &c, Invariant inv) {
    Trace t;
    t.inlineTopology = renderLspci(c.setup->topology, true); // labels keep VFs
    t.policy = c.setup->config.policy;
    t.abi = c.setup->config.abi;
    if (c.setup->config.abi == Abi::V6)
        t.capacity = c.setup->config.capacity;
    setDesignHeaders(t, c.setup->config);
    t.expect = c.mismatch ? std::string("mismatch") : std::string("fails ") + toString(inv);
    t.ops = c.ops;
    return t;
}

} // namespace bridgepath
