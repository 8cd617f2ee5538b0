// Result: its text and its kernel return value both read back to the same result.

#include "topology/Result.h"

#include <cerrno>
#include <gtest/gtest.h>

namespace bridgepath {
namespace {

const Result kEvery[] = {Result::Ok,     Result::Einval, Result::Ebusy,
                         Result::Enospc, Result::Enoent, Result::Eio,
                         Result::Enodev, Result::Eexist, Result::Panic};

TEST(Result, EveryResultReadsBackFromItsTextAndFromItsErrno) {
    for (Result r : kEvery) {
        EXPECT_EQ(parseResult(toString(r)), r) << toString(r);
        if (const auto value = errnoOf(r)) {
            EXPECT_EQ(resultOfErrno(*value), r) << toString(r);
        }
    }
    EXPECT_EQ(errnoOf(Result::Einval), -EINVAL);
    EXPECT_EQ(errnoOf(Result::Panic), std::nullopt) << "the panic is not a return value";
    EXPECT_EQ(resultOfErrno(-EPERM), std::nullopt);
}

} // namespace
} // namespace bridgepath
