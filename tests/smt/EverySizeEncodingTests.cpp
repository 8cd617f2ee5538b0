// The every-size proof's first-order rules against the implementation: on concrete trees (the
// universe of devices pinned to the tree, every function a table), each operation's definitions
// force exactly the state the implementation reaches, and admit it (so the check is not
// vacuous), on random correct-use traces under both ABIs.

#include "smt/EverySizeEncoding.h"

#include "SessionTable.h"
#include "TestSupport.h"
#include "impl/PciLiveUpdate.h"
#include "smt/BoundedSearch.h"
#include "topology/LspciRenderer.h"

#include <algorithm>
#include <functional>
#include <gtest/gtest.h>
#include <random>

namespace bridgepath {
namespace {

// What the implementation shows, in the encoding's terms (no slot is ever shared or dangling
// under correct use without faults).
struct Snapshot {
    std::vector<bool> has, direct;
    std::vector<int> rc;
    int nr = 0, phase = 0;
    bool alloc = false, crashed = false, panicked = false;
};

Snapshot snapshotOf(const PciLiveUpdate &impl, std::size_t n) {
    Snapshot s;
    s.phase = static_cast<int>(impl.phase());
    s.nr = static_cast<int>(impl.phase() == Phase::Outgoing ? impl.nrDevices()
                                                            : impl.incomingNrDevices());
    s.crashed = impl.crashed();
    s.panicked = impl.panicked();
    s.alloc = test::sessionTableAllocated(impl);
    for (DeviceId d = 0; d < n; ++d) {
        const auto held = impl.heldRefcount(d);
        const bool has = held && !impl.dangling(d) && *held != 0;
        s.has.push_back(has);
        s.rc.push_back(has ? *held : 0);
        s.direct.push_back(impl.phase() == Phase::Outgoing ? impl.directlyPreserved(d)
                                                           : impl.directlyIncoming(d));
    }
    return s;
}

// One step's query on a concrete tree: the devices are u0..u(n-1) and nothing else, and the
// tree, the state before and the ghosts are tables.
class Instance {
  public:
    Instance(z3::context &c, const Topology &t) : c_(c), f_(c), t_(t), n_(t.size()), all_(c) {
        for (std::size_t i = 0; i < n_; ++i)
            u_.push_back(f_.var("u" + std::to_string(i)));
        const z3::expr x = f_.var("x"), y = f_.var("y");
        z3::expr_vector us(c), any(c), le(c), root(c), bridge(c);
        for (std::size_t i = 0; i < n_; ++i) {
            us.push_back(u_[i]);
            any.push_back(x == u_[i]);
            if (!t.parent(static_cast<DeviceId>(i)))
                root.push_back(x == u_[i]);
            if (t.kind(static_cast<DeviceId>(i)) == DeviceKind::Bridge)
                bridge.push_back(x == u_[i]);
            for (DeviceId j = 0; j < n_; ++j)
                if (above(i, j))
                    le.push_back(x == u_[i] && y == u_[j]);
        }
        z3::expr parent = u_[0];
        for (std::size_t i = 0; i < n_; ++i)
            if (auto p = t.parent(static_cast<DeviceId>(i)))
                parent = z3::ite(x == u_[i], u_[*p], parent);
        all_.push_back(z3::distinct(us));
        all_.push_back(z3::forall(x, z3::mk_or(any)));
        all_.push_back(z3::forall(x, y, f_.le(x, y) == z3::mk_or(le)));
        all_.push_back(z3::forall(x, f_.root(x) == z3::mk_or(root) && f_.parent(x) == parent &&
                                         f_.bridge(x) == z3::mk_or(bridge)));
    }

    const Forest &forest() const { return f_; }
    const z3::expr &device(std::size_t i) const { return u_[i]; }
    z3::expr facts() const { return z3::mk_and(all_); }
    void add(const z3::expr &e) { all_.push_back(e); }

    // i is j or above it.
    bool above(std::size_t i, DeviceId j) const {
        for (DeviceId d : t_.upstreamPath(j))
            if (d == i)
                return true;
        return false;
    }

