// The Z3 encoding: the five statements of the proof issue with their answers, every SAT result
// replayed on impl and model, the symbolic tree agreeing with concrete trees, the encoding's
// steps agreeing with the implementation's, what each ABI (v6, v7) turns a fault into, and a
// mutant that a proof must catch.

#include "impl/internal/SearchState.h"
#include "smt/BoundedSearch.h"
#include "smt/InductionProof.h"

#include "SessionTable.h"
#include "TestSupport.h"
#include "impl/PciLiveUpdate.h"
#include "properties/Conformance.h"
#include "properties/Harness.h"
#include "topology/LspciParser.h"
#include "topology/LspciRenderer.h"

#include <functional>
#include <gtest/gtest.h>
#include <iostream>
#include <random>
#include <set>

namespace bridgepath {
namespace {

SmtOutcome bmc(Policy p, std::set<FaultClass> faults, std::vector<Invariant> invs, int devices,
               int steps, std::optional<Topology> t = std::nullopt, bool finishOnly = false,
               bool endpointsOnly = false, bool lostBelowBridge = false, Abi abi = Abi::V6) {
    BoundedSearchOptions o;
    o.setup.abi = abi;
    o.maxDevices = devices;
    o.maxDepth = std::max(0, devices - 1);
    o.steps = steps;
    o.setup.policy = p;
    o.setup.faults = std::move(faults);
    o.setup.finishStepFaultsOnly = finishOnly;
    o.setup.endpointsOnly = endpointsOnly;
    o.setup.lostSlotBelowBridge = lostBelowBridge;
    o.invariants = std::move(invs);
    o.topology = std::move(t);
    o.timeoutSeconds = 60;
    o.solver = SolverChoice::Both; // every statement's verdict is cvc5's too
    return boundedSearch(o);
}

void expectReplayed(const SmtOutcome &r) {
    ASSERT_EQ(r.verdict, SmtVerdict::Counterexample) << r.detail;
    ASSERT_TRUE(r.counterexample);
    EXPECT_TRUE(r.counterexample->replayAgrees) << r.counterexample->replayNote;
}

// (1) Without faults every policy keeps the invariants, for every tree of <= 6 devices and
// sequences of any length.
TEST(CorrectUse, KeepsTheInvariantsUnderEveryPolicyByInduction) {
    for (Policy p : {Policy::Bail, Policy::Continue, Policy::Guarded}) {
        InductionOptions o;
        o.maxDevices = 6;
        o.maxDepth = 5;
        o.setup.policy = p;
        o.solver = SolverChoice::Both;
        const SmtOutcome r = proveByInduction(o);
        EXPECT_EQ(r.verdict, SmtVerdict::Proved) << toString(p) << ": " << r.detail;
    }
}

TEST(CorrectUse, BoundedSearchWithoutFaultsFindsNothing) {
    const SmtOutcome r =
        bmc(Policy::Bail, {},
            {Invariant::ExactCount, Invariant::NoLeak, Invariant::NoPanicAtFinish}, 3, 4);
    EXPECT_EQ(r.verdict, SmtVerdict::Proved) << r.detail;
}

// (2) Under bail one lost slot leaks every bridge above it: on the review's tree, with drivers
// preserving endpoints, a lost slot on the path leaves the bridges above it counted.
TEST(LostSlot, UnderBailOneLostSlotLeaksEveryBridgeAboveIt) {
    const Topology t = test::reviewTree();
    const SmtOutcome r = bmc(Policy::Bail, {FaultClass::LostSlot}, {Invariant::NoLeak}, 5, 4, t,
                             false, /*endpointsOnly=*/true, /*lostBelowBridge=*/true);
    expectReplayed(r);
    const SmtCounterexample &c = *r.counterexample;
    const RunResult run = runSideBySide(c.topology, c.config, c.ops);
    const auto leaked = judge(c.topology, c.config, run).leaked;
    const auto lost = std::find_if(c.ops.begin(), c.ops.end(),
                                   [](const Op &op) { return op.kind == OpKind::Lose; });
    ASSERT_NE(lost, c.ops.end());
    const auto path = c.topology.upstreamPath(*c.topology.find(lost->bdf));
    ASSERT_GE(path.size(), 2u) << "the lost slot has a bridge above it";
    for (std::size_t i = 1; i < path.size(); ++i)
        EXPECT_NE(std::find(leaked.begin(), leaked.end(), c.topology.bdf(path[i])), leaked.end())
            << c.topology.bdf(path[i]).toString() << " above the lost slot stays counted";
}

// (3) Under continue a lost slot still breaks no-leak: refuted, in one device and three ops
// (nr_devices keeps the lost slot's count), whatever the policy.
TEST(LostSlot, UnderContinueALostSlotStillLeaksNrDevices) {
    const SmtOutcome r = bmc(Policy::Continue, {FaultClass::LostSlot}, {Invariant::NoLeak}, 3, 4);
    expectReplayed(r);
    EXPECT_EQ(r.counterexample->topology.size(), 1u);
    EXPECT_EQ(r.counterexample->ops.size(), 3u);
}

// (4) Under continue, unpreserving a never-preserved device releases a bridge early.
TEST(Misuse, UnderContinueUnpreservingANeverPreservedDeviceReleasesABridgeEarly) {
    const SmtOutcome r =
        bmc(Policy::Continue, {FaultClass::Misuse}, {Invariant::NoPrematureRelease}, 3, 3);
    expectReplayed(r);
    bool unpreserve = false;
    for (const Op &op : r.counterexample->ops)
        unpreserve = unpreserve || op.kind == OpKind::Unpreserve;
    EXPECT_TRUE(unpreserve);
}

// (5) A failed finish step ends in the panic at finish-all, under every policy.
TEST(FailedFinishStep, EndsInThePanicUnderEveryPolicy) {
    for (Policy p : {Policy::Bail, Policy::Continue, Policy::Guarded}) {
        const SmtOutcome r = bmc(p, {FaultClass::Step}, {Invariant::NoPanicAtFinish}, 3, 5,
                                 std::nullopt, /*finishOnly=*/true);
        expectReplayed(r);
        bool failedFinish = false;
        for (const Op &op : r.counterexample->ops)
            failedFinish =
                failedFinish || (op.kind == OpKind::FailNext && op.step == StepKind::Finish);
        EXPECT_TRUE(failedFinish) << toString(p);
        EXPECT_EQ(r.counterexample->ops.back().kind, OpKind::FinishAll);
    }
}

// A proof is never vacuous: an unpreserve that skips the device on the root bus is caught by
// induction and by bounded search, and its "counterexample" does not replay on the real code.
TEST(SmtMutant, UnpreserveSkippingTheRootDeviceIsCaught) {
    InductionOptions o;
    o.maxDevices = 3;
    o.maxDepth = 2;
    o.setup.mutantSkipRoot = true;
    o.reachabilitySteps = 3;
    EXPECT_EQ(proveByInduction(o).verdict, SmtVerdict::Counterexample);
    BoundedSearchOptions b;
    b.maxDevices = 2;
    b.maxDepth = 1;
    b.steps = 3;
    b.setup.mutantSkipRoot = true;
    b.invariants = {Invariant::ExactCount};
    const SmtOutcome r = boundedSearch(b);
    ASSERT_EQ(r.verdict, SmtVerdict::Counterexample);
    EXPECT_FALSE(r.counterexample->replayAgrees) << "the real code does not skip the root device";
}

// The proof for N devices covers every tree of at most N devices and every target depth: a
// mutant that only an unpreserve of a device with 3 bridges above it shows (so only on trees of
// at least 4 devices) is proved away up to N = 3 and caught at every N from 4 on, under both
// ABIs.
TEST(SmtMutant, ADeepOnlyBugIsCaughtAtEveryNThatHasADeepDevice) {
    for (Abi abi : {Abi::V6, Abi::V7}) {
        for (int n = 1; n <= 7; ++n) {
            InductionOptions o;
            o.maxDevices = n;
            o.maxDepth = n - 1;
            o.setup.abi = abi;
            o.setup.mutantSkipRoot = true;
            o.setup.mutantFromDepth = 3;
            o.reachabilitySteps = 3;
            const SmtOutcome r = proveByInduction(o);
            EXPECT_EQ(r.verdict, n <= 3 ? SmtVerdict::Proved : SmtVerdict::Counterexample)
                << toString(abi) << " at " << n << " devices: " << r.detail;
            if (n > 3 && r.counterexample) {
                EXPECT_FALSE(r.counterexample->replayAgrees) << "the real code walks every device";
            }
        }
    }
}

// A failed consecution is a counterexample only if bounded search reaches a failure: the
// skip-root mutant needs a preserve and an unpreserve (two steps) to break exact-count, so with
// one step of reachability search its counterexample-to-induction is unknown, with three it is a
// counterexample with its trace.
TEST(InductionVerdict, AnUnreachedCounterexampleToInductionIsUnknownNotACounterexample) {
    InductionOptions o;
    o.maxDevices = 3;
    o.maxDepth = 2;
    o.setup.mutantSkipRoot = true;
    o.reachabilitySteps = 1;
    const SmtOutcome unreached = proveByInduction(o);
    EXPECT_EQ(unreached.verdict, SmtVerdict::Unknown);
    EXPECT_FALSE(unreached.counterexample);
    EXPECT_NE(unreached.detail.find("not a counterexample"), std::string::npos) << unreached.detail;
    o.reachabilitySteps = 3;
    const SmtOutcome reached = proveByInduction(o);
    EXPECT_EQ(reached.verdict, SmtVerdict::Counterexample);
    ASSERT_TRUE(reached.counterexample);
    EXPECT_EQ(reached.counterexample->ops.size(), 2u);
}

// Induction on one concrete tree: the review tree is proved; the mutant is caught on it.
TEST(InductionVerdict, AConcreteTreeIsProvedForItselfAndTheMutantCaughtOnIt) {
    InductionOptions o;
    o.topology = test::reviewTree();
    EXPECT_EQ(proveByInduction(o).verdict, SmtVerdict::Proved);
    o.setup.mutantSkipRoot = true;
    EXPECT_EQ(proveByInduction(o).verdict, SmtVerdict::Counterexample);
}

// The symbolic-tree query and the concrete-tree query agree on every tree of <= 5 devices
// (internal devices bridges, leaves endpoints), here for bail with lost slots and no-leak.
TEST(SmtEncoding, SymbolicAndConcreteTreesAgreeUpToFiveDevices) {
    int trees = 0;
    for (int n = 1; n <= 5; ++n) {
        std::vector<int> parent(n, -1);
        std::function<void(int)> each = [&](int i) {
            if (i == n) {
                std::vector<bool> bridge(n, false);
                for (int j = 0; j < n; ++j)
                    if (parent[j] >= 0)
                        bridge[parent[j]] = true;
                // The concrete tree, numbered as the decoder numbers a model.
                z3::context c;
                SmtTree sym = SmtTree::symbolic(c, n, n);
                z3::solver pin(c);
                for (int j = 0; j < n; ++j)
                    pin.add(sym.parent[j] == parent[j] && sym.bridge[j] == c.bool_val(bridge[j]));
                pin.add(sym.wellFormed);
                ASSERT_EQ(pin.check(), z3::sat);
                const Topology t = decodeTree(pin.get_model(), sym);
                BoundedSearchOptions o;
                o.maxDevices = n;
                o.maxDepth = n;
                o.steps = 3;
                o.setup.faults = {FaultClass::LostSlot};
                o.invariants = {Invariant::NoLeak, Invariant::Closure};
                o.topology = t;
                const SmtOutcome concrete = boundedSearch(o);
                o.topology.reset();
                o.pinnedParent = parent;
                o.pinnedBridge = bridge;
                const SmtOutcome symbolic = boundedSearch(o);
                ASSERT_EQ(concrete.verdict, symbolic.verdict) << n << " devices";
                if (concrete.counterexample && symbolic.counterexample) {
                    EXPECT_EQ(concrete.counterexample->violated, symbolic.counterexample->violated);
                    EXPECT_EQ(concrete.counterexample->ops.size(),
                              symbolic.counterexample->ops.size());
                    EXPECT_TRUE(concrete.counterexample->replayAgrees);
                    EXPECT_TRUE(symbolic.counterexample->replayAgrees);
                }
                ++trees;
                return;
            }
            for (int p = -1; p < i; ++p) {
                parent[i] = p;
                each(i + 1);
            }
        };
        each(0);
    }
    EXPECT_EQ(trees, 1 + 2 + 6 + 24 + 120);
}

// The trees of `n` devices (every parent array; internal devices bridges, leaves endpoints),
// numbered as the decoder numbers a model.
std::vector<Topology> everyTree(int n) {
    std::vector<Topology> out;
    std::vector<int> parent(n, -1);
    std::function<void(int)> each = [&](int i) {
        if (i == n) {
            z3::context c;
            SmtTree sym = SmtTree::symbolic(c, n, n);
            z3::solver pin(c);
            std::vector<bool> bridge(n, false);
            for (int j = 0; j < n; ++j)
                if (parent[j] >= 0)
                    bridge[parent[j]] = true;
            for (int j = 0; j < n; ++j)
                pin.add(sym.parent[j] == parent[j] && sym.bridge[j] == c.bool_val(bridge[j]));
            pin.add(sym.wellFormed);
            if (pin.check() == z3::sat)
                out.push_back(decodeTree(pin.get_model(), sym));
            return;
        }
        for (int p = -1; p < i; ++p) {
            parent[i] = p;
            each(i + 1);
        }
    };
    each(0);
    return out;
}

// One state of the encoding with every value concrete, as the implementation shows it.
struct Abstract {
    int phase = 0, nr = 0;
    bool panicked = false, crashed = false, uaf = false, alloc = false;
    std::vector<bool> has, direct, dang;
    std::vector<int> rc, copy;

