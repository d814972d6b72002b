/* SPDX-License-Identifier: MIT */
/*
 * close_created_closed: closing a coroutine that never started runs none of
 * it; closing a finished one, or closing twice, does nothing.
 * Mirrors tests/cases/py/close_created_closed.py (SEMANTICS items 34, 35).
 */
#include "cases/cases.h"

static FILE *out;

static cf_value careful(void *arg)
{
    CF_TRY
    {
        fprintf(out, "body started\n");
        cf_yield(cf_int(1));
    }
    CF_EXCEPT(&cf_generator_exit, e)
    {
        fprintf(out, "caught GeneratorExit\n");
    }
    CF_FINALLY
    {
        fprintf(out, "finally\n");
    }
    CF_END_TRY;
    return cf_none();
}

static void print_close(cf_coro *g)
{
    cf_value v;
    if (cf_close(g, &v) == CF_RETURNED)
        fprintf(out, "close returned %s\n", str_of(v));
    else
        fprintf(out, "close error %s\n", err_text());
    cf_error_clear();
}

void case_close_created_closed(FILE *o)
{
    cf_value v;
    cf_status st;
    out = o;

    fprintf(out, "-- close never-started\n");
    cf_coro *g = new_coro(careful, NULL, "careful", false);
    print_close(g);
    fprintf(out, "state %s\n", state_of(g));
    if (cf_next(g, &v) == CF_RETURNED)
        fprintf(out, "next stop %s\n", str_of(v));
    cf_coro_free(g);

    fprintf(out, "-- close exhausted\n");
    g = new_coro(careful, NULL, "careful", false);
    CF_FOREACH (g, v, st)
        fprintf(out, "got %s\n", str_of(v));
    fprintf(out, "state %s\n", state_of(g));
    print_close(g);
    cf_coro_free(g);

    fprintf(out, "-- close twice\n");
    g = new_coro(careful, NULL, "careful", false);
    cf_next(g, NULL);
    print_close(g);
    print_close(g);
    fprintf(out, "state %s\n", state_of(g));
    cf_coro_free(g);
}
