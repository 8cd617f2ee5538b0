// Implementation vs reference model on many seeded random sequences over real trees, every policy,
// both ABIs and small capacities; the sweep must reach every interesting result to count.

#include "properties/Conformance.h"
#include "properties/Harness.h"
#include "properties/Scenarios.h"
#include "topology/Design.h"

#include "TestSupport.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <map>
#include <random>

namespace bridgepath {
namespace {

// A deterministic sequence generator with the argument bias the property harness will refine:
// endpoints most of the time, the device used last often, faults now and then.
class SequenceGenerator {
  public:
    SequenceGenerator(const Topology &t, std::uint64_t seed) : t_(t), rng_(seed) {
        for (DeviceId d = 0; d < t.size(); ++d)
            if (!t.isBridge(d))
                endpoints_.push_back(d);
    }

    std::vector<Op> sequence(std::size_t length) {
        std::vector<Op> ops;
        bool afterKexec = false;
        for (std::size_t i = 0; i < length; ++i) {
            Op op;
            op.bdf = t_.bdf(pickDevice());
            const unsigned roll = below(100);
            if (!afterKexec) {
                if (roll < 35)
                    op.kind = OpKind::Preserve;
                else if (roll < 60)
                    op.kind = OpKind::Unpreserve;
                else if (roll < 64)
                    op.kind = OpKind::Freeze;
                else if (roll < 72)
                    op.kind = OpKind::Lose;
                else if (roll < 76)
                    op.kind = OpKind::SetRefcount, op.value = static_cast<std::uint16_t>(below(4));
                else if (roll < 80)
                    op.kind = OpKind::Vanish;
                else if (roll < 84)
                    op.kind = OpKind::Unplug;
                else if (roll < 94)
                    op.kind = OpKind::FailNext, op.step = static_cast<StepKind>(below(3)),
                    op.bdf = t_.bdf(pickAnyDevice());
                else
                    op.kind = OpKind::Kexec, afterKexec = true;
            } else {
                // After a kexec the kernel finishes what it inherited and keeps an outgoing side
                // of its own: the same outgoing operations, and another kexec now and then.
                if (roll < 35)
                    op.kind = OpKind::Finish;
                else if (roll < 43)
                    op.kind = OpKind::FailNext, op.step = static_cast<StepKind>(below(3)),
                    op.bdf = t_.bdf(pickAnyDevice());
                else if (roll < 48)
                    op.kind = OpKind::Lose;
                else if (roll < 50)
                    op.kind = OpKind::SetRefcount, op.value = static_cast<std::uint16_t>(below(4));
                else if (roll < 54)
                    op.kind = OpKind::Unplug;
                else if (roll < 72)
                    op.kind = OpKind::Preserve;
                else if (roll < 82)
                    op.kind = OpKind::Unpreserve;
                else if (roll < 84)
                    op.kind = OpKind::Freeze;
                else if (roll < 86)
                    op.kind = OpKind::Vanish;
                else if (roll < 93)
                    op.kind = OpKind::FinishAll;
                else
                    op.kind = OpKind::Kexec;
            }
            ops.push_back(op);
        }
        return ops;
    }

  private:
    unsigned below(unsigned n) { return static_cast<unsigned>(rng_() % n); }
    DeviceId pickAnyDevice() { return below(static_cast<unsigned>(t_.size())); }
    DeviceId pickDevice() {
        if (hasLast_ && below(100) < 30)
            return last_;
        if (!endpoints_.empty() && below(100) < 80)
            last_ = endpoints_[below(static_cast<unsigned>(endpoints_.size()))];
        else
            last_ = pickAnyDevice();
        hasLast_ = true;
        return last_;
    }

