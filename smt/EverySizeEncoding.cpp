#include "smt/EverySizeEncoding.h"

#include <algorithm>
#include <functional>

namespace bridgepath {

namespace {

using Body1 = std::function<z3::expr(const z3::expr &)>;
using Body2 = std::function<z3::expr(const z3::expr &, const z3::expr &)>;

} // namespace

Forest::Forest(z3::context &ctx)
    : c(ctx), dev(ctx.uninterpreted_sort("Dev")), le(ctx.function("le", dev, dev, ctx.bool_sort())),
      root(ctx.function("root", dev, ctx.bool_sort())), parent(ctx.function("parent", dev, dev)),
      bridge(ctx.function("bridge", dev, ctx.bool_sort())) {}

z3::expr Forest::axioms() const {
    const z3::expr x = var("x!"), y = var("y!"), z = var("z!");
    z3::expr_vector a(c);
    a.push_back(z3::forall(x, le(x, x)));
    a.push_back(z3::forall(x, y, z, z3::implies(le(x, y) && le(y, z), le(x, z))));
    a.push_back(z3::forall(x, y, z3::implies(le(x, y) && le(y, x), x == y)));
    a.push_back(z3::forall(x, y, z, z3::implies(le(x, z) && le(y, z), le(x, y) || le(y, x))));
    a.push_back(z3::forall(x, y, z3::implies(root(x) && le(y, x), y == x)));
    a.push_back(z3::forall(x, z3::implies(!root(x), le(parent(x), x) && parent(x) != x)));
    a.push_back(z3::forall(x, y, z3::implies(!root(x) && le(y, x) && y != x, le(y, parent(x)))));
    a.push_back(z3::forall(x, y, z3::implies(le(x, y) && x != y, bridge(x))));
    return z3::mk_and(a);
}

FolState stateNamed(const Forest &f, const std::string &tag) {
    z3::context &c = f.c;
    auto name = [&](const char *what) { return tag + "_" + what; };
    return FolState{c.function(name("has").c_str(), f.dev, c.bool_sort()),
                    c.function(name("rc").c_str(), f.dev, c.int_sort()),
                    c.function(name("direct").c_str(), f.dev, c.bool_sort()),
                    c.function(name("ideal").c_str(), f.dev, c.int_sort()),
                    c.function(name("num").c_str(), f.dev, f.dev, c.int_sort()),
                    c.function(name("inv").c_str(), f.dev, c.int_sort(), f.dev),
                    c.int_const(name("nr").c_str()),
                    c.int_const(name("used").c_str()),
                    c.function(name("slot").c_str(), f.dev, c.int_sort()),
                    c.function(name("at").c_str(), c.int_sort(), f.dev),
                    c.int_const(name("phase").c_str()),
                    c.bool_const(name("alloc").c_str()),
                    c.bool_const(name("crashed").c_str()),
                    c.bool_const(name("panicked").c_str())};
}

z3::expr countsSlots(const Forest &f, const z3::func_decl &has, const z3::func_decl &slot,
                     const z3::func_decl &at, const z3::expr &used) {
    const z3::expr d = f.var("d!"), i = f.c.int_const("i!");
    return used >= 0 &&
           z3::forall(d,
                      z3::implies(has(d), slot(d) >= 1 && slot(d) <= used && at(slot(d)) == d)) &&
           z3::forall(i, z3::implies(i >= 1 && i <= used, has(at(i)) && slot(at(i)) == i));
}

// The ghost count and its bijection, exact-count's core (rc = ideal), the strengthening, the
// slots in use, the crash, the table.
std::vector<Part> invariantParts(const Forest &f, const FolState &s) {
    z3::context &c = f.c;
    const z3::expr d = f.var("d!"), e = f.var("e!"), i = c.int_const("i!");
    const z3::expr k = s.num(d, e), w = s.inv(d, i);
    const z3::expr someDirect = z3::exists(e, s.direct(e));
    return {
        {"ideal-nonnegative", z3::forall(d, s.ideal(d) >= 0)},
        {"ideal-counts-every-direct-device-below",
         z3::forall(d, e,
                    z3::implies(s.direct(e) && f.le(d, e),
                                k >= 1 && k <= s.ideal(d) && s.inv(d, k) == e))},
        {"ideal-counts-only-direct-devices-below",
         z3::forall(d, i,
                    z3::implies(i >= 1 && i <= s.ideal(d),
                                s.direct(w) && f.le(d, w) && s.num(d, w) == i))},
        {"refcount-is-ideal", z3::forall(d, s.rc(d) == s.ideal(d))},
        {"slot-iff-refcount", z3::forall(d, z3::implies(s.has(d), s.rc(d) >= 1) &&
                                                z3::implies(!s.has(d), s.rc(d) == 0))},
        {"used-counts-the-slots", countsSlots(f, s.has, s.slot, s.at, s.used)},
        {"nr-devices-is-used", s.nr == s.used},
        // Implied by the conjuncts above; stated so each solver needs one step at a time.
        {"nothing-directly-preserved-no-slot",
         z3::implies(z3::forall(e, !s.direct(e)), z3::forall(d, !s.has(d)))},
        {"no-slot-none-counted", z3::implies(z3::forall(d, !s.has(d)), s.used == 0)},
        {"no-crash-no-panic", !s.crashed && !s.panicked},
        {"phase", s.phase >= 0 && s.phase <= 2},
        {"table",
         z3::implies(s.phase == 0, s.alloc == someDirect) && z3::implies(someDirect, s.alloc)},
    };
}

std::vector<std::string> countConjuncts() {
    return {"ideal-nonnegative", "ideal-counts-every-direct-device-below",
            "ideal-counts-only-direct-devices-below", "refcount-is-ideal", "slot-iff-refcount"};
}

z3::expr conjunctsNamed(const Forest &f, const std::vector<Part> &parts,
                        const std::vector<std::string> &names) {
    z3::expr_vector some(f.c);
    for (const Part &p : parts)
        if (names.empty() || std::find(names.begin(), names.end(), p.name) != names.end())
            some.push_back(p.formula);
    return z3::mk_and(some);
}

namespace {

class Operations {
  public:
    Operations(const Forest &f, const SmtSetup &setup, const FolState &pre, const FolState &post)
        : f_(f), c_(f.c), setup_(setup), s_(pre), p_(post), t_(f.var("t")),
          released_(f.c.bool_const("released")), deep_(f.c.bool_const("deep")), d_(f.var("d!")),
          e_(f.var("e!")), i_(f.c.int_const("i!")) {}

