/* SPDX-License-Identifier: MIT */
/*
 * tests/core/builtins.c - errors that carry a value, next() and send() that
 * raise StopIteration with it, AttributeError. Each test names the Python it
 * mirrors (CPython 3.11).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* def sub(): x = yield 1; return x * 10 */
static cf_value sub_ret(void *arg)
{
    cf_value x = cf_yield(cf_int(1));
    return cf_int(cf_to_int(x) * 10);
}

/*
 * def g():
 *     s = sub(); print(next(s))
 *     try: s.send(4)
 *     except StopIteration as e: print("value", e.value)
 *     try: next(s)
 *     except StopIteration as e: print("again", e.value)
 */

static cf_value send4(void *s)
{
    return cf_send_in(s, cf_int(4));
}

static cf_value next_of(void *s)
{
    return cf_next_in(s);
}

static cf_value stop_values(void *arg)
{
    cf_coro *s = new_coro(sub_ret, NULL, "sub", false);
    tracef("next %s;", str_of(cf_next_in(s)));
    if (cf_try(send4, s, NULL) == CF_RAISED) {
        cr_assert(cf_error_is(cf_error_last(), &cf_stop_iteration));
        tracef("value %s;", str_of(cf_error_value(cf_error_last())));
        cf_error_clear();
    }
    if (cf_try(next_of, s, NULL) == CF_RAISED) {
        tracef("again %s;", str_of(cf_error_value(cf_error_last())));
        cf_error_clear();
    }
    cf_coro_free(s);
    return cf_none();
}

Test(builtins, next_in_raises_stop_iteration_with_value, .init = trace_reset)
{
    cf_coro *g = new_coro(stop_values, NULL, "g", false);
    cr_assert_eq(cf_next(g, NULL), CF_RETURNED);
    assert_trace("next 1;value 40;again None;");
    cf_coro_free(g);
}

/* An uncaught StopIteration from next() in a generator: PEP 479. */
static cf_value lets_stop_escape(void *arg)
{
    cf_coro *s = arg;
    cf_next_in(s);
    cf_next_in(s); /* sub returns 0: StopIteration(0) escapes */
    return cf_none();
}

Test(builtins, next_in_stop_escaping_body_is_pep479)
{
    cf_coro *s = new_coro(sub_ret, NULL, "sub", false);
    cf_coro *g = new_coro(lets_stop_escape, s, "g", false);
    cr_assert_eq(cf_next(g, NULL), CF_RAISED);
    assert_error("RuntimeError: generator raised StopIteration");
    const cf_error *cause = cf_error_cause(cf_error_last());
    cr_assert(cf_error_is(cause, &cf_stop_iteration));
    cr_assert_eq(cf_to_int(cf_error_value(cause)), 0);
    cf_error_clear();
    cf_coro_free(g);
    cf_coro_free(s);
}

static cf_value raises_at_second(void *arg)
{
    cf_yield(cf_none());
    cf_raise(&cf_value_error, "from sub");
}

/* next() re-raises what the generator raised, unchanged. */
Test(builtins, next_in_reraises_the_error)
{
    cf_coro *s = new_coro(raises_at_second, NULL, "sub", true);
    cr_assert_eq(cf_try(next_of, s, NULL), CF_RAISED);
    assert_error("ValueError: from sub");
    cr_assert_str_eq(cf_error_coro(cf_error_last()), "sub");
    cf_error_clear();
    cf_coro_free(s);
}

/* Misuse: a NULL coroutine raises TypeError; a running one ValueError. */
static cf_value next_self(void *arg)
{
    return cf_next_in(cf_current());
}

Test(builtins, next_in_misuse)
{
    cr_assert_eq(cf_try(next_of, NULL, NULL), CF_RAISED);
    assert_error("TypeError: send to a NULL coroutine");
    cf_error_clear();
    cf_coro *g = new_coro(next_self, NULL, "g", false);
    cr_assert_eq(cf_next(g, NULL), CF_RAISED);
    assert_error("ValueError: generator already executing");
    cf_error_clear();
    cf_coro_free(g);
}

/*
 * str(StopIteration(5)) == "5", str(StopIteration("abc")) == "abc",
 * a message wins over a value, and an error with neither prints its type.
 */
Test(builtins, error_value_formats_as_python)
{
    char buf[64];
    cf_error *e = cf_error_new_value(&cf_stop_iteration, cf_int(5), NULL);
    cr_assert_eq(cf_to_int(cf_error_value(e)), 5);
    cf_error_format(e, buf, sizeof buf);
    cr_assert_str_eq(buf, "StopIteration: 5");
    cf_error_unref(e);
    e = cf_error_new_value(&cf_value_error, cf_str("abc"), NULL);
    cr_assert_eq(cf_error_format(e, buf, sizeof buf),
                 strlen("ValueError: abc"));
    cr_assert_str_eq(buf, "ValueError: abc");
    /* cut like snprintf: the full length comes back */
    cr_assert_eq(cf_error_format(e, buf, 8), strlen("ValueError: abc"));
    cr_assert_str_eq(buf, "ValueEr");
    cr_assert_eq(cf_error_format(e, buf, 14), strlen("ValueError: abc"));
    cr_assert_str_eq(buf, "ValueError: a");
    cf_error_unref(e);
    e = cf_error_new_value(&cf_value_error, cf_int(1), "bad %d", 2);
    cf_error_format(e, buf, sizeof buf);
    cr_assert_str_eq(buf, "ValueError: bad 2");
    cf_error_unref(e);
    e = cf_error_new(&cf_stop_iteration, NULL);
    cr_assert(cf_is_none(cf_error_value(e)));
    cf_error_format(e, buf, sizeof buf);
    cr_assert_str_eq(buf, "StopIteration");
    cf_error_unref(e);
    cr_assert(cf_is_none(cf_error_value(NULL)));
}

Test(builtins, error_value_prints_as_python)
{
    cf_error *e = cf_error_new_value(&cf_stop_iteration, cf_str("done"), NULL);
    stderr_capture();
    cf_error_print(e, stderr);
    char *text = stderr_captured();
    cr_assert_str_eq(text, "StopIteration: done\n");
    cf_error_unref(e);
}

/* AttributeError is an Exception, as in Python's hierarchy. */
Test(builtins, attribute_error_type)
{
    cr_assert(cf_type_is(&cf_attribute_error, &cf_exception));
    cr_assert_str_eq(cf_attribute_error.name, "AttributeError");
}
