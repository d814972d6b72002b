/* SPDX-License-Identifier: MIT */
/*
 * tests/core/inline_send.c - cf_send()'s inline half (coflow/core.h) and
 * the library's cf_send(), called as (cf_send)(...), give the same
 * outcomes for a handler: yields, a return, a raise named after the
 * handler, a step that returns CF_RAISED without raising, a send into
 * itself, a send from a thread that does not own it. Python's generators
 * are the reference, as in kinds.c.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "support.h"

/* Yields in + 1; returns "done" (owned) for 0; raises for -1; for -2
 * returns CF_RAISED without raising; for -3 sends into itself. */
struct counter {
    cf_coro *self;
    int64_t calls;
};

static cf_status counter_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    struct counter *c = self;
    if (op != CF_OP_SEND)
        return CF_RAISED;
    c->calls++;
    int64_t n = cf_is_none(in) ? 1 : cf_to_int(in);
    switch (n) {
    case 0:
        *out = cf_str_own("done");
        return CF_RETURNED;
    case -1:
        return cf_fail(&cf_value_error, "minus one");
    case -2:
        return CF_RAISED;
    case -3: {
        cf_value v;
        cf_status st = cf_send(c->self, cf_int(5), &v); /* not NULL: inline */
        *out = cf_str(st == CF_RAISED ? err_text() : "ran twice");
        cf_error_clear();
        return CF_YIELDED;
    }
    }
    *out = cf_int(n + 1);
    return CF_YIELDED;
}

typedef cf_status (*send_fn)(cf_coro *, cf_value, cf_value *);

static cf_status inline_send(cf_coro *co, cf_value v, cf_value *out)
{
    return cf_send(co, v, out);
}

static cf_status library_send(cf_coro *co, cf_value v, cf_value *out)
{
    return (cf_send)(co, v, out);
}

static const send_fn sends[2] = {inline_send, library_send};

static cf_coro *counter_new(struct counter *c, const char *name)
{
    memset(c, 0, sizeof *c);
    c->self = new_handler(counter_step, c, name, true);
    return c->self;
}

Test(inline_send, yields_and_return_agree)
{
    for (int k = 0; k < 2; k++) {
        struct counter c;
        cf_coro *h = counter_new(&c, "counter");
        cf_value v;
        for (int64_t i = 1; i <= 100; i++) {
            cr_assert_eq(sends[k](h, cf_int(i), &v), CF_YIELDED);
            cr_assert_eq(cf_to_int(v), i + 1, "send %d", k);
        }
        cr_assert_eq(cf_coro_state(h), CF_SUSPENDED);
        cr_assert_eq(sends[k](h, cf_int(0), &v), CF_RETURNED);
        cr_assert_eq(v.len, 4);
        cr_assert_eq(memcmp(cf_to_str(v), "done", 4), 0);
        cf_value_drop(v);
        cr_assert_eq(cf_coro_state(h), CF_CLOSED);
        /* Closed: none, and the step is not called again. */
        cr_assert_eq(sends[k](h, cf_int(3), &v), CF_RETURNED);
        cr_assert(cf_is_none(v));
        cr_assert_eq(c.calls, 1 + 100 + 1);
        cf_coro_free(h);
    }
}

/* An error the step raises is the handler's, and ends it (ValueError out
 * of g.send() closes a generator). */
Test(inline_send, raise_names_the_handler)
{
    for (int k = 0; k < 2; k++) {
        struct counter c;
        cf_coro *h = counter_new(&c, "checker");
        cf_value v;
        cr_assert_eq(sends[k](h, cf_int(-1), &v), CF_RAISED);
        assert_error("ValueError: minus one");
        cr_assert_str_eq(cf_error_coro(cf_error_last()), "checker");
        cr_assert_eq(cf_coro_state(h), CF_CLOSED);
        cf_error_clear();
        cf_coro_free(h);
    }
}

