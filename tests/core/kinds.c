/* SPDX-License-Identifier: MIT */
/*
 * tests/core/kinds.c - the semantics that apply to both kinds of coroutine,
 * run over a body coroutine and a handler coroutine that behave alike: an
 * averager that yields its running count, returns its mean when closed
 * (Python 3.13's close value), and, when told to, ignores GeneratorExit or
 * sends into itself.
 */
#include <criterion/criterion.h>

#include "support.h"

enum { PLAIN, STUBBORN, SELFISH };

struct avg {
    int mode;
    int64_t total, count;
    cf_coro *self;
    bool ignored;
};

static cf_status on_value(struct avg *a, cf_value in, cf_value *out)
{
    if (a->mode == SELFISH && !cf_is_none(in)) {
        cf_status st = cf_send(a->self, cf_none(), NULL);
        tracef("self send %s;", st == CF_RAISED ? err_text() : "ok");
        cf_error_clear();
    }
    if (!cf_is_none(in)) {
        a->total += cf_to_int(in);
        a->count++;
    }
    *out = cf_int(a->count);
    return CF_YIELDED;
}

/* On a thrown error: GeneratorExit ends it with the mean; others escape. */
static cf_status on_error(struct avg *a, cf_value *out)
{
    if (!cf_error_is(cf_error_last(), &cf_generator_exit))
        return CF_RAISED;
    if (a->mode == STUBBORN && !a->ignored) {
        a->ignored = true;
        *out = cf_str("not yet");
        return CF_YIELDED;
    }
    *out = cf_int(a->count > 0 ? a->total / a->count : 0);
    return CF_RETURNED;
}

static cf_status avg_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    return op == CF_OP_SEND ? on_value(self, in, out) : on_error(self, out);
}

static cf_value avg_body(void *arg)
{
    struct avg *a = arg;
    cf_value in = cf_none(), out = cf_int(0);
    for (;;) {
        cf_status st = on_value(a, in, &out);
        for (;;) {
            if (cf_yield_catch(out, &in) == CF_YIELDED)
                break;
            st = on_error(a, &out);
            if (st == CF_RAISED)
                cf_reraise();
            cf_error_clear();
            if (st == CF_RETURNED)
                return out;
        }
        (void)st;
    }
}

static cf_coro *make(int kind, struct avg *a, int mode)
{
    *a = (struct avg){.mode = mode};
    a->self = kind == 0 ? new_coro(avg_body, a, "avg", false)
                        : new_handler(avg_step, a, "avg", false);
    return a->self;
}

#define FOR_BOTH_KINDS for (int kind = 0; kind < 2; kind++)

/* Items 2-3, 7-9, 17, 32, 44: states, priming, sends, close's value. */
Test(kinds, lifecycle_and_close_value)
{
    FOR_BOTH_KINDS
    {
        struct avg a;
        cf_value v;
        cf_coro *co = make(kind, &a, PLAIN);
        cr_assert_eq(cf_coro_is_handler(co), kind == 1);
        cr_assert_eq(cf_coro_state(co), CF_CREATED);
        cr_assert_eq(cf_next(co, &v), CF_YIELDED);
        cr_assert_eq(cf_coro_state(co), CF_SUSPENDED);
        cf_send(co, cf_int(10), &v);
        cf_send(co, cf_int(20), &v);
        cr_assert_eq(cf_to_int(v), 2);
        cr_assert_eq(cf_close(co, &v), CF_RETURNED);
        cr_assert_eq(cf_to_int(v), 15, "kind %d: close returns the mean", kind);
        cr_assert_eq(cf_coro_state(co), CF_CLOSED);
        cr_assert_eq(cf_send(co, cf_int(1), &v), CF_RETURNED);
        cr_assert(cf_is_none(v));
        cr_assert_eq(cf_close(co, &v), CF_RETURNED);
        cr_assert(cf_is_none(v));
        cf_coro_free(co);
    }
}

/* Item 11: a non-None first send raises TypeError and leaves it CREATED. */
Test(kinds, non_none_first_send)
{
    FOR_BOTH_KINDS
    {
        struct avg a;
        cf_coro *co = make(kind, &a, PLAIN);
        cr_assert_eq(cf_send(co, cf_int(1), NULL), CF_RAISED);
        assert_error("TypeError: can't send non-None value to a just-started "
                     "generator");
        cr_assert_eq(cf_coro_state(co), CF_CREATED);
        cf_error_clear();
        cf_coro_free(co);
    }
}

/* Items 28-29, 34: throw and close on CREATED and CLOSED ones. */
Test(kinds, throw_and_close_created_and_closed)
{
    FOR_BOTH_KINDS
    {
        struct avg a;
        cf_coro *co = make(kind, &a, PLAIN);
        cr_assert_eq(cf_throw_new(co, &cf_value_error, "early", NULL),
                     CF_RAISED);
        assert_error("ValueError: early");
        cr_assert_eq(cf_coro_state(co), CF_CLOSED);
        cr_assert_eq(cf_throw_new(co, &cf_value_error, "late", NULL),
                     CF_RAISED);
        assert_error("ValueError: late");
        cf_error_clear();
        cf_coro_free(co);
        co = make(kind, &a, PLAIN);
        cr_assert_eq(cf_close(co, NULL), CF_RETURNED);
        cr_assert_eq(cf_coro_state(co), CF_CLOSED);
        cf_coro_free(co);
    }
}

