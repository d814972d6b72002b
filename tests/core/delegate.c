/* SPDX-License-Identifier: MIT */
/*
 * tests/core/delegate.c - SEMANTICS.md items 5, 47-48 and group I: yield
 * from (PEP 380), into body coroutines, handler coroutines and plain C
 * iterators.
 */
#include <criterion/criterion.h>

#include "support.h"

static cf_value sub_twice(void *arg)
{
    cf_value a = cf_yield(cf_int(1));
    tracef("sub got %s;", str_of(a));
    cf_value b = cf_yield(cf_int(2));
    tracef("sub got %s;", str_of(b));
    return cf_str("sub result");
}

static cf_value delegator(void *arg)
{
    cf_coro *sub = arg;
    cf_value r = cf_yield_from(sub);
    tracef("yield from gave %s;", str_of(r));
    cf_yield(cf_int(3));
    return cf_str("outer result");
}

/*
 * Items 5, 49-53, 60: the first next goes to the subgenerator and its first
 * yield comes straight out; sends are forwarded; the link names it while
 * suspended; its return value is the value of the yield from and the
 * delegator continues in the same call; then the link clears and the sub is
 * CLOSED (cases yf_return_value, yf_chain3_send).
 */
Test(delegate, item05_49_53_60_basic_delegation, .init = trace_reset)
{
    cf_value v;
    cf_coro *sub = new_coro(sub_twice, NULL, "sub", false);
    cf_coro *g = new_coro(delegator, sub, "outer", false);
    cr_assert_null(cf_coro_delegate(g), "no link before it starts");
    cr_assert_eq(cf_next(g, &v), CF_YIELDED);
    cr_assert_eq(cf_to_int(v), 1);
    cr_assert_eq(cf_coro_delegate(g), sub);
    cr_assert_eq(cf_coro_state(g), CF_SUSPENDED);
    cr_assert_eq(cf_coro_state(sub), CF_SUSPENDED);
    cr_assert_eq(cf_send(g, cf_str("a"), &v), CF_YIELDED);
    cr_assert_eq(cf_to_int(v), 2);
    cr_assert_eq(cf_send(g, cf_str("b"), &v), CF_YIELDED);
    cr_assert_eq(cf_to_int(v), 3);
    cr_assert_null(cf_coro_delegate(g), "the link clears when it finishes");
    cr_assert_eq(cf_coro_state(sub), CF_CLOSED);
    cr_assert_eq(cf_next(g, &v), CF_RETURNED);
    cr_assert_str_eq(str_of(v), "outer result");
    assert_trace("sub got a;sub got b;yield from gave sub result;");
    cf_coro_free(g);
    cf_coro_free(sub);
}

/* Item 49: a sub that is already CLOSED finishes at once with None. */
Test(delegate, item49_closed_sub_finishes_at_once, .init = trace_reset)
{
    cf_value v;
    cf_coro *sub = new_coro(sub_twice, NULL, "sub", false);
    cf_close(sub, NULL);
    cf_coro *g = new_coro(delegator, sub, "outer", false);
    cr_assert_eq(cf_next(g, &v), CF_YIELDED);
    cr_assert_eq(cf_to_int(v), 3);
    assert_trace("yield from gave None;");
    cf_coro_free(g);
    cf_coro_free(sub);
}

struct chain {
    cf_coro *next;
    int depth;
};

static cf_value level(void *arg)
{
    struct chain *c = arg;
    if (c->next == NULL) {
        cf_value v = cf_none();
        for (int i = 0; i < 3; i++)
            v = cf_yield(cf_int(cf_to_int(v) + 1));
        return cf_int(100);
    }
    cf_value r = cf_yield_from(c->next);
    return cf_int(cf_to_int(r) + c->depth);
}

/*
 * Item 52: a chain of any depth; every send reaches the innermost, return
 * values travel up one level at a time within the same call; every member
 * reports RUNNING while the innermost runs (item 47) and SUSPENDED otherwise.
 */
