/* SPDX-License-Identifier: MIT */
/*
 * tests/core/lifecycle.c - SEMANTICS.md groups A-D: states, send and
 * priming, yield as a value, return values. Each test names the item and the
 * Python it mirrors.
 */
#include <criterion/criterion.h>
#include <signal.h>

#include "support.h"

static cf_value worker(void *arg)
{
    tracef("inside %s;", state_of(cf_current()));
    cf_value x = cf_yield(cf_int(1));
    tracef("recv %s;", str_of(x));
    x = cf_yield(cf_int(2));
    tracef("recv %s;", str_of(x));
    return cf_str("done");
}

/* Item 1: calling a generator function runs no statement of the body. */
Test(lifecycle, item01_creation_runs_nothing, .init = trace_reset)
{
    cf_coro *w = new_coro(worker, NULL, "worker", false);
    cr_assert_str_eq(trace_text(), "");
    cr_assert_eq(cf_coro_state(w), CF_CREATED);
    cf_coro_free(w);
    cr_assert_str_eq(trace_text(), "", "freeing a CREATED one runs nothing");
}

/*
 * Items 2-3: CREATED -> RUNNING (seen inside) -> SUSPENDED -> CLOSED.
 * Python: inspect.getgeneratorstate() at every step (case gen_states).
 */
Test(lifecycle, item02_03_four_states_and_transitions, .init = trace_reset)
{
    cf_value v;
    cf_coro *w = new_coro(worker, NULL, "worker", false);
    cr_assert_eq(cf_next(w, &v), CF_YIELDED);
    cr_assert_eq(cf_to_int(v), 1);
    cr_assert_eq(cf_coro_state(w), CF_SUSPENDED);
    cr_assert_eq(cf_send(w, cf_str("a"), &v), CF_YIELDED);
    cr_assert_eq(cf_to_int(v), 2);
    cr_assert_eq(cf_send(w, cf_str("b"), &v), CF_RETURNED);
    cr_assert_str_eq(str_of(v), "done");
    cr_assert_eq(cf_coro_state(w), CF_CLOSED);
    assert_trace("inside GEN_RUNNING;recv a;recv b;");
    cf_coro_free(w);
}

Test(lifecycle, item02_state_names)
{
    cr_assert_str_eq(cf_state_name(CF_CREATED), "GEN_CREATED");
    cr_assert_str_eq(cf_state_name(CF_RUNNING), "GEN_RUNNING");
    cr_assert_str_eq(cf_state_name(CF_SUSPENDED), "GEN_SUSPENDED");
    cr_assert_str_eq(cf_state_name(CF_CLOSED), "GEN_CLOSED");
    cr_assert_str_eq(cf_state_name((cf_state)42), "GEN_UNKNOWN");
}

static cf_value returns_7(void *arg)
{
    cf_yield(cf_none());
    return cf_int(7);
}

/*
 * Items 4 and 18: a finished generator answers next/send with StopIteration
 * (None, the value is delivered once), throw(E) with E, close() with None.
 */
Test(lifecycle, item04_18_finished_cannot_be_resumed)
{
    cf_value v;
    cf_coro *g = new_coro(returns_7, NULL, "g", true);
    cr_assert_eq(cf_next(g, &v), CF_RETURNED);
    cr_assert_eq(cf_to_int(v), 7);
    cr_assert_eq(cf_send(g, cf_int(1), &v), CF_RETURNED);
    cr_assert(cf_is_none(v), "the return value is delivered once");
    cr_assert_eq(cf_next(g, &v), CF_RETURNED);
    cr_assert(cf_is_none(v));
    cr_assert_eq(cf_throw_new(g, &cf_type_error, "late", &v), CF_RAISED);
    assert_error("TypeError: late");
    cr_assert_eq(cf_close(g, &v), CF_RETURNED);
    cr_assert(cf_is_none(v));
    cr_assert_eq(cf_coro_state(g), CF_CLOSED);
    cf_error_clear();
    cf_coro_free(g);
}

static void say_finally(void *arg)
{
    tracef("finally %s;", (const char *)arg);
}