/* Items 26: a thrown error it does not handle comes out; it is CLOSED. */
Test(kinds, unhandled_throw)
{
    FOR_BOTH_KINDS
    {
        struct avg a;
        cf_coro *co = make(kind, &a, PLAIN);
        cf_next(co, NULL);
        cf_error *e = cf_error_new(&cf_type_error, "boom");
        cr_assert_eq(cf_throw(co, e, NULL), CF_RAISED);
        cr_assert_eq(cf_error_last(), e, "kind %d: the same error", kind);
        cr_assert_eq(cf_coro_state(co), CF_CLOSED);
        cf_error_clear();
        cf_coro_free(co);
    }
}

/* Item 36: ignoring GeneratorExit: RuntimeError, left SUSPENDED. */
Test(kinds, ignoring_generator_exit)
{
    FOR_BOTH_KINDS
    {
        struct avg a;
        cf_value v;
        cf_coro *co = make(kind, &a, STUBBORN);
        cf_next(co, NULL);
        cr_assert_eq(cf_close(co, &v), CF_RAISED);
        assert_error("RuntimeError: generator ignored GeneratorExit");
        cr_assert_str_eq(cf_error_coro(cf_error_last()), "avg");
        cr_assert_eq(cf_coro_state(co), CF_SUSPENDED);
        cr_assert_eq(cf_close(co, &v), CF_RETURNED);
        cr_assert_eq(cf_coro_state(co), CF_CLOSED);
        cf_error_clear();
        cf_coro_free(co);
    }
}

/* Item 45: a re-entrant send raises ValueError at the call site. */
Test(kinds, reentrant_send)
{
    FOR_BOTH_KINDS
    {
        struct avg a;
        cf_value v;
        trace_reset();
        cf_coro *co = make(kind, &a, SELFISH);
        cf_next(co, NULL);
        cr_assert_eq(cf_send(co, cf_int(4), &v), CF_YIELDED);
        cr_assert_eq(cf_to_int(v), 1);
        assert_trace("self send ValueError: generator already executing;");
        cf_coro_free(co);
    }
}

/* Priming works for both: the first next runs at creation. */
Test(kinds, priming)
{
    struct avg a = {.mode = PLAIN};
    cf_coro *h = new_handler(avg_step, &a, "avg", true);
    cr_assert_eq(cf_coro_state(h), CF_SUSPENDED);
    cf_coro_free(h);
    cf_coro *b = new_coro(avg_body, &a, "avg", true);
    cr_assert_eq(cf_coro_state(b), CF_SUSPENDED);
    cf_coro_free(b);
}

static cf_status raises_nothing(void *self, cf_op op, cf_value in,
                                cf_value *out)
{
    return CF_RAISED;
}

/* A step that says CF_RAISED without an error gets a RuntimeError naming it. */
Test(kinds, handler_raised_without_error)
{
    cf_coro *h = new_handler(raises_nothing, NULL, "sloppy", false);
    cr_assert_eq(cf_next(h, NULL), CF_RAISED);
    assert_error("RuntimeError: handler 'sloppy' returned CF_RAISED without "
                 "an error");
    cf_error_clear();
    cf_coro_free(h);
}

static cf_status fails(void *self, cf_op op, cf_value in, cf_value *out)
{
    return cf_fail(&cf_value_error, "bad input");
}

/* An error a step raises carries the handler's name. */
Test(kinds, handler_errors_name_the_handler)
{
    cf_coro *h = new_handler(fails, NULL, "checker", false);
    cr_assert_eq(cf_next(h, NULL), CF_RAISED);
    assert_error("ValueError: bad input");
    cr_assert_str_eq(cf_error_coro(cf_error_last()), "checker");
    cr_assert_eq(cf_coro_state(h), CF_CLOSED);
    cf_error_clear();
    cf_coro_free(h);
}

/*
 * A send with a NULL `out` (Python's bare g.send(x)): a yield is not
 * received, a return ends the coroutine and its owned value is dropped
 * (ASan and Valgrind see a leak otherwise). A handler takes the fast path
 * for this send.
 */
static cf_status ender_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    int *seen = self;
    if (op != CF_OP_SEND)
        return CF_RAISED;
    ++*seen;
    if (!cf_is_none(in) && cf_to_int(in) == 0) {
        *out = cf_str_own("the end");
        return CF_RETURNED;
    }
    *out = cf_int(*seen);
    return CF_YIELDED;
}

static cf_value ender_body(void *arg)
{
    int *seen = arg;
    cf_value in = cf_none();
    for (;;) {
        ++*seen;
        if (!cf_is_none(in) && cf_to_int(in) == 0)
            return cf_str_own("the end");
        in = cf_yield(cf_int(*seen));
    }
}

Test(kinds, send_without_out)
{
    FOR_BOTH_KINDS
    {
        int seen = 0;
        cf_coro *co = kind == 0 ? new_coro(ender_body, &seen, "ender", true)
                                : new_handler(ender_step, &seen, "ender", true);
        cr_assert_eq(cf_send(co, cf_int(5), NULL), CF_YIELDED);
        cr_assert_eq(cf_send(co, cf_int(6), NULL), CF_YIELDED);
        cr_assert_eq(seen, 3, "kind %d: the prime and two sends ran", kind);
        cr_assert_eq(cf_coro_state(co), CF_SUSPENDED);
        cr_assert_eq(cf_send(co, cf_int(0), NULL), CF_RETURNED);
        cr_assert_eq(cf_coro_state(co), CF_CLOSED);
        cr_assert_eq(cf_send(co, cf_int(1), NULL), CF_RETURNED);
        cr_assert_eq(seen, 4);
        cf_coro_free(co);
    }
}
