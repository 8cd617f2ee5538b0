#include "topology/Trace.h"

#include "topology/InputError.h"
#include "topology/LiveUpdateConfig.h"
#include "topology/TextFile.h"

#include <filesystem>
#include <map>
#include <unistd.h>

namespace bridgepath {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

// Parses the `;`-separated operations of one line into `trace`.
void parseOpsLine(std::string_view line, const std::string &place, Trace &trace) {
    std::size_t start = 0;
    while (start <= line.size()) {
        std::size_t end = line.find(';', start);
        if (end == std::string_view::npos)
            end = line.size();
        std::string_view piece = line.substr(start, end - start);
        std::size_t lead = 0;
        while (lead < piece.size() && (piece[lead] == ' ' || piece[lead] == '\t'))
            ++lead;
        if (!trim(piece).empty()) {
            const std::size_t column = start + lead + 1;
            trace.ops.push_back(parseOp(trim(piece), place, column));
            trace.places.push_back(place + ":" + std::to_string(column));
        } else if (end < line.size()) {
            throw InputError(place + ":" + std::to_string(start + 1), "empty operation before ';'");
        }
        start = end + 1;
    }
}

} // namespace

Trace parseOpsText(std::string_view text, const std::string &source) {
    Trace trace;
    parseOpsLine(text, source, trace);
    if (trace.ops.empty())
        throw InputError(source, "no operations given");
    return trace;
}