static cf_value with_finally(void *arg)
{
    cf_cleanup c;
    cf_cleanup_push(&c, say_finally, arg);
    for (;;)
        cf_yield(cf_none());
    return cf_none();
}

/* Item 6: freeing a SUSPENDED generator closes it: its finally runs. */
Test(lifecycle, item06_free_closes_suspended, .init = trace_reset)
{
    static char name[] = "f";
    cf_coro *g = new_coro(with_finally, name, "g", true);
    cr_assert_eq(cf_coro_free(g), 0);
    assert_trace("finally f;");
}

static cf_value ignores_exit(void *arg)
{
    for (;;)
        if (cf_yield_catch(cf_none(), NULL) == CF_RAISED)
            tracef("ignored %s;", err_text());
    return cf_none();
}

/*
 * Item 6: an error from the close that free() makes is reported on stderr
 * ("Exception ignored in"), not propagated; the coroutine is freed anyway.
 */
Test(lifecycle, item06_free_reports_close_errors, .init = trace_reset)
{
    cf_coro *g = new_coro(ignores_exit, NULL, "stubborn", true);
    stderr_capture();
    cr_assert_eq(cf_coro_free(g), 0);
    cr_assert_str_eq(stderr_captured(),
                     "Exception ignored in: coroutine 'stubborn'\n"
                     "RuntimeError: generator ignored GeneratorExit "
                     "(in coroutine 'stubborn')\n");
    cr_assert_null(cf_error_last(), "not propagated");
    assert_trace("ignored GeneratorExit;");
}


/* Item 7: next(g) is exactly g.send(None). */
Test(lifecycle, item07_next_is_send_none)
{
    cf_value v;
    cf_coro *g = new_coro(echo_body, NULL, "echo", true);
    cr_assert_eq(cf_next(g, &v), CF_YIELDED);
    cr_assert(cf_is_none(v));
    cr_assert_eq(cf_send(g, cf_none(), &v), CF_YIELDED);
    cr_assert(cf_is_none(v));
    cf_coro_free(g);
}

/* Item 8: the yield evaluates to the value sent; send returns the next one. */
Test(lifecycle, item08_send_value_in_and_out)
{
    cf_value v;
    cf_coro *g = new_coro(echo_body, NULL, "echo", true);
    cr_assert_eq(cf_send(g, cf_int(5), &v), CF_YIELDED);
    cr_assert_eq(cf_to_int(v), 5);
    cr_assert_eq(cf_send(g, cf_str("x"), &v), CF_YIELDED);
    cr_assert_str_eq(str_of(v), "x");
    cr_assert_eq(cf_send(g, cf_double(2.5), NULL), CF_YIELDED, "out NULL");
    cf_coro_free(g);
}

/* Items 9-10: priming runs to the first yield; @coroutine is `prime`. */
Test(lifecycle, item09_10_priming, .init = trace_reset)
{
    cf_coro *w = new_coro(worker, NULL, "worker", true);
    cr_assert_eq(cf_coro_state(w), CF_SUSPENDED);
    assert_trace("inside GEN_RUNNING;");
    cf_coro_free(w);
}

/*
 * Item 11: send(non-None) to a just-started generator raises TypeError, runs
 * nothing, leaves it CREATED; a later next() starts it normally.
 */
Test(lifecycle, item11_non_none_first_send, .init = trace_reset)
{
    cf_value v;
    cf_coro *w = new_coro(worker, NULL, "worker", false);
    cr_assert_eq(cf_send(w, cf_int(1), &v), CF_RAISED);
    assert_error("TypeError: can't send non-None value to a just-started "
                 "generator");
    cr_assert_str_eq(cf_error_coro(cf_error_last()), "worker");
    cr_assert_eq(cf_coro_state(w), CF_CREATED);
    cr_assert_str_eq(trace_text(), "");
    cr_assert_eq(cf_next(w, &v), CF_YIELDED);
    cf_error_clear();
    cf_coro_free(w);
}

static cf_value printer(void *arg)
{
    for (;;)
        tracef("print %s;", str_of(cf_yield(cf_none())));
    return cf_none();
}

