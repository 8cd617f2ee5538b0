#include "matrix/DesignRanking.h"

#include "topology/Contract.h"

#include <algorithm>
#include <chrono>

namespace bridgepath {

const char *toString(DesignHarm h) {
    switch (h) {
    case DesignHarm::Crash:
        return "crash";
    case DesignHarm::PrematureRelease:
        return "premature release";
    case DesignHarm::Held:
        return "held";
    case DesignHarm::Leak:
        return "leak";
    case DesignHarm::Drift:
        return "nr-devices drift";
    case DesignHarm::None:
        return "ok";
    }
    return "?";
}

std::string cellLabel(const DesignCell &c) {
    switch (c.worst) {
    case DesignHarm::Crash:
        if (c.crash) {
            switch (*c.crash) {
            case KernelEventKind::BugAtRelease:
                return "BUG at release";
            case KernelEventKind::UseAfterFree:
                return "use after free";
            case KernelEventKind::PanicAtFinish:
                return "panic at finish";
            case KernelEventKind::RetrieveFailed:
                return "retrieve failed";
            case KernelEventKind::NullDereference:
                return "null dereference";
            case KernelEventKind::TableFreedWithReferences:
            case KernelEventKind::IncomingHeld:
            case KernelEventKind::ReleaseCleared:
            case KernelEventKind::CountDropped:
            case KernelEventKind::LeakDropped:
                break;
            }
        }
        return "crash";
    case DesignHarm::Leak:
        return "leak(" + std::to_string(c.leakedSlots) + ")";
    case DesignHarm::PrematureRelease:
    case DesignHarm::Held:
    case DesignHarm::Drift:
    case DesignHarm::None:
        return toString(c.worst);
    }
    return "?";
}

DesignScore scoreOf(const Design &d, const std::vector<DesignCell> &cells) {
    DesignScore s;
    for (const DesignCell &c : cells) {
        s.crashes += c.worst == DesignHarm::Crash;
        s.premature += c.premature;
        s.leaked += c.leakedSlots + (c.held ? 1 : 0);
    }
    s.changes = changesBetween(d, latestKernel());
    return s;
}

namespace {

DesignCell searchCell(const DesignRankingOptions &options, const Design &d, FaultClass fault) {
    ExhaustiveOptions o;
    o.maxDevices = options.maxDevices;
    o.maxOps = options.maxOps;
    o.endpoints = options.endpoints;
    o.abi = options.abi;
    applyDesign(o, d);
    o.faults = {fault};
    o.invariants = {Invariant::NoCrash};
    o.threads = options.threads;
    ExhaustiveResult r = runExhaustive(o);
    auto tally = [&r](Outcome k) -> OutcomeTally & { return r.outcomes[static_cast<int>(k)]; };

    DesignCell c;
    c.fault = fault;
    c.distinctStates = r.distinctStates;
    c.premature = tally(Outcome::PrematureRelease).states != 0;
    // Under the other ends nr_devices != 0 at the end is a panic: no-crash has it.
    c.held = d.end == EndOfUpdate::HeldForever && tally(Outcome::Panic).states != 0;
    c.leakedSlots = tally(Outcome::Leak).states != 0 ? tally(Outcome::Leak).maxSlots : 0;
    c.drift = tally(Outcome::NrDevicesDrift).states != 0;
    if (r.tallies.front().violations != 0) {
        c.worst = DesignHarm::Crash;
        c.example = std::move(r.tallies.front().smallest);
        if (c.example)
            for (const KernelEvent &e : c.example->states.back().events)
                if (isCrash(e.kind)) {
                    c.crash = e.kind;
                    break;
                }
    } else if (c.premature) {
        c.worst = DesignHarm::PrematureRelease;
        c.example = std::move(tally(Outcome::PrematureRelease).smallest);
    } else if (c.held) {
        c.worst = DesignHarm::Held;
        c.example = std::move(tally(Outcome::Panic).smallest);
    } else if (c.leakedSlots != 0) {
        c.worst = DesignHarm::Leak;
        c.example = std::move(tally(Outcome::Leak).smallest);
    } else if (c.drift) {
        c.worst = DesignHarm::Drift;
        c.example = std::move(tally(Outcome::NrDevicesDrift).smallest);
    }
    return c;
}

} // namespace

DesignRanking rankDesigns(const DesignRankingOptions &options) {
    BP_REQUIRE(!options.faults.empty(), "rankDesigns: at least one fault class");
    const auto start = std::chrono::steady_clock::now();
    DesignRanking out;
    out.options = options;
    const std::vector<Design> &designs = options.designs.empty() ? allDesigns() : options.designs;
    for (const Design &d : designs) {
        DesignRow row;
        row.design = d;
        for (FaultClass f : options.faults) {
            row.cells.push_back(searchCell(options, d, f));
            out.distinctStates += row.cells.back().distinctStates;
        }
        row.score = scoreOf(d, row.cells);
        out.rows.push_back(std::move(row));
    }
    std::stable_sort(out.rows.begin(), out.rows.end(), [](const DesignRow &a, const DesignRow &b) {
        return a.score.key() < b.score.key();
    });
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return out;
}

std::vector<const DesignRow *> bestDesigns(const DesignRanking &r) {
    std::vector<const DesignRow *> best;
    for (const DesignRow &row : r.rows)
        if (row.score == r.rows.front().score)
            best.push_back(&row);
    return best;
}

std::size_t rankOf(const DesignRanking &r, const DesignRow &row) {
    std::size_t better = 0;
    for (const DesignRow &other : r.rows)
        better += other.score.key() < row.score.key();
    return better + 1;
}

const DesignRow &rowOf(const DesignRanking &r, const Design &d) {
    for (const DesignRow &row : r.rows)
        if (row.design == d)
            return row;
    BP_REQUIRE(false, "rowOf: the design is not in the ranking");
    return r.rows.front();
}

} // namespace bridgepath
