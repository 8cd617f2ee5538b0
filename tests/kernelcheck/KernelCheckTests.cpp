// kernel-check on kernel-style C files written for these tests (tests/kernelcheck/c/): the faithful
// ones agree with the model, every mutated copy is caught with a small counterexample, and code
// that cannot be found, compiled or run is reported, never a crash of the tool.

#include "kernelcheck/CSource.h"
#include "kernelcheck/KernelCheck.h"
#include "topology/InputError.h"
#include "topology/TextFile.h"

#include <algorithm>
#include <fstream>
#include <gtest/gtest.h>

namespace bridgepath {
namespace {

std::string fixture(const char *name) {
    return std::string(BRIDGEPATH_SOURCE_DIR) + "/tests/kernelcheck/c/" + name;
}

// A copy of the v6 fixture with `from` replaced by `to` (which must occur exactly once).
std::string mutant(const std::string &name, const std::string &from, const std::string &to) {
    std::string text = readTextFile(fixture("liveupdate-v6.c"));
    const std::size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << "the fixture lost the line the mutant changes: " << from;
    EXPECT_EQ(text.find(from, at + 1), std::string::npos) << from;
    if (at != std::string::npos)
        text.replace(at, from.size(), to);
    const std::string path = "/tmp/bridgepath-mutant-" + name + ".c";
    std::ofstream(path) << text;
    return path;
}

KernelCheckResult check(const std::string &source, Abi abi, std::size_t cases,
                        unsigned stepSeconds = 10) {
    const auto code = KernelCode::build(source, abi);
    KernelCheckOptions o;
    o.abi = abi;
    o.cases = cases;
    o.stepSeconds = stepSeconds;
    return runKernelCheck(*code, o);
}

TEST(CSource, TheClosureOfTheApiHoldsEveryHelperItCallsAndNothingElse) {
    const CSource src = CSource::parse(readTextFile(fixture("liveupdate-v6.c")), "v6.c");
    ASSERT_NE(src.function("pci_liveupdate_preserve"), nullptr);
    ASSERT_NE(src.function("pci_ser_alloc_slot"), nullptr);
    std::set<std::string> names;
    for (const CItem *item : src.closure({"pci_liveupdate_preserve"}))
        for (const std::string &d : item->defines)
            names.insert(d);
    for (const char *needed :
         {"pci_liveupdate_preserve", "pci_liveupdate_preserve_path", "pci_liveupdate_preserve_device",
          "pci_liveupdate_preserve_device_again", "pci_ser_alloc_slot",
          "__pci_liveupdate_unpreserve_path", "pci_liveupdate_unpreserve_device",
          "for_each_pci_dev_in_path", "pci_liveupdate_rwsem"})
        EXPECT_EQ(names.count(needed), 1u) << needed;
    EXPECT_EQ(names.count("pci_liveupdate_finish_device"), 0u);
    EXPECT_EQ(names.count("pci_liveupdate_unpreserve"), 0u);
}

TEST(CSource, CommentsStringsAndContinuedMacrosDoNotCutItems) {
    const CSource src = CSource::parse("/* a { comment */\n#define TWICE(x) \\\n\t((x) + (x))\n"
                                       "static const char *s = \"};\";\n"
                                       "int f(int a, struct pci_dev *dev) { return TWICE(a); }\n",
                                       "t.c");
    ASSERT_EQ(src.items().size(), 3u);
    EXPECT_EQ(src.items()[0].defines, std::vector<std::string>{"TWICE"});
    EXPECT_EQ(src.items()[1].defines, std::vector<std::string>{"s"});
    ASSERT_NE(src.function("f"), nullptr);
    EXPECT_EQ(src.function("f")->line, 5u);
    const auto params = parameters(*src.function("f"));
    ASSERT_EQ(params.size(), 2u);
    EXPECT_EQ(params[1].name, "dev");
    EXPECT_EQ(src.closure({"f"}).size(), 2u); // f and TWICE
}

TEST(CSource, DeclarationsNameEveryDeclaratorEnumConstantAndFunctionPointer) {
    const CSource src = CSource::parse(
        "enum pci_lu_kind { EP = 0, BR };\n"
        "enum { A = 1, B };\n"
        "static int a, b[4] = { 1, 2 };\n"
        "typedef int (*step_fn)(struct pci_dev *);\n"
        "static int (*hook)(struct pci_dev *) = 0;\n"
        "static int counter __read_mostly = 1;\n"
        "static int proto(struct pci_dev *dev);\n"
        "#define ONE 1 /* a comment\n that goes on */\n"
        "#if 0\nstatic int twice;\n#else\nstatic int twice = 2;\n#endif\n"
        "#ifdef CONFIG_X\nstatic int cfg;\n#else\nstatic int cfg = 3;\n#endif\n"
        "int f(void) { return ONE; }\n",
        "t.c");
    std::set<std::string> names;
    for (const CItem &item : src.items())
        names.insert(item.defines.begin(), item.defines.end());
    for (const char *name : {"pci_lu_kind", "EP", "BR", "A", "B", "a", "b", "step_fn", "hook",
                             "counter", "proto", "ONE", "twice", "cfg", "f"})
        EXPECT_EQ(names.count(name), 1u) << name;
    EXPECT_EQ(names.count("__read_mostly"), 0u);
    // One definition per name: the branch not taken is dropped.
    std::size_t twice = 0, cfg = 0;
    for (const CItem &item : src.items()) {
        twice += std::count(item.defines.begin(), item.defines.end(), "twice");
        cfg += std::count(item.defines.begin(), item.defines.end(), "cfg");
    }
    EXPECT_EQ(twice, 1u);
    EXPECT_EQ(cfg, 1u);
    EXPECT_NE(src.function("f"), nullptr);
}

TEST(KernelCheck, TheV6FixtureBehavesLikeTheV6ModelUnderFaults) {
    const KernelCheckResult r = check(fixture("liveupdate-v6.c"), Abi::V6, 400);
    EXPECT_FALSE(r.disagreement) << r.disagreement->what;
    EXPECT_EQ(r.cases, 400u);
    EXPECT_GE(r.faultSteps, 200u) << "the cases must exercise fail-next and lose";
}

TEST(KernelCheck, TheV7FixtureBehavesLikeTheV7Model) {
    const KernelCheckResult r = check(fixture("liveupdate-v7.c"), Abi::V7, 400);
    EXPECT_FALSE(r.disagreement) << r.disagreement->what;
}

// The stub header gives each ABI its own table struct: code written for one does not build
// against the other, and the message says which field is missing.
TEST(KernelCheck, CodeForOneAbiDoesNotBuildAgainstTheOthersTable) {
    for (const auto &[file, abi, field] :
         {std::tuple{"liveupdate-v6.c", Abi::V7, "max_nr_devices"},
          std::tuple{"liveupdate-v7.c", Abi::V6, "nr_slots"}}) {
        try {
            KernelCode::build(fixture(file), abi);
            ADD_FAILURE() << file << " built for " << toString(abi);
        } catch (const InputError &e) {
            EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
        }
    }
}

struct Mutant {
    const char *name;
    const char *from;
    const char *to;
};

class Mutants : public testing::TestWithParam<Mutant> {};

TEST_P(Mutants, AreCaughtWithACounterexampleOfAtMostFourOperations) {
    const Mutant &m = GetParam();
    const KernelCheckResult r = check(mutant(m.name, m.from, m.to), Abi::V6, 3000);
    ASSERT_TRUE(r.disagreement) << m.name << " survived 3000 cases";
    EXPECT_LE(r.disagreement->ops.size(), 4u) << disagreementTrace(*r.disagreement).toString();
    EXPECT_LE(r.disagreement->topology.size(), 4u);
}

INSTANTIATE_TEST_SUITE_P(
    KernelCheck, Mutants,
    testing::Values(
        Mutant{"bail-to-continue",
               "leaking the devices above\\n\");\n\t\t\treturn;\n\t\t}\n\t}\n}\n\nstatic void "
               "pci_liveupdate_unpreserve_path",
               "leaking the devices above\\n\");\n\t\t\tcontinue;\n\t\t}\n\t}\n}\n\nstatic void "
               "pci_liveupdate_unpreserve_path"},
        Mutant{"probe-from-zero", "idx = (ser->nr_devices + i) % ser->max_nr_devices;", "idx = i;"},
        Mutant{"ebusy-before-refcount-0",
               "\tif (WARN_ON(!dev_ser->refcount))\n\t\treturn -EINVAL;\n\n\tif (!pci_is_bridge(dev))"
               "\n\t\treturn -EBUSY;\n",
               "\tif (!pci_is_bridge(dev))\n\t\treturn -EBUSY;\n\n\tif (WARN_ON(!dev_ser->refcount))"
               "\n\t\treturn -EINVAL;\n"},
        Mutant{"rollback-off-by-one", "__pci_liveupdate_unpreserve_path(ser, start, dev);",
               "__pci_liveupdate_unpreserve_path(ser, start, dev->bus->self);"}),
    [](const testing::TestParamInfo<Mutant> &info) {
        std::string name = info.param.name;
        for (char &c : name)
            c = c == '-' ? '_' : c;
        return name;
    });

TEST(KernelCheck, CodeThatCrashesIsADisagreementNotACrashOfTheTool) {
    // Without its NULL check, unpreserving a device that holds no slot dereferences NULL.
    const std::string path =
        mutant("null-deref",
               "\tif (!dev_ser) {\n\t\tpci_warn(dev, \"Cannot unpreserve device that is not "
               "preserved\\n\");\n\t\treturn -EINVAL;\n\t}\n",
               "");
    const KernelCheckResult r = check(path, Abi::V6, 500);
    ASSERT_TRUE(r.disagreement);
    EXPECT_NE(r.disagreement->what.find("the kernel code crashed ("), std::string::npos)
        << r.disagreement->what;
}

TEST(KernelCheck, CodeThatNeverReturnsIsAHungStepNotAHungTool) {
    // The unpreserve walk retries a failing step forever.
    const std::string path = mutant(
        "hang", "\t\tif (pci_liveupdate_unpreserve_device(ser, dev)) {\n\t\t\tpci_warn(dev, "
                "\"Failed to unpreserve",
        "\t\twhile (pci_liveupdate_unpreserve_device(ser, dev))\n\t\t\t;\n\t\tif (0) {\n"
        "\t\t\tpci_warn(dev, \"Failed to unpreserve");
    const KernelCheckResult r = check(path, Abi::V6, 300, 1);
    ASSERT_TRUE(r.disagreement);
    EXPECT_NE(r.disagreement->what.find("hung"), std::string::npos) << r.disagreement->what;
    EXPECT_LE(r.disagreement->ops.size(), 3u);
}

TEST(KernelCheck, ABugHitIsADisagreement) {
    // The unpreserve step BUGs on a slot with refcount 0 instead of warning.
    const std::string path = mutant("bug-on",
                                    "\tif (WARN_ON(!dev_ser->refcount))\n\t\treturn -EINVAL;\n\n"
                                    "\tif (--dev_ser->refcount)\n\t\treturn 0;\n\n\tmemset",
                                    "\tBUG_ON(!dev_ser->refcount);\n\tif (!dev_ser->refcount)\n"
                                    "\t\treturn -EINVAL;\n\n\tif (--dev_ser->refcount)\n\t\treturn "
                                    "0;\n\n\tmemset");
    const KernelCheckResult r = check(path, Abi::V6, 3000);
    ASSERT_TRUE(r.disagreement);
    EXPECT_NE(r.disagreement->what.find("BUG()"), std::string::npos) << r.disagreement->what;
}

TEST(KernelCheck, FailNextWrapsTheStructPciDevParameterWhereverItIs) {
    // A step function whose first pointer parameter is a struct pci_dev_ser *.
    std::string text = readTextFile(fixture("liveupdate-v6.c"));
    for (const auto &[from, to] : std::vector<std::pair<std::string, std::string>>{
             {"static int pci_liveupdate_unpreserve_device(struct pci_ser *ser, struct pci_dev *dev)\n{"
              "\n\tstruct pci_dev_ser *dev_ser = dev->liveupdate.ser;\n",
              "static int pci_liveupdate_unpreserve_device(struct pci_dev_ser *dev_ser, "
              "struct pci_ser *ser, struct pci_dev *dev)\n{\n"},
             {"pci_liveupdate_unpreserve_device(ser, dev)",
              "pci_liveupdate_unpreserve_device(dev->liveupdate.ser, ser, dev)"}}) {
        for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
            text.replace(at, from.size(), to);
    }
    const std::string path = "/tmp/bridgepath-mutant-param-order.c";
    std::ofstream(path) << text;
    const KernelCheckResult r = check(path, Abi::V6, 400);
    EXPECT_FALSE(r.disagreement) << r.disagreement->what;
}

TEST(KernelCheck, AMissingFunctionIsNamed) {
    const std::string path = mutant("missing", "pci_liveupdate_finish_device(struct pci_ser *ser",
                                    "pci_liveupdate_finish_one(struct pci_ser *ser");
    try {
        KernelCode::build(path, Abi::V6);
        FAIL() << "built without pci_liveupdate_finish_device";
    } catch (const InputError &e) {
        EXPECT_NE(std::string(e.what()).find("no definition of pci_liveupdate_finish_device"),
                  std::string::npos)
            << e.what();
    }
}

TEST(KernelCheck, ACompileErrorNamesTheSymbolTheLineAndWhatTheCompilerSaid) {
    const std::string path = mutant("broken", "return &ser->devices[idx];", "return &ser->devices[idx]");
    try {
        KernelCode::build(path, Abi::V6);
        FAIL() << "a syntax error compiled";
    } catch (const InputError &e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("in pci_ser_alloc_slot"), std::string::npos) << what;
        EXPECT_NE(what.find(path + ":2"), std::string::npos) << what;
        EXPECT_NE(what.find("error:"), std::string::npos) << what;
    }
}

} // namespace
} // namespace bridgepath
