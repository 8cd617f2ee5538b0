#include "cli/ShardFile.h"

#include "topology/Design.h"
#include "topology/InputError.h"
#include "topology/TextFile.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace bridgepath {

namespace {

using nlohmann::ordered_json;

// The first line of every shard file: what it is and the format's version.
const char *const kFormat = "bridgepath exhaustive shard 1";

// The recorded options whose values are numbers (the rest are words; symmetry is on or off).
bool numericOption(const std::string &flag) {
    return flag == "--max-devices" || flag == "--min-devices" || flag == "--max-ops" ||
           flag == "--endpoints" || flag == "--generations";
}

// The invariants option's names, in order.
std::vector<std::string> invariantNames(const std::vector<ShardOption> &options) {
    std::vector<std::string> names;
    for (const auto &[flag, value] : options) {
        if (flag != "--invariants")
            continue;
        std::size_t start = 0;
        while (start <= value.size()) {
            const std::size_t end = std::min(value.find(',', start), value.size());
            names.push_back(value.substr(start, end - start));
            start = end + 1;
        }
    }
    return names;
}

ordered_json findingJson(const ShardCheck &c) {
    if (!c.smallest)
        return nullptr;
    ordered_json ops = ordered_json::array();
    for (const Op &op : c.smallest->ops)
        ops.push_back(op.toString());
    return {{"devices", c.smallest->devices},
            {"moves", c.smallest->depth},
            {"work_item", c.smallest->item},
            {"ops", std::move(ops)}};
}

// Reads one JSON shard file's fields, each error naming the file and the field.
class Reader {
  public:
    explicit Reader(std::string path) : path_(std::move(path)) {}

    const ordered_json &field(const ordered_json &object, const std::string &key,
                              const std::string &where) const {
        if (!object.is_object())
            fail(where, "expected an object");
        const auto it = object.find(key);
        if (it == object.end())
            fail(where.empty() ? key : where + "." + key, "missing");
        return *it;
    }

    std::uint64_t count(const ordered_json &object, const std::string &key,
                        const std::string &where) const {
        const ordered_json &v = field(object, key, where);
        if (!v.is_number_unsigned())
            fail(where.empty() ? key : where + "." + key, "expected a non-negative integer");
        return v.get<std::uint64_t>();
    }

    std::string text(const ordered_json &object, const std::string &key,
                     const std::string &where) const {
        const ordered_json &v = field(object, key, where);
        if (!v.is_string())
            fail(where.empty() ? key : where + "." + key, "expected a string");
        return v.get<std::string>();
    }

    ShardCheck check(const ordered_json &object, const std::string &countKey,
                     const std::string &where) const {
        ShardCheck c;
        c.count = count(object, countKey, where);
        const ordered_json &s = field(object, "smallest", where);
        if (s.is_null())
            return c;
        const std::string at = where + ".smallest";
        ShardFinding f;
        f.devices = count(s, "devices", at);
        f.depth = count(s, "moves", at);
        f.item = count(s, "work_item", at);
        const ordered_json &ops = field(s, "ops", at);
        if (!ops.is_array())
            fail(at + ".ops", "expected an array of operations");
        for (std::size_t i = 0; i < ops.size(); ++i) {
            const std::string place = at + ".ops[" + std::to_string(i) + "]";
            if (!ops[i].is_string())
                fail(place, "expected an operation");
            f.ops.push_back(parseOp(ops[i].get<std::string>(), path_ + ": " + place));
        }
        c.smallest = std::move(f);
        return c;
    }

    [[noreturn]] void fail(const std::string &where, const std::string &message) const {
        throw InputError(path_, where + ": " + message);
    }

  private:
    std::string path_;
};

} // namespace

std::vector<ShardOption> shardOptions(const ExhaustiveOptions &o, const std::string &faultsText) {
    std::vector<ShardOption> out = {{"--max-devices", std::to_string(o.maxDevices)},
                                    {"--min-devices", std::to_string(o.minDevices)},
                                    {"--max-ops", std::to_string(o.maxOps)},
                                    {"--endpoints", std::to_string(o.endpoints)},
                                    {"--generations", std::to_string(o.generations)}};
    if (o.releaseCheck && o.endOfUpdate)
        out.emplace_back("--design", toString(Design{o.policy, o.directRecord, *o.releaseCheck,
                                                     *o.endOfUpdate}));
    else
        out.emplace_back("--policy", toString(o.policy));
    out.emplace_back("--abi", toString(o.abi));
    out.emplace_back("--faults", faultsText);
    std::string invariants;
    for (const Invariant inv : o.invariants)
        invariants += (invariants.empty() ? "" : ",") + std::string(toString(inv));
    out.emplace_back("--invariants", invariants);
    out.emplace_back("--symmetry", o.symmetry ? "on" : "off");
    return out;
}

std::vector<std::string> optionFlags(const std::vector<ShardOption> &options) {
    std::vector<std::string> flags;
    for (const auto &[flag, value] : options) {
        if (flag == "--symmetry") {
            if (value == "off")
                flags.push_back("--no-symmetry");
            continue;
        }
        flags.push_back(flag);
        flags.push_back(value);
    }
    return flags;
}

