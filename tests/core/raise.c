/* SPDX-License-Identifier: MIT */
/*
 * tests/core/raise.c - SEMANTICS.md groups E and F: exceptions escaping the
 * body, PEP 479, throw; and the error objects themselves.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "support.h"

static void note_finally(void *arg)
{
    tracef("finally %s;", (const char *)arg);
}

static cf_value raises_nested(void *arg)
{
    static char outer[] = "outer", inner[] = "inner";
    cf_cleanup a, b;
    cf_cleanup_push(&a, note_finally, outer);
    cf_cleanup_push(&b, note_finally, inner);
    cf_yield(cf_none());
    cf_raise(&cf_value_error, "negative %d", -1);
}

/*
 * Item 20: an uncaught exception unwinds the finally blocks innermost first,
 * comes out of the resume that was running, and the generator is CLOSED
 * (case gen_exception_escapes).
 */
Test(raise, item20_uncaught_unwinds_innermost_first, .init = trace_reset)
{
    cf_coro *g = new_coro(raises_nested, NULL, "checker", true);
    cr_assert_eq(cf_next(g, NULL), CF_RAISED);
    assert_error("ValueError: negative -1");
    cr_assert_str_eq(cf_error_coro(cf_error_last()), "checker");
    assert_trace("finally inner;finally outer;");
    cr_assert_eq(cf_coro_state(g), CF_CLOSED);
    cf_error_clear();
    cf_coro_free(g);
}

static cf_value raise_in_handler(void *arg)
{
    if (cf_yield_catch(cf_none(), NULL) == CF_RAISED)
        cf_raise(&cf_runtime_error, "while handling");
    return cf_none();
}

/* Item 20: a new exception raised in a handler has the handled one as context. */
Test(raise, item20_context_of_error_raised_in_handler)
{
    cf_coro *g = new_coro(raise_in_handler, NULL, "g", true);
    cr_assert_eq(cf_throw_new(g, &cf_value_error, "first", NULL), CF_RAISED);
    assert_error("RuntimeError: while handling");
    const cf_error *ctx = cf_error_context(cf_error_last());
    cr_assert_not_null(ctx);
    cr_assert_eq(cf_error_type_of(ctx), &cf_value_error);
    cr_assert_str_eq(cf_error_message(ctx), "first");
    cf_error_clear();
    cf_coro_free(g);
}

static cf_value raises_stop(void *arg)
{
    cf_yield(cf_none());
    cf_raise(&cf_stop_iteration, NULL);
}

static cf_status exhausted(void *st, cf_value *out)
{
    return CF_RETURNED;
}

static cf_value next_on_exhausted(void *arg)
{
    cf_yield(cf_none());
    /* next() on an exhausted iterator raises StopIteration inside the body. */
    cf_value v;
    if (exhausted(NULL, &v) == CF_RETURNED)
        cf_raise(&cf_stop_iteration, NULL);
    return cf_none();
}

static void check_pep479(cf_status st)
{
    cr_assert_eq(st, CF_RAISED);
    assert_error("RuntimeError: generator raised StopIteration");
    const cf_error *cause = cf_error_cause(cf_error_last());
    cr_assert_not_null(cause);
    cr_assert_eq(cf_error_type_of(cause), &cf_stop_iteration);
    cf_error_clear();
}

/*
 * Item 21 (PEP 479): a StopIteration escaping the body becomes RuntimeError
 * "generator raised StopIteration" with the StopIteration as its cause: from
 * an explicit raise, from next() on an exhausted iterator, from a throw.
 */
Test(raise, item21_pep479)
{
    cf_coro *g = new_coro(raises_stop, NULL, "g", true);
    check_pep479(cf_next(g, NULL));
    cr_assert_eq(cf_coro_state(g), CF_CLOSED);
    cf_coro_free(g);
    g = new_coro(next_on_exhausted, NULL, "g", true);
    check_pep479(cf_next(g, NULL));
    cf_coro_free(g);
    g = new_coro(raises_stop, NULL, "g", true);
    check_pep479(cf_throw_new(g, &cf_stop_iteration, NULL, NULL));
    cf_coro_free(g);
}

