#include "topology/InputError.h"
#include "topology/LspciParser.h"
#include "topology/TopologyJson.h"
#include "topology/TopologyLoader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

using namespace bridgepath;

namespace {

const std::string kTopologies = BRIDGEPATH_SOURCE_DIR "/tests/topologies/";

const char *const kRealFiles[] = {
    "amd-am4-dual-rtx3090-chipset-switch.lspci-t",
    "amd-wrx80-threadripper-pro-mi100-multiroot.lspci-tv",
    "grid-k1-m60-onboard-pex-switches-two-roots.lspci-t",
    "icelake-connectx7-sriov-vfs-excerpt.lspci-tv",
    "msi-x99s-xeon-e5v3-fiji-hawaii.lspci-tv",
    "pex9733-optane-subtree-s-filter.lspci-tv",
    "power9-pmc-sierra-switch-bcm5719-sas-excerpt.lspci-tv",
    "ruijie-firewall-xeon-e5v2-i350-quadport-switches.lspci-tv",
    "supermicro-x9drg-8x-rtx2080ti-pex8747-abridged.lspci-t",
};

/// A root-bus endpoint with a label, a bridge [01-02] and a VF below it.
const char *const kSmallTree = "-[0000:00]-+-00.0  host\n"
                               "           \\-01.0-[01-02]----00.0  Virtual Function x\n";

/// The what() of the InputError that reading `json` throws, or "no error".
std::string jsonError(const std::string &json) {
    try {
        topologyFromJson(json, "src");
    } catch (const InputError &e) {
        return e.what();
    }
    return "no error";
}

bool startsWith(const std::string &s, const std::string &prefix) {
    return s.rfind(prefix, 0) == 0;
}

/// One tree entry as JSON text, with `extra` appended inside the object.
std::string entry(const std::string &bdf, const std::string &kind, const std::string &parent,
                  const std::string &extra = "") {
    return "{\"bdf\": \"" + bdf + "\", \"kind\": \"" + kind + "\", \"parent\": " + parent + extra +
           "}";
}

std::string tree(const std::vector<std::string> &entries) {
    std::string out = "{\"tree\": [";
    for (std::size_t i = 0; i < entries.size(); ++i)
        out += (i ? ", " : "") + entries[i];
    return out + "]}";
}

} // namespace

TEST(TopologyJson, WriteThenReadGivesTheSameTreeForEveryRealFile) {
    for (const char *file : kRealFiles) {
        SCOPED_TRACE(file);
        const Topology t = loadTopologyFile(kTopologies + file);
        const Topology back = topologyFromJson(topologyToJson(t), "json");
        ASSERT_EQ(back, t);
        for (DeviceId id = 0; id < t.size(); ++id) {
            EXPECT_EQ(back.label(id), t.label(id));
            EXPECT_EQ(back.isVf(id), t.isVf(id));
        }
    }
}

TEST(TopologyJson, VfFlagsSurviveTheRoundTrip) {
    const Topology t =
        loadTopologyFile(kTopologies + "icelake-connectx7-sriov-vfs-excerpt.lspci-tv");
    const Topology back = topologyFromJson(topologyToJson(t), "json");
    EXPECT_EQ(back.vfCount(), 8u);
}

TEST(TopologyJson, WritesSummaryThenTreeWithKeysInContractOrder) {
    EXPECT_EQ(topologyToJson(parseLspci(kSmallTree, "src")), R"({
  "devices": 3,
  "bridges": 1,
  "endpoints": 2,
  "root_buses": 1,
  "max_upstream_bridges": 1,
  "tree": [
    {
      "bdf": "0000:00:00.0",
      "kind": "endpoint",
      "parent": null,
      "label": "host"
    },
    {
      "bdf": "0000:00:01.0",
      "kind": "bridge",
      "parent": null,
      "secondary": 1,
      "subordinate": 2
    },
    {
      "bdf": "0000:01:00.0",
      "kind": "endpoint",
      "parent": "0000:00:01.0",
      "vf": true,
      "label": "Virtual Function x"
    }
  ]
}
)");
}

