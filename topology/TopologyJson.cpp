#include "topology/TopologyJson.h"

#include "topology/InputError.h"

#include <nlohmann/json.hpp>
#include <set>

namespace bridgepath {

using nlohmann::ordered_json;

std::string topologyToJson(const Topology &t) {
    ordered_json j;
    j["devices"] = t.size();
    j["bridges"] = t.bridgeCount();
    j["endpoints"] = t.endpointCount();
    j["root_buses"] = t.rootBuses().size();
    j["max_upstream_bridges"] = t.maxUpstreamBridges();
    ordered_json tree = ordered_json::array();
    for (DeviceId id = 0; id < t.size(); ++id) {
        ordered_json d;
        d["bdf"] = t.bdf(id).toString();
        d["kind"] = toString(t.kind(id));
        auto p = t.parent(id);
        d["parent"] = p ? ordered_json(t.bdf(*p).toString()) : ordered_json(nullptr);
        if (t.isBridge(id)) {
            d["secondary"] = t.secondaryBus(id);
            d["subordinate"] = t.subordinateBus(id);
        }
        if (t.isVf(id))
            d["vf"] = true;
        if (!t.label(id).empty())
            d["label"] = t.label(id);
        tree.push_back(std::move(d));
    }
    j["tree"] = std::move(tree);
    // Labels come from pasted text and may not be UTF-8: replace bad bytes rather than fail.
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

namespace {

std::string lineColumn(std::string_view text, std::size_t byte) {
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < byte && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            col = 1;
        } else {
            ++col;
        }
    }
    return std::to_string(line) + ":" + std::to_string(col);
}

unsigned busNumber(const ordered_json &v, const std::string &where) {
    if (!v.is_number_unsigned() || v.get<unsigned long>() > 0xff)
        throw InputError(where, "expected a bus number 0..255");
    return static_cast<unsigned>(v.get<unsigned long>());
}

} // namespace

Topology topologyFromJson(std::string_view text, const std::string &source) {
    ordered_json j;
    // nlohmann keeps the last of two equal keys: a duplicate is refused, at its JSON path.
    struct Frame {
        bool array = false;
        long index = -1;
        std::string key;
    };
    std::vector<Frame> frames;
    std::vector<std::set<std::string>> keys;
    auto path = [&frames] {
        std::string p; // as the other errors name a place: tree[0].bdf
        for (const Frame &f : frames)
            p += f.array ? "[" + std::to_string(f.index) + "]"
                         : (f.key.empty() ? "" : (p.empty() ? "" : ".") + f.key);
        return p;
    };
    const auto noDuplicates = [&](int, nlohmann::json::parse_event_t event, ordered_json &parsed) {
        using E = nlohmann::json::parse_event_t;
        const bool starts =
            event == E::object_start || event == E::array_start || event == E::value;
        if (starts && !frames.empty() && frames.back().array)
            ++frames.back().index;
        switch (event) {
        case E::object_start:
            frames.push_back(Frame{});
            keys.emplace_back();
            break;
        case E::array_start:
            frames.push_back(Frame{true, -1, ""});
            break;
        case E::object_end:
            frames.pop_back();
            keys.pop_back();
            break;
        case E::array_end:
            frames.pop_back();
            break;
        case E::key: {
            const std::string k = parsed.get<std::string>();
            frames.back().key = k;
            if (!keys.back().insert(k).second)
                throw InputError(source + ": " + path(), "duplicate key \"" + k + "\"");
            break;
        }
        case E::value:
            break;
        }
        return true;
    };
    try {
        j = ordered_json::parse(text.begin(), text.end(), noDuplicates);
    } catch (const nlohmann::json::parse_error &e) {
        // e.byte is 1-based and points just past the offending character.
        const std::size_t byte = e.byte > 0 ? e.byte - 1 : 0;
        std::string what = e.what();
        const std::size_t cut = what.find("parse error");
        throw InputError(source + ":" + lineColumn(text, byte),
                         "malformed JSON: " + (cut == std::string::npos ? what : what.substr(cut)));
    } catch (const nlohmann::json::exception &e) {
        // Not a syntax error but still unreadable, e.g. a number out of range (found by fuzzing).
        std::string what = e.what();
        const std::size_t cut = what.find("] ");
        throw InputError(source, "malformed JSON: " +
                                     (cut == std::string::npos ? what : what.substr(cut + 2)));
    }
    if (!j.is_object() || !j.contains("tree") || !j["tree"].is_array())
        throw InputError(source, "expected a JSON object with a \"tree\" array");
    if (j["tree"].empty())
        throw InputError(source + ": tree", "no PCI device (the \"tree\" array is empty)");
    std::vector<DeviceSpec> specs;
    const ordered_json &tree = j["tree"];
    for (std::size_t i = 0; i < tree.size(); ++i) {
        const ordered_json &d = tree[i];
        const std::string where = source + ": tree[" + std::to_string(i) + "]";
        if (!d.is_object())
            throw InputError(where, "expected an object");
        for (auto it = d.begin(); it != d.end(); ++it) {
            static const char *known[] = {"bdf",         "kind", "parent", "secondary",
                                          "subordinate", "vf",   "label"};
            if (std::find(std::begin(known), std::end(known), it.key()) == std::end(known))
                throw InputError(where + "." + it.key(), "unknown key");
        }
        DeviceSpec s;
        s.place = where;
        if (!d.contains("bdf") || !d["bdf"].is_string())
            throw InputError(where + ".bdf", "expected a BDF string");
        auto bdf = Bdf::parse(d["bdf"].get<std::string>());
        if (!bdf)
            throw InputError(where + ".bdf", "malformed BDF '" + d["bdf"].get<std::string>() + "'");
        s.bdf = *bdf;
        if (!d.contains("kind") || !d["kind"].is_string() ||
            (d["kind"] != "bridge" && d["kind"] != "endpoint"))
            throw InputError(where + ".kind", "expected \"bridge\" or \"endpoint\"");
        s.kind = d["kind"] == "bridge" ? DeviceKind::Bridge : DeviceKind::Endpoint;
        if (!d.contains("parent"))
            throw InputError(where + ".parent", "missing (null for a device on a root bus)");
        s.parentPlace = where + ".parent";
        if (d["parent"].is_null()) {
            s.declaredRoot = true;
        } else {
            if (!d["parent"].is_string() || !Bdf::parse(d["parent"].get<std::string>()))
                throw InputError(where + ".parent", "expected a BDF string or null");
            s.declaredParent = Bdf::parse(d["parent"].get<std::string>());
        }
        if (s.kind == DeviceKind::Bridge) {
            if (!d.contains("secondary"))
                throw InputError(where + ".secondary", "a bridge needs its secondary bus number");
            s.secondary = busNumber(d["secondary"], where + ".secondary");
            s.subordinate = d.contains("subordinate")
                                ? busNumber(d["subordinate"], where + ".subordinate")
                                : s.secondary;
        } else if (d.contains("secondary") || d.contains("subordinate")) {
            throw InputError(where + (d.contains("secondary") ? ".secondary" : ".subordinate"),
                             "an endpoint has no secondary bus");
        }
        if (d.contains("vf")) {
            if (!d["vf"].is_boolean())
                throw InputError(where + ".vf", "expected true or false");
            s.vf = d["vf"].get<bool>();
        }
        if (d.contains("label")) {
            if (!d["label"].is_string())
                throw InputError(where + ".label", "expected a string");
            s.label = d["label"].get<std::string>();
        }
        specs.push_back(std::move(s));
    }
    return Topology::build(std::move(specs), source);
}

} // namespace bridgepath
