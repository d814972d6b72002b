/* SPDX-License-Identifier: MIT */
/*
 * tests/core/context.c - whose error a coroutine sees as being handled.
 *
 * CPython chains the exception state of the frames it resumes: inside a
 * generator that handles nothing itself, sys.exception() is its resumer's,
 * and what it raises takes that as context; close()'s GeneratorExit is
 * raised at the call, so it too takes the caller's; a thrown error is
 * restored, not raised, and takes only what the generator itself handles,
 * which replaces any context it came with - GeneratorExit's included.
 * Each test mirrors the Python (3.11) in its comment.
 */
#include <criterion/criterion.h>

#include "support.h"

/* The chain of types, innermost first: "ValueError<GeneratorExit<...". */
static const char *chain(const cf_error *e)
{
    static char buf[256];
    buf[0] = '\0';
    for (; e != NULL; e = cf_error_context(e)) {
        if (buf[0] != '\0')
            strcat(buf, "<");
        strcat(buf, cf_error_type_of(e)->name);
    }
    return buf;
}

static void outer(void)
{
    cr_assert_eq(cf_fail(&cf_type_error, "outer"), CF_RAISED);
}

/*
 * def g():
 *     print(sys.exception())       # the caller's KeyError
 *     yield 1
 *     raise ValueError             # context: the caller's KeyError
 */
static cf_value sees_caller(void *arg)
{
    (void)arg;
    tracef("sees %s;", chain(cf_error_last()));
    cf_yield(cf_int(1));
    cf_raise(&cf_value_error, "late");
}

Test(context, body_sees_and_chains_its_resumers_error, .init = trace_reset)
{
    cf_coro *g = new_coro(sees_caller, NULL, "g", false);
    outer();
    cr_assert_eq(cf_send(g, cf_none(), NULL), CF_YIELDED);
    cr_assert_eq(cf_send(g, cf_none(), NULL), CF_RAISED);
    assert_trace("sees TypeError;");
    cr_assert_str_eq(chain(cf_error_last()), "ValueError<TypeError");
    cf_error_clear();
    cf_coro_free(g);
}

/* With nothing handled anywhere, a body sees nothing (and a bare
 * `raise` is RuntimeError). */
static cf_value reraises(void *arg)
{
    (void)arg;
    tracef("sees %s;", chain(cf_error_last()));
    cf_reraise();
}

Test(context, bare_reraise_with_nothing_handled, .init = trace_reset)
{
    cf_coro *g = new_coro(reraises, NULL, "g", false);
    cr_assert_eq(cf_send(g, cf_none(), NULL), CF_RAISED);
    assert_trace("sees ;");
    assert_error("RuntimeError: No active exception to reraise");
    cf_error_clear();
    cf_coro_free(g);
}

/* try: raise KeyError / except: next(g) where g does a bare `raise`:
 * the caller's KeyError comes back out. */
Test(context, bare_reraise_reraises_the_resumers_error, .init = trace_reset)
{
    cf_coro *g = new_coro(reraises, NULL, "g", false);
    outer();
    cr_assert_eq(cf_send(g, cf_none(), NULL), CF_RAISED);
    assert_trace("sees TypeError;");
    assert_error("TypeError: outer");
    cf_error_clear();
    cf_coro_free(g);
}

/*
 * def g():
 *     try: yield 1
 *     except GeneratorExit as e:
 *         print(e.__context__)    # KeyError('outer')
 *         raise ValueError
 * inside `except KeyError`: g.close() raises ValueError <- GeneratorExit
 * <- KeyError.
 */
static cf_value close_raises(void *arg)
{
    (void)arg;
    cf_value in;
    if (cf_yield_catch(cf_int(1), &in) == CF_RAISED) {
        tracef("inside %s;", chain(cf_error_last()));
        cf_raise(&cf_value_error, "in close");
    }
    return cf_none();
}

Test(context, close_raises_generator_exit_at_the_call, .init = trace_reset)
{
    cf_coro *g = new_coro(close_raises, NULL, "g", true);
    outer();
    cr_assert_eq(cf_close(g, NULL), CF_RAISED);
    assert_trace("inside GeneratorExit<TypeError;");
    cr_assert_str_eq(chain(cf_error_last()),
                     "ValueError<GeneratorExit<TypeError");
    cf_error_clear();
    cf_coro_free(g);
}

