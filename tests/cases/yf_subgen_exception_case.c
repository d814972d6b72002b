/* SPDX-License-Identifier: MIT */
/*
 * yf_subgen_exception: an error a sub-coroutine raises, at its first next
 * or at a later send, is raised in the delegator at its yield from, which
 * may catch it; uncaught, it unwinds the delegator too.
 * Mirrors tests/cases/py/yf_subgen_exception.py (SEMANTICS item 54).
 */
#include "cases/cases.h"

static FILE *out;

static cf_value fails_at_start(void *arg)
{
    CF_TRY
    {
        fprintf(out, "Starting g2\n");
        cf_raise(&cf_value_error, "spanish inquisition occurred");
    }
    CF_FINALLY
    {
        fprintf(out, "Finishing g2\n");
    }
    CF_END_TRY;
    return cf_none();
}

static cf_value g1_start(void *arg)
{
    fprintf(out, "Starting g1\n");
    CF_TRY
    {
        cf_yield_from_new(fails_at_start, NULL, NULL);
    }
    CF_FINALLY
    {
        fprintf(out, "Finishing g1\n");
    }
    CF_END_TRY;
    return cf_none();
}

static cf_value fails_on_send(void *arg)
{
    fprintf(out, "Starting g2\n");
    cf_value x = cf_yield(cf_str("g2 spam"));
    fprintf(out, "g2 received %s\n", str_of(x));
    cf_raise(&cf_value_error, "hovercraft is full of eels");
}

static cf_value g1_send(void *arg)
{
    fprintf(out, "Starting g1\n");
    cf_value x = cf_yield(cf_str("g1 ham"));
    fprintf(out, "g1 received %s\n", str_of(x));
    cf_yield_from_new(fails_on_send, NULL, NULL);
    fprintf(out, "g1 should not be here\n");
    return cf_none();
}

static cf_value recovering(void *arg)
{
    cf_coro *sub = new_coro(fails_on_send, NULL, "fails_on_send", false);
    CF_TRY
    {
        cf_yield_from(sub);
    }
    CF_EXCEPT(&cf_value_error, e)
    {
        fprintf(out, "delegator caught %s\n", err_text());
        fprintf(out, "sub state %s\n", state_of(sub));
    }
    CF_END_TRY;
    cf_coro_free(sub);
    cf_yield(cf_str("delegator continues"));
    return cf_none();
}

void case_yf_subgen_exception(FILE *o)
{
    cf_value v;
    cf_status st;
    out = o;

    fprintf(out, "-- exception in initial next\n");
    cf_coro *g = new_coro(g1_start, NULL, "g1_start", false);
    CF_FOREACH (g, v, st)
        fprintf(out, "Yielded %s\n", str_of(v));
    if (st == CF_RAISED && cf_error_is(cf_error_last(), &cf_value_error))
        fprintf(out, "error %s\n", err_text());
    cf_error_clear();
    cf_coro_free(g);

    fprintf(out, "-- exception while delegating send\n");
    g = new_coro(g1_send, NULL, "g1_send", false);
    cf_next(g, &v);
    fprintf(out, "Yielded %s\n", str_of(v));
    for (int64_t x = 1; (st = cf_send(g, cf_int(x), &v)) == CF_YIELDED; x++)
        fprintf(out, "Yielded %s\n", str_of(v));
    if (st == CF_RAISED && cf_error_is(cf_error_last(), &cf_value_error))
        fprintf(out, "error %s\n", err_text());
    cf_error_clear();
    fprintf(out, "g1 state %s\n", state_of(g));
    cf_coro_free(g);

    fprintf(out, "-- delegator catches\n");
    cf_coro *r = new_coro(recovering, NULL, "recovering", false);
    cf_next(r, &v);
    fprintf(out, "Yielded %s\n", str_of(v));
    cf_send(r, cf_str("eggs"), &v);
    fprintf(out, "Yielded %s\n", str_of(v));
    if (cf_next(r, &v) == CF_RETURNED)
        fprintf(out, "stop %s\n", str_of(v));
    cf_coro_free(r);
}
