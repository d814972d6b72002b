/* SPDX-License-Identifier: MIT */
/*
 * tests/tsan/criterion/criterion.h - just enough of Criterion's interface to
 * build the thread tests (tests/core/threads.c, tests/core/guard.c) into a
 * plain program for ThreadSanitizer: Criterion itself does not start under
 * TSan (Snaipe/Criterion#274, "Could not initialize inheritable arena").
 * Tests run one after another in one process; a test with `.signal` runs in
 * a child process. Assertions print where they failed and exit.
 */
#ifndef CF_TSAN_CRITERION_SHIM_H
#define CF_TSAN_CRITERION_SHIM_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct shim_test {
    const char *suite, *name;
    void (*fn)(void);
    void (*init)(void);
    void (*fini)(void);
    int signal;
    int exit_code;
    const char *description;
    bool disabled;
    struct shim_test *next;
};

void shim_register(struct shim_test *t);
void shim_fail(const char *file, int line, const char *what);

#define Test(S_, N_, ...)                                                      \
    static void S_##_##N_##_fn(void);                                          \
    static struct shim_test S_##_##N_##_t = {                                  \
        .suite = #S_, .name = #N_, .fn = S_##_##N_##_fn, __VA_ARGS__};         \
    __attribute__((constructor)) static void S_##_##N_##_reg(void)             \
    {                                                                          \
        shim_register(&S_##_##N_##_t);                                         \
    }                                                                          \
    static void S_##_##N_##_fn(void)

#define shim_check(cond, what)                                                 \
    do {                                                                       \
        if (!(cond))                                                           \
            shim_fail(__FILE__, __LINE__, what);                               \
    } while (0)

#define cr_assert(cond, ...)       shim_check(cond, #cond)
#define cr_assert_eq(a, b, ...)    shim_check((a) == (b), #a " == " #b)
#define cr_assert_neq(a, b, ...)   shim_check((a) != (b), #a " != " #b)
#define cr_assert_geq(a, b, ...)   shim_check((a) >= (b), #a " >= " #b)
#define cr_assert_leq(a, b, ...)   shim_check((a) <= (b), #a " <= " #b)
#define cr_assert_null(a, ...)     shim_check((a) == NULL, #a " == NULL")
#define cr_assert_not_null(a, ...) shim_check((a) != NULL, #a " != NULL")
#define cr_assert_str_eq(a, b, ...)                                            \
    shim_check(strcmp((a), (b)) == 0, #a " == " #b)

#endif
