/* SPDX-License-Identifier: MIT */
/* tests/core/close.c - SEMANTICS.md group G: close() and GeneratorExit. */
#include <criterion/criterion.h>
#include <string.h>

#include "support.h"

static void note(void *arg)
{
    tracef("%s;", (const char *)arg);
}

static cf_value grepclose(void *arg)
{
    cf_value line;
    while (cf_yield_catch(cf_none(), &line) == CF_YIELDED)
        tracef("recv %s;", str_of(line));
    tracef("handler sees %s;", err_text());
    return cf_none();
}

/*
 * Items 32 and 35: close raises GeneratorExit at the paused yield; caught and
 * returning, close returns; then CLOSED, and a second close is a no-op
 * (case close_grep).
 */
Test(close, item32_35_close_suspended_then_again, .init = trace_reset)
{
    cf_value v;
    cf_coro *g = new_coro(grepclose, NULL, "grep", true);
    cf_send(g, cf_str("a"), NULL);
    cr_assert_eq(cf_close(g, &v), CF_RETURNED);
    cr_assert(cf_is_none(v));
    cr_assert_eq(cf_coro_state(g), CF_CLOSED);
    cr_assert_eq(cf_close(g, &v), CF_RETURNED);
    cr_assert_eq(cf_send(g, cf_str("b"), &v), CF_RETURNED);
    assert_trace("recv a;handler sees GeneratorExit;");
    cr_assert_null(cf_error_last(), "close leaves the caller's slot alone");
    cf_coro_free(g);
}

static cf_value nested_cleanups(void *arg)
{
    static char outer[] = "outer finally", inner[] = "inner finally";
    cf_cleanup a, b;
    cf_cleanup_push(&a, note, outer);
    cf_cleanup_push(&b, note, inner);
    cf_yield(cf_none());
    cf_cleanup_pop(&b, true);
    cf_cleanup_pop(&a, true);
    return cf_none();
}

/* Item 33: during close every finally runs, innermost first. */
Test(close, item33_cleanups_run_innermost_first, .init = trace_reset)
{
    cf_coro *g = new_coro(nested_cleanups, NULL, "g", true);
    cr_assert_eq(cf_close(g, NULL), CF_RETURNED);
    assert_trace("inner finally;outer finally;");
    cf_coro_free(g);
}

/* Item 33: the same cleanups run on normal exhaustion. */
Test(close, item33_cleanups_run_on_exhaustion, .init = trace_reset)
{
    cf_coro *g = new_coro(nested_cleanups, NULL, "g", true);
    cr_assert_eq(cf_next(g, NULL), CF_RETURNED);
    assert_trace("inner finally;outer finally;");
    cf_coro_free(g);
}

/* Item 34: close of a CREATED generator runs nothing and marks it CLOSED. */
Test(close, item34_close_created, .init = trace_reset)
{
    cf_value v;
    cf_coro *g = new_coro(nested_cleanups, NULL, "g", false);
    cr_assert_eq(cf_close(g, &v), CF_RETURNED);
    cr_assert(cf_is_none(v));
    cr_assert_eq(cf_coro_state(g), CF_CLOSED);
    cr_assert_str_eq(trace_text(), "");
    cr_assert_eq(cf_next(g, &v), CF_RETURNED);
    cf_coro_free(g);
}

static cf_value stubborn3(void *arg)
{
    int n = 0;
    while (n < 3) {
        if (cf_yield_catch(cf_int(n), NULL) == CF_RAISED) {
            cf_error_clear();
            tracef("ignoring %d;", ++n);
        }
    }
    return cf_str("gave up");
}

/*
 * Item 36: yielding after GeneratorExit: close raises RuntimeError, the
 * value is discarded, the generator stays SUSPENDED at the new yield, and
 * every close raises again until it returns (case close_ignored).
 */