static cf_value doubler(void *arg)
{
    cf_coro *target = arg;
    for (;;) {
        cf_value v = cf_yield(cf_none());
        tracef("double %s;", str_of(v));
        cf_send(target, cf_int(cf_to_int(v) * 2), NULL);
        tracef("doubled;");
    }
    return cf_none();
}

/* Item 12: send() is synchronous and nests: a chain of sends is a stack. */
Test(lifecycle, item12_sends_nest, .init = trace_reset)
{
    cf_coro *p = new_coro(printer, NULL, "printer", true);
    cf_coro *d = new_coro(doubler, p, "doubler", true);
    cf_send(d, cf_int(3), NULL);
    tracef("back;");
    assert_trace("double 3;print 6;doubled;back;");
    cf_coro_free(d);
    cf_coro_free(p);
}

static cf_value countdown(void *arg)
{
    int64_t n = *(int64_t *)arg;
    while (n >= 0) {
        cf_value v = cf_yield(cf_int(n));
        n = cf_is_none(v) ? n - 1 : cf_to_int(v);
    }
    return cf_str("end");
}

/*
 * Item 13: iteration calls next() until StopIteration; a send() from the
 * loop body advances the generator, and its value is never seen by the loop
 * (Beazley's bogus.py: 5, send returns 3, then 2, 1, 0).
 */
Test(lifecycle, item13_iteration_and_bogus_countdown, .init = trace_reset)
{
    static int64_t five = 5;
    cf_coro *c = new_coro(countdown, &five, "countdown", false);
    cf_value v, r;
    cf_status st;
    CF_FOREACH (c, v, st) {
        tracef("%s;", str_of(v));
        if (cf_to_int(v) == 5) {
            cf_send(c, cf_int(3), &r);
            tracef("send %s;", str_of(r));
        }
    }
    cr_assert_eq(st, CF_RETURNED);
    cr_assert_str_eq(str_of(v), "end");
    assert_trace("5;send 3;2;1;0;");
    cf_coro_free(c);
}

static cf_value bare(void *arg)
{
    cf_value v = cf_yield(cf_none());
    tracef("got %s;", repr_of(v));
    return cf_none();
}

/* Items 14-15: a bare yield hands over None; next() makes it evaluate to None. */
Test(lifecycle, item14_15_bare_yield, .init = trace_reset)
{
    cf_value v = cf_int(9);
    cf_coro *g = new_coro(bare, NULL, "bare", false);
    cr_assert_eq(cf_next(g, &v), CF_YIELDED);
    cr_assert(cf_is_none(v));
    cr_assert_eq(cf_next(g, &v), CF_RETURNED);
    assert_trace("got None;");
    cf_coro_free(g);
}

static cf_value running_total(void *arg)
{
    int64_t total = 0;
    for (;;) {
        cf_value x = cf_yield(cf_int(total));
        if (!cf_is_none(x))
            total += cf_to_int(x);
    }
    return cf_none();
}

/* Item 16: one-step offset: next 0, send(5) 5, next 5, send(10) 15. */
Test(lifecycle, item16_one_step_offset)
{
    cf_value v;
    cf_coro *g = new_coro(running_total, NULL, "total", false);
    cf_next(g, &v);
    cr_assert_eq(cf_to_int(v), 0);
    cf_send(g, cf_int(5), &v);
    cr_assert_eq(cf_to_int(v), 5);
    cf_next(g, &v);
    cr_assert_eq(cf_to_int(v), 5);
    cf_send(g, cf_int(10), &v);
    cr_assert_eq(cf_to_int(v), 15);
    cf_coro_free(g);
}

static cf_value catches_then_returns(void *arg)
{
    if (cf_yield_catch(cf_none(), NULL) == CF_RAISED) {
        cf_error_clear();
        return cf_str("from throw");
    }
    return cf_str("from send");
}

/* Item 17: the return value comes out of whichever call resumed: send, throw. */
Test(lifecycle, item17_return_value_from_send_and_throw)
{
    cf_value v;
    cf_coro *g = new_coro(catches_then_returns, NULL, "g", true);
    cr_assert_eq(cf_send(g, cf_int(1), &v), CF_RETURNED);
    cr_assert_str_eq(str_of(v), "from send");
    cf_coro_free(g);
    g = new_coro(catches_then_returns, NULL, "g", true);
    cr_assert_eq(cf_throw_new(g, &cf_value_error, "x", &v), CF_RETURNED);
    cr_assert_str_eq(str_of(v), "from throw");
    cr_assert_null(cf_error_last(),
                   "caught inside: the caller's slot is clean");
    cf_coro_free(g);
}