    std::vector<Transition> all() {
        return {preserve(), unpreserve(), kexec(), finish(), finishAll(), afterCrash()};
    }

  private:
    const Forest &f_;
    z3::context &c_;
    SmtSetup setup_;
    const FolState &s_, &p_;
    z3::expr t_, released_, deep_, d_, e_, i_;

    z3::expr def1(const z3::func_decl &fn, const Body1 &body) const {
        return z3::forall(d_, fn(d_) == body(d_));
    }
    z3::expr def2(const z3::func_decl &fn, const z3::expr &y, const Body2 &body) const {
        return z3::forall(d_, y, fn(d_, y) == body(d_, y));
    }
    z3::expr same(const z3::func_decl &a, const z3::func_decl &b) const {
        return def1(a, [&](const z3::expr &d) { return b(d); });
    }
    // a(i) = b(i) for every index i (the slot count's inverse).
    z3::expr sameAt(const z3::func_decl &a, const z3::func_decl &b) const {
        return z3::forall(i_, a(i_) == b(i_));
    }
    // nr_devices and the slot count's ghost unchanged (a ghost may be any that holds; this one
    // does wherever no slot is given or taken).
    z3::expr sameCount() const {
        return p_.nr == s_.nr && p_.used == s_.used && same(p_.slot, s_.slot) &&
               sameAt(p_.at, s_.at);
    }
    // A walk that skips no device.
    Body1 noSkip() const {
        return [this](const z3::expr &) { return c_.bool_val(false); };
    }
    // Slots, refcounts, the directly preserved set and the ghost count unchanged.
    z3::expr sameSlots() const {
        z3::expr_vector all(c_);
        all.push_back(same(p_.has, s_.has));
        all.push_back(same(p_.rc, s_.rc));
        all.push_back(same(p_.direct, s_.direct));
        all.push_back(sameGhost());
        all.push_back(sameCount());
        return z3::mk_and(all);
    }
    // What the walk lemma proves of nr_devices: each step that gives a device a slot adds one and
    // each that takes one away subtracts one, so after the walk nr_devices - used is what it was,
    // with `used` counting the slots after it.
    z3::expr countedAfterWalk(const z3::func_decl &has, const z3::func_decl &slot,
                              const z3::func_decl &at, const z3::expr &used,
                              const z3::expr &nr) const {
        return countsSlots(f_, has, slot, at, used) && nr - used == s_.nr - s_.used;
    }
    z3::expr sameGhost() const {
        z3::expr_vector all(c_);
        all.push_back(same(p_.ideal, s_.ideal));
        all.push_back(
            def2(p_.num, e_, [&](const z3::expr &d, const z3::expr &e) { return s_.num(d, e); }));
        all.push_back(
            def2(p_.inv, i_, [&](const z3::expr &d, const z3::expr &i) { return s_.inv(d, i); }));
        return z3::mk_and(all);
    }
    z3::expr one(const z3::expr &b) const { return z3::ite(b, c_.int_val(1), c_.int_val(0)); }