Test(close, item36_ignoring_generator_exit, .init = trace_reset)
{
    cf_value v;
    cf_coro *g = new_coro(stubborn3, NULL, "stubborn", true);
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(cf_close(g, &v), CF_RAISED);
        assert_error("RuntimeError: generator ignored GeneratorExit");
        cr_assert_str_eq(cf_error_coro(cf_error_last()), "stubborn");
        cr_assert_eq(cf_coro_state(g), CF_SUSPENDED);
    }
    cr_assert_eq(cf_send(g, cf_none(), &v), CF_YIELDED, "still usable");
    cr_assert_eq(cf_close(g, &v), CF_RETURNED);
    cr_assert_str_eq(str_of(v), "gave up");
    cr_assert_eq(cf_coro_state(g), CF_CLOSED);
    assert_trace("ignoring 1;ignoring 2;ignoring 3;");
    cf_error_clear();
    cf_coro_free(g);
}

static void raising_finally(void *arg)
{
    cf_raise(&cf_value_error, "cleanup failed");
}

static cf_value finally_raises(void *arg)
{
    cf_cleanup c;
    cf_cleanup_push(&c, raising_finally, NULL);
    cf_yield(cf_none());
    return cf_none();
}

/* Item 37: another exception during close propagates, context GeneratorExit. */
Test(close, item37_other_exception_during_close)
{
    cf_coro *g = new_coro(finally_raises, NULL, "g", true);
    cr_assert_eq(cf_close(g, NULL), CF_RAISED);
    assert_error("ValueError: cleanup failed");
    cr_assert_eq(cf_error_type_of(cf_error_context(cf_error_last())),
                 &cf_generator_exit);
    cr_assert_eq(cf_coro_state(g), CF_CLOSED);
    cf_error_clear();
    cf_coro_free(g);
}

static cf_value closes_itself(void *arg)
{
    cf_coro *me = cf_current();
    cr_assert_eq(cf_close(me, NULL), CF_RAISED);
    tracef("%s;", err_text());
    cf_error_clear();
    cf_yield(cf_none());
    return cf_none();
}

/* Item 38: close of a RUNNING generator raises ValueError at the call site. */
Test(close, item38_close_running, .init = trace_reset)
{
    cf_coro *g = new_coro(closes_itself, NULL, "g", true);
    assert_trace("ValueError: generator already executing;");
    cr_assert_eq(cf_coro_state(g), CF_SUSPENDED, "undisturbed");
    cf_coro_free(g);
}

static cf_value records_exits(void *arg)
{
    for (;;) {
        if (cf_yield_catch(cf_none(), NULL) == CF_RAISED) {
            const cf_error *e = cf_error_last();
            tracef("%s msg='%s' %p;", cf_error_type_of(e)->name,
                   cf_error_message(e), (const void *)e);
            return cf_int(1);
        }
    }
    return cf_none();
}

/* Item 41: the GeneratorExit of close has an empty message, new each time. */
Test(close, item41_generator_exit_is_new_and_empty, .init = trace_reset)
{
    cf_coro *a = new_coro(records_exits, NULL, "a", true);
    cf_coro *b = new_coro(records_exits, NULL, "b", true);
    cf_close(a, NULL);
    cf_close(b, NULL);
    const char *t = trace_text();
    cr_assert(strncmp(t, "GeneratorExit msg='' ", 21) == 0, "%s", t);
    const char *second = strchr(t, ';') + 1;
    cr_assert(strncmp(second, "GeneratorExit msg='' ", 21) == 0);
    cf_coro_free(a);
    cf_coro_free(b);
}

static cf_coro *self_g;

static void state_in_finally(void *arg)
{
    tracef("finally sees %s;", state_of(self_g));
    cr_assert_eq(cf_send(self_g, cf_none(), NULL), CF_RAISED);
    tracef("%s;", err_text());
}

static cf_value running_in_cleanup(void *arg)
{
    cf_cleanup c;
    cf_cleanup_push(&c, state_in_finally, NULL);
    cf_yield(cf_none());
    return cf_none();
}

/*
 * Item 42: code run by close sees the generator RUNNING; a re-entrant send
 * raises ValueError; once close returns it is CLOSED.
 */
Test(close, item42_running_while_close_handlers_run, .init = trace_reset)
{
    self_g = new_coro(running_in_cleanup, NULL, "g", true);
    cr_assert_eq(cf_close(self_g, NULL), CF_RETURNED);
    assert_trace("finally sees GEN_RUNNING;ValueError: generator already "
                 "executing;");
    cr_assert_eq(cf_coro_state(self_g), CF_CLOSED);
    cf_coro_free(self_g);
}

