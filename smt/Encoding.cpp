#include "smt/Encoding.h"

namespace bridgepath {

LiveUpdateConfig SmtSetup::config() const {
    LiveUpdateConfig c;
    c.policy = policy;
    c.abi = abi;
    c.directRecord = record;
    c.releaseCheck = release;
    c.endOfUpdate = end;
    return c;
}

namespace {

std::string name(const std::string &base, int i, const std::string &tag = "") {
    return base + "_" + std::to_string(i) + (tag.empty() ? "" : "_" + tag);
}

} // namespace

SmtTree SmtTree::symbolic(z3::context &c, int n, int maxDepth) {
    return symbolicWithPath(c, n, maxDepth, -1);
}

SmtTree SmtTree::symbolicWithPath(z3::context &c, int n, int maxDepth, int k) {
    SmtTree t{n, maxDepth, {}, {}, {}, {}, c.bool_val(true)};
    z3::expr_vector wf(c);
    for (int i = 0; i < n; ++i) {
        if (i <= k) { // the path: i's parent is i - 1, every device above k is a bridge
            t.parent.push_back(c.int_val(i - 1));
            t.bridge.push_back(i < k ? c.bool_val(true) : c.bool_const(name("bridge", i).c_str()));
            continue;
        }
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
            if (i <= k) {
                t.anc[i][j] = c.bool_val(true);
                continue;
            }
            z3::expr_vector via(c);
            for (int m = j; m < i; ++m)
                via.push_back(t.parent[i] == m && t.anc[m][j]);
            t.anc[i][j] = z3::mk_or(via);
        }
    }
    for (int i = 0; i < n; ++i) {
        if (i <= k) {
            t.depth.push_back(c.int_val(i));
            continue;
        }
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
        t.depth.push_back(
            c.int_val(static_cast<int>(topo.upstreamBridges(static_cast<DeviceId>(i)))));
    }
    return t;
}

Encoder::Encoder(z3::context &c, SmtTree tree, SmtSetup setup)
    : c_(c), tree_(std::move(tree)), setup_(std::move(setup)), cap_(c.int_const("capacity")) {}

z3::expr Encoder::capacityConstraint() const {
    if (setup_.abi == Abi::V6 && setup_.faults.count(FaultClass::Alloc))
        return cap_ >= 1 && cap_ <= tree_.n;
    return cap_ == tree_.n;
}

SmtState Encoder::freshState(const std::string &tag) {
    SmtState s{{},
               {},
               {},
               {},
               {},
               c_.int_const(("nr_" + tag).c_str()),
               c_.int_const(("phase_" + tag).c_str()),
               c_.bool_const(("panicked_" + tag).c_str()),
               c_.bool_const(("alloc_" + tag).c_str()),
               c_.bool_const(("crashed_" + tag).c_str()),
               c_.bool_const(("uaf_" + tag).c_str()),
               {},
               std::nullopt,
               std::nullopt};
    for (int d = 0; d < tree_.n; ++d) {
        s.has.push_back(c_.bool_const(name("has", d, tag).c_str()));
        s.rc.push_back(c_.int_const(name("rc", d, tag).c_str()));
        s.direct.push_back(c_.bool_const(name("direct", d, tag).c_str()));
        s.dang.push_back(c_.bool_const(name("dang", d, tag).c_str()));
        s.copy.push_back(c_.int_const(name("copy", d, tag).c_str()));
    }
    return s;
}

SmtState Encoder::leanState(const std::string &tag) {
    SmtState s = freshState(tag);
    for (int d = 0; d < tree_.n; ++d) {
        s.dang[d] = c_.bool_val(false);
        s.copy[d] = c_.int_val(0);
    }
    s.panicked = c_.bool_val(false);
    s.crashed = c_.bool_val(false);
    s.uaf = c_.bool_val(false);
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
        all.push_back(!s.dang[d]);
        all.push_back(s.copy[d] == 0);
    }
    all.push_back(s.nr == 0);
    all.push_back(s.phase == 0);
    all.push_back(!s.panicked);
    all.push_back(!s.alloc);
    all.push_back(!s.crashed);
    all.push_back(!s.uaf);
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

z3::expr Encoder::inUse(const SmtState &s, int d) const {
    return s.has[d] && s.rc[d] != 0;
}