    // The walk's summary (proved by the walk lemma): the devices at or above t, less the skipped
    // ones, take the step's value computed from their value before the walk.
    z3::expr walked(const z3::expr &d, const Body1 &skip) const { return f_.le(d, t_) && !skip(d); }

    // The unpreserve mutant skips the device on the root bus (below mutantFromDepth bridges:
    // only when t has at least that many bridges above it).
    z3::expr deepEnough() const {
        const int k = setup_.mutantFromDepth;
        if (k <= 0)
            return c_.bool_val(true);
        z3::expr_vector xs(c_), facts(c_);
        for (int j = 0; j < k; ++j) {
            const z3::expr x = f_.var("above!" + std::to_string(j));
            xs.push_back(x);
            facts.push_back(f_.le(x, t_) && x != t_);
        }
        if (k > 1)
            facts.push_back(z3::distinct(xs));
        return z3::exists(xs, z3::mk_and(facts));
    }

    // A walk step at a device that lowers the refcount (unpreserve, finish) refuses without a
    // slot or at refcount 0; proved never to happen on t's path here.
    Part lowerNoRefusal(const std::string &op) const {
        const z3::expr w = f_.var("w");
        return {op + "-no-step-refuses", z3::implies(f_.le(w, t_), s_.has(w) && s_.rc(w) != 0),
                false, countConjuncts()};
    }

    // direct' = direct less t, and the ghost count: the last counted device moves into t's place.
    z3::expr removeT() const {
        z3::expr_vector all(c_);
        all.push_back(def1(p_.direct, [&](const z3::expr &d) { return s_.direct(d) && d != t_; }));
        all.push_back(
            def1(p_.ideal, [&](const z3::expr &d) { return s_.ideal(d) - one(f_.le(d, t_)); }));
        all.push_back(def2(p_.num, e_, [&](const z3::expr &d, const z3::expr &e) {
            return z3::ite(f_.le(d, t_) && e == s_.inv(d, s_.ideal(d)), s_.num(d, t_),
                           s_.num(d, e));
        }));
        all.push_back(def2(p_.inv, i_, [&](const z3::expr &d, const z3::expr &i) {
            return z3::ite(f_.le(d, t_) && i == s_.num(d, t_), s_.inv(d, s_.ideal(d)),
                           s_.inv(d, i));
        }));
        return z3::mk_and(all);
    }

    // A lowering walk's slot and refcount (the step decrements; at 1 the slot goes).
    z3::expr lowered(const z3::func_decl &has, const z3::func_decl &rc, const Body1 &skip) const {
        z3::expr_vector all(c_);
        all.push_back(def1(rc, [&](const z3::expr &d) {
            return z3::ite(walked(d, skip), s_.rc(d) - 1, s_.rc(d));
        }));
        all.push_back(def1(has, [&](const z3::expr &d) {
            return s_.has(d) && !(walked(d, skip) && s_.rc(d) == 1);
        }));
        return z3::mk_and(all);
    }