    // A Boolean function of devices true exactly on `on`.
    z3::expr setIs(const z3::func_decl &fn, const std::vector<bool> &on) const {
        const z3::expr x = f_.var("x");
        z3::expr body = c_.bool_val(false);
        for (std::size_t i = 0; i < n_; ++i)
            if (on[i])
                body = body || x == u_[i];
        return z3::forall(x, fn(x) == body);
    }
    z3::expr intsAre(const z3::func_decl &fn, const std::vector<int> &v) const {
        const z3::expr x = f_.var("x");
        z3::expr body = c_.int_val(0);
        for (std::size_t i = 0; i < n_; ++i)
            body = z3::ite(x == u_[i], c_.int_val(v[i]), body);
        return z3::forall(x, fn(x) == body);
    }
    // `count` numbers the devices of `on` 1..count in id order: `slot` and its inverse `at`.
    z3::expr numbered(const z3::func_decl &slot, const z3::func_decl &at, const z3::expr &count,
                      const std::vector<bool> &on) const {
        std::vector<int> rank(n_, 0);
        const z3::expr k = c_.int_const("k");
        z3::expr inverse = u_[0];
        int next = 0;
        for (std::size_t i = 0; i < n_; ++i)
            if (on[i]) {
                rank[i] = ++next;
                inverse = z3::ite(k == next, u_[i], inverse);
            }
        return count == next && intsAre(slot, rank) && z3::forall(k, at(k) == inverse);
    }

    // The state before the step: the snapshot, the ghost counts as tables.
    z3::expr stateIs(const FolState &s, const Snapshot &v) const {
        z3::expr_vector all(c_);
        all.push_back(setIs(s.has, v.has));
        all.push_back(intsAre(s.rc, v.rc));
        all.push_back(setIs(s.direct, v.direct));
        std::vector<int> ideal(n_, 0);
        const z3::expr x = f_.var("x"), y = f_.var("y"), k = c_.int_const("k");
        z3::expr num = c_.int_val(0), inv = u_[0];
        for (std::size_t d = 0; d < n_; ++d)
            for (DeviceId e = 0; e < n_; ++e)
                if (v.direct[e] && above(d, e)) {
                    ++ideal[d];
                    num = z3::ite(x == u_[d] && y == u_[e], c_.int_val(ideal[d]), num);
                    inv = z3::ite(x == u_[d] && k == ideal[d], u_[e], inv);
                }
        all.push_back(intsAre(s.ideal, ideal));
        all.push_back(z3::forall(x, y, s.num(x, y) == num));
        all.push_back(z3::forall(x, k, s.inv(x, k) == inv));
        all.push_back(numbered(s.slot, s.at, s.used, v.has));
        all.push_back(s.nr == v.nr && s.phase == v.phase && s.alloc == c_.bool_val(v.alloc) &&
                      s.crashed == c_.bool_val(v.crashed) && s.panicked == c_.bool_val(v.panicked));
        return z3::mk_and(all);
    }

    // The state after the step is the snapshot (the slots only while not ended: finish-all's
    // implementation forgets them, the encoding keeps what it held).
    z3::expr stateMatches(const FolState &s, const Snapshot &v) const {
        z3::expr_vector all(c_);
        if (v.phase != 2)
            for (std::size_t i = 0; i < n_; ++i) {
                all.push_back(s.has(u_[i]) == c_.bool_val(v.has[i]));
                all.push_back(s.rc(u_[i]) == v.rc[i]);
                all.push_back(s.direct(u_[i]) == c_.bool_val(v.direct[i]));
            }
        all.push_back(s.phase == v.phase && s.crashed == c_.bool_val(v.crashed) &&
                      s.panicked == c_.bool_val(v.panicked));
        if (v.phase != 2)
            all.push_back(s.nr == v.nr && s.alloc == c_.bool_val(v.alloc));
        return z3::mk_and(all);
    }

