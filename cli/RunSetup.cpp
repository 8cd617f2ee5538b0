#include "cli/RunSetup.h"

#include "properties/Conformance.h"
#include "topology/InputError.h"
#include "topology/TopologyLoader.h"

namespace bridgepath {

Policy policyFlag(const Flags &flags, Policy fallback) {
    const auto p = flags.value("--policy");
    if (!p)
        return fallback;
    const auto parsed = parsePolicy(*p);
    if (!parsed)
        throw InputError("--policy", "unknown policy '" + *p + "' (bail, continue, guarded)");
    return *parsed;
}

Abi abiFlag(const Flags &flags, Abi fallback) {
    const auto a = flags.value("--abi");
    if (!a)
        return fallback;
    const auto parsed = parseAbi(*a);
    if (!parsed)
        throw InputError("--abi", "unknown abi '" + *a + "' (v6, v7)");
    return *parsed;
}

std::vector<Invariant> invariantsFlag(const Flags &flags) {
    const std::string text = flags.value("--invariants").value_or("all");
    if (text == "all")
        return allInvariants();
    std::vector<Invariant> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find(',', start);
        if (end == std::string::npos)
            end = text.size();
        const std::string word = text.substr(start, end - start);
        const auto inv = parseInvariant(word);
        if (!inv)
            throw InputError("--invariants", "unknown invariant '" + word + "'");
        out.push_back(*inv);
        start = end + 1;
    }
    return out;
}

std::set<FaultClass> faultsFlag(const Flags &flags, const std::string &fallback,
                                std::string *text) {
    const std::string given = flags.value("--faults").value_or(fallback);
    std::string bad;
    auto faults = parseFaultClasses(given, &bad);
    if (!faults)
        throw InputError("--faults", "unknown fault class '" + bad +
                                         "' (none, alloc, step, lost-slot, refcount, misuse, "
                                         "vanish, unplug, all)");
    if (text)
        *text = toString(*faults) == "none" ? "none" : given;
    return *faults;
}

SolverChoice solverFlag(const Flags &flags, SolverChoice fallback) {
    const auto s = flags.value("--solver");
    if (!s)
        return fallback;
    const auto parsed = parseSolverChoice(*s);
    if (!parsed)
        throw InputError("--solver", "unknown solver '" + *s + "' (z3, cvc5, both)");
    return *parsed;
}

std::optional<Design> designFlag(const Flags &flags) {
    const auto d = flags.value("--design");
    if (!d)
        return std::nullopt;
    if (flags.has("--policy"))
        throw InputError("--design", "names the walk policy too: give --design or --policy");
    auto design = parseDesign(*d);
    if (!design)
        throw InputError("--design", "unknown design " + quotedToken(*d) +
                                         " (v6, later, latest, or WALK/RECORD/RELEASE/END such as "
                                         "continue/checked/warn-clear-and-free/held-forever)");
    return design;
}

RunSetup setUpRun(Trace trace, const std::string &source, const Flags &flags) {
    RunSetup run;
    if (auto path = flags.value("--topology")) {
        run.topology = loadTopologyFile(*path);
        run.topologyName = *path;
    } else if (auto t = loadTraceTopology(trace)) {
        run.topology = std::move(*t);
        run.topologyName = trace.topology ? *trace.topology : source;
    } else {
        throw InputError(flags.value("--trace") || source != "--ops" ? source : "--topology",
                         "names no topology: give --topology FILE, `# topology: FILE` or an "
                         "inline tree");
    }
    run.config.policy = policyFlag(flags, trace.policy.value_or(Policy::Bail));
    run.config.abi = abiFlag(flags, trace.abi.value_or(Abi::V6));
    run.config.directRecord = trace.record.value_or(DirectRecord::None);
    run.config.releaseCheck = trace.release;
    run.config.endOfUpdate = trace.end;
    if (const auto d = designFlag(flags))
        run.config = withDesign(run.config, *d);
    std::optional<std::size_t> capacity = trace.capacity;
    std::string capacityPlace = source + " (# capacity)";
    if (auto c = flags.value("--capacity")) {
        capacity = parseCount("--capacity", *c);
        if (*capacity > kMaxCapacity)
            throw InputError("--capacity", "too large: at most " + std::to_string(kMaxCapacity) +
                                               " (one slot per device of a PCI domain)");
        capacityPlace = "--capacity";
    }
    if (capacity && run.config.abi == Abi::V7)
        throw InputError(capacityPlace, "applies to --abi v6 only (the v7 table grows)");
    requireKnownDevices(run.topology, trace.ops, trace.places);
    run.config = withDefaultCapacity(run.config, run.topology, capacity.has_value());
    if (capacity)
        run.config.capacity = *capacity;
    run.trace = std::move(trace);
    return run;
}

} // namespace bridgepath
