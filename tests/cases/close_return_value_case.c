/* SPDX-License-Identifier: MIT */
/*
 * close_return_value: close returns the body's result when it catches
 * GeneratorExit and returns, and none in every other case (Python 3.13).
 * cf_close() has the 3.13 semantics, so it stands for the script's close313.
 * Mirrors tests/cases/py/close_return_value.py (SEMANTICS items 39, 44).
 */
#include "cases/cases.h"

static FILE *out;

static cf_value catches_and_returns(void *arg)
{
    if (cf_yield_catch(cf_none(), NULL) == CF_RAISED) {
        if (!cf_error_is(cf_error_last(), &cf_generator_exit))
            cf_reraise();
        fprintf(out, "caught GeneratorExit, returning 0\n");
        cf_error_clear();
        return cf_int(0);
    }
    return cf_none();
}

static cf_value does_not_catch(void *arg)
{
    cf_yield(cf_none());
    return cf_int(0);
}

static cf_value averager(void *arg)
{
    int64_t total = 0, count = 0;
    cf_value x;
    while (cf_yield_catch(cf_none(), &x) == CF_YIELDED) {
        total += cf_to_int(x);
        count++;
        fprintf(out, "recv %s\n", str_of(x));
    }
    if (!cf_error_is(cf_error_last(), &cf_generator_exit))
        cf_reraise();
    fprintf(out, "closing after %lld values\n", (long long)count);
    cf_error_clear();
    return cf_int(total / count);
}

static void print_close(cf_coro *g, const char *label)
{
    cf_value v;
    if (cf_close(g, &v) == CF_RETURNED)
        fprintf(out, "%s returned %s\n", label, str_of(v));
    else
        fprintf(out, "%s error %s\n", label, err_text());
    cf_error_clear();
}

void case_close_return_value(FILE *o)
{
    cf_value v;
    out = o;

    fprintf(out, "-- caught, returns 0\n");
    cf_coro *g = new_coro(catches_and_returns, NULL, "catches", false);
    cf_send(g, cf_none(), NULL);
    print_close(g, "close");
    print_close(g, "close again");
    cf_coro_free(g);

    fprintf(out, "-- not caught\n");
    g = new_coro(does_not_catch, NULL, "does_not_catch", false);
    cf_send(g, cf_none(), NULL);
    print_close(g, "close");
    cf_coro_free(g);

    fprintf(out, "-- not started\n");
    g = new_coro(catches_and_returns, NULL, "catches", false);
    print_close(g, "close");
    cf_coro_free(g);

    fprintf(out, "-- exhausted\n");
    g = new_coro(catches_and_returns, NULL, "catches", false);
    cf_next(g, NULL);
    if (cf_next(g, &v) == CF_RETURNED)
        fprintf(out, "stop %s\n", str_of(v));
    print_close(g, "close");
    cf_coro_free(g);

    fprintf(out, "-- averager\n");
    cf_coro *a = new_coro(averager, NULL, "averager", false);
    cf_next(a, NULL);
    static const int64_t xs[] = {10, 20, 60};
    for (int i = 0; i < 3; i++)
        cf_send(a, cf_int(xs[i]), NULL);
    print_close(a, "close");
    cf_coro_free(a);
}
