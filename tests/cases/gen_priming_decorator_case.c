/* SPDX-License-Identifier: MIT */
/*
 * gen_priming_decorator: send(non-None) to a new generator is a TypeError
 * that leaves it CREATED; send(None) is next(); the @coroutine decorator.
 * Mirrors tests/cases/py/gen_priming_decorator.py (SEMANTICS items 7, 10, 11).
 */
#include <string.h>

#include "cases/cases.h"

static FILE *out;

static cf_value grep(void *arg)
{
    const char *pattern = arg;
    fprintf(out, "looking for %s\n", pattern);
    for (;;) {
        cf_value line = cf_yield(cf_none());
        if (strstr(str_of(line), pattern) != NULL)
            fprintf(out, "match %s\n", str_of(line));
    }
    return cf_none();
}

/* Python's @coroutine: create, then prime, discarding the first yield. */
static cf_coro *coroutine(cf_body_fn fn, const void *arg, const char *name)
{
    fprintf(out, "decorator: priming\n");
    return new_coro(fn, arg, name, true);
}

void case_gen_priming_decorator(FILE *o)
{
    cf_value r;
    out = o;

    fprintf(out, "-- unprimed\n");
    cf_coro *g = new_coro(grep, "python", "grep_raw", false);
    if (cf_send(g, cf_str("python rocks"), NULL) == CF_RAISED
        && cf_error_is(cf_error_last(), &cf_type_error))
        fprintf(out, "error %s\n", err_text());
    cf_error_clear();
    fprintf(out, "state %s\n", state_of(g));
    cf_send(g, cf_none(), &r);
    fprintf(out, "send None returned %s\n", str_of(r));
    fprintf(out, "state %s\n", state_of(g));
    cf_send(g, cf_str("python rocks"), NULL);
    cf_send(g, cf_str("perl rocks"), NULL);
    cf_close(g, NULL);
    fprintf(out, "state %s\n", state_of(g));

    fprintf(out, "-- decorated\n");
    cf_coro *d = coroutine(grep, "ply", "grep");
    fprintf(out, "state %s\n", state_of(d));
    cf_send(d, cf_str("ply is nice"), NULL);
    cf_send(d, cf_str("swig is nice"), NULL);
    cf_close(d, NULL);
    fprintf(out, "state %s\n", state_of(d));

    cf_coro_free(g);
    cf_coro_free(d);
}
