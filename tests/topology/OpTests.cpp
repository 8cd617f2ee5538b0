#include "topology/InputError.h"
#include "topology/Op.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace bridgepath;

namespace {

const Bdf kDevice = Bdf::make(0, 2, 0, 0);

Op op(OpKind kind) {
    Op o;
    o.kind = kind;
    o.bdf = kDevice;
    return o;
}

Op failNext(StepKind step) {
    Op o = op(OpKind::FailNext);
    o.step = step;
    return o;
}

Op setRefcount(std::uint16_t value) {
    Op o = op(OpKind::SetRefcount);
    o.value = value;
    return o;
}

/// One op of every kind, every fail-next step, and both ends of the refcount range.
std::vector<Op> everyOp() {
    return {op(OpKind::Preserve),
            op(OpKind::Unpreserve),
            op(OpKind::Freeze),
            op(OpKind::Kexec),
            op(OpKind::Finish),
            op(OpKind::FinishAll),
            failNext(StepKind::Preserve),
            failNext(StepKind::Unpreserve),
            failNext(StepKind::Finish),
            op(OpKind::Lose),
            setRefcount(0),
            setRefcount(65535),
            op(OpKind::Vanish),
            op(OpKind::Unplug)};
}

/// The what() of the InputError parsing `text` throws, or "no error".
std::string opError(const std::string &text, std::size_t column0 = 1) {
    try {
        parseOp(text, "p", column0);
    } catch (const InputError &e) {
        return e.what();
    }
    return "no error";
}

bool startsWith(const std::string &s, const std::string &prefix) {
    return s.rfind(prefix, 0) == 0;
}

} // namespace

TEST(Op, EveryKindPrintsAndParsesBack) {
    for (const Op &o : everyOp()) {
        SCOPED_TRACE(o.toString());
        const Op back = parseOp(o.toString(), "p");
        EXPECT_EQ(back, o);
        EXPECT_EQ(back.toString(), o.toString());
    }
}

TEST(Op, PrintsTheGrammarsTextWithTheFullBdf) {
    EXPECT_EQ(op(OpKind::Preserve).toString(), "preserve 0000:02:00.0");
    EXPECT_EQ(failNext(StepKind::Unpreserve).toString(), "fail-next unpreserve 0000:02:00.0");
    EXPECT_EQ(setRefcount(7).toString(), "set-refcount 0000:02:00.0 7");
    EXPECT_EQ(op(OpKind::Kexec).toString(), "kexec");
    EXPECT_EQ(op(OpKind::FinishAll).toString(), "finish-all");
}

TEST(Op, KindsPrintAsTheirVerbs) {
    EXPECT_STREQ(toString(OpKind::SetRefcount), "set-refcount");
    EXPECT_STREQ(toString(OpKind::FinishAll), "finish-all");
    EXPECT_STREQ(toString(OpKind::FailNext), "fail-next");
    EXPECT_STREQ(toString(StepKind::Finish), "finish");
}

TEST(Op, OnlyKexecAndFinishAllNameNoDevice) {
    for (const Op &o : everyOp())
        EXPECT_EQ(o.hasDevice(), o.kind != OpKind::Kexec && o.kind != OpKind::FinishAll)
            << o.toString();
}

TEST(Op, ShortBdfMeansDomainZero) {
    const Op o = parseOp("preserve 02:00.0", "p");
    EXPECT_EQ(o, op(OpKind::Preserve));
    EXPECT_EQ(o.toString(), "preserve 0000:02:00.0");
}

TEST(Op, SpacesAndTabsSeparateWords) {
    EXPECT_EQ(parseOp("  fail-next\tfinish   02:00.0\t", "p"), failNext(StepKind::Finish));
}

