#include "topology/InputError.h"
#include "topology/Trace.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

using namespace bridgepath;
namespace fs = std::filesystem;

namespace {

Op op(OpKind kind, const char *bdf = "0000:03:00.0") {
    Op o;
    o.kind = kind;
    o.bdf = *Bdf::parse(bdf);
    return o;
}

Op failNext(StepKind step, const char *bdf) {
    Op o = op(OpKind::FailNext, bdf);
    o.step = step;
    return o;
}

/// The what() of the InputError `parse` throws, or "no error".
template <class Parse> std::string errorOf(Parse parse) {
    try {
        parse();
    } catch (const InputError &e) {
        return e.what();
    }
    return "no error";
}

std::string opsError(const std::string &text) {
    return errorOf([&] { parseOpsText(text); });
}

std::string traceError(const std::string &text) {
    return errorOf([&] { parseTraceText(text, "t.trace", "/traces"); });
}

bool startsWith(const std::string &s, const std::string &prefix) {
    return s.rfind(prefix, 0) == 0;
}

const char *const kTrace = "# topology: tree.lspci-t\n"
                           "# policy: guarded\n"
                           "# abi: v7\n"
                           "# capacity: 4\n"
                           "# expect: the switch keeps its slot\n"
                           "# any other comment\n"
                           "preserve 0000:03:00.0\n"
                           "\n"
                           "fail-next unpreserve 02:00.0; unpreserve 03:00.0\n";

} // namespace

// ---------------------------------------------------------------------------------------------
// --ops text.

TEST(Trace, OpsTextSplitsAtSemicolonsAndRecordsColumns) {
    const Trace t = parseOpsText("preserve 03:00.0; kexec ;finish 03:00.0");
    EXPECT_EQ(t.ops,
              (std::vector<Op>{op(OpKind::Preserve), op(OpKind::Kexec), op(OpKind::Finish)}));
    EXPECT_EQ(t.places, (std::vector<std::string>{"--ops:1", "--ops:19", "--ops:26"}));
    EXPECT_FALSE(t.topology);
    EXPECT_FALSE(t.policy);
}

TEST(Trace, OpsTextMayEndWithASemicolon) {
    EXPECT_EQ(parseOpsText("kexec;").ops.size(), 1u);
}

TEST(Trace, OpsTextErrorsNameOpsAndTheColumn) {
    EXPECT_TRUE(startsWith(opsError("preserve 03:00.0; frob"), "--ops:19: "))
        << opsError("preserve 03:00.0; frob");
    // `preserve 03:00.0;  preserve ` is 28 columns: the bad BDF is at 29.
    EXPECT_TRUE(startsWith(opsError("preserve 03:00.0;  preserve 3:0.8"), "--ops:29: "))
        << opsError("preserve 03:00.0;  preserve 3:0.8");
    EXPECT_TRUE(startsWith(errorOf([] { parseOpsText("kexec x", "--replay"); }), "--replay:7: "));
}

TEST(Trace, EmptyOperationBetweenSemicolonsIsAnError) {
    EXPECT_TRUE(startsWith(opsError("kexec;;kexec"), "--ops:7: ")) << opsError("kexec;;kexec");
    EXPECT_TRUE(startsWith(opsError(" ; kexec"), "--ops:1: ")) << opsError(" ; kexec");
}

TEST(Trace, NoOperationsIsAnError) {
    EXPECT_TRUE(startsWith(opsError(""), "--ops: ")) << opsError("");
    EXPECT_TRUE(startsWith(opsError("   "), "--ops: "));
}

// ---------------------------------------------------------------------------------------------
// Trace files.

TEST(Trace, HeadersAreRead) {
    const Trace t = parseTraceText(kTrace, "t.trace", "/traces");
    EXPECT_EQ(t.topology, (fs::path("/traces") / "tree.lspci-t").string());
    EXPECT_EQ(t.policy, Policy::Guarded);
    EXPECT_EQ(t.abi, Abi::V7);
    EXPECT_EQ(t.capacity, std::size_t{4});
    EXPECT_EQ(t.expect, "the switch keeps its slot");
}

TEST(Trace, OpsAreReadWithLineAndColumn) {
    const Trace t = parseTraceText(kTrace, "t.trace", "/traces");
    EXPECT_EQ(t.ops,
              (std::vector<Op>{op(OpKind::Preserve), failNext(StepKind::Unpreserve, "02:00.0"),
                               op(OpKind::Unpreserve)}));
    // `fail-next unpreserve 02:00.0; ` is 30 columns.
    EXPECT_EQ(t.places, (std::vector<std::string>{"t.trace:7:1", "t.trace:9:1", "t.trace:9:31"}));
}

TEST(Trace, AbsoluteTopologyIsKeptAndNoBaseDirLeavesItAsWritten) {
    EXPECT_EQ(parseTraceText("# topology: /abs/tree.json\n", "t", "/traces").topology,
              "/abs/tree.json");
    EXPECT_EQ(parseTraceText("# topology: rel/tree.json\n", "t", "").topology, "rel/tree.json");
}

TEST(Trace, MissingHeadersStayUnset) {
    const Trace t = parseTraceText("kexec\n", "t", "/traces");
    EXPECT_FALSE(t.topology);
    EXPECT_FALSE(t.policy);
    EXPECT_FALSE(t.abi);
    EXPECT_FALSE(t.capacity);
    EXPECT_EQ(t.expect, "");
    EXPECT_EQ(t.ops.size(), 1u);
}