Test(delegate, item47_52_deep_chain)
{
    enum { DEPTH = 64 };
    static struct chain links[DEPTH];
    static cf_coro *cs[DEPTH];
    for (int i = DEPTH - 1; i >= 0; i--) {
        links[i].next = i + 1 < DEPTH ? cs[i + 1] : NULL;
        links[i].depth = 1;
        cs[i] = new_coro(level, &links[i], "level", false);
    }
    cf_value v;
    cr_assert_eq(cf_next(cs[0], &v), CF_YIELDED);
    cr_assert_eq(cf_to_int(v), 1);
    for (int i = 0; i < DEPTH; i++)
        cr_assert_eq(cf_coro_state(cs[i]), CF_SUSPENDED);
    cr_assert_eq(cf_send(cs[0], cf_int(10), &v), CF_YIELDED);
    cr_assert_eq(cf_to_int(v), 11);
    cr_assert_eq(cf_send(cs[DEPTH / 2], cf_int(20), &v), CF_YIELDED,
                 "a send into the middle also reaches the innermost");
    cr_assert_eq(cf_to_int(v), 21);
    cr_assert_eq(cf_next(cs[0], &v), CF_RETURNED);
    cr_assert_eq(cf_to_int(v), 100 + DEPTH - 1);
    for (int i = 0; i < DEPTH; i++)
        cf_coro_free(cs[i]);
}

static cf_coro *outer_g;

static cf_value inner_resumes_outer(void *arg)
{
    tracef("outer is %s;", state_of(outer_g));
    cr_assert_eq(cf_next(outer_g, NULL), CF_RAISED);
    tracef("%s;", err_text());
    cf_error_clear();
    cf_yield(cf_none());
    return cf_none();
}

static cf_value outer_body(void *arg)
{
    return cf_yield_from(arg);
}

/* Item 47: resuming the delegator from inside its sub raises ValueError. */
Test(delegate, item47_delegators_claim_to_be_running, .init = trace_reset)
{
    cf_coro *sub = new_coro(inner_resumes_outer, NULL, "inner", false);
    outer_g = new_coro(outer_body, sub, "outer", false);
    cr_assert_eq(cf_next(outer_g, NULL), CF_YIELDED);
    assert_trace("outer is GEN_RUNNING;ValueError: generator already "
                 "executing;");
    cf_coro_free(outer_g);
    cf_coro_free(sub);
}

static cf_coro *loop_g1;

static cf_value loop_g2(void *arg)
{
    return cf_yield_from(loop_g1);
}

static cf_value loop_first(void *arg)
{
    return cf_yield_from(arg);
}

/* Item 48: a yield-from loop fails with ValueError at g2's yield from. */
Test(delegate, item48_yield_from_loop)
{
    cf_coro *g2 = new_coro(loop_g2, NULL, "g2", false);
    loop_g1 = new_coro(loop_first, g2, "g1", false);
    cr_assert_eq(cf_next(loop_g1, NULL), CF_RAISED);
    assert_error("ValueError: generator already executing");
    cr_assert_eq(cf_coro_state(loop_g1), CF_CLOSED);
    cr_assert_eq(cf_coro_state(g2), CF_CLOSED);
    cf_error_clear();
    cf_coro_free(loop_g1);
    cf_coro_free(g2);
}

static cf_value sub_raises(void *arg)
{
    cf_value v = cf_yield(cf_none());
    cf_raise(&cf_value_error, "sub failed on %s", str_of(v));
}

static cf_value catches_sub_error(void *arg)
{
    cf_value r;
    if (cf_yield_from_catch(arg, &r) == CF_RAISED) {
        tracef("delegator caught %s;", err_text());
        cf_error_clear();
    }
    cf_yield(cf_str("after"));
    return cf_none();
}

/* Item 54: the sub's exception is raised in the delegator, which may catch it. */
Test(delegate, item54_exception_from_sub, .init = trace_reset)
{
    cf_value v;
    cf_coro *sub = new_coro(sub_raises, NULL, "sub", false);
    cf_coro *g = new_coro(catches_sub_error, sub, "outer", false);
    cf_next(g, NULL);
    cr_assert_eq(cf_send(g, cf_str("x"), &v), CF_YIELDED);
    cr_assert_str_eq(str_of(v), "after");
    cr_assert_eq(cf_coro_state(sub), CF_CLOSED);
    assert_trace("delegator caught ValueError: sub failed on x;");
    cf_coro_free(g);
    cf_coro_free(sub);
}