  private:
    z3::context &c_;
    Forest f_;
    const Topology &t_;
    std::size_t n_;
    std::vector<z3::expr> u_;
    z3::expr_vector all_;
};

// A random operation correct use allows in `v`, with the encoding's name for its kind.
std::optional<std::pair<Op, std::string>> pick(const Topology &t, const Snapshot &v,
                                               std::mt19937 &rng) {
    std::vector<std::pair<Op, std::string>> allowed;
    for (DeviceId d = 0; d < t.size(); ++d) {
        Op op;
        op.bdf = t.bdf(d);
        if (v.phase == 0) {
            op.kind = v.direct[d] ? OpKind::Unpreserve : OpKind::Preserve;
            allowed.emplace_back(op, v.direct[d] ? "unpreserve" : "preserve");
        } else if (v.phase == 1 && v.direct[d]) {
            op.kind = OpKind::Finish;
            allowed.emplace_back(op, "finish");
        }
    }
    Op all;
    if (v.phase == 0 && rng() % 4 == 0) {
        all.kind = OpKind::Kexec;
        allowed.emplace_back(all, "kexec");
    }
    if (v.phase == 1 && std::find(v.direct.begin(), v.direct.end(), true) == v.direct.end()) {
        all.kind = OpKind::FinishAll;
        allowed.emplace_back(all, "finish-all");
    }
    if (allowed.empty())
        return std::nullopt;
    return allowed[rng() % allowed.size()];
}

// Runs random correct-use traces on `t`; returns the steps compared.
int compare(const Topology &t, Abi abi, std::mt19937 &rng) {
    const std::size_t n = t.size();
    int steps = 0;
    for (int trace = 0; trace < 2; ++trace) {
        LiveUpdateConfig config;
        config.abi = abi;
        config.capacity = n;
        PciLiveUpdate impl(t, config);
        std::string history;
        for (int k = 0; k < 10; ++k) {
            const Snapshot before = snapshotOf(impl, n);
            const auto choice = pick(t, before, rng);
            if (!choice)
                break;
            const auto &[op, kind] = *choice;
            (void)impl.apply(op);
            history += op.toString() + "; ";
            const Snapshot after = snapshotOf(impl, n);

            z3::context c;
            Instance in(c, t);
            const Forest &f = in.forest();
            const FolState s = stateNamed(f, "pre"), p = stateNamed(f, "post");
            SmtSetup setup;
            setup.abi = abi;
            const std::vector<Transition> all = everySizeTransitions(f, setup, s, p);
            const auto tr = std::find_if(all.begin(), all.end(),
                                         [&](const Transition &x) { return x.name == kind; });
            EXPECT_NE(tr, all.end()) << kind;
            if (tr == all.end())
                return steps;
            in.add(in.stateIs(s, before));
            if (op.hasDevice())
                in.add(f.var("t") == in.device(*t.find(op.bdf)));
            // The post-state's ghosts where the step does not define them: the slots in use
            // numbered in id order (after the walk, and for unpreserve before its release too).
            const z3::expr midUsed = c.int_const("mid_used");
            const z3::func_decl midSlot = c.function("mid_slot", f.dev, c.int_sort());
            const z3::func_decl midAt = c.function("mid_at", c.int_sort(), f.dev);
            if (kind == "preserve" || kind == "finish")
                in.add(in.numbered(p.slot, p.at, p.used, after.has));
            if (kind == "unpreserve") {
                std::vector<bool> walked(n);
                for (std::size_t d = 0; d < n; ++d)
                    walked[d] =
                        before.has[d] && !(in.above(d, *t.find(op.bdf)) && before.rc[d] == 1);
                in.add(in.numbered(midSlot, midAt, midUsed, walked));
            }
            const std::string where = std::string(toString(abi)) + "\n" + renderLspci(t) + history;
            z3::solver forced(c);
            forced.add(in.facts() && tr->guard && tr->defs && !in.stateMatches(p, after));
            const z3::check_result other = forced.check();
            EXPECT_EQ(other, z3::unsat)
                << "the encoding allows a state other than the implementation's after " << where
                << (other == z3::unknown ? " (Z3: unknown, " + forced.reason_unknown() + ")" : "");
            z3::solver admitted(c);
            admitted.add(in.facts() && tr->guard && tr->defs && in.stateMatches(p, after));
            const z3::check_result same = admitted.check();
            EXPECT_EQ(same, z3::sat)
                << "the encoding does not admit the implementation's state after " << where
                << (same == z3::unknown ? " (Z3: unknown, " + admitted.reason_unknown() + ")" : "");
            ++steps;
            if (after.crashed || after.phase == 2)
                break;
        }
    }
    return steps;
}

TEST(EverySizeEncoding, EveryStepIsWhatTheImplementationDoes) {
    std::mt19937 rng(20261202);
    std::vector<Topology> trees;
    // Every forest of at most 3 devices (parent[i] < i, -1 on a root bus; leaves endpoints).
    for (int n = 1; n <= 3; ++n) {
        std::vector<int> parent(n, -1);
        std::function<void(int)> each = [&](int i) {
            if (i == n) {
                trees.push_back(forestTopology(parent, std::vector<bool>(n, false), "test"));
                return;
            }
            for (int p = -1; p < i; ++p) {
                parent[i] = p;
                each(i + 1);
            }
        };
        each(0);
    }
    trees.push_back(test::reviewTree());
    int steps = 0;
    for (const Topology &t : trees)
        for (Abi abi : {Abi::V6, Abi::V7})
            steps += compare(t, abi, rng);
    // 10 trees, two ABIs, two traces of up to 10 steps: most traces run to their end.
    EXPECT_GE(steps, 200);
}

} // namespace
} // namespace bridgepath
