/* SPDX-License-Identifier: MIT */
/*
 * close_ignored: a coroutine that yields after GeneratorExit makes close
 * raise RuntimeError("generator ignored GeneratorExit") and stays SUSPENDED
 * at the new yield; the next close tries again.
 * Mirrors tests/cases/py/close_ignored.py (SEMANTICS item 36).
 */
#include "cases/cases.h"

static FILE *out;

static cf_value ill_behaved(void *arg)
{
    if (cf_yield_catch(cf_int(1), NULL) == CF_RAISED) {
        if (!cf_error_is(cf_error_last(), &cf_generator_exit))
            cf_reraise();
        fprintf(out, "caught GeneratorExit, yielding anyway\n");
        cf_yield(cf_str("foo"));
        fprintf(out, "never printed\n");
        cf_error_clear();
    }
    fprintf(out, "never printed either\n");
    return cf_none();
}

static cf_value stubborn3(void *arg)
{
    int n = 0;
    while (n < 3) {
        if (cf_yield_catch(cf_int(n), NULL) == CF_RAISED) {
            if (!cf_error_is(cf_error_last(), &cf_generator_exit))
                cf_reraise();
            n++;
            fprintf(out, "ignoring close #%d\n", n);
            cf_error_clear();
        }
    }
    fprintf(out, "giving up\n");
    return cf_none();
}

/* `r = g.close()` under `except RuntimeError`, as the script prints it. */
static void print_close(cf_coro *g, const char *label)
{
    cf_value v;
    if (cf_close(g, &v) == CF_RETURNED)
        fprintf(out, "%sclose returned %s\n", label, str_of(v));
    else if (cf_error_is(cf_error_last(), &cf_runtime_error))
        fprintf(out, "error %s\n", err_text());
    else
        fprintf(out, "unexpected error %s\n", err_text());
    cf_error_clear();
}

void case_close_ignored(FILE *o)
{
    out = o;

    cf_coro *g = new_coro(ill_behaved, NULL, "ill_behaved", false);
    cf_next(g, NULL);
    print_close(g, "");
    fprintf(out, "state %s\n", state_of(g));
    print_close(g, "second ");
    fprintf(out, "state %s\n", state_of(g));
    cf_coro_free(g);

    fprintf(out, "-- stubborn3\n");
    cf_coro *m = new_coro(stubborn3, NULL, "stubborn3", false);
    cf_next(m, NULL);
    for (int i = 0; i < 3; i++) {
        print_close(m, "");
        fprintf(out, "state %s\n", state_of(m));
    }
    cf_coro_free(m);
}