static cf_value catches_and_yields(void *arg)
{
    for (;;) {
        if (cf_yield_catch(cf_str("ready"), NULL) == CF_RAISED) {
            tracef("inner caught %s;", err_text());
            cf_error_clear();
        }
    }
    return cf_none();
}

/* Item 55: throw goes to the innermost first; caught there, the chain stays. */
Test(delegate, item55_throw_reaches_innermost, .init = trace_reset)
{
    cf_value v;
    cf_coro *sub = new_coro(catches_and_yields, NULL, "sub", false);
    cf_coro *g = new_coro(outer_body, sub, "outer", false);
    cf_next(g, NULL);
    cr_assert_eq(cf_throw_new(g, &cf_value_error, "t", &v), CF_YIELDED);
    cr_assert_str_eq(str_of(v), "ready");
    cr_assert_eq(cf_coro_delegate(g), sub);
    assert_trace("inner caught ValueError: t;");
    cf_coro_free(g);
    cf_coro_free(sub);
}

static void say(void *arg)
{
    tracef("%s;", (const char *)arg);
}

static cf_value cleanup_level(void *arg)
{
    struct chain *c = arg;
    static char names[3][16] = {"finally 0", "finally 1", "finally 2"};
    cf_cleanup cl;
    cf_cleanup_push(&cl, say, names[c->depth]);
    if (c->next != NULL)
        cf_yield_from(c->next);
    else
        cf_yield(cf_none());
    cf_cleanup_pop(&cl, true);
    return cf_none();
}

/*
 * Item 56: closing a delegator closes the chain innermost first; every
 * member ends CLOSED (case yf_chain3_close).
 */
Test(delegate, item56_close_closes_innermost_first, .init = trace_reset)
{
    static struct chain links[3];
    cf_coro *cs[3];
    for (int i = 2; i >= 0; i--) {
        links[i].next = i < 2 ? cs[i + 1] : NULL;
        links[i].depth = i;
        cs[i] = new_coro(cleanup_level, &links[i], "level", false);
    }
    cf_next(cs[0], NULL);
    cr_assert_eq(cf_close(cs[0], NULL), CF_RETURNED);
    assert_trace("finally 2;finally 1;finally 0;");
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(cf_coro_state(cs[i]), CF_CLOSED);
        cf_coro_free(cs[i]);
    }
}

static cf_value ignores_exit_once(void *arg)
{
    if (cf_yield_catch(cf_none(), NULL) == CF_RAISED)
        cf_error_clear();
    cf_yield(cf_str("ignored"));
    return cf_none();
}

/*
 * Item 58: a sub that ignores GeneratorExit: RuntimeError comes out of the
 * delegator, which is CLOSED; the sub is left SUSPENDED.
 */
Test(delegate, item58_sub_ignores_generator_exit)
{
    cf_coro *sub = new_coro(ignores_exit_once, NULL, "sub", false);
    cf_coro *g = new_coro(outer_body, sub, "outer", false);
    cf_next(g, NULL);
    cr_assert_eq(cf_close(g, NULL), CF_RAISED);
    assert_error("RuntimeError: generator ignored GeneratorExit");
    cr_assert_eq(cf_coro_state(g), CF_CLOSED);
    cr_assert_eq(cf_coro_state(sub), CF_SUSPENDED);
    cf_error_clear();
    cf_coro_free(g);
    cf_coro_free(sub);
}

/* A step function: a running total, as a handler coroutine. */
static cf_status total_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    int64_t *total = self;
    if (op == CF_OP_THROW)
        return CF_RAISED;
    if (cf_to_int(in) < 0) {
        *out = cf_int(*total);
        return CF_RETURNED;
    }
    *total += cf_to_int(in);
    *out = cf_int(*total);
    return CF_YIELDED;
}