/* Inside a body, too: the error is the handler's, not the body's. */
static cf_value sends_minus_one(void *arg)
{
    const send_fn *send = arg;
    struct counter c;
    cf_coro *h = counter_new(&c, "inner");
    cf_value v;
    cf_status st = (*send)(h, cf_int(-1), &v);
    const char *who = st == CF_RAISED ? cf_error_coro(cf_error_last()) : "";
    cf_value r = cf_int(strcmp(who, "inner") == 0);
    cf_error_clear();
    cf_coro_free(h);
    return r;
}

Test(inline_send, raise_in_a_body_names_the_handler)
{
    for (int k = 0; k < 2; k++) {
        cf_coro *co = new_coro(sends_minus_one, &sends[k], "outer", false);
        cf_value v;
        cr_assert_eq(cf_next(co, &v), CF_RETURNED);
        cr_assert_eq(cf_to_int(v), 1, "send %d: named after the handler", k);
        cf_coro_free(co);
    }
}

/*
 * A step that returns CF_RAISED without raising, while the sender handles
 * an error: that error comes out as it is, still named after the handler
 * that raised it first, not renamed after this one.
 */
Test(inline_send, raised_without_error_while_handling)
{
    for (int k = 0; k < 2; k++) {
        struct counter a, b;
        cf_coro *ha = counter_new(&a, "first");
        cf_coro *hb = counter_new(&b, "second");
        cf_value v;
        cr_assert_eq(sends[k](ha, cf_int(-1), &v), CF_RAISED);
        const cf_error *handled = cf_error_last();
        cr_assert_eq(sends[k](hb, cf_int(-2), &v), CF_RAISED);
        cr_assert_eq(cf_error_last(), handled, "send %d", k);
        cr_assert_str_eq(cf_error_coro(handled), "first");
        cr_assert_eq(cf_coro_state(hb), CF_CLOSED);
        /* And a new error while one is handled is the new handler's. */
        struct counter c;
        cf_coro *hc = counter_new(&c, "third");
        cr_assert_eq(sends[k](hc, cf_int(-1), &v), CF_RAISED);
        cr_assert_neq(cf_error_last(), handled);
        cr_assert_str_eq(cf_error_coro(cf_error_last()), "third");
        cf_error_clear();
        cf_coro_free(ha);
        cf_coro_free(hb);
        cf_coro_free(hc);
    }
}

/* Python: a generator that sends into itself gets ValueError. */
Test(inline_send, send_into_itself)
{
    for (int k = 0; k < 2; k++) {
        struct counter c;
        cf_coro *h = counter_new(&c, "selfish");
        cf_value v;
        cr_assert_eq(sends[k](h, cf_int(-3), &v), CF_YIELDED);
        cr_assert_str_eq(cf_to_str(v),
                         "ValueError: generator already executing");
        cr_assert_eq(c.calls, 2, "the inner send did not run the step");
        cr_assert_eq(sends[k](h, cf_int(7), &v), CF_YIELDED);
        cr_assert_eq(cf_to_int(v), 8);
        cf_coro_free(h);
    }
}

/*
 * A NULL `out` (Python's g.send(x) with the result unused): the inline
 * half gives the step a slot of its own. Each send below is spelled with
 * a literal NULL, so that the inline half is compiled for exactly that
 * case, and checked against the library's. A value returned into the slot
 * is dropped (an owned string here: ASan's and Valgrind's leak checks see
 * it if it is not).
 */
static cf_status null_send(int k, cf_coro *co, int64_t i)
{
    return k == 0 ? cf_send(co, cf_int(i), NULL)
                  : (cf_send)(co, cf_int(i), NULL);
}

