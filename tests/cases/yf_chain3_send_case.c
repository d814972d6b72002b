/* SPDX-License-Identifier: MIT */
/*
 * yf_chain3_send: a chain g1 -> g2 -> g3 of yield froms driven by next and
 * send; every send reaches the innermost coroutine and return values climb
 * one level at a time within the same send.
 * Mirrors tests/cases/py/yf_chain3_send.py (SEMANTICS items 50-53).
 */
#include "cases/cases.h"

static FILE *out;

static cf_value g3(void *arg)
{
    fprintf(out, "Starting g3\n");
    cf_value x = cf_yield(cf_str("g3 deep"));
    fprintf(out, "g3 received %s\n", str_of(x));
    fprintf(out, "Finishing g3\n");
    return cf_str("g3 result");
}

static cf_value g2(void *arg)
{
    fprintf(out, "Starting g2\n");
    cf_value x = cf_yield(cf_str("g2 spam"));
    fprintf(out, "g2 received %s\n", str_of(x));
    cf_value r = cf_yield_from_new(g3, NULL, NULL);
    fprintf(out, "g2 got %s from g3\n", str_of(r));
    x = cf_yield(cf_str("g2 more spam"));
    fprintf(out, "g2 received %s\n", str_of(x));
    fprintf(out, "Finishing g2\n");
    return cf_str("g2 result");
}

static cf_value g1(void *arg)
{
    fprintf(out, "Starting g1\n");
    cf_value x = cf_yield(cf_str("g1 ham"));
    fprintf(out, "g1 received %s\n", str_of(x));
    cf_value r = cf_yield_from_new(g2, NULL, NULL);
    fprintf(out, "g1 got %s from g2\n", str_of(r));
    x = cf_yield(cf_str("g1 eggs"));
    fprintf(out, "g1 received %s\n", str_of(x));
    fprintf(out, "Finishing g1\n");
    return cf_str("g1 result");
}

void case_yf_chain3_send(FILE *o)
{
    cf_value y;
    cf_status st;
    out = o;

    cf_coro *g = new_coro(g1, NULL, "g1", false);
    cf_next(g, &y);
    fprintf(out, "Yielded %s\n", str_of(y));
    for (int64_t x = 1; (st = cf_send(g, cf_int(x), &y)) == CF_YIELDED; x++)
        fprintf(out, "Yielded %s\n", str_of(y));
    if (st == CF_RETURNED)
        fprintf(out, "stop %s\n", str_of(y));
    else
        fprintf(out, "error %s\n", err_text());
    cf_error_clear();
    cf_coro_free(g);
}