TEST(TopologyJson, ReadingNeedsOnlyTheTree) {
    const Topology t =
        topologyFromJson(tree({entry("0000:00:01.0", "bridge", "null", ", \"secondary\": 1"),
                               entry("01:00.0", "endpoint", "\"00:01.0\"")}),
                         "src");
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t.subordinateBus(0), 1u); // subordinate defaults to secondary
    EXPECT_EQ(t.parent(1), DeviceId{0});
}

TEST(TopologyJsonErrors, ADuplicateKeyIsAnErrorAtItsPath) {
    // nlohmann would keep the last value: the first one would be silently ignored.
    EXPECT_EQ(jsonError(R"({"tree": [{"bdf": "00:00.0", "parent": null},
                                      {"bdf": "00:01.0", "parent": null, "bdf": "00:02.0"}]})"),
              "src: tree[1].bdf: duplicate key \"bdf\"");
    EXPECT_EQ(jsonError(R"({"tree": [], "tree": []})"), "src: tree: duplicate key \"tree\"");
    // The same key in two objects is no duplicate.
    EXPECT_EQ(jsonError(R"({"tree": [{"bdf": "00:00.0", "kind": "endpoint", "parent": null},
                                      {"bdf": "00:01.0", "kind": "endpoint", "parent": null}]})"),
              "no error");
}

TEST(TopologyJsonErrors, AnEmptyTreeIsNoTopology) {
    EXPECT_EQ(jsonError(R"({"tree": []})"),
              "src: tree: no PCI device (the \"tree\" array is empty)");
}

TEST(TopologyJson, LoaderReadsJsonWhenTheFirstNonBlankIsABrace) {
    const std::filesystem::path path =
        std::filesystem::temp_directory_path() /
        ("bridgepath-topology-" + std::to_string(std::random_device{}()) + ".json");
    const Topology t = parseLspci(kSmallTree, "src");
    {
        std::ofstream out(path);
        out << "\n  " << topologyToJson(t);
    }
    const Topology back = loadTopologyFile(path.string());
    std::filesystem::remove(path);
    EXPECT_EQ(back, t);
    EXPECT_EQ(back.label(0), "host");
}

TEST(TopologyJson, LoaderNamesAMissingFile) {
    const std::string path = kTopologies + "no-such-file.lspci-t";
    try {
        loadTopologyFile(path);
        FAIL() << "no InputError";
    } catch (const InputError &e) {
        EXPECT_TRUE(startsWith(e.what(), path + ": ")) << e.what();
    }
}

// ---------------------------------------------------------------------------------------------
// Syntax errors name `src:line:column` of the offending character.

TEST(TopologyJsonErrors, SyntaxErrorNamesLineAndColumn) {
    // Line 2 is `  "tree": [,]`: the stray comma is column 12.
    EXPECT_TRUE(startsWith(jsonError("{\n  \"tree\": [,]\n}"), "src:2:12: "))
        << jsonError("{\n  \"tree\": [,]\n}");
    // The missing comma: the second key's quote is column 33 of line 3.
    const std::string missingComma =
        "{\n  \"tree\": [\n    {\"bdf\": \"0000:00:00.0\" \"kind\": \"endpoint\"}\n  ]\n}";
    EXPECT_TRUE(startsWith(jsonError(missingComma), "src:3:33: ")) << jsonError(missingComma);
}

TEST(TopologyJsonErrors, UnexpectedEndNamesTheColumnAfterTheText) {
    EXPECT_TRUE(startsWith(jsonError("{\"tree\": ["), "src:1:11: ")) << jsonError("{\"tree\": [");
}

