/* SPDX-License-Identifier: MIT */
/*
 * yf_chain3_close: closing the outer coroutine of a chain g1 -> g2 -> g3
 * closes the innermost first; an error from g3's cleanup replaces the
 * GeneratorExit; g3 ignoring GeneratorExit gives RuntimeError and is left
 * SUSPENDED.
 * Mirrors tests/cases/py/yf_chain3_close.py (SEMANTICS items 56-58).
 */
#include <string.h>

#include "cases/cases.h"

static FILE *out;

static cf_value g1(void *sub)
{
    fprintf(out, "Starting g1\n");
    CF_TRY
    {
        cf_yield(cf_str("g1 ham"));
        cf_yield_from(sub);
        cf_yield(cf_str("g1 eggs"));
    }
    CF_FINALLY
    {
        fprintf(out, "Finishing g1\n");
    }
    CF_END_TRY;
    return cf_none();
}

static cf_value g2(void *sub)
{
    fprintf(out, "Starting g2\n");
    CF_TRY
    {
        cf_yield_from(sub);
        cf_yield(cf_str("g2 eggs"));
    }
    CF_FINALLY
    {
        fprintf(out, "Finishing g2\n");
    }
    CF_END_TRY;
    return cf_none();
}

static cf_value g3(void *kind)
{
    fprintf(out, "Starting g3\n");
    CF_TRY
    {
        CF_TRY
        {
            cf_yield(cf_str("g3 spam"));
        }
        CF_EXCEPT(&cf_generator_exit, e)
        {
            if (strcmp(kind, "ignore") != 0)
                cf_reraise();
            fprintf(out, "g3 ignoring GeneratorExit\n");
            cf_yield(cf_str("g3 still here"));
        }
        CF_END_TRY;
    }
    CF_FINALLY
    {
        fprintf(out, "Finishing g3\n");
        if (strcmp(kind, "raise") == 0)
            cf_raise(&cf_value_error, "nybbles have exploded with delight");
    }
    CF_END_TRY;
    return cf_none();
}

static void print_error(const char *prefix)
{
    char buf[256];
    fprintf(out, "%s %s\n", prefix, err_text());
    const cf_error *ctx = cf_error_context(cf_error_last());
    if (ctx != NULL) {
        cf_error_format(ctx, buf, sizeof buf);
        fprintf(out, "context %s\n", buf);
    }
}

void case_yf_chain3_close(FILE *o)
{
    static const char *kinds[] = {"normal", "raise", "ignore"};
    cf_value v;
    out = o;

    for (int k = 0; k < 3; k++) {
        fprintf(out, "-- g3 %s\n", kinds[k]);
        cf_coro *c3 = new_coro(g3, kinds[k], "g3", false);
        cf_coro *c2 = new_coro(g2, c3, "g2", false);
        cf_coro *c1 = new_coro(g1, c2, "g1", false);
        for (int i = 0; i < 2; i++) {
            if (cf_next(c1, &v) == CF_YIELDED)
                fprintf(out, "Yielded %s\n", str_of(v));
            else
                print_error("unexpected");
        }
        if (cf_close(c1, &v) == CF_RETURNED)
            fprintf(out, "close returned %s\n", str_of(v));
        else
            print_error("error");
        cf_error_clear();
        fprintf(out, "g1 state %s\n", state_of(c1));
        fprintf(out, "g2 state %s\n", state_of(c2));
        fprintf(out, "g3 state %s\n", state_of(c3));
        if (cf_coro_state(c3) != CF_CLOSED) {
            if (cf_close(c3, &v) == CF_RETURNED)
                fprintf(out, "g3 second close returned %s\n", str_of(v));
            else
                print_error("g3 second close error");
            cf_error_clear();
            fprintf(out, "g3 state %s\n", state_of(c3));
        }
        cf_coro_free(c1);
        cf_coro_free(c2);
        cf_coro_free(c3);
    }
}
