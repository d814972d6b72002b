/* SPDX-License-Identifier: MIT */
/*
 * throw_created_closed: a throw into a coroutine that never started runs
 * nothing of it, not even its finally; a throw into a finished one raises
 * the error it was given.
 * Mirrors tests/cases/py/throw_created_closed.py (SEMANTICS items 28, 29).
 */
#include "cases/cases.h"

static FILE *out;

static cf_value guarded(void *arg)
{
    CF_TRY
    {
        fprintf(out, "body started\n");
        cf_yield(cf_int(1));
    }
    CF_EXCEPT(&cf_value_error, e)
    {
        fprintf(out, "inside caught %s\n", err_text());
        cf_yield(cf_int(2));
    }
    CF_FINALLY
    {
        fprintf(out, "inside finally\n");
    }
    CF_END_TRY;
    return cf_none();
}

static cf_value short_gen(void *arg)
{
    cf_yield(cf_int(1));
    return cf_none();
}

void case_throw_created_closed(FILE *o)
{
    cf_value v;
    cf_status st;
    out = o;

    fprintf(out, "-- throw into created\n");
    cf_coro *g = new_coro(guarded, NULL, "guarded", false);
    fprintf(out, "state %s\n", state_of(g));
    if (cf_throw_new(g, &cf_value_error, "early", NULL) == CF_RAISED
        && cf_error_is(cf_error_last(), &cf_value_error))
        fprintf(out, "error %s\n", err_text());
    cf_error_clear();
    fprintf(out, "state %s\n", state_of(g));
    if (cf_next(g, &v) == CF_RETURNED)
        fprintf(out, "next stop %s\n", str_of(v));
    cf_coro_free(g);

    fprintf(out, "-- throw into closed (after close)\n");
    g = new_coro(guarded, NULL, "guarded", false);
    cf_next(g, NULL);
    cf_close(g, NULL);
    fprintf(out, "state %s\n", state_of(g));
    if (cf_throw_new(g, &cf_value_error, "late", NULL) == CF_RAISED
        && cf_error_is(cf_error_last(), &cf_value_error))
        fprintf(out, "error %s\n", err_text());
    cf_error_clear();
    cf_coro_free(g);

    fprintf(out, "-- throw into exhausted\n");
    cf_coro *s = new_coro(short_gen, NULL, "short", false);
    CF_FOREACH (s, v, st) {
    }
    fprintf(out, "state %s\n", state_of(s));
    if (cf_throw_new(s, &cf_type_error, "after end", NULL) == CF_RAISED
        && cf_error_is(cf_error_last(), &cf_type_error))
        fprintf(out, "error %s\n", err_text());
    cf_error_clear();
    cf_coro_free(s);
}
