#pragma once
/// PolicyMatrix: which failure policy should the kernel use? For each fault class and each policy
/// (bail, continue, guarded), every outcome exhaustive search reaches within the bound, worst
/// first, each with its smallest example (found); `ok` where none is reached within the bound.
/// The rows the Z3 encoding can state as one transition relation, fault-free and allocation
/// failures (any number of -ENOSPC, at any point), are also put to induction (every tree up to a
/// bound, sequences of any length, Z3 checked by cvc5): an ok cell whose proof holds is proved.
/// Each row of a fault that names a device also gets a containment mark (model/Invariant's
/// containment: every device but the faulty one keeps its ideal count): found (the smallest
/// breach, replayed on impl and model), proved (no breach within the bound and
/// smt/ContainmentProof holds for every tree of at most proveDevices devices) or within-bound.

#include "exhaustive/ExhaustiveSearch.h"
#include "smt/SmtResult.h"

#include <optional>
#include <vector>

namespace bridgepath {

/// The bound of the matrix.
struct PolicyMatrixOptions {
    std::size_t maxDevices = 5;
    std::size_t maxOps = 5;
    std::size_t endpoints = 3;
    std::vector<Abi> abis{Abi::V6}; ///< one matrix row per fault class and ABI
    unsigned threads = 1;
    /// Prove the fault-free and alloc rows by induction, and containment where the encoding
    /// carries the fault, for every tree of at most this many devices (0: do not ask Z3).
    int proveDevices = 6;
};

/// One outcome of one cell: `ok` when `outcome` is empty.
struct CellOutcome {
    std::optional<Outcome> outcome;
    std::uint32_t slots = 0; ///< leak: the most slots held with nothing preserved
    std::uint64_t states = 0;
    std::optional<Counterexample> example; ///< the smallest (none for ok)
};

/// How a cell's containment is known.
enum class ContainmentMark {
    Proved,      ///< no breach within the bound, and the induction proof holds
    Found,       ///< a breach within the bound (its smallest example)
    WithinBound, ///< no breach within the bound; not proved (the encoding lacks the class)
};

/// `proved`, `found`, `within-bound`.
const char *toString(ContainmentMark m);

/// Containment under one cell's fault.
struct ContainmentCell {
    ContainmentMark mark = ContainmentMark::WithinBound;
    std::optional<Counterexample> example; ///< Found: the smallest breach
    std::optional<SmtOutcome> proof;       ///< when asked (an encoded class, no breach)
};

/// One fault class under one policy.
struct MatrixCell {
    std::optional<FaultClass> fault; ///< empty: correct use only (`none`)
    Abi abi = Abi::V6;
    Policy policy = Policy::Bail;
    std::vector<CellOutcome> outcomes; ///< worst first; exactly {ok} when nothing went wrong
    std::uint64_t distinctStates = 0;
    /// Rows of a fault naming a device (not none, not alloc): its containment.
    std::optional<ContainmentCell> containment;
};

/// Z3's (and cvc5's) verdict on one row under one policy.
struct RowProof {
    std::optional<FaultClass> fault; ///< empty: the fault-free row; else alloc
    Policy policy = Policy::Bail;
    Abi abi = Abi::V6;
    SmtOutcome outcome;
};

/// The whole matrix.
struct PolicyMatrix {
    PolicyMatrixOptions options;
    /// Rows none, alloc, step, ... in FaultClass order, each once per ABI; a row's cells in policy
    /// order.
    std::vector<MatrixCell> cells;
    std::vector<RowProof> proofs; ///< per proved row, ABI and policy, when asked
    double seconds = 0;
};

/// The fault classes, in matrix row order: none (correct use), then each FaultClass.
std::vector<std::optional<FaultClass>> matrixRows();

/// The policies, in matrix column order.
const std::vector<Policy> &allPolicies();

/// Runs the exhaustive search per cell (and the proofs); same options, same matrix.
PolicyMatrix buildPolicyMatrix(const PolicyMatrixOptions &options);

/// `ok`, `leak(3)`, `nr-devices drift`, `premature release`, `panic at finish` (v6: `incoming
/// held`), `freed with references`, `use after free`, `BUG at release`.
std::string outcomeLabel(const CellOutcome &o, Abi abi);

/// The fault classes whose rows the matrix proves: none (nullopt) and alloc.
std::vector<std::optional<FaultClass>> provedRows();

/// The cell is ok within the bound and its row's induction proof (same ABI and policy) holds.
bool cellProved(const PolicyMatrix &m, const MatrixCell &c);

/// Whether an outcome is something the kernel itself does (BUG, WARN and free, use after free,
/// panic or incoming state held at the end), not only a wrong count.
bool isMachineOutcome(Outcome o);

/// The cell's outcomes that are machine outcomes, worst first (empty: the machine is fine).
std::vector<CellOutcome> machineOutcomes(const MatrixCell &c);

/// The best policy other than bail for one fault class and ABI: fewest crashes (BUG, use after
/// free, v7 panic), then fewest machine outcomes, then fewest outcomes of any kind, then the
/// smallest leak; ties go to the earlier policy. Requires the row in `m`.
const MatrixCell &bestAlternative(const PolicyMatrix &m, std::optional<FaultClass> fault, Abi abi);

/// The cell of (fault, abi, policy); requires it in `m`.
const MatrixCell &cellOf(const PolicyMatrix &m, std::optional<FaultClass> fault, Abi abi,
                         Policy policy);

} // namespace bridgepath
