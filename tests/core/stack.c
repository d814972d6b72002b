/* SPDX-License-Identifier: MIT */
/*
 * tests/core/stack.c - the stack pool: guard pages, overflow reported by
 * name (a guard page hit on purpose), the canary fallback, reuse of pooled
 * stacks, the high-water mark and the registry of live coroutines.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

/*
 * Guard hits need the kernel's guard pages and a real SIGSEGV: under
 * Valgrind, which emulates both its own way, these tests are skipped (they
 * run in every other configuration).
 */
#define SKIP_UNDER_VALGRIND()                                                  \
    do {                                                                       \
        if (RUNNING_ON_VALGRIND)                                               \
            cr_skip_test("guard-page faults are not run under Valgrind");      \
    } while (0)

#ifndef __has_feature
#define __has_feature(x) 0
#endif

/* Internal (core/stack.c): 1 MADV_GUARD_INSTALL, 2 mprotect, 3 canary. */
void cf__stack_guard_mode(int mode);

static __attribute__((noinline)) int recurse(int depth)
{
    volatile char buf[512];
    buf[0] = (char)depth;
    if (depth > 100000000)
        return buf[0];
    return recurse(depth + 1) + buf[0];
}

static cf_value deep(void *arg)
{
    return cf_int(recurse(0));
}

static cf_coro *small(cf_body_fn fn, const char *name)
{
    cf_coro *co;
    cr_assert_eq(cf_coro_new(&co, fn, NULL,
                             &(struct cf_coro_opts){
                                 .name = name, .stack_size = CF_STACK_MIN}),
                 0);
    return co;
}

/* The guard page, hit on purpose: the handler names the coroutine. */
Test(stack, overflow_hits_the_guard_and_aborts, .signal = SIGABRT)
{
    if (RUNNING_ON_VALGRIND) { /* a skip would not be the expected signal */
        fputs("skipped under Valgrind: guard-page faults\n", stderr);
        abort();
    }
    cf_next(small(deep, "deep"), NULL);
}

static void overflow_default(void)
{
    cf_next(small(deep, "deep"), NULL);
}

static void overflow_mprotect(void)
{
    cf__stack_guard_mode(2);
    cf_next(small(deep, "deep/mprotect"), NULL);
}

Test(stack, overflow_message_names_the_coroutine)
{
    SKIP_UNDER_VALGRIND();
    assert_aborts(overflow_default,
                  "coflow: coroutine 'deep' overflowed its 16 KiB "
                  "stack\n");
}

Test(stack, overflow_with_mprotect_guards)
{
    SKIP_UNDER_VALGRIND();
    assert_aborts(overflow_mprotect,
                  "coflow: coroutine 'deep/mprotect' overflowed its "
                  "16 KiB stack\n");
}

/*
 * A frame larger than the guard page, written at its low end first: built
 * with -fstack-clash-protection (as the tests and the library are), the
 * frame is probed a page at a time, so it meets the guard page and is
 * reported by name instead of landing in a neighbouring stack.
 */
static __attribute__((noinline)) int big_frame(void)
{
    volatile char a[64 * 1024];
    a[0] = 1;
    a[sizeof a - 1] = 2;
    return a[0] + a[sizeof a - 1];
}

static cf_value clash(void *arg)
{
    return cf_int(big_frame());
}

static void stack_clash(void)
{
    cf_next(small(clash, "clash"), NULL);
}

Test(stack, a_frame_larger_than_the_guard_is_reported)
{
    SKIP_UNDER_VALGRIND();
    assert_aborts(stack_clash,
                  "coflow: coroutine 'clash' overflowed its 16 KiB "
                  "stack\n");
}

static void *overflow_thread(void *arg)
{
    cf_next(small(deep, "in a thread"), NULL);
    return NULL;
}

static void overflow_in_thread(void)
{
    pthread_t t;
    pthread_create(&t, NULL, overflow_thread, NULL);
    pthread_join(t, NULL);
}

/* Each thread that runs coroutines gets its own alternate signal stack. */
Test(stack, overflow_in_another_thread)
{
    SKIP_UNDER_VALGRIND();
    int sig;
    const char *err = in_child(overflow_in_thread, &sig);
    cr_assert_eq(sig, SIGABRT, "signal %d; stderr: %s", sig, err);
    cr_assert(strstr(err, "coflow: coroutine 'in a thread' overflowed its "
                          "16 KiB stack\n")
                  != NULL,
              "stderr: %s", err);
}

static void wild_fault(void)
{
    cf_coro *co = small(deep, "innocent");
    (void)co;
    raise(SIGSEGV); /* as a fault elsewhere would */
}

