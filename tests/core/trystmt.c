/* SPDX-License-Identifier: MIT */
/*
 * tests/core/trystmt.c - CF_TRY / CF_EXCEPT / CF_ELSE / CF_FINALLY. Each
 * test mirrors a Python script (CPython 3.11); the trace each asserts is
 * what the script prints, joined with ';'.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>

#include "support.h"

static const cf_error_type key_error = {"KeyError", &cf_exception};

static const char *fmt(const cf_error *e)
{
    static char b[4][128];
    static int i;
    char *s = b[i++ & 3];
    cf_error_format(e, s, 128);
    return s;
}

/*
 * try:
 *     t("body"); raise ValueError("bad"); t("not")
 * except ValueError as e: t("except " + fmt(e))
 * else: t("else")
 * finally: t("finally")
 */
Test(trystmt, except_matches_else_skipped_finally_runs, .init = trace_reset)
{
    CF_TRY
    {
        tracef("body;");
        if (cf_error_last() == NULL) /* always */
            cf_raise(&cf_value_error, "bad");
        tracef("not;");
    }
    CF_EXCEPT(&cf_value_error, e)
    {
        tracef("except %s;", fmt(e));
        cr_assert_eq(e, cf_error_last());
    }
    CF_ELSE
    {
        tracef("else;");
    }
    CF_FINALLY
    {
        tracef("finally;");
    }
    CF_END_TRY;
    assert_trace("body;except ValueError: bad;finally;");
    cr_assert_null(cf_error_last(), "the except clause cleared its error");
}

/* try: t("body") / except: t("except") / else: t("else") / finally: ... */
Test(trystmt, else_runs_without_error, .init = trace_reset)
{
    CF_TRY
    {
        tracef("body;");
    }
    CF_EXCEPT(&cf_base_exception, e)
    {
        tracef("except;");
    }
    CF_ELSE
    {
        tracef("else;");
    }
    CF_FINALLY
    {
        tracef("finally;");
    }
    CF_END_TRY;
    assert_trace("body;else;finally;");
}

/*
 * try: raise ValueError("v")
 * except TypeError: t("type")
 * except Exception as e: t("exception " + fmt(e))
 * except ValueError: t("value")
 */
Test(trystmt, first_matching_clause_by_hierarchy, .init = trace_reset)
{
    CF_TRY
    {
        cf_raise(&cf_value_error, "v");
    }
    CF_EXCEPT(&cf_type_error, e)
    {
        tracef("type;");
    }
    CF_EXCEPT(&cf_exception, e)
    {
        tracef("exception %s;", fmt(e));
    }
    CF_EXCEPT(&cf_value_error, e)
    {
        tracef("value;");
    }
    CF_END_TRY;
    assert_trace("exception ValueError: v;");
}

static void unmatched(void)
{
    CF_TRY
    {
        cf_raise(&cf_value_error, "through");
    }
    CF_EXCEPT(&cf_type_error, e)
    {
        tracef("type;");
    }
    CF_FINALLY
    {
        tracef("finally %s;", fmt(cf_error_last()));
    }
    CF_END_TRY;
}

static cf_value call_unmatched(void *arg)
{
    unmatched();
    return cf_none();
}

/*
 * try:
 *     try: raise ValueError("through")
 *     except TypeError: t("type")
 *     finally: t("finally " + fmt(sys.exception()))
 * except ValueError as e: t("outer " + fmt(e))
 */
Test(trystmt, unmatched_error_runs_finally_and_goes_on, .init = trace_reset)
{
    cr_assert_eq(cf_try(call_unmatched, NULL, NULL), CF_RAISED);
    tracef("outer %s;", fmt(cf_error_last()));
    assert_trace("finally ValueError: through;outer ValueError: through;");
    cf_error_clear();
}

/*
 * try: raise KeyError('a')
 * except KeyError:
 *     try: raise ValueError('b')
 *     except ValueError: t(fmt(sys.exception()))
 *     t(fmt(sys.exception()))
 * t(repr(sys.exception()))
 */
Test(trystmt, nested_except_restores_outer_handled_error, .init = trace_reset)
{
    CF_TRY
    {
        cf_raise(&key_error, "'a'");
    }
    CF_EXCEPT(&key_error, e)
    {
        CF_TRY
        {
            cf_raise(&cf_value_error, "b");
        }
        CF_EXCEPT(&cf_value_error, e2)
        {
            tracef("%s;", fmt(cf_error_last()));
            /* raised in the inner try, so its context is the outer one */
            cr_assert_eq(cf_error_context(e2), e);
        }
        CF_END_TRY;
        tracef("%s;", fmt(cf_error_last()));
        cr_assert_eq(cf_error_last(), e);
    }
    CF_END_TRY;
    tracef("%s;", fmt(cf_error_last()));
    assert_trace("ValueError: b;KeyError: 'a';None;");
}