TEST(TopologyJsonErrors, ErrorMessageIsOneLine) {
    // nlohmann quotes the last characters read; a newline among them must not split what().
    const std::string what = jsonError("{\"tree\": []}\n\n  x");
    EXPECT_TRUE(startsWith(what, "src:3:3: ")) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
}

TEST(TopologyJsonErrors, NotAnObjectWithATreeArray) {
    for (const char *json : {"[]", "{}", "{\"tree\": {}}", "42"})
        EXPECT_TRUE(startsWith(jsonError(json), "src: ")) << json << " -> " << jsonError(json);
}

// ---------------------------------------------------------------------------------------------
// Semantic errors name `src: tree[i].key`.

TEST(TopologyJsonErrors, BadBdfNamesTheBdfKey) {
    const std::string what = jsonError(tree(
        {entry("0000:00:00.0", "endpoint", "null"), entry("0000:00:20.0", "endpoint", "null")}));
    EXPECT_TRUE(startsWith(what, "src: tree[1].bdf: ")) << what;
    EXPECT_TRUE(startsWith(jsonError(R"({"tree": [{"kind": "endpoint", "parent": null}]})"),
                           "src: tree[0].bdf: "));
    EXPECT_TRUE(
        startsWith(jsonError(R"({"tree": [{"bdf": 7, "kind": "endpoint", "parent": null}]})"),
                   "src: tree[0].bdf: "));
}

TEST(TopologyJsonErrors, BadKindNamesTheKindKey) {
    EXPECT_TRUE(startsWith(jsonError(tree({entry("0000:00:00.0", "switch", "null")})),
                           "src: tree[0].kind: "));
    EXPECT_TRUE(startsWith(jsonError(R"({"tree": [{"bdf": "00:00.0", "parent": null}]})"),
                           "src: tree[0].kind: "));
}

TEST(TopologyJsonErrors, MissingParentNamesTheParentKey) {
    const std::string what = jsonError(tree({entry("0000:00:00.0", "endpoint", "null"),
                                             R"({"bdf": "0000:00:01.0", "kind": "endpoint"})"}));
    EXPECT_TRUE(startsWith(what, "src: tree[1].parent: ")) << what;
}

TEST(TopologyJsonErrors, MalformedParentNamesTheParentKey) {
    EXPECT_TRUE(startsWith(jsonError(tree({entry("0000:01:00.0", "endpoint", "\"nope\"")})),
                           "src: tree[0].parent: "));
    EXPECT_TRUE(startsWith(jsonError(tree({entry("0000:01:00.0", "endpoint", "3")})),
                           "src: tree[0].parent: "));
}

TEST(TopologyJsonErrors, BridgeWithoutSecondaryNamesTheSecondaryKey) {
    EXPECT_TRUE(startsWith(jsonError(tree({entry("0000:00:01.0", "bridge", "null")})),
                           "src: tree[0].secondary: "));
}

TEST(TopologyJsonErrors, BusNumberOutOfRangeNamesItsKey) {
    EXPECT_TRUE(startsWith(
        jsonError(tree({entry("0000:00:01.0", "bridge", "null", ", \"secondary\": 256")})),
        "src: tree[0].secondary: "));
    EXPECT_TRUE(startsWith(
        jsonError(tree({entry("0000:00:01.0", "bridge", "null", ", \"secondary\": -1")})),
        "src: tree[0].secondary: "));
    EXPECT_TRUE(startsWith(jsonError(tree({entry("0000:00:01.0", "bridge", "null",
                                                 ", \"secondary\": 1, \"subordinate\": \"2\"")})),
                           "src: tree[0].subordinate: "));
}

TEST(TopologyJsonErrors, UnknownKeyIsNamed) {
    const std::string what =
        jsonError(tree({entry("0000:00:00.0", "endpoint", "null", ", \"colour\": \"red\"")}));
    EXPECT_TRUE(startsWith(what, "src: tree[0].colour: ")) << what;
}