/* A fault that is not a guard hit goes on to the default action. */
Test(stack, other_faults_pass_through)
{
    SKIP_UNDER_VALGRIND();
    int sig;
    const char *err = in_child(wild_fault, &sig);
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
    /* ASan's handler came before coflow's: it reports and exits. */
    cr_assert(strstr(err, "AddressSanitizer: SEGV") != NULL, "stderr: %s", err);
#else
    cr_assert_eq(sig, SIGSEGV, "signal %d; stderr: %s", sig, err);
#endif
    cr_assert(strstr(err, "overflowed") == NULL, "stderr: %s", err);
}

/*
 * Writes a little past the bottom of the stack, into the unguarded page
 * below, with no calls while there (a lazy binding would go further).
 */
static __attribute__((noinline)) void scribble(size_t n)
{
    volatile char *p = __builtin_alloca(n);
    for (size_t i = 0; i < n; i++)
        p[i] = 0x55;
}

static cf_value overrun(void *arg)
{
    scribble((size_t)(uintptr_t)arg);
    cf_yield(cf_none());
    return cf_none();
}

static void canary_overrun(void)
{
    cf_coro *probe, *co;
    size_t size;
    cf__stack_guard_mode(3);
    probe = small(overrun, "probe");
    cf_coro_stack_used(probe, &size);
    cf_coro_free(probe);
    cr_assert_eq(
        cf_coro_new(&co, overrun, (void *)(uintptr_t)(size + 256),
                    &(struct cf_coro_opts){.name = "overrun",
                                           .stack_size = CF_STACK_MIN}),
        0);
    cf_next(co, NULL);
    cf_coro_free(co);
}

/* Without a guard, a canary catches the overflow when the stack is freed. */
Test(stack, canary_catches_an_unguarded_overflow)
{
    SKIP_UNDER_VALGRIND();
    int sig;
    const char *err = in_child(canary_overrun, &sig);
    cr_assert_eq(sig, SIGABRT, "signal %d; stderr: %s", sig, err);
    cr_assert(strstr(err, "coflow: coroutine 'overrun' overflowed its 16 KiB "
                          "stack\n")
                  != NULL,
              "stderr: %s", err);
}

/* Touches `arg` bytes of stack (alloca: on the real stack even under ASan). */
static cf_value go_deep(void *arg)
{
    size_t n = (size_t)(uintptr_t)arg;
    volatile char *p = __builtin_alloca(n);
    for (size_t i = 0; i < n; i += 64)
        p[i] = 1;
    cf_yield(cf_none());
    return cf_int(p[0]);
}

/* The high-water mark: whole pages, from the top of the stack down. */
Test(stack, high_water_mark)
{
    size_t size = 0, page = (size_t)sysconf(_SC_PAGESIZE);
    cf_coro *shallow, *deeper;
    cr_assert_eq(cf_coro_new(&shallow, go_deep, (void *)(intptr_t)64,
                             &(struct cf_coro_opts){.prime = true}),
                 0);
    cr_assert_eq(cf_coro_new(&deeper, go_deep, (void *)(intptr_t)(40 * 1024),
                             &(struct cf_coro_opts){.prime = true}),
                 0);
    size_t s1 = cf_coro_stack_used(shallow, &size);
    size_t s2 = cf_coro_stack_used(deeper, NULL);
    cr_assert_geq(size, CF_STACK_DEFAULT);
    cr_assert_eq(s1 % page != 0 || s1 > 0, true);
    cr_assert_leq(s1, 4 * page, "shallow used %zu", s1);
    cr_assert_geq(s2, 40 * 1024, "deep used %zu", s2);
    cr_assert_leq(s2, size);
    cr_assert_eq(cf_coro_stack_used(NULL, &size), 0);
    cr_assert_eq(size, 0);
    cf_coro_free(shallow);
    cf_coro_free(deeper);
    /* A stack reused from the pool starts clean below its top page. */
    cf_coro *again;
    cr_assert_eq(cf_coro_new(&again, go_deep, (void *)(intptr_t)64,
                             &(struct cf_coro_opts){.prime = true}),
                 0);
    cr_assert_leq(cf_coro_stack_used(again, NULL), 4 * page);
    cf_coro_free(again);
}

static cf_value echo(void *arg)
{
    cf_value v = cf_yield(cf_none());
    for (;;)
        v = cf_yield(v);
    return cf_none();
}

static cf_status step(void *self, cf_op op, cf_value in, cf_value *out)
{
    *out = in;
    return op == CF_OP_THROW ? CF_RAISED : CF_YIELDED;
}

struct seen {
    int bodies, handlers, named;
};

static int count(cf_coro *co, void *arg)
{
    struct seen *s = arg;
    if (cf_coro_is_handler(co))
        s->handlers++;
    else
        s->bodies++;
    if (strncmp(cf_coro_name(co), "reg-", 4) == 0)
        s->named++;
    return 0;
}

static int stop_at_second(cf_coro *co, void *arg)
{
    return ++*(int *)arg == 2 ? 42 : 0;
}