static cf_value catches_stop(void *arg)
{
    if (cf_yield_catch(cf_none(), NULL) == CF_RAISED)
        tracef("caught %s;", err_text());
    cf_error_clear();
    return cf_str("fine");
}

/* Item 21: a StopIteration caught inside the body is an ordinary exception. */
Test(raise, item21_caught_stop_iteration_is_ordinary, .init = trace_reset)
{
    cf_value v;
    cf_coro *g = new_coro(catches_stop, NULL, "g", true);
    cr_assert_eq(cf_throw_new(g, &cf_stop_iteration, "x", &v), CF_RETURNED);
    cr_assert_str_eq(str_of(v), "fine");
    assert_trace("caught StopIteration: x;");
    cf_coro_free(g);
}

/*
 * Item 22: throw(StopIteration) into a never-started generator: coflow
 * follows Python 3.13, where the bare StopIteration comes out.
 */
Test(raise, item22_throw_stop_into_created_follows_313)
{
    cf_coro *g = new_coro(raises_stop, NULL, "g", false);
    cr_assert_eq(cf_throw_new(g, &cf_stop_iteration, NULL, NULL), CF_RAISED);
    assert_error("StopIteration");
    cf_error_clear();
    cf_coro_free(g);
}

static cf_value resilient(void *arg)
{
    int n = 0;
    for (;;) {
        cf_value x;
        if (cf_yield_catch(cf_int(n), &x) == CF_RAISED) {
            if (!cf_error_is(cf_error_last(), &cf_value_error))
                cf_reraise();
            tracef("caught %s;", err_text());
            cf_error_clear();
        }
        n++;
    }
    return cf_none();
}

/*
 * Items 23-24 and 26: throw raises at the paused yield; caught and yields:
 * throw returns the value and the generator stays usable; not caught: the
 * same exception falls through and it is CLOSED (case throw_handled_yield).
 */
Test(raise, item23_24_26_throw, .init = trace_reset)
{
    cf_value v;
    cf_coro *g = new_coro(resilient, NULL, "g", true);
    cr_assert_eq(cf_throw_new(g, &cf_value_error, "xyz", &v), CF_YIELDED);
    cr_assert_eq(cf_to_int(v), 1);
    cr_assert_eq(cf_coro_state(g), CF_SUSPENDED);
    cr_assert_eq(cf_send(g, cf_str("hello"), &v), CF_YIELDED);
    cr_assert_eq(cf_to_int(v), 2);
    cf_error *e = cf_error_new(&cf_type_error, "not handled");
    cr_assert_eq(cf_throw(g, e, &v), CF_RAISED);
    cr_assert_eq(cf_error_last(), e, "the same exception falls through");
    cr_assert_eq(cf_coro_state(g), CF_CLOSED);
    assert_trace("caught ValueError: xyz;");
    cf_error_clear();
    cf_coro_free(g);
}

/* Item 25: caught, then returns r: throw raises StopIteration(r). */
Test(raise, item25_throw_caught_then_returns)
{
    cf_value v;
    cf_coro *g = new_coro(catches_stop, NULL, "g", true);
    cr_assert_eq(cf_throw_new(g, &cf_value_error, "stop please", &v),
                 CF_RETURNED);
    cr_assert_str_eq(str_of(v), "fine");
    cr_assert_eq(cf_coro_state(g), CF_CLOSED);
    cf_coro_free(g);
}

/* Item 27: caught, then a different exception: context is the thrown one. */
Test(raise, item27_throw_caught_then_other)
{
    cf_coro *g = new_coro(raise_in_handler, NULL, "g", true);
    cr_assert_eq(cf_throw_new(g, &cf_type_error, "thrown", NULL), CF_RAISED);
    assert_error("RuntimeError: while handling");
    assert_error("RuntimeError: while handling");
    cr_assert_str_eq(cf_error_message(cf_error_context(cf_error_last())),
                     "thrown");
    cr_assert_eq(cf_coro_state(g), CF_CLOSED);
    cf_error_clear();
    cf_coro_free(g);
}

/*
 * Items 28-29: throw into a CREATED generator raises at the start of the
 * body: no code runs, it comes straight out, and the generator is CLOSED;
 * into a CLOSED one it just re-raises (case throw_created_closed).
 */
