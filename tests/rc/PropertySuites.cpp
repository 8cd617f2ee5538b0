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

namespace bridgepath {
namespace {

std::set<FaultClass> everyFault() {
    return {allFaultClasses().begin(), allFaultClasses().end()};
}

// Impl and model agree on result, slots, refcounts and nr_devices after every step, whatever the
// faults and the policy.
RC_GTEST_PROP(Conformance, ImplementationAgreesWithModelUnderEveryFault, ()) {
    const Policy policy = *rc::gen::element(Policy::Bail, Policy::Continue, Policy::Guarded);
    const Abi abi = *rc::gen::element(Abi::V6, Abi::V7);
    const auto setup = genCaseSetup(buildTopology(*genTreeShape()), policy, abi, everyFault(), {});
    GenModel initial(setup);
    Harness harness(setup->topology, setup->config, {});
    rc::state::check(initial, harness, &genCommand);
    RC_TAG(toString(policy), toString(abi));
}

// Correct use keeps every invariant, under every policy.
RC_GTEST_PROP(Invariants, CorrectUseKeepsEveryInvariant, ()) {
    const Policy policy = *rc::gen::element(Policy::Bail, Policy::Continue, Policy::Guarded);
    const auto setup =
        genCaseSetup(buildTopology(*genTreeShape()), policy, Abi::V6, {}, allInvariants());
    GenModel initial(setup);
    Harness harness(setup->topology, setup->config, setup->checked);
    rc::state::check(initial, harness, &genCommand);
    RC_CLASSIFY(harness.coverage().unpreserveUnderSharedBridge, "shared bridge");
    RC_CLASSIFY(harness.coverage().kexec, "kexec");
}

// -ENOSPC anywhere in a preserve walk is rolled back exactly, and vanished devices keep their
// counts: both classes keep every invariant.
RC_GTEST_PROP(Invariants, AllocAndVanishKeepEveryInvariant, ()) {
    const Policy policy = *rc::gen::element(Policy::Bail, Policy::Continue, Policy::Guarded);
    const auto setup = genCaseSetup(buildTopology(*genTreeShape()), policy, Abi::V6,
                                    {FaultClass::Alloc, FaultClass::Vanish}, allInvariants());
    GenModel initial(setup);
    Harness harness(setup->topology, setup->config, setup->checked);
    rc::state::check(initial, harness, &genCommand);
    RC_CLASSIFY(harness.coverage().enospc, "ENOSPC");
    RC_CLASSIFY(harness.coverage().rollback, "rollback");
}

// continue contains a failed step to the faulty device.
RC_GTEST_PROP(Invariants, ContinueContainsAFailedStep, ()) {
    const auto setup = genCaseSetup(buildTopology(*genTreeShape()), Policy::Continue, Abi::V6,
                                    {FaultClass::Step}, {Invariant::Containment});
    GenModel initial(setup);
    Harness harness(setup->topology, setup->config, setup->checked);
    rc::state::check(initial, harness, &genCommand);
    RC_CLASSIFY(harness.coverage().faultHit, "fault hit");
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