z3::expr Encoder::noneOf(const std::vector<z3::expr> &flags) const {
    z3::expr_vector none(c_);
    for (const z3::expr &f : flags)
        none.push_back(!f);
    return z3::mk_and(none);
}

z3::expr Encoder::usedOf(const SmtState &s) const {
    if (s.used)
        return *s.used;
    std::vector<z3::expr> used;
    for (int d = 0; d < tree_.n; ++d)
        used.push_back(z3::ite(inUse(s, d), c_.int_val(1), c_.int_val(0)));
    return sumOf(used);
}

z3::expr Encoder::holdersOf(const SmtState &s) const {
    if (s.holders)
        return *s.holders;
    std::vector<z3::expr> held;
    for (int d = 0; d < tree_.n; ++d)
        held.push_back(z3::ite(s.has[d], c_.int_val(1), c_.int_val(0)));
    return sumOf(held);
}

z3::expr Encoder::idealOf(const SmtState &s, int d) const {
    if (!s.ideal.empty())
        return s.ideal[d];
    std::vector<z3::expr> terms;
    for (int p = d; p < tree_.n; ++p)
        terms.push_back(z3::ite(s.direct[p] && tree_.anc[p][d], c_.int_val(1), c_.int_val(0)));
    return sumOf(terms);
}

z3::expr Encoder::preserveRefuses(const SmtState &s, const std::vector<z3::expr> &on,
                                  const std::vector<z3::expr> &pos, int d) const {
    // -ENOSPC needs a v6 table smaller than the tree: while outgoing, nr_devices counts the
    // devices holding a slot, so with one slot per device the allocation never fails; v7 grows.
    z3::expr full = c_.bool_val(false);
    if (setup_.abi == Abi::V6 && setup_.faults.count(FaultClass::Alloc)) {
        std::vector<z3::expr> below;
        for (int x = 0; x < tree_.n; ++x)
            below.push_back(z3::ite(on[x] && pos[x] < pos[d] && !s.has[x] && !s.dang[x],
                                    c_.int_val(1), c_.int_val(0)));
        full = s.nr + sumOf(below) >= cap_;
    }
    // A held slot (live or freed) with refcount 0 is -EINVAL, an endpoint's is -EBUSY (v7 decides
    // the endpoint first, the outcome is a failure either way); a bridge's is incremented.
    return z3::ite(s.has[d], s.rc[d] == 0 || !tree_.bridge[d],
                   z3::ite(s.dang[d], s.copy[d] == 0 || !tree_.bridge[d], full));
}