Trace parseTraceText(std::string_view text, const std::string &source, const std::string &baseDir) {
    Trace trace;
    std::size_t lineNo = 0;
    std::size_t pos = 0;
    bool inlineTree = false;                     // inside the lines of an inline `# topology:`
    std::map<std::string, std::string> headerAt; // each header key's first place
    while (pos <= text.size()) {
        std::size_t eol = text.find('\n', pos);
        if (eol == std::string_view::npos)
            eol = text.size();
        std::string_view line = text.substr(pos, eol - pos);
        // CRLF files, and stray CRs before the newline: none is part of the line (so that
        // printing a trace and reading it back gives the same trace).
        while (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        ++lineNo;
        const std::string place = source + ":" + std::to_string(lineNo);
        const std::string_view body = trim(line);
        if (inlineTree && line.size() >= 3 && line.substr(0, 3) == "#  ") {
            trace.inlineTopology += std::string(line.substr(3)) + "\n";
        } else if (!body.empty() && body.front() == '#') {
            inlineTree = false;
            const std::string_view comment = trim(body.substr(1));
            const std::size_t colon = comment.find(':');
            const std::string_view key =
                colon == std::string_view::npos ? "" : comment.substr(0, colon);
            const std::string_view value =
                colon == std::string_view::npos ? "" : trim(comment.substr(colon + 1));
            const std::size_t valueColumn =
                static_cast<std::size_t>(value.data() - line.data()) + 1;
            const std::string at = place + ":" + std::to_string(valueColumn);
            // A comment that starts with one lowercase word and a colon is a header: a misspelt
            // one must not be prose that silently changes nothing.
            const bool header = !key.empty() && key.front() >= 'a' && key.front() <= 'z' &&
                                key.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") ==
                                    std::string_view::npos;
            const std::string keyAt =
                place + ":" +
                std::to_string(static_cast<std::size_t>(key.data() - line.data()) + 1);
            if (header) {
                static const char *const known[] = {"topology", "policy",  "abi", "capacity",
                                                    "record",   "release", "end", "expect"};
                bool isKnown = false;
                for (const char *k : known)
                    isKnown = isKnown || key == k;
                if (!isKnown)
                    throw InputError(keyAt, "unknown header '" + std::string(key) +
                                                "' (expected topology, policy, abi, capacity, "
                                                "record, release, end or expect)");
                if (!trace.ops.empty())
                    throw InputError(keyAt, "header '" + std::string(key) +
                                                "' after the first operation (headers come first)");
                const auto seen = headerAt.find(std::string(key));
                if (seen != headerAt.end() && key != "expect" && key != "topology")
                    throw InputError(keyAt, "a second '" + std::string(key) +
                                                "' header (the first is at " + seen->second + ")");
                headerAt.emplace(std::string(key), keyAt);
            }
            if (key == "topology" && (trace.topology || !trace.inlineTopologyPlace.empty()))
                throw InputError(at, "a second topology header (a trace names one tree)");
            if (key == "topology" && value.empty()) {
                inlineTree = true;
                trace.inlineTopologyPlace = place;
            } else if (key == "topology") {
                std::filesystem::path p{std::string(value)};
                trace.topology = p.is_absolute() || baseDir.empty()
                                     ? p.string()
                                     : (std::filesystem::path(baseDir) / p).string();
            } else if (key == "policy") {
                trace.policy = parsePolicy(value);
                if (!trace.policy)
                    throw InputError(at, "unknown policy '" + std::string(value) +
                                             "' (expected bail, continue or guarded)");
            } else if (key == "abi") {
                trace.abi = parseAbi(value);
                if (!trace.abi)
                    throw InputError(at, "unknown abi '" + std::string(value) +
                                             "' (expected v6 or v7)");
            } else if (key == "capacity") {
                std::size_t n = 0;
                bool ok = !value.empty();
                for (char c : value) {
                    ok = ok && c >= '0' && c <= '9';
                    if (ok && n <= kMaxCapacity)
                        n = n * 10 + static_cast<std::size_t>(c - '0');
                }
                if (!ok)
                    throw InputError(at, "capacity '" + std::string(value.substr(0, 40)) +
                                             (value.size() > 40 ? "...' " : "' ") +
                                             "is not a number");
                if (n > kMaxCapacity)
                    throw InputError(at,
                                     "capacity too large: at most " + std::to_string(kMaxCapacity));
                trace.capacity = n;
            } else if (key == "record") {
                trace.record = parseDirectRecord(value);
                if (!trace.record)
                    throw InputError(at, "unknown record '" + std::string(value.substr(0, 40)) +
                                             "' (expected none or checked)");
            } else if (key == "release") {
                trace.release = parseReleaseCheck(value);
                if (!trace.release)
                    throw InputError(at, "unknown release '" + std::string(value.substr(0, 40)) +
                                             "' (expected bug-on, warn-and-free, "
                                             "warn-once-and-free, warn-clear-and-free or "
                                             "warn-and-reconcile)");
            } else if (key == "end") {
                trace.end = parseEndOfUpdate(value);
                if (!trace.end)
                    throw InputError(at, "unknown end '" + std::string(value.substr(0, 40)) +
                                             "' (expected panic, held-forever or "
                                             "panic-if-direct-unfinished)");
            } else if (key == "expect") {
                if (trace.expect.empty())
                    trace.expectPlace = at;
                trace.expect += (trace.expect.empty() ? "" : "; ") + std::string(value);
            }
        } else if (!body.empty()) {
            inlineTree = false;
            parseOpsLine(line, place, trace);
        }
        if (eol == text.size())
            break;
        pos = eol + 1;
    }
    return trace;
}

Trace readTraceFile(const std::string &path) {
    const std::string text = readTextFile(path);
    return parseTraceText(text, path, std::filesystem::path(path).parent_path().string());
}

std::string Trace::toString() const {
    std::string out;
    if (topology) {
        out += "# topology: " + *topology + "\n";
    } else if (!inlineTopology.empty()) {
        out += "# topology:\n";
        std::size_t start = 0;
        while (start < inlineTopology.size()) {
            std::size_t end = inlineTopology.find('\n', start);
            if (end == std::string::npos)
                end = inlineTopology.size();
            out += "#  " + inlineTopology.substr(start, end - start) + "\n";
            start = end + 1;
        }
    }
    if (policy)
        out += std::string("# policy: ") + bridgepath::toString(*policy) + "\n";
    if (abi)
        out += std::string("# abi: ") + bridgepath::toString(*abi) + "\n";
    if (capacity)
        out += "# capacity: " + std::to_string(*capacity) + "\n";
    if (record)
        out += std::string("# record: ") + bridgepath::toString(*record) + "\n";
    if (release)
        out += std::string("# release: ") + bridgepath::toString(*release) + "\n";
    if (end)
        out += std::string("# end: ") + bridgepath::toString(*end) + "\n";
    if (!expect.empty())
        out += "# expect: " + expect + "\n";
    for (const Op &op : ops)
        out += op.toString() + "\n";
    return out;
}

void setDesignHeaders(Trace &t, const LiveUpdateConfig &config) {
    LiveUpdateConfig plain;
    plain.abi = config.abi;
    t.record = config.directRecord != DirectRecord::None
                   ? std::optional<DirectRecord>(config.directRecord)
                   : std::nullopt;
    t.release = releaseCheckOf(config) != releaseCheckOf(plain)
                    ? std::optional<ReleaseCheck>(releaseCheckOf(config))
                    : std::nullopt;
    t.end = endOfUpdateOf(config) != endOfUpdateOf(plain)
                ? std::optional<EndOfUpdate>(endOfUpdateOf(config))
                : std::nullopt;
}

std::string saveTrace(const Trace &trace, const std::string &dir, const std::string &name) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    const std::string path = (std::filesystem::path(dir) / (name + ".trace")).string();
    // Written beside and renamed into place, so that a reader (a replay, a second run writing
    // the same name) never sees half a file.
    const std::string partial = path + "." + std::to_string(::getpid()) + ".partial";
    try {
        writeTextFile(partial, trace.toString());
    } catch (const InputError &) {
        std::filesystem::remove(partial, ec);
        throw;
    }
    std::filesystem::rename(partial, path, ec);
    if (ec)
        throw InputError(dir, "cannot write a trace file there");
    return path;
}

} // namespace bridgepath