static void finally_yields(void *arg)
{
    tracef("finally;");
    cf_yield(cf_int(1));
    tracef("after finally yield;");
}

static cf_value return_in_try(void *arg)
{
    cf_cleanup c;
    cf_cleanup_push(&c, finally_yields, NULL);
    cf_yield(cf_int(0));
    cf_value r = cf_int(42);  /* try: return 42 */
    cf_cleanup_pop(&c, true); /* finally: ... runs before the return */
    return r;
}

/*
 * Item 19: finally blocks run before the StopIteration is delivered, and a
 * finally that yields postpones the return (try: return / finally: yield 1).
 */
Test(lifecycle, item19_finally_runs_before_return, .init = trace_reset)
{
    cf_value v;
    cf_coro *g = new_coro(return_in_try, NULL, "g", false);
    cr_assert_eq(cf_next(g, &v), CF_YIELDED);
    cr_assert_eq(cf_next(g, &v), CF_YIELDED);
    cr_assert_eq(cf_to_int(v), 1, "the finally's yield comes first");
    cr_assert_eq(cf_next(g, &v), CF_RETURNED);
    cr_assert_eq(cf_to_int(v), 42);
    assert_trace("finally;after finally yield;");
    cf_coro_free(g);
}

static cf_value leaves_cleanup(void *arg)
{
    cf_cleanup c;
    cf_cleanup_push(&c, finally_yields, NULL);
    return cf_none();
}

/* Returning with a cleanup registered leaves it dangling: a broken invariant. */
Test(lifecycle, returning_with_a_cleanup_registered_aborts, .signal = SIGABRT)
{
    cf_coro *g = new_coro(leaves_cleanup, NULL, "careless", false);
    cf_next(g, NULL);
}

/* cf_current() names the running body; NULL outside. */
static cf_value whoami(void *arg)
{
    return cf_str(cf_coro_name(cf_current()));
}

Test(lifecycle, current_coroutine)
{
    cf_value v;
    cr_assert_null(cf_current());
    cf_coro *g = new_coro(whoami, NULL, "me", false);
    cr_assert_eq(cf_next(g, &v), CF_RETURNED);
    cr_assert_str_eq(str_of(v), "me");
    cr_assert_null(cf_current());
    cr_assert_str_eq(cf_coro_name(g), "me");
    cr_assert_not(cf_coro_is_handler(g));
    cf_coro_free(g);
}

static cf_value sub_echo(void *arg)
{
    cf_value v = cf_yield(cf_str("sub ready"));
    for (;;)
        v = cf_yield(v);
    return cf_none();
}

static cf_value delegates_at_once(void *arg)
{
    cf_coro *sub = (cf_coro *)arg;
    cf_value r = cf_yield_from(sub);
    tracef("sub returned;");
    cf_yield(r);
    return cf_none();
}

/*
 * Priming a body that enters a yield from before its first own yield: the
 * delegate's first value is the first yield, and the chain works on.
 */
Test(lifecycle, priming_into_a_yield_from, .init = trace_reset)
{
    cf_value v;
    cf_coro *sub = new_coro(sub_echo, NULL, "sub", false);
    cf_coro *g = new_coro(delegates_at_once, sub, "g", true);
    cr_assert_eq(cf_coro_state(g), CF_SUSPENDED);
    cr_assert_eq(cf_coro_delegate(g), sub);
    cr_assert_eq(cf_send(g, cf_int(7), &v), CF_YIELDED);
    cr_assert_eq(cf_to_int(v), 7);
    cr_assert_eq(cf_close(g, &v), CF_RETURNED);
    cr_assert_eq(cf_coro_state(sub), CF_CLOSED);
    cr_assert_eq(cf_coro_state(g), CF_CLOSED);
    cf_coro_free(g);
    cf_coro_free(sub);
}