z3::expr Encoder::walkRefuses(const SmtState &s, int d) const {
    return z3::ite(s.has[d], s.rc[d] == 0, z3::ite(s.dang[d], s.copy[d] == 0, c_.bool_val(true)));
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
    // the walk runs in its phase (in a kernel that has not crashed; an unpreserve only while the
    // session's table is allocated, without one it returns -ENOENT before walking), reaches
    // position f, and nothing fails before it.
    const z3::expr walks = !s.crashed && !refusedByRecord(s, op) &&
                           ((is(SmtOp::Preserve) && s.phase == 0) ||
                            (is(SmtOp::Unpreserve) && s.phase == 0 && s.alloc) ||
                            (is(SmtOp::Finish) && s.phase == 1 && s.alloc));
    if (F.count(FaultClass::Step)) {
        z3::expr_vector reached(c_);
        const z3::expr dE = depthOf(op.e);
        std::vector<z3::expr> on, pos;
        for (int d = 0; d < n; ++d) {
            on.push_back(onPath(op.e, d));
            pos.push_back(dE - tree_.depth[d]);
        }
        for (int d = 0; d < n; ++d) {
            const z3::expr natural =
                z3::ite(is(SmtOp::Preserve), preserveRefuses(s, on, pos, d), walkRefuses(s, d));
            reached.push_back(z3::implies(on[d] && pos[d] < op.f, !natural));
        }
        ok.push_back(op.f == -1 || (walks && op.f >= 0 && op.f <= dE && z3::mk_and(reached)));
        if (setup_.finishStepFaultsOnly)
            ok.push_back(op.f == -1 || is(SmtOp::Finish));
    } else {
        ok.push_back(op.f == -1);
    }

    if (!F.count(FaultClass::Misuse)) {
        z3::expr directE = c_.bool_val(false);
        for (int p = 0; p < n; ++p)
            directE = z3::ite(op.e == p, s.direct[p], directE);
        ok.push_back(z3::implies(is(SmtOp::Preserve), s.phase == 0 && !directE));
        ok.push_back(z3::implies(is(SmtOp::Unpreserve), s.phase == 0 && directE));
        ok.push_back(z3::implies(is(SmtOp::Finish), s.phase == 1 && directE));
        ok.push_back(z3::implies(is(SmtOp::FinishAll), s.phase == 1 && noneOf(s.direct)));
        ok.push_back(z3::implies(is(SmtOp::Kexec), s.phase == 0));
    }
    ok.push_back(z3::implies(is(SmtOp::Lose) || is(SmtOp::SetRefcount), s.phase != 2));
    // One generation: the incoming kernel's own outgoing side (a preserve after the kexec, a
    // second kexec) is not encoded; the exhaustive search and the property tests cover chains.
    ok.push_back(z3::implies(is(SmtOp::Preserve) || is(SmtOp::Kexec), s.phase == 0));
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

z3::expr Encoder::refusedByRecord(const SmtState &s, const SmtStep &op) const {
    if (setup_.record == DirectRecord::None)
        return c_.bool_val(false);
    z3::expr directE = c_.bool_val(false);
    for (int p = 0; p < tree_.n; ++p)
        directE = z3::ite(op.e == p, s.direct[p], directE);
    auto is = [&](SmtOp k) { return op.kind == static_cast<int>(k); };
    return (is(SmtOp::Preserve) && directE) ||
           ((is(SmtOp::Unpreserve) || is(SmtOp::Finish)) && !directE);
}

SmtState Encoder::post(const SmtState &s, const SmtStep &op) {
    const int n = tree_.n;
    const bool v6 = setup_.abi == Abi::V6;
    auto is = [&](SmtOp k) { return op.kind == static_cast<int>(k); };
    // After the v6 BUG_ON every operation returns -ENOENT and changes nothing (as after a
    // retrieve-failed, which the encoding never reaches: see crashed in Encoding.h).
    const z3::expr alive = !s.crashed;
    // The record refuses a misused preserve, unpreserve or finish before anything changes.
    const z3::expr runs = alive && !refusedByRecord(s, op);
    const z3::expr isPres = runs && is(SmtOp::Preserve) && s.phase == 0;
    // Without a session there is no outgoing state: an unpreserve while no table is allocated
    // returns -ENOENT before its walk (dev's direct flag, the fail-next, nothing changes).
    const z3::expr isUnp = runs && is(SmtOp::Unpreserve) && s.phase == 0 && s.alloc;
    // `alloc` crosses the kexec unchanged: after it, whether an FLB was handed over at all. A
    // finish without one returns -ENOENT before its walk (nothing was inherited).
    const z3::expr isFin = runs && is(SmtOp::Finish) && s.phase == 1 && s.alloc;
    const z3::expr walk = isUnp || isFin;
    const z3::expr isKexec = alive && is(SmtOp::Kexec) && s.phase == 0;
    const z3::expr isFinishAll = alive && is(SmtOp::FinishAll) && s.phase == 1;
    const z3::expr isLose = alive && is(SmtOp::Lose) && s.phase != 2;
    const z3::expr isSet = alive && is(SmtOp::SetRefcount) && s.phase != 2;
    const z3::expr zero = c_.int_val(0), one = c_.int_val(1);

    const z3::expr dE = depthOf(op.e);
    std::vector<z3::expr> on, pos;
    for (int d = 0; d < n; ++d) {
        on.push_back(onPath(op.e, d));
        pos.push_back(dE - tree_.depth[d]);
    }
    // below(x, d): x is strictly below d on the path (between dev and d).
    auto below = [&](int x, int d) { return x > d && on[x] && tree_.anc[x][d]; };

    // Preserve: every device of the path, dev first; a failure anywhere is rolled back exactly
    // (each device before it was stepped successfully, so its unpreserve undoes that step).
    std::vector<z3::expr> presFail, newSlot;
    for (int d = 0; d < n; ++d) {
        presFail.push_back(on[d] && (pos[d] == op.f || preserveRefuses(s, on, pos, d)));
        newSlot.push_back(z3::ite(on[d] && !s.has[d] && !s.dang[d], one, zero));
    }
    z3::expr_vector anyPresFail(c_);
    for (const auto &f : presFail)
        anyPresFail.push_back(f);
    const z3::expr presOk = isPres && !z3::mk_or(anyPresFail);
    // A preserve step at a dangling device reads the freed slot (use after free) unless the
    // fail-next fires first or (v7) it is an endpoint, refused with -EBUSY before the read. The
    // rollback only touches devices stepped before, which read already.
    z3::expr_vector presUaf(c_);
    for (int d = 0; d < n; ++d) {
        z3::expr_vector clear(c_);
        for (int x = d + 1; x < n; ++x)
            clear.push_back(z3::implies(below(x, d), !presFail[x]));
        presUaf.push_back(isPres && on[d] && z3::mk_and(clear) && pos[d] != op.f && s.dang[d] &&
                          (v6 ? c_.bool_val(true) : tree_.bridge[d]));
    }

    // Unpreserve / finish: which devices fail, which the policy reaches, which it steps. Under
    // bail a device is reached when nothing from dev up to it (exclusive) fails.
    std::vector<z3::expr> walkFail;
    z3::expr namedFails = c_.bool_val(false);
    for (int d = 0; d < n; ++d) {
        walkFail.push_back(on[d] && (pos[d] == op.f || walkRefuses(s, d)));
        namedFails = z3::ite(op.e == d, walkFail[d], namedFails);
    }
    std::vector<z3::expr> done;
    z3::expr_vector unpUaf(c_);
    std::vector<z3::expr> freed;
    for (int d = 0; d < n; ++d) {
        z3::expr policy = c_.bool_val(true);
        switch (setup_.policy) {
        case Policy::Bail: {
            z3::expr_vector clear(c_);
            for (int x = d + 1; x < n; ++x)
                clear.push_back(z3::implies(below(x, d), !walkFail[x]));
            policy = z3::mk_and(clear);
            break;
        }
        case Policy::Continue:
            break;
        case Policy::Guarded:
            // With the record a failing named device is corruption, not misuse: walk on.
            if (setup_.record == DirectRecord::None)
                policy = op.e == d || !namedFails;
            break;
        }
        z3::expr reached = walk && on[d] && policy;
        if (setup_.mutantSkipRoot)
            reached = reached && !(isUnp && tree_.parent[d] == -1 && dE >= setup_.mutantFromDepth);
        done.push_back(reached && !walkFail[d]);
        // The step reads the slot once the fail-next check has passed, whatever it finds there.
        unpUaf.push_back(isUnp && reached && pos[d] != op.f && s.dang[d]);
        // A step that brings a refcount to 0 decrements nr_devices: a live slot's, and also a
        // freed copy's (the step decrements the counter of the table it was handed, the live
        // one; the u32 may wrap below 0, an Int here that goes negative as the u32 reads).
        freed.push_back(z3::ite(
            done[d] && ((s.has[d] && s.rc[d] == 1) || (s.dang[d] && s.copy[d] == 1)), one, zero));
    }

    // The state after the walk, before the release.
    SmtState m = s;
    for (int d = 0; d < n; ++d) {
        const z3::expr target = op.e == d;
        // A preserve increments a live slot, allocates one (refcount 1) where none is cached,
        // and leaves the live table alone at a dangling device (its freed copy is incremented).
        const z3::expr preserved = z3::ite(s.has[d], s.rc[d] + 1, z3::ite(s.dang[d], s.rc[d], one));
        m.rc[d] = z3::ite(presOk && on[d], preserved,
                          z3::ite(done[d] && s.has[d], s.rc[d] - 1,
                                  z3::ite(isLose && target && s.has[d], zero,
                                          z3::ite(isSet && target && s.has[d], op.v,
                                                  z3::ite(isKexec && !(s.has[d] && s.rc[d] != 0),
                                                          zero, s.rc[d])))));
        m.has[d] = z3::ite(presOk, s.has[d] || (on[d] && !s.dang[d]),
                           z3::ite(done[d] && s.has[d] && s.rc[d] == 1, c_.bool_val(false),
                                   z3::ite(isKexec, s.has[d] && s.rc[d] != 0, s.has[d])));
        m.copy[d] = z3::ite(presOk && on[d] && s.dang[d], s.copy[d] + 1,
                            z3::ite(done[d] && s.dang[d], s.copy[d] - 1,
                                    z3::ite(isLose && target && s.dang[d], zero,
                                            z3::ite(isSet && target && s.dang[d], op.v,
                                                    z3::ite(isKexec, zero, s.copy[d])))));
        // At refcount 0 the device forgets the freed slot; the pointer does not cross the kexec.
        m.dang[d] = s.dang[d] && !(done[d] && s.copy[d] == 1) && !isKexec;
        m.direct[d] = z3::ite(presOk && target, c_.bool_val(true),
                              z3::ite(walk && target, c_.bool_val(false), s.direct[d]));
    }
    m.nr = z3::ite(presOk, s.nr + sumOf(newSlot), z3::ite(walk, s.nr - sumOf(freed), s.nr));
    m.alloc = s.alloc || isPres;

    // The release: after an unpreserve or a failed preserve that leaves nothing directly
    // preserved. v6 BUG_ON(nr_devices) kills the outgoing kernel with the table as it is; else
    // (v7 only warns) the table is freed under whoever still holds a slot.
    const z3::expr release = (isUnp || (isPres && !presOk)) && m.alloc && noneOf(m.direct);
    const ReleaseCheck rule = releaseCheckOf(setup_.config());
    const bool clears =
        rule == ReleaseCheck::WarnClearAndFree || rule == ReleaseCheck::WarnAndReconcile;
    const z3::expr bug = release && m.nr != 0 && c_.bool_val(rule == ReleaseCheck::BugOn);
    // Clearing (or reconciling) leaves no pointer at all, also none into an earlier table.
    const z3::expr freeTable = release && !bug;
    SmtState t = m;
    for (int d = 0; d < n; ++d) {
        t.has[d] = m.has[d] && !freeTable;
        t.rc[d] = z3::ite(freeTable, zero, m.rc[d]);
        t.dang[d] = m.dang[d] || (freeTable && m.has[d]);
        t.copy[d] = z3::ite(freeTable && m.has[d], m.rc[d], m.copy[d]);
    }
    if (clears) {
        const z3::expr cleared = release && m.nr != 0;
        for (int d = 0; d < n; ++d) {
            t.dang[d] = !cleared && t.dang[d];
            t.copy[d] = z3::ite(cleared, zero, t.copy[d]);
        }
    }
    t.nr = z3::ite(freeTable, zero, m.nr);
    t.alloc = m.alloc && !freeTable;
    t.crashed = s.crashed || bug;
    z3::expr_vector uafs(c_);
    uafs.push_back(s.uaf);
    for (const auto &u : presUaf)
        uafs.push_back(u);
    for (const auto &u : unpUaf)
        uafs.push_back(u);
    t.uaf = z3::mk_or(uafs);

    // Only direct[e] changes: ideal'(d) = ideal(d) - [direct[e] and e below d] + [direct'[e] and
    // e below d].
    z3::expr directE = c_.bool_val(false), directE2 = c_.bool_val(false);
    for (int p = 0; p < n; ++p) {
        directE = z3::ite(op.e == p, s.direct[p], directE);
        directE2 = z3::ite(op.e == p, t.direct[p], directE2);
    }
    t.ideal.clear();
    for (int d = 0; d < n; ++d)
        t.ideal.push_back(idealOf(s, d) - z3::ite(directE && on[d], one, zero) +
                          z3::ite(directE2 && on[d], one, zero));
    std::vector<z3::expr> gained, lost;
    for (int d = 0; d < n; ++d) {
        gained.push_back(z3::ite(!inUse(s, d) && inUse(t, d), one, zero));
        lost.push_back(z3::ite(inUse(s, d) && !inUse(t, d), one, zero));
    }
    t.used = usedOf(s) + sumOf(gained) - sumOf(lost);
    t.phase = z3::ite(isKexec, one, z3::ite(isFinishAll, c_.int_val(2), s.phase));
    switch (endOfUpdateOf(setup_.config())) {
    case EndOfUpdate::Panic:
        // The panic at the end of the update kills the kernel (every later step a no-op).
        t.panicked = z3::ite(isFinishAll, s.nr != 0, s.panicked);
        t.crashed = t.crashed || (isFinishAll && s.nr != 0);
        break;
    case EndOfUpdate::HeldForever:
        t.panicked = z3::ite(isFinishAll, s.nr != 0, s.panicked);
        break;
    case EndOfUpdate::PanicIfDirectUnfinished: {
        const z3::expr panics = isFinishAll && s.nr != 0 && !noneOf(s.direct);
        const z3::expr drops = isFinishAll && s.nr != 0 && noneOf(s.direct);
        t.panicked = panics || (!isFinishAll && s.panicked);
        t.crashed = t.crashed || panics;
        for (int d = 0; d < n; ++d) {
            t.has[d] = t.has[d] && !drops;
            t.rc[d] = z3::ite(drops, zero, t.rc[d]);
        }
        t.nr = z3::ite(drops, zero, t.nr);
        std::vector<z3::expr> dropped;
        for (int d = 0; d < n; ++d)
            dropped.push_back(z3::ite(drops && inUse(s, d), one, zero));
        t.used = *t.used - sumOf(dropped);
        break;
    }
    }
    std::vector<z3::expr> took, left;
    for (int d = 0; d < n; ++d) {
        took.push_back(z3::ite(!s.has[d] && t.has[d], one, zero));
        left.push_back(z3::ite(s.has[d] && !t.has[d], one, zero));
    }
    t.holders = holdersOf(s) + sumOf(took) - sumOf(left);
    return t;
}

z3::expr Encoder::equal(const SmtState &a, const SmtState &b) {
    z3::expr_vector all(c_);
    for (int d = 0; d < tree_.n; ++d) {
        all.push_back(a.has[d] == b.has[d]);
        all.push_back(a.rc[d] == b.rc[d]);
        all.push_back(a.direct[d] == b.direct[d]);
        all.push_back(a.dang[d] == b.dang[d]);
        all.push_back(a.copy[d] == b.copy[d]);
    }
    all.push_back(a.nr == b.nr);
    all.push_back(a.phase == b.phase);
    all.push_back(a.panicked == b.panicked);
    all.push_back(a.alloc == b.alloc);
    all.push_back(a.crashed == b.crashed);
    all.push_back(a.uaf == b.uaf);
    return z3::mk_and(all);
}

const std::vector<Invariant> &Encoder::encodedInvariants() {
    static const std::vector<Invariant> all = [] {
        std::vector<Invariant> out;
        for (Invariant i : allInvariants())
            if (encodes(i))
                out.push_back(i);
        return out;
    }();
    return all;
}

bool Encoder::encodes(Invariant i) {
    switch (i) {
    case Invariant::Closure:
    case Invariant::ExactCount:
    case Invariant::NrDevices:
    case Invariant::NoLeak:
    case Invariant::NoPrematureRelease:
    case Invariant::NoPanicAtFinish:
    case Invariant::NoCrash:
        return true;
    case Invariant::AtomicPreserve:
    case Invariant::Containment:
        return false;
    }
    return false;
}

z3::expr Encoder::exactAt(const SmtState &s, int d) const {
    return slotConsistentAt(s, d) && s.rc[d] == idealOf(s, d);
}

z3::expr Encoder::countIsIdeal(const SmtState &s, int d) const {
    return z3::ite(inUse(s, d), s.rc[d], c_.int_val(0)) == idealOf(s, d);
}

z3::expr Encoder::closureAt(const SmtState &s, int d) const {
    z3::expr_vector all(c_);
    for (int a = 0; a < d; ++a)
        all.push_back(z3::implies(inUse(s, d) && tree_.anc[d][a], inUse(s, a)));
    return z3::mk_and(all);
}

z3::expr Encoder::invariant(Invariant i, const SmtState &s) {
    const int n = tree_.n;
    z3::expr_vector all(c_);
    auto view = [&](int d) { return z3::ite(inUse(s, d), s.rc[d], c_.int_val(0)); };
    switch (i) {
    case Invariant::Closure:
        for (int d = 0; d < n; ++d)
            all.push_back(closureAt(s, d));
        break;
    case Invariant::ExactCount:
        for (int d = 0; d < n; ++d)
            all.push_back(countIsIdeal(s, d));
        break;
    case Invariant::NrDevices:
        all.push_back(s.nr == usedOf(s));
        if (setup_.abi == Abi::V6) // the v7 table grows: no capacity to exceed
            all.push_back(s.nr <= cap_);
        break;
    case Invariant::NoLeak: {
        z3::expr_vector clean(c_);
        for (int d = 0; d < n; ++d) {
            clean.push_back(!inUse(s, d));
            clean.push_back(!s.dang[d]);
        }
        clean.push_back(s.nr == 0);
        all.push_back(z3::implies(noneOf(s.direct), z3::mk_and(clean)));
        break;
    }
    case Invariant::NoPrematureRelease:
        for (int d = 0; d < n; ++d)
            all.push_back(view(d) >= idealOf(s, d));
        break;
    case Invariant::NoPanicAtFinish:
        all.push_back(z3::implies(s.panicked, !noneOf(s.direct)));
        break;
    case Invariant::NoCrash:
        // v6's finish-all with nr_devices != 0 holds the incoming state (no crash); v7 panics.
        // `crashed` is every way the kernel dies that the encoding reaches (retrieve-failed,
        // also a crash, is not reached: it needs slot identity).
        all.push_back(!s.crashed && !s.uaf);
        if (endOfUpdateOf(setup_.config()) != EndOfUpdate::HeldForever)
            all.push_back(!s.panicked);
        break;
    case Invariant::AtomicPreserve:
    case Invariant::Containment:
        break;
    }
    return z3::mk_and(all);
}

z3::expr Encoder::strengthening(const SmtState &s) {
    z3::expr_vector all(c_);
    for (int d = 0; d < tree_.n; ++d)
        all.push_back(slotConsistentAt(s, d));
    all.push_back(s.phase >= 0 && s.phase <= 2);
    all.push_back(!s.panicked);
    all.push_back(tableFollowsDirect(s));
    return z3::mk_and(all);
}

z3::expr Encoder::slotConsistentAt(const SmtState &s, int d) const {
    return z3::implies(s.has[d], s.rc[d] >= 1) && z3::implies(!s.has[d], s.rc[d] == 0) &&
           !s.dang[d] && s.copy[d] == 0;
}

z3::expr Encoder::tableFollowsDirect(const SmtState &s) const {
    return z3::implies(s.phase == 0 && !s.crashed, s.alloc == !noneOf(s.direct));
}

bool Encoder::isInductiveCore(Invariant i) {
    return i == Invariant::ExactCount || i == Invariant::NrDevices || i == Invariant::NoCrash;
}

z3::expr Encoder::faultFreeInductive(const SmtState &s) {
    z3::expr_vector all(c_);
    for (Invariant i : encodedInvariants())
        if (isInductiveCore(i))
            all.push_back(invariant(i, s));
    all.push_back(strengthening(s));
    return z3::mk_and(all);
}

std::string Encoder::strengtheningText() {
    return "every device with a slot has refcount >= 1, every device without one has refcount 0, "
           "no device dangles, phase in {outgoing, incoming, ended}, no panic, "
           "while outgoing the table is allocated exactly when some device is directly preserved";
}

z3::expr Encoder::faultDevice(const SmtStep &op) const {
    const z3::expr dE = depthOf(op.e);
    z3::expr walked = c_.int_val(-1);
    for (int d = 0; d < tree_.n; ++d)
        walked = z3::ite(onPath(op.e, d) && dE - tree_.depth[d] == op.f, c_.int_val(d), walked);
    const z3::expr corrupts =
        op.kind == static_cast<int>(SmtOp::Lose) || op.kind == static_cast<int>(SmtOp::SetRefcount);
    return z3::ite(op.f >= 0, walked, z3::ite(corrupts, op.e, c_.int_val(-1)));
}

std::vector<Op> opsOfStep(const Topology &t, SmtOp kind, DeviceId e, int f, int v) {
    Op op;
    op.bdf = t.bdf(e);
    switch (kind) {
    case SmtOp::Preserve:
        op.kind = OpKind::Preserve;
        break;
    case SmtOp::Unpreserve:
        op.kind = OpKind::Unpreserve;
        break;
    case SmtOp::Kexec:
        op.kind = OpKind::Kexec;
        break;
    case SmtOp::Finish:
        op.kind = OpKind::Finish;
        break;
    case SmtOp::FinishAll:
        op.kind = OpKind::FinishAll;
        break;
    case SmtOp::Lose:
        op.kind = OpKind::Lose;
        break;
    case SmtOp::SetRefcount:
        op.kind = OpKind::SetRefcount;
        op.value = static_cast<std::uint16_t>(v);
        break;
    }
    if (f < 0)
        return {op};
    DeviceId at = e;
    for (int up = 0; up < f; ++up)
        at = *t.parent(at);
    Op fault;
    fault.kind = OpKind::FailNext;
    fault.bdf = t.bdf(at);
    fault.step = op.kind == OpKind::Preserve     ? StepKind::Preserve
                 : op.kind == OpKind::Unpreserve ? StepKind::Unpreserve
                                                 : StepKind::Finish;
    return {fault, op};
}

} // namespace bridgepath