TEST(Trace, CrlfLineEndsReadLikeLf) {
    const Trace t = parseTraceText("# policy: continue\r\nkexec\r\nfinish 03:00.0\r\n", "t", "");
    EXPECT_EQ(t.policy, Policy::Continue);
    EXPECT_EQ(t.ops, (std::vector<Op>{op(OpKind::Kexec), op(OpKind::Finish)}));
}

TEST(Trace, BadHeaderValueNamesLineAndColumn) {
    // `# policy: ` is 10 columns: the value starts at 11.
    EXPECT_TRUE(startsWith(traceError("\n# policy: sometimes\nkexec\n"), "t.trace:2:11: "))
        << traceError("\n# policy: sometimes\nkexec\n");
    EXPECT_TRUE(startsWith(traceError("# abi: v8\n"), "t.trace:1:8: "))
        << traceError("# abi: v8\n");
    EXPECT_TRUE(startsWith(traceError("# capacity: 4x\n"), "t.trace:1:13: "))
        << traceError("# capacity: 4x\n");
    EXPECT_TRUE(startsWith(traceError("  #   capacity:   -1\n"), "t.trace:1:19: "))
        << traceError("  #   capacity:   -1\n");
}

TEST(Trace, DesignHeadersSetTheSwitchesAndPrintBack) {
    const Trace t = parseTraceText("# record: checked\n# release: warn-and-reconcile\n"
                                   "# end: panic-if-direct-unfinished\nkexec\n",
                                   "t.trace", "");
    EXPECT_EQ(t.record, DirectRecord::Checked);
    EXPECT_EQ(t.release, ReleaseCheck::WarnAndReconcile);
    EXPECT_EQ(t.end, EndOfUpdate::PanicIfDirectUnfinished);
    EXPECT_EQ(t.toString(), "# record: checked\n# release: warn-and-reconcile\n"
                            "# end: panic-if-direct-unfinished\nkexec\n");
    EXPECT_EQ(traceError("# release: warn\nkexec\n"),
              "t.trace:1:12: unknown release 'warn' (expected bug-on, warn-and-free, "
              "warn-once-and-free, warn-clear-and-free or warn-and-reconcile)");
    EXPECT_EQ(traceError("# end: never\nkexec\n"),
              "t.trace:1:8: unknown end 'never' (expected panic, held-forever or "
              "panic-if-direct-unfinished)");
    EXPECT_EQ(traceError("# record: yes\nkexec\n"),
              "t.trace:1:11: unknown record 'yes' (expected none or checked)");
}

TEST(Trace, AMisspeltHeaderIsAnErrorAtItsKey) {
    EXPECT_EQ(traceError("# polcy: continue\nkexec\n"),
              "t.trace:1:3: unknown header 'polcy' (expected topology, policy, abi, capacity, "
              "record, release, end or expect)");
    // Prose is not a header: a capital, or more than one word, before the colon.
    EXPECT_EQ(traceError("# Note: a comment\n# two words: also one\nkexec\n"), "no error");
}

TEST(Trace, ARepeatedHeaderIsAnErrorNamingTheFirst) {
    EXPECT_EQ(traceError("# abi: v6\n  # abi: v7\nkexec\n"),
              "t.trace:2:5: a second 'abi' header (the first is at t.trace:1:3)");
    // expect lines add up.
    EXPECT_EQ(traceError("# expect: holds closure\n# expect: holds no-leak\nkexec\n"), "no error");
}

TEST(Trace, AHeaderAfterTheFirstOperationIsAnError) {
    EXPECT_EQ(traceError("kexec\n# capacity: 3\n"),
              "t.trace:2:3: header 'capacity' after the first operation (headers come first)");
}

TEST(Trace, BadOperationNamesLineAndColumn) {
    EXPECT_TRUE(startsWith(traceError("# abi: v6\n\n  kexec; frob\n"), "t.trace:3:10: "))
        << traceError("# abi: v6\n\n  kexec; frob\n");
}

TEST(Trace, ToStringParsesBackToTheSameTrace) {
    const Trace t = parseTraceText(kTrace, "t.trace", "/traces");
    const Trace back = parseTraceText(t.toString(), "again", "/elsewhere");
    EXPECT_EQ(back.topology, t.topology); // absolute once resolved
    EXPECT_EQ(back.policy, t.policy);
    EXPECT_EQ(back.abi, t.abi);
    EXPECT_EQ(back.capacity, t.capacity);
    EXPECT_EQ(back.expect, t.expect);
    EXPECT_EQ(back.ops, t.ops);
}

TEST(Trace, ReadTraceFileResolvesTopologyAgainstTheFilesFolder) {
    const fs::path dir =
        fs::temp_directory_path() / ("bridgepath-trace-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir);
    {
        std::ofstream out(dir / "reg0001.trace");
        out << "# topology: tree.lspci-t\npreserve 03:00.0\n";
    }
    const Trace t = readTraceFile((dir / "reg0001.trace").string());
    fs::remove_all(dir);
    EXPECT_EQ(t.topology, (dir / "tree.lspci-t").string());
    EXPECT_EQ(t.places, (std::vector<std::string>{(dir / "reg0001.trace").string() + ":2:1"}));
}

TEST(Trace, ReadingAMissingFileNamesThePath) {
    const std::string path =
        (fs::temp_directory_path() / "bridgepath-no-such-dir" / "x.trace").string();
    const std::string what = errorOf([&] { readTraceFile(path); });
    EXPECT_TRUE(startsWith(what, path + ": ")) << what;
}