    Transition preserve() const {
        const z3::expr w = f_.var("w");
        const Body1 none = noSkip();
        z3::expr_vector defs(c_);
        defs.push_back(def1(p_.rc, [&](const z3::expr &d) {
            return z3::ite(walked(d, none), s_.rc(d) + 1, s_.rc(d));
        }));
        defs.push_back(
            def1(p_.has, [&](const z3::expr &d) { return s_.has(d) || walked(d, none); }));
        defs.push_back(def1(p_.direct, [&](const z3::expr &d) { return s_.direct(d) || d == t_; }));
        defs.push_back(
            def1(p_.ideal, [&](const z3::expr &d) { return s_.ideal(d) + one(f_.le(d, t_)); }));
        defs.push_back(def2(p_.num, e_, [&](const z3::expr &d, const z3::expr &e) {
            return z3::ite(f_.le(d, t_) && e == t_, s_.ideal(d) + 1, s_.num(d, e));
        }));
        defs.push_back(def2(p_.inv, i_, [&](const z3::expr &d, const z3::expr &i) {
            return z3::ite(f_.le(d, t_) && i == s_.ideal(d) + 1, t_, s_.inv(d, i));
        }));
        defs.push_back(countedAfterWalk(p_.has, p_.slot, p_.at, p_.used, p_.nr));
        defs.push_back(p_.phase == s_.phase && p_.alloc && p_.crashed == s_.crashed &&
                       p_.panicked == s_.panicked);
        // A preserve step refuses at a slot of refcount 0 (-EINVAL) or an endpoint's slot
        // (-EBUSY); fault-free there is no -ENOSPC and no -EIO.
        Part refusal{"preserve-no-step-refuses",
                     z3::implies(f_.le(w, t_), !(s_.has(w) && (s_.rc(w) == 0 || !f_.bridge(w)))),
                     false, countConjuncts()};
        return {"preserve",
                !s_.crashed && s_.phase == 0 && !s_.direct(t_),
                z3::mk_and(defs),
                {refusal}};
    }

    Transition unpreserve() const {
        const Body1 skip = [&](const z3::expr &d) {
            return setup_.mutantSkipRoot ? f_.root(d) && deep_ : c_.bool_val(false);
        };
        // The state after the walk, before the release: mid_has / mid_rc.
        const z3::func_decl midHas = c_.function("mid_has", f_.dev, c_.bool_sort());
        const z3::func_decl midRc = c_.function("mid_rc", f_.dev, c_.int_sort());
        const z3::func_decl midSlot = c_.function("mid_slot", f_.dev, c_.int_sort());
        const z3::func_decl midAt = c_.function("mid_at", c_.int_sort(), f_.dev);
        const z3::expr midUsed = c_.int_const("mid_used"), midNr = c_.int_const("mid_nr");
        z3::expr_vector defs(c_);
        defs.push_back(deep_ == deepEnough());
        defs.push_back(lowered(midHas, midRc, skip));
        defs.push_back(countedAfterWalk(midHas, midSlot, midAt, midUsed, midNr));
        defs.push_back(removeT());
        // The release: nothing directly preserved is left. v6 BUG_ONs when nr_devices != 0 and
        // the kernel is dead with the table as it is; else (v7 only warns) it frees the table.
        const z3::expr w0 = f_.var("w0");
        defs.push_back(z3::implies(released_, z3::forall(e_, !p_.direct(e_))));
        defs.push_back(z3::implies(!released_, p_.direct(w0)));
        const z3::expr crash =
            released_ && (setup_.abi == Abi::V6 ? midNr != 0 : c_.bool_val(false));
        const z3::expr freed = released_ && !crash;
        defs.push_back(def1(p_.has, [&](const z3::expr &d) { return midHas(d) && !freed; }));
        defs.push_back(def1(
            p_.rc, [&](const z3::expr &d) { return z3::ite(freed, c_.int_val(0), midRc(d)); }));
        defs.push_back(same(p_.slot, midSlot) && sameAt(p_.at, midAt));
        defs.push_back(p_.used == z3::ite(freed, c_.int_val(0), midUsed));
        defs.push_back(p_.nr == z3::ite(freed, c_.int_val(0), midNr));
        defs.push_back(p_.phase == s_.phase && p_.alloc == !freed &&
                       p_.crashed == (s_.crashed || crash) && p_.panicked == s_.panicked);
        // So the release never frees a slot in use (no device is left dangling, which is why the
        // state has no dangling part) and v6's BUG_ON never fires.
        const z3::expr w = f_.var("w");
        Part zero{"unpreserve-release-finds-every-refcount-0",
                  z3::implies(released_, z3::forall(d_, midRc(d_) == 0)), true};
        Part clean{"unpreserve-release-finds-no-slot-in-use",
                   z3::implies(released_, !midHas(w) && midNr == 0), true};
        return {"unpreserve",
                !s_.crashed && s_.phase == 0 && s_.alloc && s_.direct(t_),
                z3::mk_and(defs),
                {lowerNoRefusal("unpreserve"), zero, clean}};
    }