Test(raise, item28_29_throw_created_and_closed, .init = trace_reset)
{
    cf_value v;
    cf_coro *g = new_coro(raises_nested, NULL, "g", false);
    cr_assert_eq(cf_throw_new(g, &cf_value_error, "early", &v), CF_RAISED);
    assert_error("ValueError: early");
    cr_assert_eq(cf_coro_state(g), CF_CLOSED);
    cr_assert_str_eq(trace_text(), "", "no finally ran");
    cr_assert_eq(cf_next(g, &v), CF_RETURNED);
    cr_assert_eq(cf_throw_new(g, &cf_value_error, "late", &v), CF_RAISED);
    assert_error("ValueError: late");
    cf_error_clear();
    cf_coro_free(g);
}

static cf_value catches_exit_and_yields(void *arg)
{
    if (cf_yield_catch(cf_none(), NULL) == CF_RAISED) {
        tracef("caught %s;", err_text());
        cf_error_clear();
        cf_yield(cf_str("w"));
    }
    return cf_none();
}

/*
 * Item 30: throw(GeneratorExit) is an ordinary throw: caught and yields,
 * throw returns the value (no RuntimeError); uncaught, GeneratorExit itself
 * comes out of throw.
 */
Test(raise, item30_throw_generator_exit_is_ordinary, .init = trace_reset)
{
    cf_value v;
    cf_coro *g = new_coro(catches_exit_and_yields, NULL, "g", true);
    cr_assert_eq(cf_throw_new(g, &cf_generator_exit, NULL, &v), CF_YIELDED);
    cr_assert_str_eq(str_of(v), "w");
    assert_trace("caught GeneratorExit;");
    cf_coro_free(g);
    g = new_coro(raises_nested, NULL, "g", true);
    cr_assert_eq(cf_throw_new(g, &cf_generator_exit, NULL, &v), CF_RAISED);
    assert_error("GeneratorExit");
    cf_error_clear();
    cf_coro_free(g);
}

/* Item 31: GeneratorExit is a BaseException, not an Exception. */
Test(raise, item31_hierarchy)
{
    cr_assert(cf_type_is(&cf_generator_exit, &cf_base_exception));
    cr_assert_not(cf_type_is(&cf_generator_exit, &cf_exception));
    const cf_error_type *under_exception[] = {
        &cf_stop_iteration, &cf_value_error, &cf_type_error, &cf_runtime_error,
        &cf_memory_error};
    for (size_t i = 0; i < 5; i++) {
        cr_assert(cf_type_is(under_exception[i], &cf_exception));
        cr_assert(cf_type_is(under_exception[i], &cf_base_exception));
    }
    cr_assert_not(cf_type_is(&cf_exception, &cf_value_error));
    cr_assert_not(cf_type_is(NULL, &cf_exception));
}

static const cf_error_type parse_error = {"ParseError", &cf_value_error};

/* User error types derive from the built-in ones and are caught by them. */
Test(raise, user_error_types)
{
    cf_error *e = cf_error_new(&parse_error, "line %d", 3);
    cr_assert(cf_error_is(e, &parse_error));
    cr_assert(cf_error_is(e, &cf_value_error));
    cr_assert(cf_error_is(e, &cf_exception));
    cr_assert_not(cf_error_is(e, &cf_type_error));
    char buf[64];
    cr_assert_eq(cf_error_format(e, buf, sizeof buf), 18);
    cr_assert_str_eq(buf, "ParseError: line 3");
    cr_assert_str_eq(cf_error_coro(e), "", "made outside any coroutine");
    cr_assert_eq(cf_error_ref(e), e);
    cf_error_unref(e);
    cf_error_unref(e);
    cf_error_unref(NULL);
}

