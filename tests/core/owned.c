/* SPDX-License-Identifier: MIT */
/*
 * tests/core/owned.c - owned values: strings, bytes and pointers with a
 * destructor that a value owns, reference-counted; keep and drop; return
 * values handed over to whoever receives them.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "support.h"

static int freed;

static void count_free(void *p)
{
    freed++;
    cr_assert_eq(*(int *)p, 42);
}

Test(owned, strings_and_bytes_are_copied)
{
    char buf[8] = "abc";
    cf_value s = cf_str_own(buf);
    buf[0] = 'X';
    cr_assert(cf_value_owned(s));
    cr_assert_eq(cf_kind_of(s), CF_STR);
    cr_assert_eq(cf_len(s), 3);
    cr_assert_str_eq(cf_to_str(s), "abc", "NUL-terminated, and a copy");
    cr_assert(cf_value_eq(s, cf_str("abc")));
    cr_assert_str_eq(repr_of(s), "'abc'");
    cf_value b = cf_bytes_own("\0\1", 2);
    cr_assert_eq(cf_kind_of(b), CF_BYTES);
    cr_assert_str_eq(repr_of(b), "b'\\x00\\x01'");
    cf_value n = cf_strn_own("hello", 4);
    cr_assert(cf_value_eq(n, cf_str("hell")));
    cf_value e = cf_str_own("");
    cr_assert(cf_value_owned(e));
    cr_assert_eq(cf_len(e), 0);
    cr_assert(cf_is_none(cf_strn_own(NULL, 3)));
    cf_value_drop(s);
    cf_value_drop(b);
    cf_value_drop(n);
    cf_value_drop(e);
}

Test(owned, keep_copies_borrowed_once_and_counts_owned)
{
    char buf[] = "frame";
    cf_value borrowed = cf_str(buf);
    cr_assert_not(cf_value_owned(borrowed));
    cf_value kept = cf_value_keep(borrowed);
    cr_assert(cf_value_owned(kept));
    cr_assert_neq(cf_to_str(kept), buf, "a borrowed string is copied");
    cf_value again = cf_value_keep(kept);
    cr_assert_eq(cf_to_str(again), cf_to_str(kept), "an owned one is not");
    memset(buf, 0, sizeof buf);
    cf_value_drop(kept);
    cr_assert_str_eq(cf_to_str(again), "frame");
    cf_value_drop(again);
    /* scalars and borrowed pointers come back as they are; drop ignores */
    cr_assert_eq(cf_to_int(cf_value_keep(cf_int(5))), 5);
    cr_assert_eq(cf_to_ptr(cf_value_keep(cf_ptr(buf, 3)), 3), buf);
    cf_value_drop(cf_int(5));
    cf_value_drop(cf_str(buf));
    cf_value_drop(cf_ptr(buf, 3));
}

Test(owned, pointer_destructor_runs_once_at_the_last_drop)
{
    static int obj = 42;
    freed = 0;
    cf_value p = cf_ptr_own(&obj, 7, count_free);
    cr_assert(cf_value_owned(p));
    cr_assert_eq(cf_to_ptr(p, 7), &obj);
    cr_assert_null(cf_to_ptr(p, 8));
    cr_assert(cf_value_eq(p, cf_ptr(&obj, 7)));
    char text[64], want[64];
    cf_value_repr(p, text, sizeof text);
    cf_value_repr(cf_ptr(&obj, 7), want, sizeof want);
    cr_assert_str_eq(text, want);
    cf_value q = cf_value_keep(p);
    cf_value_drop(p);
    cr_assert_eq(freed, 0);
    cf_value_drop(q);
    cr_assert_eq(freed, 1);
    cf_value_drop(cf_ptr_own(&obj, 7, NULL)); /* no destructor */
    cr_assert_eq(freed, 1);
}

/* def g(): buf = ...; return buf  - the result outlives the generator. */
static cf_value returns_local_text(void *arg)
{
    char buf[32];
    snprintf(buf, sizeof buf, "result %d", 7);
    cf_yield(cf_none());
    return cf_str_own(buf);
}

Test(owned, return_value_is_handed_to_the_receiver)
{
    cf_value v;
    cf_coro *g = new_coro(returns_local_text, NULL, "g", true);
    cr_assert_eq(cf_next(g, &v), CF_RETURNED);
    cf_coro_free(g); /* its stack is gone; the value is not */
    cr_assert_str_eq(str_of(v), "result 7");
    cf_value_drop(v);
}

static cf_value returns_ptr(void *arg)
{
    static int obj = 42;
    cf_yield_catch(cf_none(), NULL);
    cf_error_clear();
    return cf_ptr_own(&obj, 1, count_free);
}

/* A return value nobody receives is dropped: send, close, free. */
Test(owned, unreceived_return_value_is_dropped)
{
    freed = 0;
    cf_coro *g = new_coro(returns_ptr, NULL, "g", true);
    cr_assert_eq(cf_next(g, NULL), CF_RETURNED);
    cr_assert_eq(freed, 1);
    cf_coro_free(g);
    g = new_coro(returns_ptr, NULL, "g", true);
    cr_assert_eq(cf_close(g, NULL), CF_RETURNED); /* 3.13: close returns it */
    cr_assert_eq(freed, 2);
    cf_coro_free(g);
    g = new_coro(returns_ptr, NULL, "g", true);
    cf_coro_free(g);
    cr_assert_eq(freed, 3);
    cf_value v;
    g = new_coro(returns_ptr, NULL, "g", true);
    cr_assert_eq(cf_close(g, &v), CF_RETURNED);
    cr_assert_eq(freed, 3);
    cf_value_drop(v);
    cr_assert_eq(freed, 4);
    cf_coro_free(g);
}

static cf_value delegates(void *arg)
{
    cf_value r = cf_yield_from_new(returns_local_text, NULL, NULL);
    cf_yield(r); /* the delegate is freed; its result is still good */
    cf_value_drop(r);
    return cf_none();
}

Test(owned, yield_from_result_is_handed_over)
{
    cf_value v;
    cf_coro *g = new_coro(delegates, NULL, "g", false);
    cr_assert_eq(cf_next(g, NULL), CF_YIELDED);
    cr_assert_eq(cf_next(g, &v), CF_YIELDED);
    cr_assert_str_eq(str_of(v), "result 7");
    cr_assert_eq(cf_next(g, NULL), CF_RETURNED);
    cf_coro_free(g);
}

static cf_value next_of(void *co)
{
    return cf_next_in(co);
}

/* StopIteration keeps the value: e.value outlives the generator. */
Test(owned, stop_iteration_keeps_the_value)
{
    freed = 0;
    cf_coro *g = new_coro(returns_ptr, NULL, "g", true);
    cr_assert_eq(cf_try(next_of, g, NULL), CF_RAISED);
    cf_coro_free(g);
    cr_assert_eq(freed, 0);
    cr_assert_not_null(cf_to_ptr(cf_error_value(cf_error_last()), 1));
    cf_error_clear();
    cr_assert_eq(freed, 1);
    char buf[] = "local";
    cf_error *e = cf_error_new_value(&cf_value_error, cf_str(buf), NULL);
    buf[0] = 'X';
    cr_assert_str_eq(cf_to_str(cf_error_value(e)), "local");
    cf_error_unref(e);
}
