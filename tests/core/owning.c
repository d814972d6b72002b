/* SPDX-License-Identifier: MIT */
/*
 * tests/core/owning.c - delegation that owns its delegate
 * (cf_yield_from_new, CF_CORO_AUTOFREE) and cf_coro_make(). Each checks
 * with cf_coro_foreach that nothing is left alive, however the delegation
 * ends; the Valgrind run of the suite checks that nothing leaks.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "support.h"

static int count_one(cf_coro *co, void *arg)
{
    ++*(int *)arg;
    return 0;
}

static int live(void)
{
    int n = 0;
    cf_coro_foreach(count_one, &n);
    return n;
}

/* def sub(mode): x = yield "s1"; if mode == 1: raise ValueError; return x */
static cf_value sub(void *arg)
{
    static char finally_text[] = "sub finally";
    intptr_t mode = (intptr_t)arg;
    cf_value x = cf_none();
    CF_TRY
    {
        x = cf_yield(cf_str("s1"));
        if (mode == 1)
            cf_raise(&cf_value_error, "sub failed");
    }
    CF_FINALLY
    {
        tracef("%s;", finally_text);
    }
    CF_END_TRY;
    return x;
}

/* def g(mode): r = yield from sub(mode); t("r " + r); yield "g1" */
static cf_value deleg(void *arg)
{
    cf_value r =
        cf_yield_from_new(sub, arg, &(struct cf_coro_opts){.name = "sub"});
    tracef("r %s;", str_of(r));
    cf_yield(cf_str("g1"));
    return cf_none();
}

Test(owning, delegate_returns_and_is_freed, .init = trace_reset)
{
    int before = live();
    cf_value v;
    cf_coro *g = new_coro(deleg, (void *)0, "g", false);
    cr_assert_eq(cf_next(g, &v), CF_YIELDED);
    cr_assert_str_eq(str_of(v), "s1");
    cr_assert_eq(live(), before + 2);
    cr_assert_eq(cf_send(g, cf_int(5), &v), CF_YIELDED);
    cr_assert_str_eq(str_of(v), "g1");
    cr_assert_eq(live(), before + 1, "the delegate is freed when it returns");
    assert_trace("sub finally;r 5;");
    cf_coro_free(g);
    cr_assert_eq(live(), before);
}

Test(owning, delegate_raises_and_is_freed, .init = trace_reset)
{
    int before = live();
    cf_coro *g = new_coro(deleg, (void *)1, "g", false);
    cr_assert_eq(cf_next(g, NULL), CF_YIELDED);
    cr_assert_eq(cf_send(g, cf_int(5), NULL), CF_RAISED);
    assert_error("ValueError: sub failed");
    cr_assert_str_eq(cf_error_coro(cf_error_last()), "sub");
    cr_assert_eq(cf_coro_state(g), CF_CLOSED);
    cr_assert_eq(live(), before + 1);
    assert_trace("sub finally;");
    cf_error_clear();
    cf_coro_free(g);
    cr_assert_eq(live(), before);
}

Test(owning, delegate_thrown_into_and_freed, .init = trace_reset)
{
    int before = live();
    cf_coro *g = new_coro(deleg, (void *)0, "g", false);
    cr_assert_eq(cf_next(g, NULL), CF_YIELDED);
    cr_assert_eq(cf_throw_new(g, &cf_type_error, "thrown", NULL), CF_RAISED);
    assert_error("TypeError: thrown");
    cr_assert_eq(live(), before + 1);
    assert_trace("sub finally;");
    cf_error_clear();
    cf_coro_free(g);
    cr_assert_eq(live(), before);
}

Test(owning, delegator_closed_and_delegate_freed, .init = trace_reset)
{
    int before = live();
    cf_coro *g = new_coro(deleg, (void *)0, "g", false);
    cr_assert_eq(cf_next(g, NULL), CF_YIELDED);
    cr_assert_eq(cf_close(g, NULL), CF_RETURNED);
    cr_assert_eq(live(), before + 1);
    assert_trace("sub finally;");
    cr_assert_null(cf_error_last());
    cf_coro_free(g);
    cr_assert_eq(live(), before);
}

Test(owning, delegator_freed_while_delegating, .init = trace_reset)
{
    int before = live();
    cf_coro *g = new_coro(deleg, (void *)0, "g", false);
    cr_assert_eq(cf_next(g, NULL), CF_YIELDED);
    cr_assert_eq(cf_coro_free(g), 0);
    cr_assert_eq(live(), before);
    assert_trace("sub finally;");
}

/* The delegate catches the throw and goes on: the delegation goes on too. */
static cf_value catcher(void *arg)
{
    if (cf_yield_catch(cf_str("c1"), NULL) == CF_RAISED) {
        tracef("caught %s;", err_text());
        cf_error_clear();
    }
    return cf_int(7);
}

static cf_value make_deleg(void *arg)
{
    cf_value r = cf_yield_from(cf_coro_make(
        catcher, NULL, &(struct cf_coro_opts){.flags = CF_CORO_AUTOFREE}));
    tracef("r %s;", str_of(r));
    return r;
}

Test(owning, coro_make_in_one_expression, .init = trace_reset)
{
    int before = live();
    cf_value v;
    cf_coro *g = new_coro(make_deleg, NULL, "g", false);
    cr_assert_eq(cf_next(g, &v), CF_YIELDED);
    cr_assert_eq(cf_throw_new(g, &cf_value_error, "x", &v), CF_RETURNED);
    cr_assert_eq(cf_to_int(v), 7);
    assert_trace("caught ValueError: x;r 7;");
    cr_assert_eq(live(), before + 1);
    cf_coro_free(g);
    cr_assert_eq(live(), before);
}