TEST(TopologyJsonErrors, BadVfAndLabelTypesNameTheirKeys) {
    EXPECT_TRUE(
        startsWith(jsonError(tree({entry("0000:00:00.0", "endpoint", "null", ", \"vf\": 1")})),
                   "src: tree[0].vf: "));
    EXPECT_TRUE(
        startsWith(jsonError(tree({entry("0000:00:00.0", "endpoint", "null", ", \"label\": 1")})),
                   "src: tree[0].label: "));
}

TEST(TopologyJsonErrors, EntryThatIsNotAnObjectNamesItsIndex) {
    EXPECT_TRUE(startsWith(jsonError(tree({entry("0000:00:00.0", "endpoint", "null"), "\"x\""})),
                           "src: tree[1]: "));
}

TEST(TopologyJsonErrors, TreeErrorsNameTheirEntry) {
    // An endpoint with a bus range, and a parent the bus numbers contradict.
    EXPECT_TRUE(startsWith(
        jsonError(tree({entry("0000:00:00.0", "endpoint", "null", ", \"secondary\": 1")})),
        "src: tree[0]"));
    const std::string mismatch =
        jsonError(tree({entry("0000:00:01.0", "bridge", "null", ", \"secondary\": 1"),
                        entry("0000:00:02.0", "bridge", "null", ", \"secondary\": 2"),
                        entry("0000:01:00.0", "endpoint", "\"0000:00:02.0\"")}));
    EXPECT_TRUE(startsWith(mismatch, "src: tree[2]")) << mismatch;
}

TEST(TopologyJsonErrors, TreeErrorsNameTheOffendingKey) {
    // Regression (fixed): the header promises `source: tree[i].key` for a bad entry, but an
    // endpoint with "secondary" is reported as `src: tree[0]: an endpoint has no secondary bus`
    // (TopologyJson.cpp), and a contradicted parent as `src: tree[2]: device ... is said to sit
    // below ...` (the spec's place, set without the key).
    EXPECT_TRUE(startsWith(
        jsonError(tree({entry("0000:00:00.0", "endpoint", "null", ", \"secondary\": 1")})),
        "src: tree[0].secondary: "));
    EXPECT_TRUE(
        startsWith(jsonError(tree({entry("0000:00:01.0", "bridge", "null", ", \"secondary\": 1"),
                                   entry("0000:00:02.0", "bridge", "null", ", \"secondary\": 2"),
                                   entry("0000:01:00.0", "endpoint", "\"0000:00:02.0\"")})),
                   "src: tree[2].parent: "));
}

TEST(TopologyJsonErrors, NullParentBelowABridgeIsAContradiction) {
    // Regression (fixed): `"parent": null` says "on a root bus" (the reader's own message for a
    // missing parent), but TopologyJson.cpp leaves declaredParent empty for null, so nothing checks
    // it: this file puts 01:00.0 on a root bus, yet the tree built from it hangs 01:00.0 below
    // 00:01.0.
    const std::string what =
        jsonError(tree({entry("0000:00:01.0", "bridge", "null", ", \"secondary\": 1"),
                        entry("0000:01:00.0", "endpoint", "null")}));
    EXPECT_TRUE(startsWith(what, "src: tree[1]")) << what;
}

TEST(TopologyJson, LabelThatIsNotUtf8StillExports) {
    // Regression (fixed): parseLspci keeps a Latin-1 name byte for byte, and topologyToJson then
    // lets nlohmann::json::type_error 316 ("incomplete UTF-8 string") escape: neither a JSON text
    // nor an InputError. Minimal input: `-[0000:00]---00.0  caf\xe9`.
    const Topology t = parseLspci("-[0000:00]---00.0  caf\xe9\n", "src");
    try {
        const Topology back = topologyFromJson(topologyToJson(t), "json");
        EXPECT_EQ(back, t);
    } catch (const InputError &) {
        // Refusing the label as bad user input would also keep the contract.
    }
}