/* The same close of a handler coroutine. */
static cf_status close_raises_step(void *self, cf_op op, cf_value v,
                                   cf_value *out)
{
    (void)self;
    (void)v;
    if (op == CF_OP_THROW) {
        tracef("inside %s;", chain(cf_error_last()));
        return cf_fail(&cf_value_error, "in close");
    }
    *out = cf_int(1);
    return CF_YIELDED;
}

Test(context, handler_close_raises_generator_exit_at_the_call,
     .init = trace_reset)
{
    cf_coro *h = new_handler(close_raises_step, NULL, "h", true);
    outer();
    cr_assert_eq(cf_close(h, NULL), CF_RAISED);
    assert_trace("inside GeneratorExit<TypeError;");
    cr_assert_str_eq(chain(cf_error_last()),
                     "ValueError<GeneratorExit<TypeError");
    cf_error_clear();
    cf_coro_free(h);
}

/*
 * def g():
 *     try: yield 1
 *     except ValueError as e: print(e.__context__)          # None
 *     try: raise IndexError
 *     except IndexError:
 *         try: yield 2
 *         except ValueError as e: print(e.__context__)      # IndexError
 *                                          (whose context is KeyError)
 *     yield 3
 * inside `except KeyError`: next(g); g.throw(ValueError); g.throw(ValueError)
 */
static cf_value catches_throws(void *arg)
{
    (void)arg;
    cf_value in;
    if (cf_yield_catch(cf_int(1), &in) == CF_RAISED)
        tracef("thrown %s;", chain(cf_error_last()));
    cf_error_clear();
    cf_fail(&cf_runtime_error, "own");
    if (cf_yield_catch(cf_int(2), &in) == CF_RAISED)
        tracef("thrown %s;", chain(cf_error_last()));
    cf_error_clear();
    cf_yield(cf_int(3));
    return cf_none();
}

Test(context, thrown_error_takes_only_the_coroutines_own, .init = trace_reset)
{
    cf_coro *g = new_coro(catches_throws, NULL, "g", true);
    outer();
    cr_assert_eq(cf_throw_new(g, &cf_value_error, "v", NULL), CF_YIELDED);
    cr_assert_eq(cf_throw_new(g, &cf_value_error, "w", NULL), CF_YIELDED);
    assert_trace("thrown ValueError;thrown ValueError<RuntimeError<TypeError;");
    assert_error("TypeError: outer");
    cf_error_clear();
    cf_coro_free(g);
}

/*
 * Thrown and not caught, into a suspended, a closed and an unstarted
 * generator, inside `except KeyError`: the ValueError comes out with no
 * context in all three.
 */
static cf_value yields_once(void *arg)
{
    (void)arg;
    cf_yield(cf_int(1));
    return cf_none();
}

Test(context, thrown_error_out_of_any_state_takes_no_context)
{
    cf_coro *suspended = new_coro(yields_once, NULL, "s", true);
    cf_coro *closed = new_coro(yields_once, NULL, "c", true);
    cf_coro *created = new_coro(yields_once, NULL, "n", false);
    cr_assert_eq(cf_close(closed, NULL), CF_RETURNED);
    cf_coro *all[] = {suspended, closed, created};
    for (int i = 0; i < 3; i++) {
        outer();
        cr_assert_eq(cf_throw_new(all[i], &cf_value_error, "v", NULL),
                     CF_RAISED);
        cr_assert_str_eq(chain(cf_error_last()), "ValueError", "coroutine %d",
                         i);
        cf_error_clear();
        cf_coro_free(all[i]);
    }
}

/* A delegate that handles nothing sees its delegator's error first. */
static cf_value inner(void *arg)
{
    (void)arg;
    tracef("inner sees %s;", chain(cf_error_last()));
    cf_yield(cf_int(1));
    return cf_none();
}

static cf_value delegator(void *arg)
{
    cf_coro *sub = (cf_coro *)arg;
    cf_fail(&cf_runtime_error, "delegator's");
    cf_yield_from(sub);
    cf_error_clear();
    return cf_none();
}

Test(context, delegate_sees_its_delegators_error, .init = trace_reset)
{
    cf_coro *sub = new_coro(inner, NULL, "inner", false);
    cf_coro *d = new_coro(delegator, sub, "outer", false);
    outer();
    cr_assert_eq(cf_send(d, cf_none(), NULL), CF_YIELDED);
    assert_trace("inner sees RuntimeError<TypeError;");
    cf_error_clear();
    cr_assert_eq(cf_send(d, cf_none(), NULL), CF_RETURNED);
    cf_coro_free(d);
    cf_coro_free(sub);
}