    /// The initial state on n devices: nothing preserved, outgoing.
    static Abstract initial(int n) {
        Abstract a;
        a.has.assign(n, false);
        a.direct.assign(n, false);
        a.dang.assign(n, false);
        a.rc.assign(n, 0);
        a.copy.assign(n, 0);
        return a;
    }

    SmtState expr(z3::context &c) const {
        SmtState s{{},
                   {},
                   {},
                   {},
                   {},
                   c.int_val(nr),
                   c.int_val(phase),
                   c.bool_val(panicked),
                   c.bool_val(alloc),
                   c.bool_val(crashed),
                   c.bool_val(uaf),
                   {},
                   std::nullopt,
                   std::nullopt};
        for (std::size_t d = 0; d < has.size(); ++d) {
            s.has.push_back(c.bool_val(has[d]));
            s.rc.push_back(c.int_val(rc[d]));
            s.direct.push_back(c.bool_val(direct[d]));
            s.dang.push_back(c.bool_val(dang[d]));
            s.copy.push_back(c.int_val(copy[d]));
        }
        return s;
    }

    std::string show() const {
        std::string out = "phase " + std::to_string(phase) + " nr " + std::to_string(nr) +
                          (panicked ? " panicked" : "") + (crashed ? " crashed" : "") +
                          (uaf ? " uaf" : "") + (alloc ? " table" : "") + "\n";
        for (std::size_t d = 0; d < has.size(); ++d)
            out += "  " + std::to_string(d) + (has[d] ? " slot rc " + std::to_string(rc[d]) : "") +
                   (dang[d] ? " dangling copy " + std::to_string(copy[d]) : "") +
                   (direct[d] ? " direct" : "") + "\n";
        return out;
    }
};

bool truthOf(const z3::expr &e) {
    const z3::expr v = e.simplify();
    EXPECT_TRUE(v.is_true() || v.is_false()) << v;
    return v.is_true();
}

int valueOf(const z3::expr &e) {
    return e.simplify().get_numeral_int();
}

Abstract evaluate(const SmtState &s, const z3::expr &capacity, const z3::expr &cap) {
    Abstract a;
    auto at = [&](const z3::expr &e) {
        z3::expr_vector from(capacity.ctx()), to(capacity.ctx());
        from.push_back(capacity);
        to.push_back(cap);
        return z3::expr(e).substitute(from, to);
    };
    a.phase = valueOf(at(s.phase));
    a.nr = valueOf(at(s.nr));
    a.panicked = truthOf(at(s.panicked));
    a.crashed = truthOf(at(s.crashed));
    a.uaf = truthOf(at(s.uaf));
    a.alloc = truthOf(at(s.alloc));
    for (std::size_t d = 0; d < s.has.size(); ++d) {
        a.has.push_back(truthOf(at(s.has[d])));
        a.rc.push_back(valueOf(at(s.rc[d])));
        a.direct.push_back(truthOf(at(s.direct[d])));
        a.dang.push_back(truthOf(at(s.dang[d])));
        a.copy.push_back(valueOf(at(s.copy[d])));
    }
    return a;
}

// The implementation's state in the encoding's terms, or nullopt where the abstraction stops
// being exact: two devices caching one slot, or a slot naming a device other than its holder
// (slot identity is left out of the encoding).
std::optional<Abstract> abstractOf(const PciLiveUpdate &impl, std::size_t n,
                                   const Abstract &encoded) {
    Abstract a;
    a.phase = static_cast<int>(impl.phase());
    a.nr = static_cast<int>(impl.phase() == Phase::Outgoing ? impl.nrDevices()
                                                            : impl.incomingNrDevices());
    a.panicked = impl.panicked();
    a.crashed = impl.crashed();
    a.uaf = impl.happened(KernelEventKind::UseAfterFree);
    // Whether the session's table is allocated: an unpreserve walks only then.
    a.alloc = test::sessionTableAllocated(impl);
    std::vector<std::uint64_t> words;
    internal::SearchState::deviceWords(impl, words);
    std::set<std::uint64_t> live;
    for (DeviceId d = 0; d < n; ++d) {
        const auto held = impl.heldRefcount(d);
        const bool dang = impl.dangling(d);
        const bool has = held && !dang && impl.phase() != Phase::Ended;
        if (has && impl.phase() == Phase::Outgoing) {
            const std::uint64_t slot = words[d] >> 40;
            if (!live.insert(slot).second)
                return std::nullopt;
            if (*held != 0 && (slot >= 24 || !(words[d] >> slot & 1)))
                return std::nullopt;
        }
        a.has.push_back(a.phase == 2 ? encoded.has[d] : has);
        a.rc.push_back(a.phase == 2 ? encoded.rc[d] : has ? *held : 0);
        a.direct.push_back(impl.phase() == Phase::Outgoing ? impl.directlyPreserved(d)
                                                           : impl.directlyIncoming(d));
        a.dang.push_back(dang);
        a.copy.push_back(dang ? *held : 0);
    }
    return a;
}

bool operator==(const Abstract &x, const Abstract &y) {
    return x.phase == y.phase && x.nr == y.nr && x.panicked == y.panicked &&
           x.crashed == y.crashed && x.uaf == y.uaf && x.alloc == y.alloc && x.has == y.has &&
           x.rc == y.rc && x.direct == y.direct && x.dang == y.dang && x.copy == y.copy;
}

bool anyFailNextPending(const PciLiveUpdate &impl, std::size_t n) {
    for (DeviceId d = 0; d < n; ++d)
        for (StepKind k : {StepKind::Preserve, StepKind::Unpreserve, StepKind::Finish})
            if (impl.failNextPending(d, k))
                return true;
    return false;
}

// Some device caches a live slot whose refcount is 0 (lost, or set to 0): a free slot a new
// allocation may hand to another device while the first still points at it.
bool holdsAFreeSlot(const Abstract &a) {
    for (std::size_t d = 0; d < a.has.size(); ++d)
        if (a.has[d] && a.rc[d] == 0)
            return true;
    return false;
}

// Runs random encoded steps (every operation and fault the encoding has, a fail-next only where
// the encoding lets it fire) on the encoding and the implementation side by side; returns the
// steps compared. Stops a trace at slot aliasing (outside the abstraction), a crash or the end.
// Invariant verdicts compared by lockstep, and how many of them were failures.
int invariantChecks = 0, encodedFails = 0;

int lockstep(Abi abi, Policy policy, const Topology &t, std::mt19937 &rng) {
    const int n = static_cast<int>(t.size());
    z3::context c;
    SmtSetup setup;
    setup.abi = abi;
    setup.policy = policy;
    setup.faults = {FaultClass::Step, FaultClass::LostSlot, FaultClass::Refcount,
                    FaultClass::Misuse, FaultClass::Alloc};
    Encoder enc(c, SmtTree::concrete(c, t), setup);
    // Mostly walks: preserve, unpreserve, kexec, finish, finish-all, lose, set-refcount.
    static constexpr int kWeights[] = {6, 6, 1, 2, 1, 2, 2};
    int steps = 0;
    for (int trace = 0; trace < 6; ++trace) {
        LiveUpdateConfig config;
        config.policy = policy;
        config.abi = abi;
        config.capacity = abi == Abi::V6 ? 1 + rng() % n : static_cast<std::size_t>(n);
        z3::expr_vector from(c), to(c);
        from.push_back(enc.capacity());
        to.push_back(c.int_val(static_cast<int>(config.capacity)));
        PciLiveUpdate impl(t, config);
        Abstract cur = Abstract::initial(n);
        std::string history;
        for (int k = 0; k < 14; ++k) {
            const int kind =
                std::discrete_distribution<int>(std::begin(kWeights), std::end(kWeights))(rng);
            const auto e = static_cast<DeviceId>(rng() % static_cast<unsigned>(n));
            const int depth = static_cast<int>(t.upstreamBridges(e));
            const int f =
                rng() % 3 == 0 ? static_cast<int>(rng() % static_cast<unsigned>(depth + 1)) : -1;
            const int v =
                kind == static_cast<int>(SmtOp::SetRefcount) ? static_cast<int>(rng() % 4) : 0;
            const SmtStep op{c.int_val(kind), c.int_val(static_cast<int>(e)), c.int_val(f),
                             c.int_val(v)};
            const SmtState s = cur.expr(c);
            if (!truthOf(enc.stepAllowed(s, op).substitute(from, to)))
                continue;
            if (kind == static_cast<int>(SmtOp::Preserve) && cur.phase == 0 && holdsAFreeSlot(cur))
                break; // the preserve may hand that slot out again: aliasing
            const Abstract next = evaluate(enc.post(s, op), enc.capacity(), to[0]);
            for (const Op &real : opsOfStep(t, static_cast<SmtOp>(kind), e, f, v)) {
                (void)impl.apply(real); // the states are compared, not the results
                history += real.toString() + "; ";
            }
            ++steps;
            EXPECT_FALSE(anyFailNextPending(impl, t.size()))
                << "the fail-next must fire: " << history;
            const auto seen = abstractOf(impl, t.size(), next);
            if (!seen)
                break;
            if (!(*seen == next)) {
                ADD_FAILURE() << toString(abi) << " " << toString(policy) << " capacity "
                              << config.capacity << "\n"
                              << renderLspci(t) << history << "\nencoding:\n"
                              << next.show() << "implementation:\n"
                              << seen->show();
                return steps;
            }
            // Each encoded invariant on the encoded post-state against model/Invariant on the
            // implementation's state, both directions.
            const State real = impl.state();
            const SmtState nextExpr = next.expr(c);
            for (Invariant inv : allInvariants()) {
                if (!Encoder::encodes(inv))
                    continue;
                const bool encoded = truthOf(enc.invariant(inv, nextExpr).substitute(from, to));
                const bool judged =
                    check(inv, t, real,
                          abi == Abi::V6 ? std::optional<std::size_t>(config.capacity)
                                         : std::nullopt)
                        .holds;
                EXPECT_EQ(encoded, judged)
                    << toString(inv) << ": the encoding says " << (encoded ? "holds" : "fails")
                    << ", model/Invariant " << (judged ? "holds" : "fails") << "; " << toString(abi)
                    << " " << toString(policy) << "\n"
                    << renderLspci(t) << history;
                ++invariantChecks;
                encodedFails += encoded ? 0 : 1;
            }
            cur = next;
            if (cur.crashed || cur.phase == 2)
                break; // nothing changes any more
        }
    }
    return steps;
}

// The encoding is meant to be exact without slot aliasing: its post-state is the
// implementation's state after the same operation, and each encoded invariant's verdict on it is
// model/Invariant's on the implementation's state (both directions), on random traces over every
// tree of <= 3 devices, under both ABIs and every policy.
TEST(SmtEncoding, EveryEncodedStepIsWhatTheImplementationDoes) {
    std::mt19937 rng(7);
    int steps = 0;
    for (Abi abi : {Abi::V6, Abi::V7})
        for (Policy policy : {Policy::Bail, Policy::Continue, Policy::Guarded})
            for (int n = 1; n <= 3; ++n)
                for (const Topology &t : everyTree(n))
                    steps += lockstep(abi, policy, t, rng);
    EXPECT_GT(steps, 2000);
    // Both directions were met: states where an invariant fails, and where it holds.
    EXPECT_GT(encodedFails, 500);
    EXPECT_GT(invariantChecks - encodedFails, 5000);
}

// The encoding's correct-use constraint (stepAllowed without misuse) against the harness's rule
// (isMisuse), both directions, on every state of random correct runs over every tree of <= 3
// devices, both ABIs, every policy: an API step allowed by one and forbidden by the other fails.
// Two differences are deliberate, counted and not compared: the encoding is a single Live Update,
// so after its kexec it forbids the outgoing operations and a second kexec, which the harness
// allows (chains); and after finish-all it leaves out finish and finish-all, which change nothing.
TEST(SmtEncoding, CorrectUseIsTheHarnessRuleInBothDirections) {
    std::mt19937 rng(11);
    int compared = 0, chainOnly = 0, endedNoOp = 0, allowedBoth = 0, forbiddenBoth = 0;
    for (Abi abi : {Abi::V6, Abi::V7})
        for (Policy policy : {Policy::Bail, Policy::Continue, Policy::Guarded})
            for (int n = 1; n <= 3; ++n)
                for (const Topology &t : everyTree(n))
                    for (int trace = 0; trace < 4; ++trace) {
                        z3::context c;
                        SmtSetup setup;
                        setup.abi = abi;
                        setup.policy = policy;
                        setup.faults = {};
                        Encoder enc(c, SmtTree::concrete(c, t), setup);
                        LiveUpdateConfig config;
                        config.policy = policy;
                        config.abi = abi;
                        config.capacity = static_cast<std::size_t>(n);
                        z3::expr_vector from(c), to(c);
                        from.push_back(enc.capacity());
                        to.push_back(c.int_val(n));
                        PciLiveUpdate impl(t, config);
                        UsageTracker usage;
                        Abstract cur = Abstract::initial(n);
                        std::string history;
                        for (int k = 0; k < 12 && !cur.crashed; ++k) {
                            std::vector<std::pair<SmtOp, DeviceId>> allowed;
                            for (SmtOp kind : {SmtOp::Preserve, SmtOp::Unpreserve, SmtOp::Kexec,
                                               SmtOp::Finish, SmtOp::FinishAll})
                                for (DeviceId e = 0; e < t.size(); ++e) {
                                    const SmtStep step{c.int_val(static_cast<int>(kind)),
                                                       c.int_val(static_cast<int>(e)),
                                                       c.int_val(-1), c.int_val(0)};
                                    const bool byEncoding = truthOf(
                                        enc.stepAllowed(cur.expr(c), step).substitute(from, to));
                                    const Op op = opsOfStep(t, kind, e, -1, 0).back();
                                    const bool byHarness = !usage.misuse(t, op, impl.state());
                                    const bool outgoing = kind == SmtOp::Preserve ||
                                                          kind == SmtOp::Unpreserve ||
                                                          kind == SmtOp::Kexec;
                                    if (cur.phase != 0 && outgoing) {
                                        EXPECT_FALSE(byEncoding) << "one Live Update: " << history;
                                        chainOnly += byHarness;
                                        continue;
                                    }
                                    // After finish-all, finish and finish-all are refused and
                                    // change nothing: the harness lets them be, the encoding leaves
                                    // them out (a step that changes nothing proves nothing more).
                                    if (cur.phase == 2) {
                                        EXPECT_FALSE(byEncoding) << "after the end: " << history;
                                        endedNoOp += byHarness;
                                        continue;
                                    }
                                    ++compared;
                                    EXPECT_EQ(byEncoding, byHarness)
                                        << toString(abi) << " " << toString(policy) << "\n"
                                        << renderLspci(t) << history << op.toString()
                                        << (byEncoding
                                                ? ": the encoding allows it, the harness calls "
                                                  "it misuse"
                                                : ": the harness allows it, the encoding "
                                                  "forbids it");
                                    if (byEncoding && byHarness) {
                                        ++allowedBoth;
                                        allowed.emplace_back(kind, e);
                                    } else if (!byEncoding && !byHarness) {
                                        ++forbiddenBoth;
                                    }
                                }
                            if (allowed.empty())
                                break;
                            const auto [kind, e] = allowed[rng() % allowed.size()];
                            const SmtStep step{c.int_val(static_cast<int>(kind)),
                                               c.int_val(static_cast<int>(e)), c.int_val(-1),
                                               c.int_val(0)};
                            cur = evaluate(enc.post(cur.expr(c), step), enc.capacity(), to[0]);
                            const Op op = opsOfStep(t, kind, e, -1, 0).back();
                            const Result r = impl.apply(op);
                            usage.update(t, op, r);
                            history += op.toString() + "; ";
                        }
                    }
    // Both directions were exercised, and so were the two scope differences.
    EXPECT_GT(compared, 5000);
    EXPECT_GT(allowedBoth, 2000);
    EXPECT_GT(forbiddenBoth, 2000);
    EXPECT_GT(chainOnly, 100);
    EXPECT_GT(endedNoOp, 10);
    std::cout << compared << " steps compared (" << allowedBoth << " allowed by both, "
              << forbiddenBoth << " forbidden by both), " << chainOnly
              << " allowed only in a chain, " << endedNoOp << " no-ops after the end\n";
}

// RC 00:00.0 -> EP 01:00.0.
Topology rcEp() {
    return parseLspci("-[0000:00]---00.0-[01]----00.0\n", "RC -> EP");
}

// One endpoint on the root bus.
Topology lonelyEndpoint() {
    return parseLspci("-[0000:00]---00.0\n", "EP");
}

std::vector<std::string> opTexts(const SmtCounterexample &c) {
    std::vector<std::string> out;
    for (const Op &op : c.ops)
        out.push_back(op.toString());
    return out;
}

bool replaySaw(const SmtCounterexample &c, KernelEventKind k) {
    for (const KernelEvent &e : c.replayEvents)
        if (e.kind == k)
            return true;
    return false;
}

SmtOutcome versionBmc(Abi abi, std::set<FaultClass> faults, Invariant inv, const Topology &t,
                      int steps, bool finishOnly = false) {
    return bmc(Policy::Bail, std::move(faults), {inv}, static_cast<int>(t.size()), steps, t,
               finishOnly, /*endpointsOnly=*/true, false, abi);
}

// One failed unpreserve step at the bridge: v6 releases the table with nr_devices 1 and hits
// BUG_ON (three operations); v7 frees it under the bridge and crashes only when the next
// preserve walks through the bridge's stale slot (four operations).
TEST(SmtAbi, AFailedUnpreserveStepCrashesV6AtTheReleaseButV7OnlyAtTheNextUseAfterFree) {
    const Topology t = rcEp();
    const SmtOutcome v6 = versionBmc(Abi::V6, {FaultClass::Step}, Invariant::NoCrash, t, 4);
    expectReplayed(v6);
    EXPECT_EQ(v6.counterexample->config.abi, Abi::V6);
    EXPECT_EQ(v6.counterexample->step, 2);
    ASSERT_EQ(v6.counterexample->ops.size(), 3u);
    EXPECT_EQ(v6.counterexample->ops[0].toString(), "preserve 0000:01:00.0");
    EXPECT_EQ(v6.counterexample->ops[1].kind, OpKind::FailNext);
    EXPECT_EQ(v6.counterexample->ops[1].step, StepKind::Unpreserve);
    EXPECT_EQ(v6.counterexample->ops[2].toString(), "unpreserve 0000:01:00.0");
    EXPECT_TRUE(replaySaw(*v6.counterexample, KernelEventKind::BugAtRelease))
        << v6.counterexample->replayNote;

    const SmtOutcome v7 = versionBmc(Abi::V7, {FaultClass::Step}, Invariant::NoCrash, t, 4);
    expectReplayed(v7);
    EXPECT_EQ(v7.counterexample->config.abi, Abi::V7);
    EXPECT_EQ(v7.counterexample->step, 3);
    // The only way in three steps: a failure at the endpoint leaves it dangling too, and v7
    // refuses a dangling endpoint before reading its slot.
    EXPECT_EQ(
        opTexts(*v7.counterexample),
        (std::vector<std::string>{"preserve 0000:01:00.0", "fail-next unpreserve 0000:00:00.0",
                                  "unpreserve 0000:01:00.0", "preserve 0000:01:00.0"}));
    EXPECT_TRUE(replaySaw(*v7.counterexample, KernelEventKind::TableFreedWithReferences));
    EXPECT_TRUE(replaySaw(*v7.counterexample, KernelEventKind::UseAfterFree))
        << v7.counterexample->replayNote;
    EXPECT_FALSE(replaySaw(*v7.counterexample, KernelEventKind::BugAtRelease));
}

// v7 checks an endpoint's -EBUSY before its slot: after one failed unpreserve step a lone
// endpoint dangles, and preserving it again is refused without a use after free, so v7 does not
// crash within 3 steps (its first crash is the finish-all panic, 4 steps), while v6 crashes at the
// release in 2.
TEST(SmtAbi, V7RefusesADanglingEndpointWithoutReadingItsFreedSlot) {
    const Topology t = lonelyEndpoint();
    const SmtOutcome v6 = versionBmc(Abi::V6, {FaultClass::Step}, Invariant::NoCrash, t, 3);
    expectReplayed(v6);
    EXPECT_EQ(v6.counterexample->step, 2);
    EXPECT_TRUE(replaySaw(*v6.counterexample, KernelEventKind::BugAtRelease));
    const SmtOutcome v7 = versionBmc(Abi::V7, {FaultClass::Step}, Invariant::NoCrash, t, 3);
    EXPECT_EQ(v7.verdict, SmtVerdict::Proved) << v7.detail;
    const SmtOutcome v7longer = versionBmc(Abi::V7, {FaultClass::Step}, Invariant::NoCrash, t, 4);
    expectReplayed(v7longer);
    EXPECT_EQ(v7longer.counterexample->ops.back().kind, OpKind::FinishAll);
    EXPECT_TRUE(replaySaw(*v7longer.counterexample, KernelEventKind::PanicAtFinish));
}

// v7 frees the table under the leaked bridge: nothing is in use and nr_devices is 0, yet no-leak
// fails because the bridge still points into the freed table.
TEST(SmtAbi, V7NoLeakFailsOnADanglingBridgeAloneAfterTheTableIsFreed) {
    const Topology t = rcEp();
    const SmtOutcome r = versionBmc(Abi::V7, {FaultClass::Step}, Invariant::NoLeak, t, 3);
    expectReplayed(r);
    const SmtCounterexample &c = *r.counterexample;
    const RunResult run = runSideBySide(c.topology, c.config, c.ops);
    EXPECT_EQ(run.finalState.nrDevices, 0u);
    EXPECT_TRUE(run.finalState.slots().empty());
    EXPECT_EQ(run.finalState.dangling.count(test::bdf("0000:00:00.0")), 1u);
}

// A failed finish step ends with nr_devices != 0 at finish-all: v7 panics (a crash); v6 holds
// the incoming state forever (incoming-held, no crash).
TEST(SmtAbi, AFailedFinishStepCrashesV7AtTheEndButV6OnlyHoldsTheIncomingState) {
    const Topology t = rcEp();
    const SmtOutcome v7 = versionBmc(Abi::V7, {FaultClass::Step}, Invariant::NoCrash, t, 5,
                                     /*finishOnly=*/true);
    expectReplayed(v7);
    EXPECT_EQ(v7.counterexample->ops.back().kind, OpKind::FinishAll);
    EXPECT_TRUE(replaySaw(*v7.counterexample, KernelEventKind::PanicAtFinish));
    const SmtOutcome v6 = versionBmc(Abi::V6, {FaultClass::Step}, Invariant::NoCrash, t, 5,
                                     /*finishOnly=*/true);
    EXPECT_EQ(v6.verdict, SmtVerdict::Proved) << v6.detail;
}

// With correct use and no faults nothing crashes, nothing dangles and every encoded invariant
// holds, under both ABIs and every policy, for every tree of at most 5 devices and sequences of
// any length.
TEST(SmtAbi, CorrectUseNeverCrashesAndKeepsEveryEncodedInvariantUnderBothAbisByInduction) {
    EXPECT_TRUE(Encoder::encodes(Invariant::NoCrash));
    for (Abi abi : {Abi::V6, Abi::V7})
        for (Policy p : {Policy::Bail, Policy::Continue, Policy::Guarded}) {
            InductionOptions o;
            o.maxDevices = 4;
            o.maxDepth = 3;
            o.setup.abi = abi;
            o.setup.policy = p;
            o.solver = SolverChoice::Both;
            const SmtOutcome r = proveByInduction(o);
            EXPECT_EQ(r.verdict, SmtVerdict::Proved)
                << toString(abi) << " " << toString(p) << ": " << r.detail;
            EXPECT_NE(r.detail.find("no-crash"), std::string::npos) << r.detail;
            EXPECT_NE(r.detail.find(std::string("abi ") + toString(abi)), std::string::npos);
        }
}

// Correct use under v7 finds nothing either, bounded: no crash, leak or panic in 5 steps.
TEST(SmtAbi, V7BoundedSearchWithoutFaultsFindsNothing) {
    const SmtOutcome r = bmc(
        Policy::Bail, {},
        {Invariant::NoCrash, Invariant::NoLeak, Invariant::NoPanicAtFinish, Invariant::NrDevices},
        3, 5, std::nullopt, false, false, false, Abi::V7);
    EXPECT_EQ(r.verdict, SmtVerdict::Proved) << r.detail;
}

} // namespace
} // namespace bridgepath