std::string shardJson(const std::vector<ShardOption> &options, const ShardResult &r) {
    ordered_json j;
    j["format"] = kFormat;
    ordered_json o = ordered_json::object();
    for (const auto &[flag, value] : options)
        o[flag.substr(2)] =
            numericOption(flag) ? ordered_json(std::stoull(value)) : ordered_json(value);
    j["options"] = std::move(o);
    j["shard"] = {{"index", r.shard.index}, {"count", r.shard.count}};
    j["trees"] = r.trees;
    j["state_spaces"] = r.searches;
    j["sequences"] = r.sequences;
    j["states_generated"] = r.statesGenerated;
    j["distinct_states"] = r.distinctStates;
    j["stored_bytes"] = r.storedBytes;
    j["largest_search_bytes"] = r.largestSearchBytes;
    j["judge_disagreements"] = r.judgeDisagreements;
    j["seconds"] = r.seconds;
    j["threads"] = r.threads;
    // Invariants in the order of the options' list; outcomes in Outcome's order.
    j["invariants"] = ordered_json::array();
    const std::vector<std::string> names = invariantNames(options);
    for (std::size_t k = 0; k < r.invariants.size(); ++k)
        j["invariants"].push_back({{"invariant", k < names.size() ? names[k] : ""},
                                   {"violations", r.invariants[k].count},
                                   {"smallest", findingJson(r.invariants[k])}});
    j["outcomes"] = ordered_json::array();
    for (std::size_t k = 0; k < kOutcomeCount; ++k)
        j["outcomes"].push_back({{"outcome", toString(static_cast<Outcome>(k))},
                                 {"states", r.outcomes[k].count},
                                 {"max_slots", r.outcomes[k].maxSlots},
                                 {"smallest", findingJson(r.outcomes[k])}});
    j["both_sides"] = {{"states", r.bothSides.count}, {"smallest", findingJson(r.bothSides)}};
    return j.dump(2) + "\n";
}

ShardFile readShardFile(const std::string &path) {
    const std::string bytes = readTextFile(path);
    ordered_json j;
    try {
        j = ordered_json::parse(bytes);
    } catch (const nlohmann::json::exception &e) {
        throw InputError(path, std::string("malformed JSON: ") + e.what());
    }
    const Reader read(path);
    if (!j.is_object() || !j.contains("format") || j["format"] != kFormat)
        throw InputError(path, std::string("not a shard file (no \"format\": \"") + kFormat +
                                   "\": exhaustive --shard I/N writes them)");
    ShardFile f;
    f.path = path;
    const ordered_json &o = read.field(j, "options", "");
    if (!o.is_object())
        read.fail("options", "expected an object");
    for (const auto &[key, value] : o.items()) {
        const std::string flag = "--" + key;
        if (numericOption(flag)) {
            if (!value.is_number_unsigned())
                read.fail("options." + key, "expected a non-negative integer");
            f.options.emplace_back(flag, std::to_string(value.get<std::uint64_t>()));
        } else if (value.is_string()) {
            f.options.emplace_back(flag, value.get<std::string>());
        } else {
            read.fail("options." + key, "expected a string");
        }
    }
    ShardResult &r = f.result;
    const ordered_json &shard = read.field(j, "shard", "");
    r.shard.index = read.count(shard, "index", "shard");
    r.shard.count = read.count(shard, "count", "shard");
    if (r.shard.count == 0 || r.shard.index == 0 || r.shard.index > r.shard.count)
        read.fail("shard", "expected 1 <= index <= count");
    r.trees = read.count(j, "trees", "");
    r.searches = read.count(j, "state_spaces", "");
    r.sequences = read.count(j, "sequences", "");
    r.statesGenerated = read.count(j, "states_generated", "");
    r.distinctStates = read.count(j, "distinct_states", "");
    // Memory figures (stderr only): shard files written before they were kept have none.
    if (j.contains("stored_bytes"))
        r.storedBytes = read.count(j, "stored_bytes", "");
    if (j.contains("largest_search_bytes"))
        r.largestSearchBytes = read.count(j, "largest_search_bytes", "");
    r.judgeDisagreements = read.count(j, "judge_disagreements", "");
    const ordered_json &seconds = read.field(j, "seconds", "");
    if (!seconds.is_number() || seconds.get<double>() < 0)
        read.fail("seconds", "expected a non-negative number");
    r.seconds = seconds.get<double>();
    r.threads = static_cast<unsigned>(std::min<std::uint64_t>(read.count(j, "threads", ""), 256));
    const ordered_json &invariants = read.field(j, "invariants", "");
    const std::vector<std::string> names = invariantNames(f.options);
    if (!invariants.is_array() || invariants.size() != names.size())
        read.fail("invariants", "expected an array of one entry per invariant of the options (" +
                                    std::to_string(names.size()) + ")");
    for (std::size_t k = 0; k < invariants.size(); ++k) {
        const std::string where = "invariants[" + std::to_string(k) + "]";
        if (read.text(invariants[k], "invariant", where) != names[k])
            read.fail(where + ".invariant", "expected " + names[k] + " (the options' order)");
        r.invariants.push_back(read.check(invariants[k], "violations", where));
    }
    const ordered_json &outcomes = read.field(j, "outcomes", "");
    if (!outcomes.is_array() || outcomes.size() != kOutcomeCount)
        read.fail("outcomes", "expected an array of " + std::to_string(kOutcomeCount));
    for (std::size_t k = 0; k < kOutcomeCount; ++k) {
        const std::string where = "outcomes[" + std::to_string(k) + "]";
        if (read.text(outcomes[k], "outcome", where) != toString(static_cast<Outcome>(k)))
            read.fail(where + ".outcome",
                      std::string("expected ") + toString(static_cast<Outcome>(k)));
        r.outcomes[k] = read.check(outcomes[k], "states", where);
        const std::uint64_t slots = read.count(outcomes[k], "max_slots", where);
        if (slots > UINT32_MAX)
            read.fail(where + ".max_slots", "too large");
        r.outcomes[k].maxSlots = static_cast<std::uint32_t>(slots);
    }
    r.bothSides = read.check(read.field(j, "both_sides", ""), "states", "both_sides");
    return f;
}

} // namespace bridgepath