/*
 * def g():
 *     try: raise RuntimeError('own')
 *     except RuntimeError:
 *         try: yield 1
 *         except GeneratorExit as e:
 *             print(e.__context__)    # RuntimeError('own'), not KeyError
 *             raise
 * next(g), then inside `except KeyError`: g.close(). CPython 3.11 chains
 * the generator's own exception state last: it wins over the caller's.
 */
static cf_value handles_own_at_yield(void *arg)
{
    (void)arg;
    cf_fail(&cf_runtime_error, "own");
    cf_value in;
    if (cf_yield_catch(cf_int(1), &in) == CF_RAISED) {
        tracef("inside %s;", chain(cf_error_last()));
        cf_reraise();
    }
    return cf_none();
}

Test(context, close_chains_the_coroutines_own_error_first, .init = trace_reset)
{
    cf_coro *g = new_coro(handles_own_at_yield, NULL, "g", true);
    cf_error_clear();
    outer();
    cr_assert_eq(cf_close(g, NULL), CF_RETURNED);
    assert_trace("inside GeneratorExit<RuntimeError;");
    assert_error("TypeError: outer");
    cf_error_clear();
    cf_coro_free(g);
}

/*
 * v = ValueError(); v.__context__ = TypeError()   (raised in `except`)
 * thrown into a generator handling RuntimeError at its yield, v's context
 * becomes that RuntimeError; into one handling nothing, it keeps TypeError.
 */
static cf_value catches_once(void *arg)
{
    (void)arg;
    if (arg != NULL)
        cf_fail(&cf_runtime_error, "own");
    cf_value in;
    if (cf_yield_catch(cf_int(1), &in) == CF_RAISED)
        tracef("thrown %s;", chain(cf_error_last()));
    cf_error_clear();
    return cf_none();
}

Test(context, thrown_error_context_is_replaced_by_the_coroutines_own,
     .init = trace_reset)
{
    for (int own = 1; own >= 0; own--) {
        cf_coro *g = new_coro(catches_once, own ? "own" : NULL, "g", true);
        cf_error_clear();
        outer();
        cr_assert_eq(cf_fail(&cf_value_error, "v"), CF_RAISED);
        cf_error *v = cf_error_take();
        cr_assert_str_eq(chain(v), "ValueError<TypeError");
        cr_assert_eq(cf_throw(g, v, NULL), CF_RETURNED);
        cf_coro_free(g);
    }
    assert_trace("thrown ValueError<RuntimeError;thrown ValueError<TypeError;");
}

/*
 * The GeneratorExit close() raises links the error handled at the call as
 * its context; once the close is over nothing may keep that error alive
 * (CPython's GeneratorExit dies with the close). Its value's destructor
 * tells when the handled error is freed.
 */
static int handled_freed;

static void note_freed(void *p)
{
    (void)p;
    handled_freed++;
}

static cf_value swallows_exit(void *arg)
{
    (void)arg;
    cf_value in;
    if (cf_yield_catch(cf_int(1), &in) == CF_RAISED)
        tracef("inside %s;", chain(cf_error_last()));
    cf_error_clear();
    return cf_none();
}

static cf_value raise_it(void *arg)
{
    cf_raise_error((cf_error *)arg);
}

Test(context, close_keeps_nothing_of_the_handled_error, .init = trace_reset)
{
    for (int round = 0; round < 2; round++) {
        handled_freed = 0;
        cf_coro *g = new_coro(swallows_exit, NULL, "g", true);
        cf_value token = cf_ptr_own(&handled_freed, 7, note_freed);
        cr_assert(!cf_is_none(token));
        cf_error *handled = cf_error_new_value(&cf_value_error, token, "k");
        cf_value_drop(token);
        cr_assert_eq(cf_try(raise_it, handled, NULL), CF_RAISED);
        cr_assert_eq(cf_close(g, NULL), CF_RETURNED);
        assert_error("ValueError: k");
        cf_error_clear();
        cr_assert_eq(handled_freed, 1, "round %d: the handled error is kept",
                     round);
        cf_coro_free(g);
    }
    assert_trace("inside GeneratorExit<ValueError;"
                 "inside GeneratorExit<ValueError;");
}