Test(raise, error_accessors_accept_null)
{
    char buf[16];
    cr_assert_null(cf_error_type_of(NULL));
    cr_assert_str_eq(cf_error_message(NULL), "");
    cr_assert_str_eq(cf_error_coro(NULL), "");
    cr_assert_null(cf_error_context(NULL));
    cr_assert_null(cf_error_cause(NULL));
    cr_assert_not(cf_error_is(NULL, &cf_exception));
    cf_error_format(NULL, buf, sizeof buf);
    cr_assert_str_eq(buf, "None");
    cf_error *e = cf_error_new(NULL, NULL);
    cr_assert_eq(cf_error_type_of(e), &cf_exception);
    cf_error_format(e, buf, sizeof buf);
    cr_assert_str_eq(buf, "Exception");
    cf_error_unref(e);
}

/* cf_error_print() prints the chain as Python's traceback text does. */
Test(raise, error_print_shows_the_chain)
{
    cf_coro *g = new_coro(raise_in_handler, NULL, "g", true);
    cf_throw_new(g, &cf_value_error, "first", NULL);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cf_error_print(cf_error_last(), f);
    fclose(f);
    cr_assert_str_eq(text, "ValueError: first\n"
                           "\nDuring handling of the above exception, "
                           "another exception occurred:\n\n"
                           "RuntimeError: while handling (in coroutine 'g')\n");
    free(text);
    cf_error_clear();
    cf_coro_free(g);
}

static cf_value protected_body(void *arg)
{
    cf_raise(&cf_value_error, "inner");
}

static cf_value uses_try(void *arg)
{
    cf_value r;
    if (cf_try(protected_body, NULL, &r) == CF_RAISED) {
        tracef("try caught %s;", err_text());
        cf_error_clear();
    }
    cf_yield(cf_none());
    return cf_none();
}

/* A protected call is Python's try/except around a call, in a body... */
Test(raise, try_inside_a_body, .init = trace_reset)
{
    cf_coro *g = new_coro(uses_try, NULL, "g", true);
    assert_trace("try caught ValueError: inner;");
    cr_assert_eq(cf_coro_state(g), CF_SUSPENDED);
    cf_coro_free(g);
}

static cf_value returns_arg(void *arg)
{
    return cf_int(*(int *)arg);
}

/* ... and outside any coroutine. */
Test(raise, try_outside_coroutines)
{
    int x = 4;
    cf_value r;
    cr_assert_eq(cf_try(returns_arg, &x, &r), CF_RETURNED);
    cr_assert_eq(cf_to_int(r), 4);
    cr_assert_eq(cf_try(protected_body, NULL, &r), CF_RAISED);
    assert_error("ValueError: inner");
    cr_assert_eq(cf_try(protected_body, NULL, NULL), CF_RAISED);
    cf_error_clear();
}

static cf_value reraise_nothing(void *arg)
{
    cf_reraise();
}

/* Bare `raise` with nothing being handled: RuntimeError, as Python. */
Test(raise, reraise_with_nothing_handled)
{
    cr_assert_eq(cf_try(reraise_nothing, NULL, NULL), CF_RAISED);
    assert_error("RuntimeError: No active exception to reraise");
    cf_error_clear();
}

static cf_value raise_null(void *arg)
{
    cf_raise_error(NULL);
}

Test(raise, raise_null_error_is_a_type_error)
{
    cr_assert_eq(cf_try(raise_null, NULL, NULL), CF_RAISED);
    assert_error("TypeError: cf_raise_error() of a NULL error");
    cf_error_clear();
}

#define NONE_TYPE_ERROR                                                        \
    "TypeError: exceptions must be classes or instances deriving from "        \
    "BaseException, not NoneType"

static cf_value counts(void *arg)
{
    int64_t i = 0;
    for (;;)
        cf_yield(cf_int(i++));
    return cf_none();
}

/*
 * g.throw(None) (Python 3.11): TypeError at the caller; the generator is
 * left as it was, suspended or not started, and goes on from there.
 */
Test(raise, throw_null_error_is_a_type_error_at_the_caller)
{
    cf_value v;
    cf_coro *g = new_coro(counts, NULL, "g", false);
    cr_assert_eq(cf_throw(g, NULL, NULL), CF_RAISED);
    assert_error(NONE_TYPE_ERROR);
    cr_assert_eq(cf_coro_state(g), CF_CREATED);
    cf_error_clear();
    cr_assert_eq(cf_next(g, &v), CF_YIELDED);
    cr_assert_eq(cf_to_int(v), 0);
    cr_assert_eq(cf_throw(g, NULL, &v), CF_RAISED);
    assert_error(NONE_TYPE_ERROR);
    cr_assert_eq(cf_coro_state(g), CF_SUSPENDED);
    cf_error_clear();
    cr_assert_eq(cf_next(g, &v), CF_YIELDED);
    cr_assert_eq(cf_to_int(v), 1, "the body did not see the throw");
    cf_coro_free(g);
}