/* Delegating to a handler: forwarded sends, its return value (PEP 380). */
Test(delegate, yield_from_a_handler)
{
    int64_t total = 0;
    cf_value v;
    cf_coro *h = new_handler(total_step, &total, "total", false);
    cf_coro *g = new_coro(delegator, h, "outer", false);
    trace_reset();
    cr_assert_eq(cf_next(g, &v), CF_YIELDED);
    cr_assert_eq(cf_to_int(v), 0);
    cr_assert_eq(cf_send(g, cf_int(5), &v), CF_YIELDED);
    cr_assert_eq(cf_to_int(v), 5);
    cr_assert_eq(cf_send(g, cf_int(-1), &v), CF_YIELDED);
    cr_assert_eq(cf_to_int(v), 3);
    assert_trace("yield from gave 5;");
    cf_coro_free(g);
    cf_coro_free(h);
}

static cf_status count_to_3(void *state, cf_value *out)
{
    int *n = state;
    if (*n >= 3) {
        *out = cf_str("exhausted");
        return CF_RETURNED;
    }
    *out = cf_int(++*n);
    return CF_YIELDED;
}

static cf_value from_iter(void *arg)
{
    cf_value r = cf_yield_from_iter(count_to_3, arg);
    tracef("iter gave %s;", str_of(r));
    return cf_none();
}

/*
 * Items 51, 53, 59 with a plain iterator: next and send(None) advance it,
 * its StopIteration value is the result, a non-None send raises
 * AttributeError in the delegator, as CPython 3.11's "'list_iterator' object
 * has no attribute 'send'" (case yf_plain_iterator).
 */
Test(delegate, item51_53_59_plain_iterator, .init = trace_reset)
{
    int n = 0;
    cf_value v;
    cf_coro *g = new_coro(from_iter, &n, "g", false);
    cr_assert_eq(cf_next(g, &v), CF_YIELDED);
    cr_assert_eq(cf_send(g, cf_none(), &v), CF_YIELDED);
    cr_assert_eq(cf_to_int(v), 2);
    cr_assert_eq(cf_next(g, &v), CF_YIELDED);
    cr_assert_eq(cf_next(g, &v), CF_RETURNED);
    assert_trace("iter gave exhausted;");
    cf_coro_free(g);
    n = 0;
    g = new_coro(from_iter, &n, "g", false);
    cf_next(g, NULL);
    cr_assert_eq(cf_send(g, cf_int(1), &v), CF_RAISED);
    assert_error("AttributeError: 'iterator' object has no attribute 'send'");
    cr_assert(cf_error_is(cf_error_last(), &cf_attribute_error));
    cr_assert_eq(cf_coro_state(g), CF_CLOSED);
    cf_error_clear();
    cf_coro_free(g);
}

static cf_value shares(void *arg)
{
    return cf_yield_from(arg);
}

/* One coroutine cannot be the delegate of two delegators at once. */
Test(delegate, shared_delegate_is_refused)
{
    cf_coro *sub = new_coro(catches_and_yields, NULL, "sub", false);
    cf_coro *a = new_coro(shares, sub, "a", false);
    cf_coro *b = new_coro(shares, sub, "b", false);
    cr_assert_eq(cf_next(a, NULL), CF_YIELDED);
    cr_assert_eq(cf_next(b, NULL), CF_RAISED);
    assert_error("ValueError: coroutine 'sub' is already delegated to by 'a'");
    cf_error_clear();
    cf_coro_free(a);
    cf_coro_free(b);
    cf_coro_free(sub);
}

/* Freeing a delegate under a suspended delegator: it sees the sub finished. */
Test(delegate, freeing_the_delegate_first, .init = trace_reset)
{
    cf_value v;
    cf_coro *sub = new_coro(sub_twice, NULL, "sub", false);
    cf_coro *g = new_coro(delegator, sub, "outer", false);
    cf_next(g, NULL);
    cf_coro_free(sub);
    cr_assert_null(cf_coro_delegate(g));
    cr_assert_eq(cf_send(g, cf_int(1), &v), CF_YIELDED);
    cr_assert_eq(cf_to_int(v), 3);
    assert_trace("yield from gave None;");
    cf_coro_free(g);
}