static void raises_in_except(void)
{
    CF_TRY
    {
        cf_raise(&cf_value_error, "first");
    }
    CF_EXCEPT(&cf_value_error, e)
    {
        cf_raise(&cf_type_error, "second");
    }
    CF_FINALLY
    {
        tracef("finally %s;", fmt(cf_error_last()));
    }
    CF_END_TRY;
}

static cf_value call_raises_in_except(void *arg)
{
    raises_in_except();
    return cf_none();
}

/*
 * try:
 *     try: raise ValueError("first")
 *     except ValueError: raise TypeError("second")
 *     finally: t("finally " + fmt(sys.exception()))
 * except TypeError as e: t("outer " + fmt(e) + " ctx " + fmt(e.__context__))
 */
Test(trystmt, error_in_except_clause, .init = trace_reset)
{
    cr_assert_eq(cf_try(call_raises_in_except, NULL, NULL), CF_RAISED);
    tracef("outer %s ctx %s;", fmt(cf_error_last()),
           fmt(cf_error_context(cf_error_last())));
    assert_trace("finally TypeError: second;outer TypeError: second ctx "
                 "ValueError: first;");
    cf_error_clear();
}

static void raises_in_finally(void)
{
    CF_TRY
    {
        cf_raise(&cf_value_error, "first");
    }
    CF_FINALLY
    {
        cf_raise(&cf_type_error, "second");
    }
    CF_END_TRY;
}

static cf_value call_raises_in_finally(void *arg)
{
    raises_in_finally();
    return cf_none();
}

/*
 * try:
 *     try: raise ValueError("first")
 *     finally: raise TypeError("second")
 * except TypeError as e: t("outer " + fmt(e) + " ctx " + fmt(e.__context__))
 */
Test(trystmt, error_in_finally_replaces_pending, .init = trace_reset)
{
    cr_assert_eq(cf_try(call_raises_in_finally, NULL, NULL), CF_RAISED);
    tracef("outer %s ctx %s;", fmt(cf_error_last()),
           fmt(cf_error_context(cf_error_last())));
    assert_trace("outer TypeError: second ctx ValueError: first;");
    cf_error_clear();
}

static int finally_returns(void)
{
    CF_TRY
    {
        cf_raise(&cf_value_error, "lost");
    }
    CF_FINALLY
    {
        CF_FINALLY_RETURN(3);
    }
    CF_END_TRY;
    return 0;
}

/*
 * def f():
 *     try: raise ValueError("lost")
 *     finally: return 3
 * t(str(f())); t(repr(sys.exception()))
 */
Test(trystmt, finally_return_swallows, .init = trace_reset)
{
    tracef("%d;", finally_returns());
    tracef("%s;", fmt(cf_error_last()));
    assert_trace("3;None;");
}

static cf_value gen(void *arg)
{
    CF_TRY
    {
        cf_value x = cf_yield(cf_int(1));
        tracef("got %s;", str_of(x));
        cf_yield(cf_int(3));
    }
    CF_EXCEPT(&cf_value_error, e)
    {
        tracef("caught %s;", fmt(e));
        cf_yield(cf_int(2));
    }
    CF_ELSE
    {
        tracef("else;");
    }
    CF_FINALLY
    {
        tracef("finally;");
    }
    CF_END_TRY;
    return cf_str("end");
}

/*
 * def g():
 *     try:
 *         x = yield 1; t("got %s" % x); yield 3
 *     except ValueError as e: t("caught " + fmt(e)); yield 2
 *     else: t("else")
 *     finally: t("finally")
 *     return "end"
 * c = g(); next(c); c.throw(ValueError("in")) == 2; next(c) -> stop end
 * c = g(); next(c); c.send(5); c.close()
 */
Test(trystmt, in_a_coroutine_throw_and_close, .init = trace_reset)
{
    cf_value v;
    cf_coro *c = new_coro(gen, NULL, "g", true);
    cr_assert_eq(cf_throw_new(c, &cf_value_error, "in", &v), CF_YIELDED);
    cr_assert_eq(cf_to_int(v), 2);
    cr_assert_eq(cf_next(c, &v), CF_RETURNED);
    tracef("stop %s;", str_of(v));
    assert_trace("caught ValueError: in;finally;stop end;");
    cf_coro_free(c);

    c = new_coro(gen, NULL, "g", true);
    cr_assert_eq(cf_send(c, cf_int(5), &v), CF_YIELDED);
    cr_assert_eq(cf_close(c, &v), CF_RETURNED);
    cr_assert_eq(cf_coro_state(c), CF_CLOSED);
    assert_trace("got 5;finally;");
    cr_assert_null(cf_error_last());
    cf_coro_free(c);
}