static cf_value delegates_and_catches(void *arg)
{
    cf_coro *sub = (cf_coro *)arg;
    if (cf_yield_from_catch(sub, NULL) == CF_RAISED) {
        tracef("caught %s;", err_text());
        cf_error_clear();
        cf_yield(cf_str("d"));
    }
    return cf_none();
}

/*
 * In a yield from, the innermost generator's throw(None) fails, so its
 * delegator gets the TypeError at its yield from; the innermost is left
 * suspended (Python 3.11: "caught in d exceptions must be ...").
 */
Test(raise, throw_null_into_a_chain, .init = trace_reset)
{
    cf_value v;
    cf_coro *sub = new_coro(counts, NULL, "sub", false);
    cf_coro *d = new_coro(delegates_and_catches, sub, "d", false);
    cr_assert_eq(cf_next(d, &v), CF_YIELDED);
    cr_assert_eq(cf_to_int(v), 0);
    cr_assert_eq(cf_throw(d, NULL, &v), CF_YIELDED);
    cr_assert_str_eq(str_of(v), "d");
    assert_trace("caught " NONE_TYPE_ERROR ";");
    cr_assert_eq(cf_coro_state(sub), CF_SUSPENDED);
    cr_assert_null(cf_coro_delegate(d));
    cf_coro_free(d);
    cf_coro_free(sub);
}

Test(raise, fail_sets_the_error_and_chains_context)
{
    cr_assert_eq(cf_fail(&cf_value_error, "a%d", 1), CF_RAISED);
    cr_assert_eq(cf_fail(&cf_type_error, "b"), CF_RAISED);
    assert_error("TypeError: b");
    cr_assert_str_eq(cf_error_message(cf_error_context(cf_error_last())), "a1");
    cf_error *e = cf_error_take();
    cr_assert_null(cf_error_last());
    cf_error_unref(e);
}

/* Raising with nothing to catch it outside any coroutine aborts, loudly. */
Test(raise, raise_outside_everything_aborts, .signal = SIGABRT)
{
    cf_raise(&cf_value_error, "nowhere to go");
}

Test(raise, yield_outside_a_coroutine_aborts, .signal = SIGABRT)
{
    cf_yield(cf_none());
}

static cf_value pops_wrong(void *arg)
{
    cf_cleanup a, b;
    cf_cleanup_push(&a, note_finally, NULL);
    cf_cleanup_push(&b, note_finally, NULL);
    cf_cleanup_pop(&a, false);
    return cf_none();
}

Test(raise, popping_the_wrong_cleanup_aborts, .signal = SIGABRT)
{
    cf_coro *g = new_coro(pops_wrong, NULL, "g", false);
    cf_next(g, NULL);
}

static void raising_cleanup(void *arg)
{
    cf_raise(&cf_type_error, "from finally");
}

static cf_value cleanup_raises(void *arg)
{
    cf_cleanup c;
    cf_cleanup_push(&c, raising_cleanup, NULL);
    cf_yield(cf_none());
    cf_raise(&cf_value_error, "original");
}

/* A finally that raises replaces the unwinding error, which is its context. */
Test(raise, raising_cleanup_replaces_error)
{
    cf_coro *g = new_coro(cleanup_raises, NULL, "g", true);
    cr_assert_eq(cf_next(g, NULL), CF_RAISED);
    assert_error("TypeError: from finally");
    cr_assert_str_eq(cf_error_message(cf_error_context(cf_error_last())),
                     "original");
    cf_error_clear();
    cf_coro_free(g);
}

