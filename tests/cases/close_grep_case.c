/* SPDX-License-Identifier: MIT */
/*
 * close_grep: Beazley's grepclose.py - a coroutine that catches the close,
 * cleans up and returns; closing again is a no-op and a send gets a stop.
 * Mirrors tests/cases/py/close_grep.py (SEMANTICS items 32, 35).
 */
#include <string.h>

#include "cases/cases.h"

static FILE *out;

static cf_value grep(void *arg)
{
    const char *pattern = arg;
    cf_value line;
    fprintf(out, "looking for %s\n", pattern);
    while (cf_yield_catch(cf_none(), &line) == CF_YIELDED) {
        if (strstr(str_of(line), pattern) != NULL)
            fprintf(out, "match %s\n", str_of(line));
    }
    if (!cf_error_is(cf_error_last(), &cf_generator_exit))
        cf_reraise();
    fprintf(out, "going away. goodbye\n");
    cf_error_clear();
    return cf_none();
}

void case_close_grep(FILE *o)
{
    cf_value v;
    out = o;

    /* @coroutine: created and primed. */
    cf_coro *g = new_coro(grep, "python", "grep", true);
    cf_send(g, cf_str("Yeah, but no, but yeah, but no"), NULL);
    cf_send(g, cf_str("A series of tubes"), NULL);
    cf_send(g, cf_str("python generators rock!"), NULL);
    if (cf_close(g, &v) == CF_RETURNED)
        fprintf(out, "close returned %s\n", str_of(v));
    else
        fprintf(out, "close error %s\n", err_text());
    fprintf(out, "state %s\n", state_of(g));
    if (cf_close(g, &v) == CF_RETURNED)
        fprintf(out, "close again returned %s\n", str_of(v));
    else
        fprintf(out, "close again error %s\n", err_text());
    if (cf_send(g, cf_str("python again"), &v) == CF_RETURNED)
        fprintf(out, "send after close: stop %s\n", str_of(v));
    cf_error_clear();
    cf_coro_free(g);
}
