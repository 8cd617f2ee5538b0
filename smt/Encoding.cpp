#include "smt/Encoding.h"

namespace bridgepath {

namespace {

std::string name(const std::string &base, int i, const std::string &tag = "") {
    return base + "_" + std::to_string(i) + (tag.empty() ? "" : "_" + tag);
}

} // namespace

SmtTree SmtTree::symbolic(z3::context &c, int n, int maxDepth) {
    SmtTree t{n, maxDepth, {}, {}, {}, {}, c.bool_val(true)};
    z3::expr_vector wf(c);
    for (int i = 0; i < n; ++i) {
        t.parent.push_back(c.int_const(name("parent", i).c_str()));
        t.bridge.push_back(c.bool_const(name("bridge", i).c_str()));
        wf.push_back(t.parent[i] >= -1 && t.parent[i] <= i - 1);
        for (int j = 0; j < i; ++j)
            wf.push_back(z3::implies(t.parent[i] == j, t.bridge[j]));
    }
    t.anc.assign(n, std::vector<z3::expr>(n, c.bool_val(false)));
    for (int i = 0; i < n; ++i) {
        t.anc[i][i] = c.bool_val(true);
        for (int j = 0; j < i; ++j) {
            z3::expr_vector via(c);
            for (int k = j; k < i; ++k)
                via.push_back(t.parent[i] == k && t.anc[k][j]);
            t.anc[i][j] = z3::mk_or(via);
        }
    }
    for (int i = 0; i < n; ++i) {
        z3::expr d = c.int_val(0);
        for (int j = 0; j < i; ++j)
            d = d + z3::ite(t.anc[i][j], c.int_val(1), c.int_val(0));
        t.depth.push_back(d);
        wf.push_back(d <= maxDepth);
    }
    t.wellFormed = z3::mk_and(wf);
    return t;
}

SmtTree SmtTree::concrete(z3::context &c, const Topology &topo) {
    const int n = static_cast<int>(topo.size());
    SmtTree t{n, static_cast<int>(topo.maxUpstreamBridges()), {}, {}, {}, {}, c.bool_val(true)};
    t.anc.assign(n, std::vector<z3::expr>(n, c.bool_val(false)));
    for (int i = 0; i < n; ++i) {
        const auto p = topo.parent(static_cast<DeviceId>(i));
        t.parent.push_back(c.int_val(p ? static_cast<int>(*p) : -1));
        t.bridge.push_back(c.bool_val(topo.isBridge(static_cast<DeviceId>(i))));
        for (DeviceId up : topo.upstreamPath(static_cast<DeviceId>(i)))
            t.anc[i][static_cast<int>(up)] = c.bool_val(true);
        t.depth.push_back(c.int_val(static_cast<int>(topo.upstreamBridges(static_cast<DeviceId>(i)))));
    }
    return t;
}

Encoder::Encoder(z3::context &c, SmtTree tree, SmtSetup setup)
    : c_(c), tree_(std::move(tree)), setup_(std::move(setup)), cap_(c.int_const("capacity")) {}

z3::expr Encoder::capacityConstraint() const {
    if (setup_.faults.count(FaultClass::Alloc))
        return cap_ >= 1 && cap_ <= tree_.n;
    return cap_ == tree_.n;
}

SmtState Encoder::freshState(const std::string &tag) {
    SmtState s{{}, {}, {}, c_.int_const(("nr_" + tag).c_str()),
               c_.int_const(("phase_" + tag).c_str()), c_.bool_const(("panicked_" + tag).c_str()),
               {}, std::nullopt};
    for (int d = 0; d < tree_.n; ++d) {
        s.has.push_back(c_.bool_const(name("has", d, tag).c_str()));
        s.rc.push_back(c_.int_const(name("rc", d, tag).c_str()));
        s.direct.push_back(c_.bool_const(name("direct", d, tag).c_str()));
    }
    return s;
}

SmtStep Encoder::freshStep(const std::string &tag) {
    return SmtStep{c_.int_const(("kind_" + tag).c_str()), c_.int_const(("e_" + tag).c_str()),
                   c_.int_const(("f_" + tag).c_str()), c_.int_const(("v_" + tag).c_str())};
}

z3::expr Encoder::initial(const SmtState &s) {
    z3::expr_vector all(c_);
    for (int d = 0; d < tree_.n; ++d) {
        all.push_back(!s.has[d]);
        all.push_back(s.rc[d] == 0);
        all.push_back(!s.direct[d]);
    }
    all.push_back(s.nr == 0);
    all.push_back(s.phase == 0);
    all.push_back(!s.panicked);
    return z3::mk_and(all);
}

z3::expr Encoder::sumOf(const std::vector<z3::expr> &terms) const {
    z3::expr sum = c_.int_val(0);
    for (const z3::expr &t : terms)
        sum = sum + t;
    return sum;
}

z3::expr Encoder::onPath(const z3::expr &e, int d) const {
    z3::expr_vector any(c_);
    for (int i = d; i < tree_.n; ++i)
        any.push_back(e == i && tree_.anc[i][d]);
    return z3::mk_or(any);
}

z3::expr Encoder::depthOf(const z3::expr &e) const {
    z3::expr out = c_.int_val(0);
    for (int i = 0; i < tree_.n; ++i)
        out = z3::ite(e == i, tree_.depth[i], out);
    return out;
}

z3::expr Encoder::inUse(const SmtState &s, int d) const { return s.has[d] && s.rc[d] != 0; }

z3::expr Encoder::usedOf(const SmtState &s) const {
    if (s.used)
        return *s.used;
    std::vector<z3::expr> used;
    for (int d = 0; d < tree_.n; ++d)
        used.push_back(z3::ite(inUse(s, d), c_.int_val(1), c_.int_val(0)));
    return sumOf(used);
}

z3::expr Encoder::idealOf(const SmtState &s, int d) const {
    if (!s.ideal.empty())
        return s.ideal[d];
    std::vector<z3::expr> terms;
    for (int p = d; p < tree_.n; ++p)
        terms.push_back(z3::ite(s.direct[p] && tree_.anc[p][d], c_.int_val(1), c_.int_val(0)));
    return sumOf(terms);
}

z3::expr Encoder::stepAllowed(const SmtState &s, const SmtStep &op) {
    const auto &F = setup_.faults;
    const int n = tree_.n;
    z3::expr_vector ok(c_);
    ok.push_back(op.kind >= 0 && op.kind <= static_cast<int>(SmtOp::SetRefcount));
    ok.push_back(op.e >= 0 && op.e < n);
    ok.push_back(op.v >= 0 && op.v <= 3);
    auto is = [&](SmtOp k) { return op.kind == static_cast<int>(k); };
    if (!F.count(FaultClass::LostSlot))
        ok.push_back(!is(SmtOp::Lose));
    if (!F.count(FaultClass::Refcount))
        ok.push_back(!is(SmtOp::SetRefcount));
    ok.push_back(z3::implies(!is(SmtOp::SetRefcount), op.v == 0));

    // A step fault must fire in this very operation (else it would stay pending in the kernel):
    // the walk runs in its phase, reaches position f, and nothing fails before it.
    const z3::expr walks = (is(SmtOp::Preserve) && s.phase == 0) ||
                           (is(SmtOp::Unpreserve) && s.phase == 0) ||
                           (is(SmtOp::Finish) && s.phase == 1);
    if (F.count(FaultClass::Step)) {
        z3::expr_vector reached(c_);
        const z3::expr dE = depthOf(op.e);
        for (int d = 0; d < n; ++d) {
            const z3::expr on = onPath(op.e, d);
            const z3::expr pos = dE - tree_.depth[d];
            std::vector<z3::expr> below;
            for (int x = 0; x < n; ++x)
                below.push_back(z3::ite(onPath(op.e, x) && dE - tree_.depth[x] < pos && !s.has[x],
                                        c_.int_val(1), c_.int_val(0)));
            const z3::expr natural =
                z3::ite(is(SmtOp::Preserve),
                        (s.has[d] && s.rc[d] == 0) || (s.has[d] && !tree_.bridge[d]) ||
                            (!s.has[d] && s.nr + sumOf(below) >= cap_),
                        !s.has[d] || s.rc[d] == 0);
            reached.push_back(z3::implies(on && pos < op.f, !natural));
        }
        ok.push_back(op.f == -1 || (walks && op.f >= 0 && op.f <= dE && z3::mk_and(reached)));
        if (setup_.finishStepFaultsOnly)
            ok.push_back(op.f == -1 || is(SmtOp::Finish));
    } else {
        ok.push_back(op.f == -1);
    }

    if (!F.count(FaultClass::Misuse)) {
        z3::expr_vector noneDirect(c_);
        z3::expr directE = c_.bool_val(false);
        for (int p = 0; p < n; ++p) {
            noneDirect.push_back(!s.direct[p]);
            directE = z3::ite(op.e == p, s.direct[p], directE);
        }
        ok.push_back(z3::implies(is(SmtOp::Preserve), s.phase == 0 && !directE));
        ok.push_back(z3::implies(is(SmtOp::Unpreserve), s.phase == 0 && directE));
        ok.push_back(z3::implies(is(SmtOp::Finish), s.phase == 1 && directE));
        ok.push_back(z3::implies(is(SmtOp::FinishAll), s.phase == 1 && z3::mk_and(noneDirect)));
        ok.push_back(z3::implies(is(SmtOp::Kexec), s.phase == 0));
    }
    ok.push_back(z3::implies(is(SmtOp::Lose) || is(SmtOp::SetRefcount), s.phase != 2));
    if (setup_.lostSlotBelowBridge) {
        z3::expr rootE = c_.bool_val(false);
        for (int p = 0; p < n; ++p)
            rootE = z3::ite(op.e == p, tree_.parent[p] == -1, rootE);
        ok.push_back(z3::implies(is(SmtOp::Lose), !rootE));
    }
    if (setup_.endpointsOnly) {
        z3::expr bridgeE = c_.bool_val(false);
        for (int p = 0; p < n; ++p)
            bridgeE = z3::ite(op.e == p, tree_.bridge[p], bridgeE);
        ok.push_back(z3::implies(is(SmtOp::Preserve), !bridgeE));
    }
    return z3::mk_and(ok);
}

SmtState Encoder::post(const SmtState &s, const SmtStep &op) {
    const int n = tree_.n;
    auto is = [&](SmtOp k) { return op.kind == static_cast<int>(k); };
    const z3::expr isPres = is(SmtOp::Preserve) && s.phase == 0;
    const z3::expr isUnp = is(SmtOp::Unpreserve) && s.phase == 0;
    const z3::expr isFin = is(SmtOp::Finish) && s.phase == 1;
    const z3::expr walk = isUnp || isFin;
    const z3::expr isKexec = is(SmtOp::Kexec) && s.phase == 0;
    const z3::expr isFinishAll = is(SmtOp::FinishAll) && s.phase == 1;
    const z3::expr isLose = is(SmtOp::Lose) && s.phase != 2;
    const z3::expr isSet = is(SmtOp::SetRefcount) && s.phase != 2;

    const z3::expr dE = depthOf(op.e);
    std::vector<z3::expr> on, pos;
    for (int d = 0; d < n; ++d) {
        on.push_back(onPath(op.e, d));
        pos.push_back(dE - tree_.depth[d]);
    }

    // Preserve: every device of the path, dev first; a failure anywhere is rolled back exactly.
    // -ENOSPC needs a table smaller than the tree: while outgoing, nr_devices counts the devices
    // holding a slot, so with one slot per device the allocation never fails and is left out.
    const bool tableCanFill = setup_.faults.count(FaultClass::Alloc) != 0;
    std::vector<z3::expr> presFail, newSlot;
    for (int d = 0; d < n; ++d) {
        z3::expr full = c_.bool_val(false);
        if (tableCanFill) {
            std::vector<z3::expr> below;
            for (int x = 0; x < n; ++x)
                below.push_back(
                    z3::ite(on[x] && pos[x] < pos[d] && !s.has[x], c_.int_val(1), c_.int_val(0)));
            full = !s.has[d] && s.nr + sumOf(below) >= cap_;
        }
        presFail.push_back(on[d] && (pos[d] == op.f || (s.has[d] && s.rc[d] == 0) ||
                                     (s.has[d] && !tree_.bridge[d]) || full));
        newSlot.push_back(z3::ite(on[d] && !s.has[d], c_.int_val(1), c_.int_val(0)));
    }
    z3::expr_vector anyPresFail(c_);
    for (const auto &f : presFail)
        anyPresFail.push_back(f);
    const z3::expr presOk = isPres && !z3::mk_or(anyPresFail);

    // Unpreserve / finish: which devices fail, and which the policy steps. Under bail a device is
    // stepped when nothing from dev up to it fails (the devices between are those on both paths).
    std::vector<z3::expr> walkFail;
    z3::expr namedFails = c_.bool_val(false);
    for (int d = 0; d < n; ++d) {
        walkFail.push_back(on[d] && (pos[d] == op.f || !s.has[d] || s.rc[d] == 0));
        namedFails = z3::ite(op.e == d, walkFail[d], namedFails);
    }
    std::vector<z3::expr> done, freed;
    for (int d = 0; d < n; ++d) {
        z3::expr policy = c_.bool_val(true);
        switch (setup_.policy) {
        case Policy::Bail: {
            z3::expr_vector clear(c_);
            for (int x = d; x < n; ++x)
                clear.push_back(z3::implies(on[x] && tree_.anc[x][d], !walkFail[x]));
            policy = z3::mk_and(clear);
            break;
        }
        case Policy::Continue:
            break;
        case Policy::Guarded:
            policy = !namedFails;
            break;
        }
        z3::expr step = walk && on[d] && !walkFail[d] && policy;
        if (setup_.mutantSkipRoot)
            step = step && !(isUnp && tree_.parent[d] == -1);
        done.push_back(step);
        freed.push_back(z3::ite(step && s.rc[d] == 1, c_.int_val(1), c_.int_val(0)));
    }

    SmtState t = s;
    for (int d = 0; d < n; ++d) {
        const z3::expr target = op.e == d;
        t.rc[d] = z3::ite(presOk, z3::ite(on[d], z3::ite(s.has[d], s.rc[d] + 1, c_.int_val(1)), s.rc[d]),
                  z3::ite(done[d], s.rc[d] - 1,
                  z3::ite(isLose && target && s.has[d], c_.int_val(0),
                  z3::ite(isSet && target && s.has[d], op.v, s.rc[d]))));
        t.has[d] = z3::ite(presOk, s.has[d] || on[d],
                   z3::ite(done[d] && s.rc[d] == 1, c_.bool_val(false),
                   z3::ite(isKexec, s.rc[d] != 0, s.has[d])));
        t.direct[d] = z3::ite(presOk && target, c_.bool_val(true),
                      z3::ite(walk && target, c_.bool_val(false), s.direct[d]));
    }
    // Only direct[e] changes: ideal'(d) = ideal(d) - [direct[e] and e below d] + [direct'[e] and
    // e below d].
    z3::expr directE = c_.bool_val(false), directE2 = c_.bool_val(false);
    for (int p = 0; p < n; ++p) {
        directE = z3::ite(op.e == p, s.direct[p], directE);
        directE2 = z3::ite(op.e == p, t.direct[p], directE2);
    }
    t.ideal.clear();
    for (int d = 0; d < n; ++d)
        t.ideal.push_back(idealOf(s, d) - z3::ite(directE && on[d], c_.int_val(1), c_.int_val(0)) +
                          z3::ite(directE2 && on[d], c_.int_val(1), c_.int_val(0)));
    std::vector<z3::expr> gained, lost;
    for (int d = 0; d < n; ++d) {
        gained.push_back(z3::ite(!inUse(s, d) && inUse(t, d), c_.int_val(1), c_.int_val(0)));
        lost.push_back(z3::ite(inUse(s, d) && !inUse(t, d), c_.int_val(1), c_.int_val(0)));
    }
    t.used = usedOf(s) + sumOf(gained) - sumOf(lost);
    t.nr = z3::ite(presOk, s.nr + sumOf(newSlot), z3::ite(walk, s.nr - sumOf(freed), s.nr));
    t.phase = z3::ite(isKexec, c_.int_val(1), z3::ite(isFinishAll, c_.int_val(2), s.phase));
    t.panicked = z3::ite(isFinishAll, s.nr != 0, s.panicked);
    return t;
}

z3::expr Encoder::equal(const SmtState &a, const SmtState &b) {
    z3::expr_vector all(c_);
    for (int d = 0; d < tree_.n; ++d) {
        all.push_back(a.has[d] == b.has[d]);
        all.push_back(a.rc[d] == b.rc[d]);
        all.push_back(a.direct[d] == b.direct[d]);
    }
    all.push_back(a.nr == b.nr);
    all.push_back(a.phase == b.phase);
    all.push_back(a.panicked == b.panicked);
    return z3::mk_and(all);
}

bool Encoder::encodes(Invariant i) {
    switch (i) {
    case Invariant::Closure:
    case Invariant::ExactCount:
    case Invariant::NrDevices:
    case Invariant::NoLeak:
    case Invariant::NoPrematureRelease:
    case Invariant::NoPanicAtFinish:
        return true;
    case Invariant::AtomicPreserve:
    case Invariant::Containment:
    case Invariant::NoCrash:
        return false;
    }
    return false;
}

z3::expr Encoder::invariant(Invariant i, const SmtState &s) {
    const int n = tree_.n;
    z3::expr_vector all(c_);
    auto view = [&](int d) { return z3::ite(inUse(s, d), s.rc[d], c_.int_val(0)); };
    switch (i) {
    case Invariant::Closure:
        for (int d = 0; d < n; ++d)
            for (int a = 0; a < d; ++a)
                all.push_back(z3::implies(inUse(s, d) && tree_.anc[d][a], inUse(s, a)));
        break;
    case Invariant::ExactCount:
        for (int d = 0; d < n; ++d)
            all.push_back(view(d) == idealOf(s, d));
        break;
    case Invariant::NrDevices:
        all.push_back(s.nr == usedOf(s));
        all.push_back(s.nr <= cap_);
        break;
    case Invariant::NoLeak: {
        z3::expr_vector none(c_), clean(c_);
        for (int d = 0; d < n; ++d) {
            none.push_back(!s.direct[d]);
            clean.push_back(!inUse(s, d));
        }
        clean.push_back(s.nr == 0);
        all.push_back(z3::implies(z3::mk_and(none), z3::mk_and(clean)));
        break;
    }
    case Invariant::NoPrematureRelease:
        for (int d = 0; d < n; ++d)
            all.push_back(view(d) >= idealOf(s, d));
        break;
    case Invariant::NoPanicAtFinish: {
        z3::expr_vector some(c_);
        for (int d = 0; d < n; ++d)
            some.push_back(s.direct[d]);
        all.push_back(z3::implies(s.panicked, z3::mk_or(some)));
        break;
    }
    case Invariant::AtomicPreserve:
    case Invariant::Containment:
    case Invariant::NoCrash:
        break;
    }
    return z3::mk_and(all);
}

z3::expr Encoder::strengthening(const SmtState &s) {
    z3::expr_vector all(c_);
    for (int d = 0; d < tree_.n; ++d) {
        all.push_back(z3::implies(s.has[d], s.rc[d] >= 1));
        all.push_back(z3::implies(!s.has[d], s.rc[d] == 0));
    }
    all.push_back(s.phase >= 0 && s.phase <= 2);
    all.push_back(z3::implies(s.panicked, s.phase == 2));
    return z3::mk_and(all);
}

std::string Encoder::strengtheningText() {
    return "every device with a slot has refcount >= 1, every device without one has refcount 0, "
           "phase in {outgoing, incoming, ended}, a panic only once ended; plus no-leak, "
           "no-premature-release and no-panic-at-finish";
}

} // namespace bridgepath