/* The volatile rule: a local assigned in the body and read after an error. */
Test(trystmt, volatile_local_survives, .init = trace_reset)
{
    volatile int step = 0;
    CF_TRY
    {
        step = 1;
        cf_raise(&cf_value_error, "x");
    }
    CF_EXCEPT(&cf_value_error, e)
    {
        step += 10;
    }
    CF_END_TRY;
    cr_assert_eq(step, 11);
}

/* break leaves the clause; the try goes on as if it had ended there. */
Test(trystmt, break_leaves_the_clause, .init = trace_reset)
{
    for (volatile int i = 0; i < 2; i++) {
        CF_TRY
        {
            tracef("body%d;", i);
            if (i == 0)
                break;
            tracef("rest;");
        }
        CF_ELSE
        {
            tracef("else;");
        }
        CF_FINALLY
        {
            tracef("finally;");
        }
        CF_END_TRY;
    }
    assert_trace("body0;else;finally;body1;rest;else;finally;");
}

/* An error handled before the try is handled again after the except. */
Test(trystmt, handled_before_is_restored)
{
    cf_error *before = cf_error_new(&key_error, "before");
    CF_TRY
    {
        cf_raise_error(before);
    }
    CF_EXCEPT(&key_error, e)
    {
        CF_TRY
        {
            cf_raise(&cf_value_error, "inner");
        }
        CF_EXCEPT(&cf_exception, e2)
        {
            cr_assert_str_eq(cf_error_message(e2), "inner");
        }
        CF_END_TRY;
        cr_assert_str_eq(cf_error_message(cf_error_last()), "before");
    }
    CF_END_TRY;
    cr_assert_null(cf_error_last());
}

/* Misuse: a cleanup left registered in a clause is a broken invariant. */
static void nothing(void *arg)
{
}

Test(trystmt, cleanup_left_in_clause_aborts, .signal = SIGABRT)
{
    static cf_cleanup c;
    CF_TRY
    {
        cf_cleanup_push(&c, nothing, NULL);
    }
    CF_END_TRY;
}

Test(trystmt, finally_return_outside_finally_aborts, .signal = SIGABRT)
{
    cf_try_leave();
}

/* The errors a try block keeps are released when its coroutine is freed
 * with the block still open (abandoned: it ignored GeneratorExit). */
static int dtor_runs;

static void count_dtor(void *p)
{
    (void)p;
    dtor_runs++;
}

/*
 * try: raise ValueError(obj)
 * except ValueError:
 *     try: sys.exception() cleared; yield "in"
 *     except GeneratorExit: yield "again"     # ignores the close
 */
static cf_value abandoned_in_try(void *arg)
{
    static int obj;
    CF_TRY
    {
        cf_value v = cf_ptr_own(&obj, 1, count_dtor);
        cf_error *err = cf_error_new_value(&cf_value_error, v, "outer");
        cf_value_drop(v); /* the error keeps its own reference */
        cf_raise_error(err);
    }
    CF_EXCEPT(&cf_value_error, e)
    {
        CF_TRY
        {
            /* Nothing is handled at the yield, so the GeneratorExit a close
             * throws in has no context: only the two blocks keep the
             * ValueError (the outer's caught error, the inner's outer). */
            cf_error_clear();
            cf_yield(cf_str("in"));
        }
        CF_EXCEPT(&cf_generator_exit, e2)
        {
            cf_yield(cf_str("again"));
        }
        CF_END_TRY;
    }
    CF_END_TRY;
    return cf_none();
}

/* Closed once (it ignores it), then freed: unwound by the second close. */
Test(trystmt, unwound_block_releases_its_errors, .init = trace_reset)
{
    cf_coro *g = new_coro(abandoned_in_try, NULL, "g", false);
    dtor_runs = 0;
    cr_assert_eq(cf_next(g, NULL), CF_YIELDED);
    cr_assert_eq(cf_close(g, NULL), CF_RAISED);
    assert_error("RuntimeError: generator ignored GeneratorExit");
    cf_error_clear();
    cr_assert_eq(dtor_runs, 0, "the outer error is still being handled");
    cr_assert_eq(cf_coro_free(g), 0);
    cr_assert_eq(dtor_runs, 1, "the error the try blocks kept is freed (%d)",
                 dtor_runs);
}

/* Freed at once: the close fails, and it is abandoned inside both blocks. */
Test(trystmt, abandoned_block_releases_its_errors, .init = trace_reset)
{
    cf_coro *g = new_coro(abandoned_in_try, NULL, "g", false);
    dtor_runs = 0;
    cr_assert_eq(cf_next(g, NULL), CF_YIELDED);
    cr_assert_eq(cf_coro_free(g), 0); /* "Exception ignored": abandoned */
    cr_assert_eq(dtor_runs, 1, "the error the try blocks kept is freed (%d)",
                 dtor_runs);
}
