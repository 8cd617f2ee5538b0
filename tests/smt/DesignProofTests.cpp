// The best design's claims proved by induction, and each switch turned back to the latest
// kernel's value failing one of them with a counterexample that replays on impl and model.

#include "smt/DesignProof.h"

#include <gtest/gtest.h>

namespace bridgepath {
namespace {

const Design kBest{Policy::Continue, DirectRecord::Checked, ReleaseCheck::WarnClearAndFree,
                   EndOfUpdate::HeldForever};

std::vector<ClaimProof> prove(const Design &d, FaultClass f, int n, Abi abi = Abi::V7) {
    DesignProofOptions o;
    o.design = d;
    o.abi = abi;
    o.maxDevices = n;
    o.fault = f;
    o.solver = SolverChoice::Z3;
    return proveDesign(o);
}

TEST(DesignProof, TheBestDesignsClaimsHoldUnderEveryEncodedFaultClass) {
    for (Abi abi : {Abi::V6, Abi::V7})
        for (FaultClass f : designProofFaults(abi)) {
            const auto claims = prove(kBest, f, 5, abi);
            ASSERT_FALSE(claims.empty());
            for (const ClaimProof &c : claims)
                EXPECT_EQ(c.outcome.verdict, SmtVerdict::Proved)
                    << toString(c.claim) << " under " << toString(f) << ", " << toString(abi)
                    << ": " << c.outcome.detail;
        }
}

// The claim's verdict among a proof's.
const ClaimProof &claimOf(const std::vector<ClaimProof> &all, DesignClaim c) {
    for (const ClaimProof &p : all)
        if (p.claim == c)
            return p;
    ADD_FAILURE() << "no claim " << toString(c);
    return all.front();
}

// Each switch turned back to the latest kernel's value fails a claim the best design proves,
// with a counterexample Z3 finds from the initial state and the replay confirms.
TEST(DesignProof, EachSwitchTurnedBackFailsAClaimWithAReplayedCounterexample) {
    struct Case {
        Design design;
        FaultClass fault;
        DesignClaim claim;
        Invariant violated;
    };
    Design noRecord = kBest, freeing = kBest, panicking = kBest;
    noRecord.record = DirectRecord::None;
    freeing.release = ReleaseCheck::WarnAndFree;
    panicking.end = EndOfUpdate::Panic;
    const std::vector<Case> cases{
        // Unpreserving a bridge nobody preserved walks it and everything above down to 0.
        {noRecord, FaultClass::Misuse, DesignClaim::NoPrematureRelease,
         Invariant::NoPrematureRelease},
        // A failed step leaves a count, the release frees the table under it, and the next
        // preserve of that bridge reads freed memory.
        {freeing, FaultClass::Step, DesignClaim::NoCrash, Invariant::NoCrash},
        // A failed finish step leaves a count: the end of the update panics.
        {panicking, FaultClass::Step, DesignClaim::NoCrash, Invariant::NoCrash},
    };
    for (const Case &k : cases) {
        const std::vector<ClaimProof> all = prove(k.design, k.fault, 4);
        const ClaimProof &p = claimOf(all, k.claim);
        ASSERT_EQ(p.outcome.verdict, SmtVerdict::Counterexample)
            << toString(k.design) << ": " << p.outcome.detail;
        ASSERT_TRUE(p.outcome.counterexample);
        EXPECT_EQ(p.outcome.counterexample->violated, k.violated);
        EXPECT_TRUE(p.outcome.counterexample->replayAgrees) << p.outcome.counterexample->replayNote;
        EXPECT_EQ(p.outcome.counterexample->config.directRecord, k.design.record);
    }
}

TEST(DesignProof, BailIsNotProvedContainedAndNoClaimIsMadeThatNoDesignCanKeep) {
    Design bail = kBest;
    bail.walk = Policy::Bail;
    // Bail stops above a failed step: the bridges above keep their counts (the exhaustive search
    // finds the breach; the proof only says it is not inductive).
    const std::vector<ClaimProof> all = prove(bail, FaultClass::Step, 4);
    EXPECT_EQ(claimOf(all, DesignClaim::Containment).outcome.verdict, SmtVerdict::Unknown);
    // A lost slot is a premature release of its own device under every design: not claimed.
    for (const ClaimProof &p : prove(kBest, FaultClass::LostSlot, 3))
        EXPECT_NE(p.claim, DesignClaim::NoPrematureRelease);
    EXPECT_FALSE(designClaims(DesignClaim::NoPrematureRelease, FaultClass::Refcount));
    EXPECT_FALSE(designClaims(DesignClaim::Containment, FaultClass::Misuse));
}

} // namespace
} // namespace bridgepath
