#pragma once
/// Trace: a header and a list of operations; the plain-text form every tool reads and writes.
///
///   # topology: tree.lspci-t      (relative to the trace file's folder), or inline:
///   # topology:
///   #  -[0000:00]---00.0-[01]----00.0    (each tree line after `#` and two spaces)
///   # policy: bail
///   # abi: v6
///   # capacity: 4
///   # record: checked            (the design switches, when not what the abi implies:
///   # release: warn-clear-and-free    LiveUpdateConfig's directRecord, releaseCheck and
///   # end: held-forever               endOfUpdate)
///   # expect: fails no-leak, exact-count; holds closure   (what replay checks; or `mismatch`)
///   # expect: step 2 returns EINVAL                      (the 2nd operation's result)
///   preserve 0000:03:00.0
///   fail-next unpreserve 02:00.0; unpreserve 03:00.0
///
/// One operation per line or several separated by `;`; other `#` lines and blank lines are
/// comments.

#include "topology/LiveUpdateConfig.h"
#include "topology/Op.h"
#include "topology/Policy.h"

#include <optional>
#include <string>
#include <vector>

namespace bridgepath {

/// A parsed trace.
struct Trace {
    std::optional<std::string> topology; ///< resolved against the trace file's folder
    std::string inlineTopology;          ///< lspci -t text given in the header (no file)
    std::string inlineTopologyPlace;     ///< where it starts (file:line)
    std::optional<Policy> policy;
    std::optional<Abi> abi;
    std::optional<std::size_t> capacity;
    std::optional<DirectRecord> record;
    std::optional<ReleaseCheck> release;
    std::optional<EndOfUpdate> end;
    std::string expect;      ///< the `# expect:` lines, joined by "; "
    std::string expectPlace; ///< where the first `# expect:` value starts (file:line:column)
    std::vector<Op> ops;
    std::vector<std::string> places; ///< where each op was read (file:line:column or --ops:column)

    /// The header and one op per line, as a trace file.
    std::string toString() const;
};

/// Sets `t`'s record, release and end headers to `config`'s switches where they are not what
/// its ABI implies (none otherwise), so that a replay runs under the same design.
void setDesignHeaders(Trace &t, const LiveUpdateConfig &config);

/// Parses `OP; OP; ...` as given to --ops; errors name `--ops` and the column.
Trace parseOpsText(std::string_view text, const std::string &source = "--ops");
/// Parses trace text; `source` names it in errors (file:line:column), `baseDir` resolves topology.
Trace parseTraceText(std::string_view text, const std::string &source, const std::string &baseDir);
/// Reads and parses a trace file; InputError if it cannot be read or is malformed.
Trace readTraceFile(const std::string &path);

/// Writes `trace` as DIR/NAME.trace (DIR made if missing; written beside and renamed into place,
/// so a reader never sees half a file) and returns the path; InputError naming DIR on failure.
std::string saveTrace(const Trace &trace, const std::string &dir, const std::string &name);

} // namespace bridgepath
