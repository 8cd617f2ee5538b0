#pragma once
/// StatefulCommands: the operations as RapidCheck stateful commands (rc::state), one command type
/// per operation. The RapidCheck model is the reference model plus what correct use depends on;
/// the system under test is a Harness (impl and model side by side, invariants judged per step).

#include "model/ReferenceModel.h"
#include "properties/Counterexample.h"
#include "properties/Harness.h"
#include "topology/FaultClass.h"

#include <memory>
#include <optional>
#include <rapidcheck.h>
#include <rapidcheck/state.h>
#include <set>
#include <vector>

namespace bridgepath {

/// What the RapidCheck model knows after some operations: the reference model of the case, its
/// state, and usage bookkeeping for preconditions.
struct GenSnapshot {
    ReferenceModel model;
    State state; ///< model.state(), kept current
    UsageTracker usage;
    std::optional<Bdf> lastPreserved;
};

/// The RapidCheck model. Copies share one immutable snapshot (RapidCheck copies models often);
/// apply() replaces it.
struct GenModel {
    explicit GenModel(std::shared_ptr<const CaseSetup> setup);

    std::shared_ptr<const CaseSetup> setup;
    std::shared_ptr<const GenSnapshot> now;

    const Topology &topology() const { return setup->topology; }
    const State &state() const { return now->state; }
    void apply(const Op &op);
};

/// The command base: an Op, shown in the trace grammar.
class OpCommand : public rc::state::Command<GenModel, Harness> {
  public:
    /// Discards the command unless its kind is enabled, its device exists, and (without the misuse
    /// fault class) it is correct use.
    void checkPreconditions(const GenModel &m) const override;
    void apply(GenModel &m) const override { m.apply(op_); }
    /// Steps the harness; on a model mismatch or a checked invariant's failure records the case
    /// (lastFailure()) and fails.
    void run(const GenModel &m, Harness &h) const override;
    void show(std::ostream &os) const override { os << op_.toString(); }
    const Op &op() const { return op_; }

  protected:
    /// A command of `kind`; discarded at once if the case's swarm did not enable the kind.
    OpCommand(const GenModel &m, OpKind kind);
    Op op_;
};

struct PreserveCommand : OpCommand {
    explicit PreserveCommand(const GenModel &m);
};
struct UnpreserveCommand : OpCommand {
    explicit UnpreserveCommand(const GenModel &m);
};
struct FreezeCommand : OpCommand {
    explicit FreezeCommand(const GenModel &m);
};
struct KexecCommand : OpCommand {
    explicit KexecCommand(const GenModel &m);
};
struct FinishCommand : OpCommand {
    explicit FinishCommand(const GenModel &m);
};
struct FinishAllCommand : OpCommand {
    explicit FinishAllCommand(const GenModel &m);
};
struct FailNextCommand : OpCommand {
    explicit FailNextCommand(const GenModel &m);
};
struct LoseCommand : OpCommand {
    explicit LoseCommand(const GenModel &m);
};
struct SetRefcountCommand : OpCommand {
    explicit SetRefcountCommand(const GenModel &m);
};
struct VanishCommand : OpCommand {
    explicit VanishCommand(const GenModel &m);
};
struct UnplugCommand : OpCommand {
    explicit UnplugCommand(const GenModel &m);
};

/// Generates one enabled command for the model's state (preserve and unpreserve weighted up).
rc::Gen<std::shared_ptr<const rc::state::Command<GenModel, Harness>>> genCommand(const GenModel &m);

/// The swarm: draws which fault classes and command kinds a case enables (from `allowed`), and
/// the v6 capacity (smaller than the tree only when `alloc` is drawn).
std::shared_ptr<const CaseSetup> genCaseSetup(Topology t, Policy policy, Abi abi,
                                              const std::set<FaultClass> &allowed,
                                              std::vector<Invariant> checked);

} // namespace bridgepath
