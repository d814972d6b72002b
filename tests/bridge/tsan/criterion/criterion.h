/* SPDX-License-Identifier: MIT */
/*
 * tests/bridge/tsan/criterion/criterion.h - the part of Criterion's
 * interface the thread-bridge tests use, for a plain program: Criterion
 * does not start under ThreadSanitizer (its runner's arena), so
 * `make check-bridge-tsan` builds tests/bridge/thread.c against this and
 * runs each test in turn in one process.
 */
#ifndef CF_BRIDGE_TSAN_CRITERION_H
#define CF_BRIDGE_TSAN_CRITERION_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tsan_suite {
    const char *name;
    void (*init)(void);
    void (*fini)(void);
};

void tsan_register(const char *suite, const char *name, void (*fn)(void));
void tsan_register_suite(const struct tsan_suite *s);
void tsan_fail(const char *file, int line, const char *what);

#define TestSuite(s, ...)                                                      \
    static const struct tsan_suite tsan_suite_##s = {#s, __VA_ARGS__};         \
    __attribute__((constructor)) static void tsan_reg_suite_##s(void)          \
    {                                                                          \
        tsan_register_suite(&tsan_suite_##s);                                  \
    }

#define Test(s, n, ...)                                                        \
    static void s##_##n##_impl(void);                                          \
    __attribute__((constructor)) static void tsan_reg_##s##_##n(void)          \
    {                                                                          \
        tsan_register(#s, #n, s##_##n##_impl);                                 \
    }                                                                          \
    static void s##_##n##_impl(void)

#define cr_assert(c, ...)                                                      \
    do {                                                                       \
        if (!(c))                                                              \
            tsan_fail(__FILE__, __LINE__, #c);                                 \
    } while (0)
#define cr_assert_eq(a, b, ...)     cr_assert((a) == (b))
#define cr_assert_neq(a, b, ...)    cr_assert((a) != (b))
#define cr_assert_gt(a, b, ...)     cr_assert((a) > (b))
#define cr_assert_geq(a, b, ...)    cr_assert((a) >= (b))
#define cr_assert_lt(a, b, ...)     cr_assert((a) < (b))
#define cr_assert_str_eq(a, b, ...) cr_assert(strcmp((a), (b)) == 0)

#endif