static cf_value averager(void *arg)
{
    int64_t total = 0, count = 0;
    cf_value x;
    while (cf_yield_catch(cf_none(), &x) == CF_YIELDED) {
        total += cf_to_int(x);
        count++;
    }
    cf_error_clear();
    return cf_int(total / count);
}

static cf_value exit_not_caught(void *arg)
{
    cf_yield(cf_none());
    return cf_int(0);
}

/*
 * Items 39 and 44 (Python 3.13): close returns the body's return value when
 * it caught GeneratorExit and returned; None when not caught, never started,
 * exhausted, or on a second close (case close_return_value).
 */
Test(close, item39_44_close_return_values)
{
    cf_value v;
    cf_coro *a = new_coro(averager, NULL, "averager", true);
    cf_send(a, cf_int(10), NULL);
    cf_send(a, cf_int(20), NULL);
    cf_send(a, cf_int(60), NULL);
    cr_assert_eq(cf_close(a, &v), CF_RETURNED);
    cr_assert_eq(cf_to_int(v), 30);
    cr_assert_eq(cf_close(a, &v), CF_RETURNED);
    cr_assert(cf_is_none(v), "a second close returns None");
    cf_coro_free(a);
    cf_coro *g = new_coro(exit_not_caught, NULL, "g", true);
    cr_assert_eq(cf_close(g, &v), CF_RETURNED);
    cr_assert(cf_is_none(v), "GeneratorExit not caught: None");
    cf_coro_free(g);
    g = new_coro(averager, NULL, "g", false);
    cr_assert_eq(cf_close(g, &v), CF_RETURNED);
    cr_assert(cf_is_none(v), "never started: None");
    cf_coro_free(g);
}

static cf_value yields_while_handling(void *arg)
{
    cf_value ignored;
    cf_yield(cf_none());
    /* Catch a thrown error, then rest in a plain yield while handling it. */
    if (cf_yield_catch(cf_none(), &ignored) == CF_RAISED)
        tracef("caught %s;", err_text());
    for (;;)
        cf_yield(cf_int(1));
    return cf_none();
}

static cf_value try_body(void *arg)
{
    cf_yield(cf_none());
    return cf_none();
}

static cf_value yields_in_try(void *arg)
{
    cf_value r;
    if (cf_try(try_body, NULL, &r) == CF_RAISED)
        tracef("try caught %s;", err_text());
    return cf_none();
}

/*
 * A coroutine at rest in a plain yield with nothing registered to run or
 * catch GeneratorExit is closed without being resumed (CPython 3.12 does
 * the same): it ends CLOSED, close returns None, and the error the caller
 * is handling stays as it was. With a cf_try() frame on its stack, the
 * GeneratorExit is raised there and caught.
 */
Test(close, at_rest_in_a_plain_yield, .init = trace_reset)
{
    cf_value v;
    cf_coro *g = new_coro(yields_while_handling, NULL, "g", true);
    cf_coro *h = new_coro(yields_in_try, NULL, "h", true);
    cr_assert_eq(cf_send(g, cf_none(), NULL), CF_YIELDED);
    cr_assert_eq(cf_throw_new(g, &cf_value_error, "inside", &v), CF_YIELDED);
    assert_trace("caught ValueError: inside;");
    cr_assert_eq(cf_fail(&cf_type_error, "mine"), CF_RAISED);
    cr_assert_eq(cf_close(g, &v), CF_RETURNED);
    cr_assert(cf_is_none(v));
    cr_assert_eq(cf_coro_state(g), CF_CLOSED);
    assert_error("TypeError: mine");
    cr_assert_eq(cf_send(g, cf_none(), &v), CF_RETURNED);
    cr_assert_eq(cf_close(h, &v), CF_RETURNED);
    assert_trace("try caught GeneratorExit;");
    cr_assert_eq(cf_coro_state(h), CF_CLOSED);
    assert_error("TypeError: mine");
    cf_error_clear();
    cf_coro_free(g);
    cf_coro_free(h);
}