static cf_value returns_at_once(void *arg)
{
    return cf_int(1);
}

/* cf_coro_make's failures: NULL, errno, and an error being handled. */
Test(owning, coro_make_failures)
{
    errno = 0;
    cr_assert_null(cf_coro_make(NULL, NULL, NULL));
    cr_assert_eq(errno, EINVAL);
    assert_error("ValueError: cannot create coroutine 'coroutine': Invalid "
                 "argument");
    cf_error_clear();
    cr_assert_null(cf_coro_make(returns_at_once, NULL,
                                &(struct cf_coro_opts){.flags = 0x100}));
    cr_assert_eq(errno, EINVAL);
    cf_error_clear();
    cr_assert_null(
        cf_coro_make(returns_at_once, NULL,
                     &(struct cf_coro_opts){.name = "p", .prime = true}));
    cr_assert_eq(errno, ECANCELED);
    assert_error("StopIteration: coroutine 'p' returned while being primed");
    cf_error_clear();
    cf_coro *co = cf_coro_make(returns_at_once, NULL, NULL);
    cr_assert_not_null(co);
    cf_coro_free(co);
}

static cf_value yf_bad_opts(void *arg)
{
    cf_yield_from_new(returns_at_once, NULL,
                      &(struct cf_coro_opts){.stack_size = 1});
    return cf_none();
}

Test(owning, yield_from_new_creation_failure_raises)
{
    int before = live();
    cf_coro *g = new_coro(yf_bad_opts, NULL, "g", false);
    cr_assert_eq(cf_next(g, NULL), CF_RAISED);
    assert_error("ValueError: cannot create coroutine 'coroutine': Invalid "
                 "argument");
    cf_error_clear();
    cf_coro_free(g);
    cr_assert_eq(live(), before);
}

static cf_value shares(void *arg)
{
    return cf_yield_from(arg);
}

/* A refused delegation does not take the coroutine: its owner keeps it. */
Test(owning, refused_delegation_keeps_the_delegate)
{
    int before = live();
    cf_coro *s = cf_coro_make(
        catcher, NULL,
        &(struct cf_coro_opts){.name = "s", .flags = CF_CORO_AUTOFREE});
    cf_coro *a = new_coro(shares, s, "a", false);
    cf_coro *b = new_coro(shares, s, "b", false);
    cr_assert_eq(cf_next(a, NULL), CF_YIELDED);
    cr_assert_eq(cf_next(b, NULL), CF_RAISED);
    assert_error("ValueError: coroutine 's' is already delegated to by 'a'");
    cf_error_clear();
    cr_assert_eq(live(), before + 3);
    cf_coro_free(b);
    cf_coro_free(a); /* closes the delegation, which frees s */
    cr_assert_eq(live(), before);
}

/*
 * def g():
 *     try: yield "d1"
 *     except GeneratorExit: yield from sub(0)   # ignores GeneratorExit
 * Freeing g closes it; it yields (through sub) in the except clause, so the
 * close fails ("Exception ignored") and g is abandoned in the middle of a
 * delegation to a delegate it owns, which must be freed with it.
 */
static cf_value ignore_in_delegation(void *arg)
{
    CF_TRY
    {
        cf_yield(cf_str("d1"));
    }
    CF_EXCEPT(&cf_generator_exit, e)
    {
        cf_yield_from_new(sub, (void *)0,
                          &(struct cf_coro_opts){.name = "sub2"});
    }
    CF_END_TRY;
    return cf_none();
}

Test(owning, abandoned_delegator_frees_its_delegate, .init = trace_reset)
{
    int before = live();
    cf_coro *g = new_coro(ignore_in_delegation, NULL, "g", false);
    cr_assert_eq(cf_next(g, NULL), CF_YIELDED);
    cr_assert_eq(live(), before + 1);
    cr_assert_eq(cf_coro_free(g), 0); /* "Exception ignored": abandoned */
    cr_assert_eq(live(), before,
                 "the abandoned delegation's delegate is freed");
}

/* The same with a handler as the owned delegate (no chain link). */
static cf_status echo_ignoring_throws(void *self, cf_op op, cf_value in,
                                      cf_value *out)
{
    if (op == CF_OP_THROW) {
        cf_error_clear(); /* ignores what is thrown, GeneratorExit too */
        *out = cf_str("h");
        return CF_YIELDED;
    }
    *out = in;
    return CF_YIELDED;
}

static cf_value ignore_in_handler_delegation(void *arg)
{
    CF_TRY
    {
        cf_yield(cf_str("d1"));
    }
    CF_EXCEPT(&cf_generator_exit, e)
    {
        cf_coro *h;
        cr_assert_eq(
            cf_handler_new(
                &h, echo_ignoring_throws, NULL,
                &(struct cf_coro_opts){.name = "h", .flags = CF_CORO_AUTOFREE}),
            0);
        cf_yield_from(h);
    }
    CF_END_TRY;
    return cf_none();
}

Test(owning, abandoned_delegator_frees_its_handler_delegate,
     .init = trace_reset)
{
    int before = live();
    cf_coro *g = new_coro(ignore_in_handler_delegation, NULL, "g", false);
    cr_assert_eq(cf_next(g, NULL), CF_YIELDED);
    cr_assert_eq(cf_coro_free(g), 0); /* "Exception ignored": abandoned */
    cr_assert_eq(live(), before);
}