TEST(Op, EqualityComparesOnlyWhatTheKindUses) {
    Op kexecElsewhere = op(OpKind::Kexec);
    kexecElsewhere.bdf = Bdf::make(0, 9, 0, 0);
    EXPECT_EQ(kexecElsewhere, op(OpKind::Kexec));
    Op preserveElsewhere = op(OpKind::Preserve);
    preserveElsewhere.bdf = Bdf::make(0, 9, 0, 0);
    EXPECT_NE(preserveElsewhere, op(OpKind::Preserve));
    EXPECT_NE(failNext(StepKind::Preserve), failNext(StepKind::Finish));
    EXPECT_NE(setRefcount(1), setRefcount(2));
    Op preserveWithValue = op(OpKind::Preserve);
    preserveWithValue.value = 9;
    EXPECT_EQ(preserveWithValue, op(OpKind::Preserve));
}

// ---------------------------------------------------------------------------------------------
// Errors name `place:column`, 1-based, offset by column0.

TEST(OpErrors, UnknownVerbNamesItsColumn) {
    EXPECT_TRUE(startsWith(opError("frob 02:00.0"), "p:1: ")) << opError("frob 02:00.0");
    EXPECT_TRUE(startsWith(opError("  frob"), "p:3: "));
    EXPECT_TRUE(startsWith(opError("Preserve 02:00.0"), "p:1: "));
}

TEST(OpErrors, ColumnsCountFromColumn0) {
    EXPECT_TRUE(startsWith(opError("frob", 20), "p:20: "));
    EXPECT_TRUE(startsWith(opError("preserve 02:00.8", 5), "p:14: "))
        << opError("preserve 02:00.8", 5);
}

TEST(OpErrors, BadBdfNamesItsColumn) {
    EXPECT_TRUE(startsWith(opError("preserve 02:00.8"), "p:10: ")) << opError("preserve 02:00.8");
    EXPECT_TRUE(startsWith(opError("fail-next finish zz"), "p:18: "))
        << opError("fail-next finish zz");
}

TEST(OpErrors, MissingBdfNamesTheColumnAfterTheVerb) {
    EXPECT_TRUE(startsWith(opError("preserve"), "p:9: ")) << opError("preserve");
    EXPECT_TRUE(startsWith(opError("fail-next preserve"), "p:19: "))
        << opError("fail-next preserve");
}

TEST(OpErrors, FailNextWithoutKind) {
    EXPECT_TRUE(startsWith(opError("fail-next"), "p:10: ")) << opError("fail-next");
    // A BDF where the kind belongs is an unknown kind.
    EXPECT_TRUE(startsWith(opError("fail-next 02:00.0"), "p:11: ")) << opError("fail-next 02:00.0");
    EXPECT_TRUE(startsWith(opError("fail-next kexec 02:00.0"), "p:11: "));
}

TEST(OpErrors, RefcountOutsideU16NamesTheValue) {
    // `set-refcount 02:00.0 ` is 21 columns; the value starts at 22.
    EXPECT_TRUE(startsWith(opError("set-refcount 02:00.0 70000"), "p:22: "))
        << opError("set-refcount 02:00.0 70000");
    EXPECT_TRUE(startsWith(opError("set-refcount 02:00.0 65536"), "p:22: "));
    EXPECT_TRUE(startsWith(opError("set-refcount 02:00.0 -1"), "p:22: "));
    EXPECT_TRUE(startsWith(opError("set-refcount 02:00.0 0x10"), "p:22: "));
    EXPECT_TRUE(startsWith(opError("set-refcount 02:00.0"), "p:21: "))
        << opError("set-refcount 02:00.0");
}

TEST(OpErrors, TrailingJunkNamesItsColumn) {
    EXPECT_TRUE(startsWith(opError("kexec now"), "p:7: ")) << opError("kexec now");
    EXPECT_TRUE(startsWith(opError("preserve 02:00.0 02:00.1"), "p:18: "));
    EXPECT_TRUE(startsWith(opError("set-refcount 02:00.0 1 2"), "p:24: "));
}

TEST(OpErrors, EmptyTextNamesColumn0) {
    EXPECT_TRUE(startsWith(opError(""), "p:1: "));
    EXPECT_TRUE(startsWith(opError("   ", 7), "p:7: "));
}

TEST(OpErrors, MessageIsOneLine) {
    for (const char *text :
         {"frob", "preserve", "preserve zz", "fail-next", "set-refcount 02:00.0 x", "kexec x"})
        EXPECT_EQ(opError(text).find('\n'), std::string::npos) << text;
}
