// RapidCheck properties run by ctest with fixed seeds and case counts (tests/CMakeLists.txt sets
// RC_PARAMS per property).

#include <gtest/gtest.h>

#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include "properties/Generators.h"
#include "properties/StatefulCommands.h"
#include "properties/TreeShape.h"
#include "properties/Uniform.h"
#include "topology/LspciParser.h"
#include "topology/LspciRenderer.h"
#include "topology/TopologyJson.h"
#include "topology/Trace.h"

#include <cctype>

namespace bridgepath {
namespace {

std::set<FaultClass> everyFault() {
    return {allFaultClasses().begin(), allFaultClasses().end()};
}

// A stateful property run with RapidCheck's parameters (RC_PARAMS, set per test by ctest). A
// failure's minimal counterexample is also written as a trace file (`bridgepath replay` runs
// it), its path printed; `classify` counts the interesting cases of each passing run.
template <class Body> void checkStateful(const std::string &name, const Body &body) {
    lastFailure().reset();
    const bool ok = rc::check(name, body);
    if (!ok && lastFailure()) {
        const Counterexample &c = *lastFailure();
        Invariant inv = Invariant::NoCrash;
        for (Invariant i : c.setup->checked)
            if (!check(i, c.setup->topology, c.states.back(),
                       c.setup->config.abi == Abi::V6
                           ? std::optional<std::size_t>(c.setup->config.capacity)
                           : std::nullopt)
                     .holds) {
                inv = i;
                break;
            }
        const std::string dir = testing::TempDir() + "bridgepath-rc";
        std::string file = name;
        for (char &ch : file)
            ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '-';
        const std::string path = saveTrace(counterexampleTrace(c, inv), dir, file);
        ADD_FAILURE() << "the minimal counterexample is " << path
                      << "; rerun it with: build/bridgepath replay " << path;
    }
    EXPECT_TRUE(ok) << name;
}

// The share of passing cases that reached `what`, asserted: a property that never generates the
// interesting case is a defect.
void expectCoverage(std::size_t hits, std::size_t cases, double atLeast, const char *what) {
    ASSERT_GT(cases, 0u);
    EXPECT_GE(static_cast<double>(hits) / static_cast<double>(cases), atLeast)
        << what << ": " << hits << " of " << cases << " cases";
}

struct Tally {
    std::size_t cases = 0, a = 0, b = 0;
};

// Impl and model agree on result, slots, refcounts and nr_devices after every step, whatever the
// faults and the policy.
TEST(Conformance, ImplementationAgreesWithModelUnderEveryFault) {
    Tally n;
    checkStateful("Conformance.ImplementationAgreesWithModelUnderEveryFault", [&n] {
        const Policy policy = *rc::gen::element(Policy::Bail, Policy::Continue, Policy::Guarded);
        const Abi abi = *rc::gen::element(Abi::V6, Abi::V7);
        const auto setup =
            genCaseSetup(buildTopology(*genTreeShape()), policy, abi, everyFault(), {});
        GenModel initial(setup);
        Harness harness(setup->topology, setup->config, {});
        rc::state::check(initial, harness, &genCommand);
        RC_TAG(toString(policy), toString(abi));
        ++n.cases;
        n.a += harness.coverage().faultHit;
        n.b += harness.coverage().kexec;
    });
    expectCoverage(n.a, n.cases, 0.1, "a fail-next fired in a walk");
    expectCoverage(n.b, n.cases, 0.3, "a kexec");
}

// Correct use keeps every invariant, under every policy.
TEST(Invariants, CorrectUseKeepsEveryInvariant) {
    Tally n;
    checkStateful("Invariants.CorrectUseKeepsEveryInvariant", [&n] {
        const Policy policy = *rc::gen::element(Policy::Bail, Policy::Continue, Policy::Guarded);
        const auto setup =
            genCaseSetup(buildTopology(*genTreeShape()), policy, Abi::V6, {}, allInvariants());
        GenModel initial(setup);
        Harness harness(setup->topology, setup->config, setup->checked);
        rc::state::check(initial, harness, &genCommand);
        RC_CLASSIFY(harness.coverage().unpreserveUnderSharedBridge, "shared bridge");
        RC_CLASSIFY(harness.coverage().kexec, "kexec");
        ++n.cases;
        n.a += harness.coverage().unpreserveUnderSharedBridge;
        n.b += harness.coverage().kexec;
    });
    expectCoverage(n.a, n.cases, 0.05, "an unpreserve under a shared bridge");
    expectCoverage(n.b, n.cases, 0.3, "a kexec");
}

// -ENOSPC anywhere in a preserve walk is rolled back exactly, and vanished devices keep their
// counts: both classes keep every invariant.
TEST(Invariants, AllocAndVanishKeepEveryInvariant) {
    Tally n;
    checkStateful("Invariants.AllocAndVanishKeepEveryInvariant", [&n] {
        const Policy policy = *rc::gen::element(Policy::Bail, Policy::Continue, Policy::Guarded);
        const auto setup = genCaseSetup(buildTopology(*genTreeShape()), policy, Abi::V6,
                                        {FaultClass::Alloc, FaultClass::Vanish}, allInvariants());
        GenModel initial(setup);
        Harness harness(setup->topology, setup->config, setup->checked);
        rc::state::check(initial, harness, &genCommand);
        RC_CLASSIFY(harness.coverage().enospc, "ENOSPC");
        RC_CLASSIFY(harness.coverage().rollback, "rollback");
        ++n.cases;
        n.a += harness.coverage().enospc;
        n.b += harness.coverage().rollback;
    });
    expectCoverage(n.a, n.cases, 0.05, "an -ENOSPC");
    expectCoverage(n.b, n.cases, 0.05, "a rollback");
}

// continue contains a failed step to the faulty device.
TEST(Invariants, ContinueContainsAFailedStep) {
    Tally n;
    checkStateful("Invariants.ContinueContainsAFailedStep", [&n] {
        const auto setup = genCaseSetup(buildTopology(*genTreeShape()), Policy::Continue, Abi::V6,
                                        {FaultClass::Step}, {Invariant::Containment});
        GenModel initial(setup);
        Harness harness(setup->topology, setup->config, setup->checked);
        rc::state::check(initial, harness, &genCommand);
        RC_CLASSIFY(harness.coverage().faultHit, "fault hit");
        ++n.cases;
        n.a += harness.coverage().faultHit;
    });
    expectCoverage(n.a, n.cases, 0.2, "a failed step hit a walk");
}

// A generated shape builds to a tree whose shape builds to the same tree.
RC_GTEST_PROP(TreeShape, BuildOfShapeOfATreeIsTheTree, ()) {
    const Topology t = buildTopology(*genTreeShape());
    RC_ASSERT(buildTopology(toShape(t)) == t);
}

// Every shrink of a shape is smaller or simpler, and never empty.
RC_GTEST_PROP(TreeShape, ShrinksNeverGrowAndNeverEmpty, ()) {
    const ForestShape s = *genMachineShape();
    for (const ForestShape &smaller : shrinkShape(s)) {
        RC_ASSERT(deviceCount(smaller) <= deviceCount(s));
        RC_ASSERT(deviceCount(smaller) > 0);
        RC_ASSERT(!(smaller == s));
    }
}

// lspci and JSON round trips hold on generated trees too.
RC_GTEST_PROP(TreeShape, LspciAndJsonRoundTrip, ()) {
    const Topology t = buildTopology(*genTreeShape());
    RC_ASSERT(parseLspci(renderLspci(t, true), "generated") == t);
    RC_ASSERT(topologyFromJson(topologyToJson(t), "generated") == t);
}

// Printing an operation and parsing it back gives the same operation.
RC_GTEST_PROP(Op, PrintThenParseGivesTheSameOp, ()) {
    Op op;
    op.kind = *rc::gen::element(OpKind::Preserve, OpKind::Unpreserve, OpKind::Freeze, OpKind::Kexec,
                                OpKind::Finish, OpKind::FinishAll, OpKind::FailNext, OpKind::Lose,
                                OpKind::SetRefcount, OpKind::Vanish, OpKind::Unplug);
    op.bdf = Bdf::make(*uniformIn<std::uint32_t>(0, 0x10000), *uniformIn(0u, 256u),
                       *uniformIn(0u, 32u), *uniformIn(0u, 8u));
    op.step = *rc::gen::element(StepKind::Preserve, StepKind::Unpreserve, StepKind::Finish);
    op.value = *rc::gen::arbitrary<std::uint16_t>();
    RC_ASSERT(parseOp(op.toString(), "generated") == op);
}

} // namespace
} // namespace bridgepath
