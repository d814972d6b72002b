/* SPDX-License-Identifier: MIT */
/*
 * tests/core/unwind.c - the unwinders go through a yield: a backtrace
 * taken in a body while an error thrown in at its cf_yield() unwinds it
 * (in a cleanup the throw runs) reaches the function that yielded and the
 * body that called it, through the library's entry of the inline
 * cf_yield() (coflow/core.h; docs/design.md, "The yield and the
 * return-stack buffer"), whose frame only its CFI describes. Both of its
 * paths: the fast one (a plain body) and the library's (CF_CORO_FPENV).
 * And misuse through it: a cf_yield() outside a body aborts with a message.
 */
#include <criterion/criterion.h>
#include <execinfo.h>
#include <signal.h>
#include <string.h>
#include <unwind.h>

#include "support.h"

/* Functions the backtrace must name: kept whole, under their own name. */
#if defined(__clang__)
#define WHOLE __attribute__((noinline))
#else
#define WHOLE __attribute__((noipa))
#endif

#define MAX_FRAMES 64

/* What one backtrace saw: the function each frame is in (its start). */
struct seen {
    void *fn[MAX_FRAMES];
    int n;
    _Unwind_Reason_Code end; /* how _Unwind_Backtrace() ended */
    int glibc_hits;          /* glibc's backtrace() frames in the yielder */
};

static struct seen seen;

static _Unwind_Reason_Code one_frame(struct _Unwind_Context *ctx, void *arg)
{
    struct seen *s = arg;
    if (s->n == MAX_FRAMES)
        return _URC_END_OF_STACK;
    s->fn[s->n++] =
        _Unwind_FindEnclosingFunction((void *)(uintptr_t)_Unwind_GetIP(ctx));
    return _URC_NO_REASON;
}

static bool saw(const struct seen *s, void (*fn)(void))
{
    for (int i = 0; i < s->n; i++)
        if (s->fn[i] == (void *)(uintptr_t)fn)
            return true;
    return false;
}

static WHOLE int yielder(int x);

/* The cleanup the throw runs, on the body's stack, below the yield. */
static void take_backtrace(void *arg)
{
    (void)arg;
    memset(&seen, 0, sizeof seen);
    seen.end = _Unwind_Backtrace(one_frame, &seen);
    void *pcs[MAX_FRAMES];
    int n = backtrace(pcs, MAX_FRAMES);
    for (int i = 0; i < n; i++)
        if (_Unwind_FindEnclosingFunction(pcs[i]) == (void *)(uintptr_t)yielder)
            seen.glibc_hits++;
}

static WHOLE int yielder(int x)
{
    cf_value v = cf_yield(cf_int(x));
    return (int)cf_to_int(v) + x;
}

static WHOLE cf_value unwound_body(void *arg)
{
    (void)arg;
    cf_cleanup c;
    cf_cleanup_push(&c, take_backtrace, NULL);
    int r = yielder(1);
    cf_cleanup_pop(&c, false);
    return cf_int(r);
}

static void check_throw_unwinds(unsigned flags)
{
    cf_coro *co;
    cr_assert_eq(cf_coro_new(&co, unwound_body, NULL,
                             &(struct cf_coro_opts){.name = "unwound",
                                                    .prime = true,
                                                    .flags = flags}),
                 0);
    seen.n = 0;
    cr_assert_eq(cf_throw_new(co, &cf_value_error, "stop", NULL), CF_RAISED);
    cr_assert(cf_error_is(cf_error_last(), &cf_value_error));
    cr_assert(seen.n > 0, "the cleanup did not run");
    cr_assert(saw(&seen, (void (*)(void))take_backtrace));
    cr_assert(saw(&seen, (void (*)(void))yielder),
              "the backtrace stops at the yield (%d frames)", seen.n);
    cr_assert(saw(&seen, (void (*)(void))unwound_body),
              "the backtrace stops before the body (%d frames)", seen.n);
    cr_assert_eq(seen.end, _URC_END_OF_STACK,
                 "the unwinder did not reach the coroutine's base");
    cr_assert_eq(seen.glibc_hits, 1, "glibc's backtrace(): %d",
                 seen.glibc_hits);
    cr_assert_eq(cf_coro_state(co), CF_CLOSED);
    cr_assert_eq(cf_coro_free(co), 0);
}

/* The fast path: a plain body's yield, and the throw's resume point. */
Test(unwind, backtrace_through_the_fast_yield)
{
    check_throw_unwinds(0);
}

/* The library's path (CF_CORO_FPENV takes it), called from the entry. */
Test(unwind, backtrace_through_the_library_yield)
{
    check_throw_unwinds(CF_CORO_FPENV);
}

/* A close meets the yield as a throw does (GeneratorExit). */
Test(unwind, backtrace_through_a_close)
{
    cf_coro *co;
    cr_assert_eq(
        cf_coro_new(&co, unwound_body, NULL,
                    &(struct cf_coro_opts){.name = "closed", .prime = true}),
        0);
    seen.n = 0;
    cr_assert_eq(cf_close(co, NULL), CF_RETURNED);
    cr_assert(saw(&seen, (void (*)(void))yielder), "%d frames", seen.n);
    cr_assert(saw(&seen, (void (*)(void))unwound_body));
    cr_assert_eq(seen.end, _URC_END_OF_STACK);
    cr_assert_eq(cf_coro_free(co), 0);
}

/* Values cross both paths both ways, and the body's registers survive. */
static WHOLE cf_value keeps_locals(void *arg)
{
    (void)arg;
    long a = 1, b = 2, c = 3, d = 5, e = 8, f = 13, g = 21;
    long sum = 0;
    for (int i = 0; i < 1000; i++) {
        long in = (long)cf_to_int(cf_yield(cf_int(sum)));
        sum = in + a + b + c + d + e + f + g;
        a += in, b += 2 * in, c += 3 * in, d -= in, e ^= in;
        f = f * 3 % 1000003, g += f;
    }
    return cf_int(sum);
}

static void check_locals(unsigned flags)
{
    cf_coro *co;
    cr_assert_eq(cf_coro_new(&co, keeps_locals, NULL,
                             &(struct cf_coro_opts){.name = "locals",
                                                    .prime = true,
                                                    .flags = flags}),
                 0);
    long a = 1, b = 2, c = 3, d = 5, e = 8, f = 13, g = 21;
    for (long in = 0; in < 100; in++) {
        cf_value out;
        cr_assert_eq(cf_send(co, cf_int(in), &out), CF_YIELDED);
        cr_assert_eq(cf_to_int(out), in + a + b + c + d + e + f + g);
        a += in, b += 2 * in, c += 3 * in, d -= in, e ^= in;
        f = f * 3 % 1000003, g += f;
    }
    cr_assert_eq(cf_coro_free(co), 0);
}

Test(unwind, locals_survive_the_fast_yield)
{
    check_locals(0);
}

Test(unwind, locals_survive_the_library_yield)
{
    check_locals(CF_CORO_FPENV);
}

static void yield_outside(void)
{
    cf_yield(cf_none());
}

/* Misuse through the inline entry: outside a body, it aborts. */
Test(unwind, yield_outside_a_body_aborts)
{
    assert_aborts(yield_outside, "cf_yield() called outside a body coroutine");
}

/* The inline yield is what these tests go through, where it exists. */
Test(unwind, the_inline_yield_is_on)
{
#if defined(__x86_64__) && !defined(CF_NO_INLINE_YIELD)                        \
    && !defined(CF__YIELD_TSAN)
#ifndef CF__INLINE_YIELD
    cr_assert_fail("coflow/core.h did not make cf_yield() inline");
#endif
#endif
}