    Transition kexec() const {
        z3::expr_vector defs(c_);
        defs.push_back(def1(p_.has, [&](const z3::expr &d) { return s_.has(d) && s_.rc(d) != 0; }));
        defs.push_back(def1(p_.rc, [&](const z3::expr &d) {
            return z3::ite(s_.has(d) && s_.rc(d) != 0, s_.rc(d), c_.int_val(0));
        }));
        defs.push_back(same(p_.direct, s_.direct));
        defs.push_back(sameGhost());
        // nr_devices crosses unchanged, and so does the slot count's ghost.
        defs.push_back(sameCount());
        defs.push_back(p_.phase == 1 && p_.alloc == s_.alloc && p_.crashed == s_.crashed &&
                       p_.panicked == s_.panicked);
        return {"kexec", !s_.crashed && s_.phase == 0, z3::mk_and(defs), {}};
    }

    Transition finish() const {
        z3::expr_vector defs(c_);
        defs.push_back(lowered(p_.has, p_.rc, noSkip()));
        defs.push_back(countedAfterWalk(p_.has, p_.slot, p_.at, p_.used, p_.nr));
        defs.push_back(removeT());
        defs.push_back(p_.phase == s_.phase && p_.alloc == s_.alloc && p_.crashed == s_.crashed &&
                       p_.panicked == s_.panicked);
        return {"finish",
                !s_.crashed && s_.phase == 1 && s_.alloc && s_.direct(t_),
                z3::mk_and(defs),
                {lowerNoRefusal("finish")}};
    }

    Transition finishAll() const {
        z3::expr_vector defs(c_);
        defs.push_back(sameSlots());
        // The panic when nr_devices != 0: v7 dies of it, v6 holds the incoming state.
        const z3::expr panic = s_.nr != 0;
        const z3::expr crash = setup_.abi == Abi::V7 ? panic : c_.bool_val(false);
        defs.push_back(p_.phase == 2 && p_.alloc == s_.alloc &&
                       p_.crashed == (s_.crashed || crash) &&
                       p_.panicked == (s_.panicked || panic));
        return {"finish-all",
                !s_.crashed && s_.phase == 1 && z3::forall(e_, !s_.direct(e_)),
                z3::mk_and(defs),
                {}};
    }

