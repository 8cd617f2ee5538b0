#pragma once
/// DesignRanking: which design should the kernel use? For every design (topology/Design.h) and
/// every single fault class, the exhaustive search (every tree, sequence and fault placement
/// within the bound) finds the worst the design lets the fault do, with its smallest example;
/// the designs are then ranked by
///   1. crashes: fault classes under which some run crashes (no-crash fails: BUG_ON, use after
///      free, a panic, a failed retrieve);
///   2. premature releases: fault classes under which a bridge loses its count while a preserved
///      device below it needs it (DMA stops: worse than a leak);
///   3. leaked: over the fault classes, the most slots held with nothing preserved, plus one per
///      class whose update ends with the incoming state held forever;
///   4. changes from the latest kernel (changesBetween);
/// lexicographically, ties in allDesigns() order. The ranking is a pure function of the bound.

#include "exhaustive/ExhaustiveSearch.h"
#include "properties/Counterexample.h"
#include "topology/Design.h"

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace bridgepath {

/// The bound of the ranking.
struct DesignRankingOptions {
    std::size_t maxDevices = 4;
    std::size_t maxOps = 5;
    std::size_t endpoints = 3;
    Abi abi = Abi::V7; ///< the table layout every design runs on (v7: the kernel that merged)
    std::vector<FaultClass> faults = allFaultClasses(); ///< one column each
    unsigned threads = 1;
    /// Rank only these (empty: every design); the tests' small rankings.
    std::vector<Design> designs;
};

/// The worst a fault class does under one design, worst first.
enum class DesignHarm {
    Crash,            ///< the kernel dies or touches freed memory
    PrematureRelease, ///< a bridge's count below what a preserved device needs
    Held,             ///< the update ends with the incoming state held forever
    Leak,             ///< slots held with nothing preserved (and nothing worse)
    Drift,            ///< nr_devices differs from the slots in use (and nothing worse)
    None,             ///< nothing of the above within the bound
};

/// `crash`, `premature release`, `held`, `leak`, `nr-devices drift`, `ok`.
const char *toString(DesignHarm h);

/// One design under one fault class.
struct DesignCell {
    FaultClass fault = FaultClass::Step;
    DesignHarm worst = DesignHarm::None;
    /// Crash: the first crash event of its smallest example.
    std::optional<KernelEventKind> crash;
    bool premature = false;
    bool held = false;
    std::uint32_t leakedSlots = 0; ///< the most slots held with nothing preserved
    bool drift = false;
    std::optional<Counterexample> example; ///< the smallest example of `worst`
    std::uint64_t distinctStates = 0;
};

/// The ranking key of a design (smaller is better, compared lexicographically).
struct DesignScore {
    std::uint32_t crashes = 0;
    std::uint32_t premature = 0;
    std::uint32_t leaked = 0;
    int changes = 0;

    [[nodiscard]] std::array<std::uint32_t, 4> key() const {
        return {crashes, premature, leaked, static_cast<std::uint32_t>(changes)};
    }
    friend bool operator==(const DesignScore &a, const DesignScore &b) {
        return a.key() == b.key();
    }
};

/// One design's row.
struct DesignRow {
    Design design;
    std::vector<DesignCell> cells; ///< in options.faults order
    DesignScore score;
};

/// Every design, ranked.
struct DesignRanking {
    DesignRankingOptions options;
    std::vector<DesignRow> rows; ///< best first
    std::uint64_t distinctStates = 0;
    double seconds = 0;
};

/// The cell's text: `ok`, `leak(2)`, `held`, `premature release`, or the crash (`BUG at release`,
/// `use after free`, `panic at finish`, `retrieve failed`, `null dereference`).
std::string cellLabel(const DesignCell &c);

/// The score of cells under a design: the one home of the ranking rule.
[[nodiscard]] DesignScore scoreOf(const Design &d, const std::vector<DesignCell> &cells);

/// Runs the search for every design (options.designs, or all) and ranks them; same options, same
/// ranking. Requires at least one fault class.
DesignRanking rankDesigns(const DesignRankingOptions &options);

/// The rows that share the best score (at least one).
std::vector<const DesignRow *> bestDesigns(const DesignRanking &r);

/// A row's rank: 1 + the rows with a better score (rows that tie share a rank).
std::size_t rankOf(const DesignRanking &r, const DesignRow &row);

/// The row of a design; requires it in `r`.
const DesignRow &rowOf(const DesignRanking &r, const Design &d);

} // namespace bridgepath
