#include "cli/Commands.h"
#include "cli/Flags.h"
#include "cli/Report.h"
#include "cli/RunSetup.h"

#include "kernelcheck/KernelCheck.h"
#include "topology/InputError.h"
#include "topology/TopologyLoader.h"

#include <nlohmann/json.hpp>

namespace bridgepath {

namespace {

// A trace run on the code: agreement, or where it disagrees.
KernelCheckResult runTrace(KernelCode &code, const RunSetup &setup) {
    for (std::size_t i = 0; i < setup.trace.ops.size(); ++i)
        if (!kernelCheckable(setup.trace.ops[i].kind))
            throw InputError(setup.trace.places.at(i),
                             "kernel-check runs preserve, unpreserve, kexec, finish, fail-next "
                             "and lose only");
    LiveUpdateConfig config = setup.config;
    config.policy = Policy::Bail;
    config.sessionTable = false;
    KernelCheckResult r;
    r.cases = 1;
    r.steps = setup.trace.ops.size();
    for (const Op &op : setup.trace.ops)
        r.faultSteps += op.kind == OpKind::FailNext || op.kind == OpKind::Lose;
    r.disagreement = checkOne(code, setup.topology, config, setup.trace.ops);
    return r;
}

} // namespace

int runKernelCheck(const std::vector<std::string> &args, std::ostream &out) {
    const Flags flags(args,
                      {"--source", "--abi", "--cases", "--seed", "--format", "--topology",
                       "--trace"},
                      {});
    flags.allowPositional(0, "kernel-check takes flags only");
    const auto source = flags.value("--source");
    if (!source)
        throw InputError("--source", "give the kernel tree or its drivers/pci/liveupdate.c");
    KernelCheckOptions o;
    o.abi = abiFlag(flags, Abi::V6);
    o.cases = countFlag(flags, "--cases", o.cases, 1, 10000000);
    if (auto s = flags.value("--seed"))
        o.seed = parseCount("--seed", *s);
    const std::string format = flags.value("--format").value_or("text");
    if (format != "text" && format != "json")
        throw InputError("--format", "unknown format '" + format + "' (text, json)");
    if (flags.has("--trace") && flags.has("--topology"))
        throw InputError("--trace", "a trace names its own tree; give --trace or --topology");
    if (auto t = flags.value("--topology"))
        o.topology = loadTopologyFile(*t);

    KernelCheckResult r;
    std::string reproduce = "bridgepath kernel-check --source " + shellQuote(*source);
    if (auto t = flags.value("--trace")) {
        // The trace's header names the ABI the code is built for (--abi overrides it).
        RunSetup setup = setUpRun(readTraceFile(*t), *t, flags);
        o.abi = setup.config.abi;
        const std::unique_ptr<KernelCode> code = KernelCode::build(*source, o.abi);
        r = runTrace(*code, setup);
        reproduce += " --trace " + shellQuote(*t);
    } else {
        const std::unique_ptr<KernelCode> code = KernelCode::build(*source, o.abi);
        r = runKernelCheck(*code, o);
        reproduce += " --abi " + std::string(toString(o.abi)) + " --cases " +
                     std::to_string(o.cases) + " --seed " + std::to_string(o.seed);
        if (auto t = flags.value("--topology"))
            reproduce += " --topology " + shellQuote(*t);
    }
    if (format == "json") {
        nlohmann::ordered_json j;
        j["source"] = *source;
        j["abi"] = toString(o.abi);
        j["seed"] = o.seed;
        j["cases"] = r.cases;
        j["steps"] = r.steps;
        j["fault_steps"] = r.faultSteps;
        j["agree"] = !r.disagreement;
        if (r.disagreement) {
            const KernelDisagreement &d = *r.disagreement;
            j["disagreement"] = {{"step", d.step + 1},
                                 {"op", d.ops[d.step].toString()},
                                 {"what", d.what},
                                 {"trace", disagreementTrace(d).toString()}};
        }
        out << j.dump(2) << "\n";
    } else if (!r.disagreement) {
        out << "bridgepath kernel-check: " << *source << " behaves like the model (" << toString(o.abi)
            << ", policy bail) on " << r.cases << " sequence" << (r.cases == 1 ? "" : "s") << ", "
            << r.steps << " steps (" << r.faultSteps << " of them fail-next or lose), seed "
            << o.seed << "\n";
    } else {
        const KernelDisagreement &d = *r.disagreement;
        out << "bridgepath kernel-check: " << *source << " DISAGREES with the model ("
            << toString(o.abi) << ", policy bail)";
        if (!flags.has("--trace"))
            out << " in case " << d.caseIndex + 1 << " of " << o.cases << " (" << d.originalOps
                << " ops, shrunk to " << d.ops.size() << ")";
        out << "\n  at step " << d.step + 1 << " (" << d.ops[d.step].toString() << "): " << d.what
            << "\n\n"
            << disagreementTrace(d).toString()
            << "\nreproduce: " << reproduce << "\n"
            << "or save the trace above and run: bridgepath kernel-check --source "
            << shellQuote(*source) << " --trace FILE\n";
    }
    return r.disagreement ? 1 : 0;
}

} // namespace bridgepath