    // After a crash, and wherever the kernel returns before its walk (-ENOENT without a
    // table), nothing changes.
    Transition afterCrash() const {
        z3::expr_vector defs(c_);
        defs.push_back(sameSlots());
        defs.push_back(p_.phase == s_.phase && p_.alloc == s_.alloc && p_.crashed == s_.crashed &&
                       p_.panicked == s_.panicked);
        return {"no-change", c_.bool_val(true), z3::mk_and(defs), {}};
    }
};

} // namespace

std::vector<Transition> everySizeTransitions(const Forest &f, const SmtSetup &setup,
                                             const FolState &pre, const FolState &post) {
    return Operations(f, setup, pre, post).all();
}

// F on the refcount, G on the slot, both of the value the step reads.
std::vector<Part> walkLemma(const Forest &f) {
    z3::context &c = f.c;
    const z3::expr t = f.var("t"), cur = f.var("cur"), d = f.var("d!");
    const z3::func_decl has0 = c.function("w_has0", f.dev, c.bool_sort());
    const z3::func_decl rc0 = c.function("w_rc0", f.dev, c.int_sort());
    const z3::func_decl skip = c.function("w_skip", f.dev, c.bool_sort());
    const z3::func_decl F = c.function("w_F", c.bool_sort(), c.int_sort(), c.int_sort());
    const z3::func_decl G = c.function("w_G", c.bool_sort(), c.int_sort(), c.bool_sort());
    const z3::func_decl hasA = c.function("w_hasA", f.dev, c.bool_sort());
    const z3::func_decl rcA = c.function("w_rcA", f.dev, c.int_sort());
    const z3::func_decl hasB = c.function("w_hasB", f.dev, c.bool_sort());
    const z3::func_decl rcB = c.function("w_rcB", f.dev, c.int_sort());
    const z3::func_decl slotA = c.function("w_slotA", f.dev, c.int_sort());
    const z3::func_decl atA = c.function("w_atA", c.int_sort(), f.dev);
    const z3::func_decl slotB = c.function("w_slotB", f.dev, c.int_sort());
    const z3::func_decl atB = c.function("w_atB", c.int_sort(), f.dev);
    const z3::expr usedA = c.int_const("w_usedA"), usedB = c.int_const("w_usedB");
    const z3::expr nrA = c.int_const("w_nrA"), nrB = c.int_const("w_nrB"), i = c.int_const("i!");
    // The loop invariant at (cur, fin): the devices at or above t and strictly below cur (all of
    // them once the walk is past the root) have taken their step, the others are untouched.
    auto loop = [&](const z3::expr &at, const z3::expr &fin, const z3::func_decl &h,
                    const z3::func_decl &r) {
        const z3::expr stepped = f.le(d, t) && (fin || !f.le(d, at)) && !skip(d);
        return (fin || f.le(at, t)) &&
               z3::forall(d, r(d) == z3::ite(stepped, F(has0(d), rc0(d)), rc0(d)) &&
                                 h(d) == z3::ite(stepped, G(has0(d), rc0(d)), has0(d)));
    };
    const z3::expr start = z3::forall(d, hasA(d) == has0(d) && rcA(d) == rc0(d));
    const z3::expr step = z3::forall(
        d, rcB(d) == z3::ite(d == cur && !skip(cur), F(hasA(cur), rcA(cur)), rcA(d)) &&
               hasB(d) == z3::ite(d == cur && !skip(cur), G(hasA(cur), rcA(cur)), hasA(d)));
    // The kernel's nr_devices per step: one more when the step gives a device a slot (a preserve
    // step where there was none), one less when it takes the slot away (an unpreserve or finish
    // step bringing the refcount to 0); the ghost count appends, or moves its last into the gap.
    const z3::expr stepped = !skip(cur), h = hasA(cur), g = G(hasA(cur), rcA(cur));
    const z3::expr gives = stepped && !h && g, takes = stepped && h && !g;
    const z3::expr one = c.int_val(1), zero = c.int_val(0);
    const z3::expr counted =
        nrB == nrA + z3::ite(gives, one, zero) - z3::ite(takes, one, zero) &&
        usedB == usedA + z3::ite(gives, one, zero) - z3::ite(takes, one, zero) &&
        z3::forall(d,
                   slotB(d) == z3::ite(gives && d == cur, usedA + 1,
                                       z3::ite(takes && d == atA(usedA), slotA(cur), slotA(d)))) &&
        z3::forall(i, atB(i) == z3::ite(gives && i == usedA + 1, cur,
                                        z3::ite(takes && i == slotA(cur), atA(usedA), atA(i))));
    const z3::expr summary =
        z3::forall(d, rcA(d) == z3::ite(f.le(d, t) && !skip(d), F(has0(d), rc0(d)), rc0(d)) &&
                          hasA(d) == z3::ite(f.le(d, t) && !skip(d), G(has0(d), rc0(d)), has0(d)));
    return {
        {"walk-starts-with-nothing-stepped",
         z3::implies(start, loop(t, c.bool_val(false), hasA, rcA))},
        {"walk-step-reads-the-value-from-before-the-walk",
         z3::implies(loop(cur, c.bool_val(false), hasA, rcA),
                     f.le(cur, t) && hasA(cur) == has0(cur) && rcA(cur) == rc0(cur))},
        {"walk-step-keeps-the-loop-invariant",
         z3::implies(loop(cur, c.bool_val(false), hasA, rcA) && step,
                     loop(f.parent(cur), f.root(cur), hasB, rcB))},
        {"walk-ends-with-every-device-above-stepped-once",
         z3::implies(loop(cur, c.bool_val(true), hasA, rcA), summary)},
        {"walk-step-keeps-nr-devices-minus-the-slots-in-use",
         z3::implies(countsSlots(f, hasA, slotA, atA, usedA) && step && counted,
                     countsSlots(f, hasB, slotB, atB, usedB) && nrB - usedB == nrA - usedA)},
    };
}

} // namespace bridgepath