    const Topology &t_;
    std::mt19937_64 rng_;
    std::vector<DeviceId> endpoints_;
    DeviceId last_ = 0;
    bool hasLast_ = false;
};

std::string opsText(const std::vector<Op> &ops) {
    std::string s;
    for (const Op &op : ops)
        s += (s.empty() ? "" : "; ") + op.toString();
    return s;
}

TEST(Conformance, ImplementationAgreesWithModelOnSeededRandomSequences) {
    const std::vector<std::string> trees{"review-rc-b1-b2-ep0-ep1.lspci-tv",
                                         "amd-am4-dual-rtx3090-chipset-switch.lspci-t",
                                         "icelake-connectx7-sriov-vfs-excerpt.lspci-tv",
                                         "power9-pmc-sierra-switch-bcm5719-sas-excerpt.lspci-tv",
                                         "grid-k1-m60-onboard-pex-switches-two-roots.lspci-t"};
    std::map<Result, std::size_t> seen;
    std::size_t sequences = 0, steps = 0, leakedFinals = 0, earlyFinals = 0, chains = 0,
                bothSides = 0;
    std::uint64_t seed = 1;
    for (const std::string &name : trees) {
        const Topology t = test::loadTree(name);
        for (Policy policy : {Policy::Bail, Policy::Continue, Policy::Guarded})
            for (Abi abi : {Abi::V6, Abi::V7})
                for (std::size_t capacity : {std::size_t{3}, std::size_t{6}, t.size()}) {
                    if (abi == Abi::V7 && capacity != t.size())
                        continue;
                    LiveUpdateConfig config{policy, abi, capacity};
                    for (int i = 0; i < 60; ++i, ++seed) {
                        SequenceGenerator gen(t, seed);
                        const auto ops = gen.sequence(6 + seed % 20);
                        const RunResult run = runSideBySide(t, config, ops);
                        ASSERT_FALSE(run.mismatch)
                            << "step " << run.mismatch->step + 1 << ": " << run.mismatch->difference
                            << "\nreproduce: bridgepath simulate --topology tests/topologies/"
                            << name << " --policy " << toString(policy) << " --abi "
                            << toString(abi)
                            << (abi == Abi::V6 ? " --capacity " + std::to_string(capacity) : "")
                            << " --ops '" << opsText(ops) << "'";
                        bool both = false;
                        for (const StepRecord &s : run.steps) {
                            ++seen[s.result];
                            both = both || bridgeOnBothSides(t, s.state);
                        }
                        chains += run.finalState.generation >= 2;
                        bothSides += both;
                        const StateReport report = judge(t, config, run);
                        leakedFinals += !report.leaked.empty();
                        earlyFinals += !report.releasedEarly.empty();
                        ++sequences;
                        steps += ops.size();
                    }
                }
    }
    // Coverage: a sweep that never reaches these results has not tested the interesting paths.
    for (Result r : {Result::Ok, Result::Einval, Result::Ebusy, Result::Enospc, Result::Enoent,
                     Result::Eio, Result::Enodev, Result::Panic})
        EXPECT_GE(seen[r], 20u) << toString(r) << " reached only " << seen[r] << " times";
    EXPECT_GE(leakedFinals, 50u);
    EXPECT_GE(earlyFinals, 20u);
    EXPECT_GE(chains, 200u) << "sequences of two kexecs or more";
    EXPECT_GE(bothSides, 200u) << "sequences with a bridge incoming and outgoing at once";
    RecordProperty("sequences", static_cast<int>(sequences));
    RecordProperty("steps", static_cast<int>(steps));
    std::cout << sequences << " sequences, " << steps << " steps; results:";
    for (const auto &[r, n] : seen)
        std::cout << " " << toString(r) << "=" << n;
    std::cout << "; leaked finals " << leakedFinals << ", released-early finals " << earlyFinals
              << ", chains of >= 2 kexecs " << chains << ", a bridge on both sides " << bothSides
              << "\n";
}

// Appends a finish of every endpoint, then finish-all: the update ends with counts left only where
// the walks left them.
void finishEveryEndpoint(const Topology &t, std::vector<Op> &ops) {
    Op op;
    op.kind = OpKind::Finish;
    for (DeviceId e = 0; e < t.size(); ++e)
        if (!t.isBridge(e)) {
            op.bdf = t.bdf(e);
            ops.push_back(op);
        }
    op.kind = OpKind::FinishAll;
    ops.push_back(op);
}

TEST(Conformance, ImplementationAgreesWithModelUnderEveryDesign) {
    // Every design (topology/Design.h) on both ABIs: the new switches' events must be reached,
    // and the record must refuse something, or the sweep has not tested them.
    const std::vector<std::string> trees{"review-rc-b1-b2-ep0-ep1.lspci-tv",
                                         "grid-k1-m60-onboard-pex-switches-two-roots.lspci-t"};
    std::map<KernelEventKind, std::size_t> events;
    std::size_t sequences = 0, refusedByRecord = 0;
    std::uint64_t seed = 7000;
    for (const std::string &name : trees) {
        const Topology t = test::loadTree(name);
        for (const Design &d : allDesigns())
            for (Abi abi : {Abi::V6, Abi::V7}) {
                const LiveUpdateConfig config =
                    withDesign(LiveUpdateConfig{d.walk, abi, abi == Abi::V6 ? t.size() : 0}, d);
                for (int i = 0; i < 12; ++i, ++seed) {
                    SequenceGenerator gen(t, seed);
                    auto ops = gen.sequence(8 + seed % 16);
                    // Every other sequence ends the update having finished every endpoint, so
                    // the end of the update meets counts left only on bridges.
                    const bool kexeced = std::any_of(ops.begin(), ops.end(), [](const Op &op) {
                        return op.kind == OpKind::Kexec;
                    });
                    if (kexeced && i % 2 == 0)
                        finishEveryEndpoint(t, ops);
                    const RunResult run = runSideBySide(t, config, ops);
                    ASSERT_FALSE(run.mismatch)
                        << "step " << run.mismatch->step + 1 << ": " << run.mismatch->difference
                        << "\nreproduce: bridgepath simulate --topology tests/topologies/" << name
                        << " --design " << toString(d) << " --abi " << toString(abi) << " --ops '"
                        << opsText(ops) << "'";
                    for (const KernelEvent &e : run.finalState.events)
                        ++events[e.kind];
                    if (d.record == DirectRecord::Checked) {
                        // The same sequence without the record: where it walks, the record
                        // refused (the results differ).
                        const RunResult bare =
                            runSideBySide(t,
                                          withDesign(config, Design{d.walk, DirectRecord::None,
                                                                    d.release, d.end}),
                                          ops);
                        refusedByRecord +=
                            bare.steps.size() != run.steps.size() ||
                            !std::equal(bare.steps.begin(), bare.steps.end(), run.steps.begin(),
                                        [](const StepRecord &a, const StepRecord &b) {
                                            return a.result == b.result;
                                        });
                    }
                    ++sequences;
                }
            }
    }
    for (KernelEventKind k : {KernelEventKind::ReleaseCleared, KernelEventKind::CountDropped,
                              KernelEventKind::LeakDropped, KernelEventKind::BugAtRelease,
                              KernelEventKind::TableFreedWithReferences,
                              KernelEventKind::PanicAtFinish, KernelEventKind::IncomingHeld})
        EXPECT_GE(events[k], 20u) << toString(k) << " reached only " << events[k] << " times";
    EXPECT_GE(refusedByRecord, 100u);
    std::cout << sequences << " sequences; the record changed a result in " << refusedByRecord
              << "\n";
}

TEST(Conformance, ImplementationAgreesWithModelUnderEveryIncomingPut) {
    // When a device puts its reference on the incoming FLB (IncomingPut), on both ABIs and every
    // policy: the state held with every count at 0 (a bridge's reference under a put per call)
    // must be reached, and devices' references must be seen both held and all put.
    const Topology t = test::loadTree("review-rc-b1-b2-ep0-ep1.lspci-tv");
    std::size_t heldAtZero = 0, referencedStates = 0, sequences = 0;
    std::uint64_t seed = 9100;
    for (IncomingPut put :
         {IncomingPut::PerDevice, IncomingPut::PerFinishCall, IncomingPut::AtSetup})
        for (Abi abi : {Abi::V6, Abi::V7})
            for (Policy p : {Policy::Bail, Policy::Continue, Policy::Guarded}) {
                LiveUpdateConfig config{p, abi, abi == Abi::V6 ? t.size() : 0};
                config.incomingPut = put;
                for (int i = 0; i < 40; ++i, ++seed) {
                    SequenceGenerator gen(t, seed);
                    auto ops = gen.sequence(6 + seed % 12);
                    Op kexec;
                    kexec.kind = OpKind::Kexec;
                    ops.push_back(kexec);
                    finishEveryEndpoint(t, ops);
                    const RunResult run = runSideBySide(t, config, ops);
                    ASSERT_FALSE(run.mismatch)
                        << "step " << run.mismatch->step + 1 << ": " << run.mismatch->difference
                        << " (incoming put " << toString(put) << ")\nreproduce: bridgepath "
                        << "simulate --topology tests/topologies/review-rc-b1-b2-ep0-ep1.lspci-tv"
                        << " --policy " << toString(p) << " --abi " << toString(abi) << " --ops '"
                        << opsText(ops) << "'";
                    for (const KernelEvent &e : run.finalState.events)
                        heldAtZero += e.kind == KernelEventKind::IncomingHeld && e.nrDevices == 0;
                    referencedStates += run.finalState.incoming.references > 0;
                    EXPECT_TRUE(put != IncomingPut::AtSetup ||
                                run.finalState.incoming.references == 0);
                    ++sequences;
                }
            }
    EXPECT_GE(heldAtZero, 20u);
    EXPECT_GE(referencedStates, 20u);
    EXPECT_EQ(sequences, 720u);
}

TEST(Conformance, BuiltinScenariosBehaveAsPredicted) {
    const Topology t = reviewTopology();
    for (const Scenario &sc : builtinScenarios())
        for (Policy p : {Policy::Bail, Policy::Continue, Policy::Guarded}) {
            LiveUpdateConfig config =
                withDefaultCapacity({p, Abi::V6, 0}, t, sc.capacity.has_value());
            if (sc.capacity)
                config.capacity = *sc.capacity;
            const RunResult run = runSideBySide(t, config, parseOpsText(sc.ops).ops);
            ASSERT_FALSE(run.mismatch) << sc.name;
            auto it = sc.expectedViolations.find(p);
            const std::vector<Invariant> expected =
                it == sc.expectedViolations.end() ? std::vector<Invariant>{} : it->second;
            EXPECT_EQ(judge(t, config, run).violations(), expected)
                << sc.name << " under " << toString(p);
        }
}

TEST(Conformance, ReviewTopologyMatchesTheKeptLspciFile) {
    EXPECT_EQ(reviewTopology(), test::reviewTree());
}

} // namespace
} // namespace bridgepath