Test(raise, strerror)
{
    cr_assert_str_eq(cf_strerror(0), "Success");
    cr_assert_str_eq(cf_strerror(-ENOMEM), strerror(ENOMEM));
    cr_assert_eq(cf_version(), CF_VERSION_NUM);
    cr_assert(CF_CHECK_VERSION(0, 1));
    cr_assert_not(CF_CHECK_VERSION(1, 0));
}

/*
 * Issue 15, item 1: the via chain is a field of the error. A copy with
 * names added keeps the type, message, coroutine, context and cause; the
 * printed text shows the chain after the message, and the message stays
 * the message, whatever it looks like.
 */
Test(raise, via_chain_is_data)
{
    cf_error *e = cf_error_new(&cf_value_error, " (via ')");
    cr_assert_eq(cf_error_via_count(e), 0);
    cr_assert_null(cf_error_via(e, 0));
    cr_assert_eq(cf_error_via_add(NULL, 0, NULL), NULL);
    cr_assert_eq(cf_error_via_count(NULL), 0);
    cr_assert_null(cf_error_via(NULL, 0));

    static const char *const ab[] = {"a", "b"};
    cf_error *v1 = cf_error_via_add(e, 2, ab);
    static const char *const c[] = {"c"};
    cf_error *v2 = cf_error_via_add(v1, 1, c);
    cr_assert_eq(cf_error_via_count(v1), 2);
    cr_assert_eq(cf_error_via_count(v2), 3);
    cr_assert_str_eq(cf_error_via(v2, 0), "a");
    cr_assert_str_eq(cf_error_via(v2, 2), "c");
    cr_assert_null(cf_error_via(v2, 3));
    cr_assert_str_eq(cf_error_message(v2), " (via ')");
    cr_assert(cf_error_is(v2, &cf_value_error));
    char buf[128];
    cf_error_format(v2, buf, sizeof buf);
    cr_assert_str_eq(buf, "ValueError:  (via ') (via 'a' <- 'b' <- 'c')");
    /* Cut short as snprintf() cuts, with the full length returned. */
    cr_assert_eq(cf_error_format(v2, buf, 12), strlen("ValueError:  (via ') "
                                                      "(via 'a' <- 'b' <- "
                                                      "'c')"));
    cr_assert_str_eq(buf, "ValueError:");
    cf_error_unref(v1);

    /* An empty message: "Type: (via ...)", as the pipe layer always wrote. */
    cf_error *empty = cf_error_new(&cf_runtime_error, NULL);
    cf_error *ev = cf_error_via_add(empty, 1, c);
    cf_error_format(ev, buf, sizeof buf);
    cr_assert_str_eq(buf, "RuntimeError: (via 'c')");
    cf_error_format(empty, buf, sizeof buf);
    cr_assert_str_eq(buf, "RuntimeError");
    cf_error_unref(empty);
    cf_error_unref(ev);

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cf_error_print(v2, f);
    fclose(f);
    cr_assert_str_eq(text, "ValueError:  (via ') (via 'a' <- 'b' <- 'c')\n");
    free(text);
    cf_error_unref(v2);
    cf_error_unref(e);
}

static cf_value raise_via(void *arg)
{
    (void)arg;
    cf_raise(&cf_value_error, "inner");
}

/* A copy keeps the context and the cause of the error it copies. */
Test(raise, via_copy_keeps_links)
{
    cf_error *outer = NULL;
    cr_assert_eq(cf_try(raise_via, NULL, NULL), CF_RAISED);
    cr_assert_eq(cf_try(raise_via, NULL, NULL), CF_RAISED); /* context */
    outer = cf_error_take();
    cr_assert_not_null(cf_error_context(outer));
    static const char *const s[] = {"stage"};
    cf_error *v = cf_error_via_add(outer, 1, s);
    cr_assert_eq(cf_error_context(v), cf_error_context(outer));
    cr_assert_eq(cf_error_cause(v), cf_error_cause(outer));
    cr_assert_str_eq(cf_error_coro(v), cf_error_coro(outer));
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cf_error_print(v, f);
    fclose(f);
    cr_assert_str_eq(text, "ValueError: inner\n\nDuring handling of the above "
                           "exception, another exception occurred:\n\n"
                           "ValueError: inner (via 'stage')\n");
    free(text);
    cf_error_unref(v);
    cf_error_unref(outer);
}
