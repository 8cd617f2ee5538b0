#include "smt/InductiveCheck.h"

#include <algorithm>

namespace bridgepath {

std::optional<InductiveGap> checkInductive(const InductiveCheckOptions &o) {
    const auto t0 = std::chrono::steady_clock::now();
    const int n = o.maxDevices;
    z3::context c;
    // One encoder per depth k of the operation's target: its path is numbered 0..k (a tree of
    // fewer devices is the N-device case with unused devices).
    std::vector<Encoder> byDepth;
    const int depths = std::min(n - 1, o.maxDepth) + 1;
    byDepth.reserve(static_cast<std::size_t>(depths));
    for (int k = 0; k < depths; ++k)
        byDepth.emplace_back(c, SmtTree::symbolicWithPath(c, n, o.maxDepth, k), o.setup);
    auto sat = [&](const z3::expr &query, const std::string &part) {
        return decideProofQuery(query, o.solver, o.deadlineSeconds - secondsSince(t0), part,
                                o.name + "-" + part, o.queryDir)
            .has_value();
    };
    Encoder &whole = byDepth.back();
    {
        const SmtState s0 = whole.freshState("init");
        const FaultGhost g{c.bool_val(false), c.int_val(-1)};
        if (sat(whole.tree().wellFormed && whole.capacityConstraint() && whole.initial(s0) &&
                    !(o.inductive(whole, s0, g) && o.claim(whole, s0, g)),
                "initiation"))
            return InductiveGap{"initiation", true};
    }
    for (int kind = 0; kind <= static_cast<int>(SmtOp::SetRefcount); ++kind)
        for (int e = 0; e < depths; ++e) {
            Encoder &enc = byDepth[static_cast<std::size_t>(e)];
            const SmtState s = enc.freshState("s");
            const FaultGhost g{c.bool_const("faulted"), c.int_const("faulty")};
            SmtStep op = enc.freshStep("op");
            op.kind = c.int_val(kind);
            op.e = c.int_val(e);
            const z3::expr named = enc.faultDevice(op);
            // One fault in the whole sequence: none once it happened.
            const z3::expr once = z3::implies(g.faulted, named == -1);
            const SmtState next = enc.post(s, op);
            const FaultGhost g2{g.faulted || named >= 0, z3::ite(g.faulted, g.at, named)};
            const std::string part =
                "kind-" + std::to_string(kind) + "-device-" + std::to_string(e);
            if (sat(enc.tree().wellFormed && enc.capacityConstraint() && o.inductive(enc, s, g) &&
                        enc.stepAllowed(s, op) && once &&
                        !(o.inductive(enc, next, g2) && o.claim(enc, next, g2)),
                    part))
                return InductiveGap{"operation kind " + std::to_string(kind) + " at depth " +
                                        std::to_string(e),
                                    false};
        }
    return std::nullopt;
}

} // namespace bridgepath