/* The registry lists every live coroutine, bodies and handlers. */
Test(stack, registry_lists_live_coroutines)
{
    cf_coro *a = new_coro(echo, NULL, "reg-a", true);
    cf_coro *b = new_coro(echo, NULL, "reg-b", false);
    cf_coro *h = new_handler(step, NULL, "reg-h", false);
    struct seen s = {0};
    cr_assert_eq(cf_coro_foreach(count, &s), 0);
    cr_assert_eq(s.named, 3);
    cr_assert_eq(s.handlers, 1);
    cr_assert_eq(s.bodies, 2);
    int n = 0;
    cr_assert_eq(cf_coro_foreach(stop_at_second, &n), 42);
    cr_assert_eq(cf_coro_foreach(NULL, NULL), -EINVAL);
    cf_coro_free(b);
    cf_coro_free(h);
    memset(&s, 0, sizeof s);
    cr_assert_eq(cf_coro_foreach(count, &s), 0);
    cr_assert_eq(s.named, 1);
    cf_coro_free(a);
    memset(&s, 0, sizeof s);
    cr_assert_eq(cf_coro_foreach(count, &s), 0);
    cr_assert_eq(s.named, 0);
}

/* Pooled stacks are reused, across sizes, and work as new ones. */
Test(stack, pooled_stacks_are_reused)
{
    static const size_t sizes[] = {CF_STACK_MIN, CF_STACK_DEFAULT,
                                   CF_STACK_MIN + 1, 256 * 1024};
    for (int round = 0; round < 300; round++) {
        cf_coro *cs[4];
        for (int k = 0; k < 4; k++) {
            cr_assert_eq(
                cf_coro_new(&cs[k], echo, NULL,
                            &(struct cf_coro_opts){.stack_size = sizes[k],
                                                   .prime = true}),
                0);
        }
        for (int k = 0; k < 4; k++) {
            cf_value v;
            cr_assert_eq(cf_send(cs[k], cf_int(round * 4 + k), &v), CF_YIELDED);
            cr_assert_eq(cf_to_int(v), round * 4 + k);
            size_t size;
            cf_coro_stack_used(cs[k], &size);
            cr_assert_geq(size, sizes[k]);
        }
        for (int k = 0; k < 4; k++)
            cf_coro_free(cs[k]);
    }
}

/*
 * A primed body made from the slot this thread freed last (cf_coro_new()'s
 * inline common case) and bodies made the general way - another stack
 * size, an FP environment of their own, no priming - start alike: the name
 * cut the same way, SUSPENDED at the first yield, answering a send, closed
 * by cf_close(). The reused slot's coroutine gets a new handle.
 */
Test(stack, primed_from_the_hot_list_and_the_general_path)
{
    static const char long_name[] =
        "a-name-longer-than-the-room-a-coroutine-has-for-it-0123456789";
    cf_coro *first;
    cr_assert_eq(
        cf_coro_new(&first, echo, NULL,
                    &(struct cf_coro_opts){.name = "hot", .prime = true}),
        0);
    uintptr_t stale = (uintptr_t)first;
    cf_coro_free(first);
    const struct cf_coro_opts opts[] = {
        {.name = long_name, .prime = true}, /* the slot freed last */
        {.name = long_name, .prime = true, .stack_size = CF_STACK_MIN},
        {.name = long_name, .prime = true, .flags = CF_CORO_FPENV},
        {.name = long_name},
        {.prime = true}, /* the default name, from the hot list again */
    };
    for (int k = 0; k < (int)(sizeof opts / sizeof opts[0]); k++) {
        cf_coro *co;
        cf_value v;
        cr_assert_eq(cf_coro_new(&co, echo, NULL, &opts[k]), 0, "case %d", k);
        if (k == 0)
            cr_assert_neq((uintptr_t)co, stale,
                          "a reused slot's coroutine has a new handle");
        if (!opts[k].prime) {
            cr_assert_eq(cf_coro_state(co), CF_CREATED);
            cr_assert_eq(cf_next(co, &v), CF_YIELDED);
        }
        cr_assert_eq(cf_coro_state(co), CF_SUSPENDED, "case %d", k);
        const char *name = cf_coro_name(co);
        if (opts[k].name == NULL) {
            cr_assert_str_eq(name, "coroutine");
        } else {
            size_t n = strlen(name);
            cr_assert(n > 0 && n < strlen(long_name), "case %d: cut", k);
            cr_assert_eq(strncmp(name, long_name, n), 0, "case %d", k);
        }
        cr_assert_eq(cf_send(co, cf_int(k), &v), CF_YIELDED);
        cr_assert_eq(cf_to_int(v), k);
        cr_assert_eq(cf_close(co, NULL), CF_RETURNED, "case %d", k);
        cr_assert_eq(cf_coro_state(co), CF_CLOSED);
        cf_coro_free(co);
    }
}
