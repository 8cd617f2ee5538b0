/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stand-in for the kernel's <kunit/test.h>, enough for `bridgepath export-kunit` output to build
 * in user space. The macros report through kunit_stub_expect(), which the test's stub
 * (tests/kunit/KunitStub.cpp) implements and prints as KTAP.
 */
#ifndef BRIDGEPATH_STANDIN_KUNIT_TEST_H
#define BRIDGEPATH_STANDIN_KUNIT_TEST_H

#include <stddef.h>

struct kunit {
    int failed;
};

struct kunit_case {
    void (*run_case)(struct kunit *test);
    const char *name;
};

struct kunit_suite {
    const char *name;
    int (*init)(struct kunit *test);
    void (*exit)(struct kunit *test);
    struct kunit_case *test_cases;
};

#ifdef __cplusplus
extern "C" {
#endif
/* Records one check; `ok` is the outcome, the rest what a failure prints. */
void kunit_stub_expect(struct kunit *test, int ok, long left, long right, const char *expr,
                       const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));
/* Records left == right (each evaluated once, as KUnit does). */
void kunit_stub_expect_eq(struct kunit *test, long left, long right, const char *expr,
                          const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
extern struct kunit_suite *const kunit_stub_suite;
#ifdef __cplusplus
}
#endif

#define KUNIT_CASE(fn)                                                                             \
    { .run_case = fn, .name = #fn }

#define KUNIT_EXPECT_EQ_MSG(test, left, right, fmt, ...)                                           \
    kunit_stub_expect_eq(test, (long)(left), (long)(right), #left " == " #right, __FILE__,         \
                         __LINE__, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_EQ(test, left, right) KUNIT_EXPECT_EQ_MSG(test, left, right, "%s", "")
#define KUNIT_ASSERT_NOT_NULL_MSG(test, ptr, fmt, ...)                                             \
    do {                                                                                           \
        kunit_stub_expect(test, (ptr) != NULL, 0, 0, #ptr " != NULL", __FILE__, __LINE__, fmt,     \
                          ##__VA_ARGS__);                                                          \
        if (!(ptr))                                                                                \
            return;                                                                                \
    } while (0)

#define kunit_test_suite(suite) struct kunit_suite *const kunit_stub_suite = &(suite)

#endif