Test(inline_send, null_out_agrees)
{
    for (int k = 0; k < 2; k++) {
        struct counter c;
        cf_coro *h = counter_new(&c, "nullout");
        for (int64_t i = 1; i <= 10; i++)
            cr_assert_eq(null_send(k, h, i), CF_YIELDED, "send %d", k);
        cr_assert_eq(c.calls, 1 + 10, "the step ran each time");
        cr_assert_eq(cf_coro_state(h), CF_SUSPENDED);
        /* Returned into the slot: dropped; CLOSED. */
        cr_assert_eq(null_send(k, h, 0), CF_RETURNED);
        cr_assert_eq(cf_coro_state(h), CF_CLOSED);
        cr_assert_eq(null_send(k, h, 3), CF_RETURNED);
        cr_assert_eq(c.calls, 1 + 10 + 1);
        cf_coro_free(h);

        /* A raise named after the handler; and one without an error. */
        h = counter_new(&c, "nullraise");
        cr_assert_eq(null_send(k, h, -1), CF_RAISED);
        assert_error("ValueError: minus one");
        cr_assert_str_eq(cf_error_coro(cf_error_last()), "nullraise");
        cr_assert_eq(cf_coro_state(h), CF_CLOSED);
        cf_error_clear();
        cf_coro_free(h);
        h = counter_new(&c, "nullbare");
        cr_assert_eq(null_send(k, h, -2), CF_RAISED);
        assert_error("RuntimeError: handler 'nullbare' returned CF_RAISED "
                     "without an error");
        cf_error_clear();
        cf_coro_free(h);

        /* Sends into itself from a step sent with NULL: already executing. */
        h = counter_new(&c, "nullself");
        cr_assert_eq(null_send(k, h, -3), CF_YIELDED);
        cr_assert_eq(c.calls, 2, "the inner send did not run the step");
        cf_coro_free(h);
    }
}

/* A NULL `out` from a variable (not a literal): the same outcomes. */
Test(inline_send, null_out_at_run_time)
{
    cf_value v;
    cf_value *volatile outs[2] = {NULL, &v};
    for (int j = 0; j < 2; j++) {
        struct counter c;
        cf_coro *h = counter_new(&c, "runtime");
        cr_assert_eq(cf_send(h, cf_int(4), outs[j]), CF_YIELDED);
        if (outs[j] != NULL)
            cr_assert_eq(cf_to_int(v), 5);
        cr_assert_eq(cf_send(h, cf_int(0), outs[j]), CF_RETURNED);
        if (outs[j] != NULL)
            cf_value_drop(v);
        cr_assert_eq(c.calls, 3);
        cf_coro_free(h);
    }
}

static void *send_from_thread(void *arg)
{
    cf_coro *h = arg;
    cf_value v;
    cf_status st = cf_send(h, cf_int(41), &v);
    return (void *)(intptr_t)(st == CF_YIELDED ? cf_to_int(v) : -1);
}

/* Another thread takes the handler over; its owner takes it back. */
Test(inline_send, another_thread_takes_it_over)
{
    struct counter c;
    cf_coro *h = counter_new(&c, "shared");
    cf_value v;
    cr_assert_eq(cf_send(h, cf_int(1), &v), CF_YIELDED);
    for (int round = 0; round < 3; round++) {
        pthread_t t;
        void *r;
        cr_assert_eq(pthread_create(&t, NULL, send_from_thread, h), 0);
        cr_assert_eq(pthread_join(t, &r), 0);
        cr_assert_eq((intptr_t)r, 42);
        cr_assert_eq(cf_send(h, cf_int(2), &v), CF_YIELDED); /* takes it back */
        cr_assert_eq(cf_to_int(v), 3);
        cr_assert_eq(cf_send(h, cf_int(3), &v), CF_YIELDED); /* its own */
        cr_assert_eq(cf_to_int(v), 4);
    }
    cr_assert_eq(c.calls, 1 + 1 + 3 * 3);
    cf_coro_free(h);
}

#if defined(__x86_64__)
/* A handler's handle has the top bit of its generation set, a body's not:
 * the inline send tells them apart by that bit alone. */
static cf_value idle_body(void *arg)
{
    (void)arg;
    return cf_none();
}

Test(inline_send, handle_top_bit_tells_a_handler)
{
    for (int i = 0; i < 100; i++) {
        struct counter c;
        cf_coro *h = counter_new(&c, "h");
        cf_coro *b = new_coro(idle_body, NULL, "b", false);
        cr_assert((uintptr_t)h >> 63, "handler %d", i);
        cr_assert_not((uintptr_t)b >> 63, "body %d", i);
        cr_assert_neq((uintptr_t)b >> 48, 0, "a body's generation is not 0");
        cf_coro_free(h);
        cf_coro_free(b);
    }
}
#endif
