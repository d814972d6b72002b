/* SPDX-License-Identifier: MIT */
/*
 * pipe_minmax: min, max and count reducers behind a broadcast; each reports
 * its result when closed, and a direct send shows the running value.
 * Mirrors tests/cases/py/pipe_minmax.py (SEMANTICS items 62, 64).
 */
#include <string.h>

#include <coflow/pipe.h>

#include "cases/cases.h"

static FILE *out;

static void trace(void *arg, const char *stage, cf_pipe_event ev, cf_value v)
{
    (void)arg;
    if (ev == CF_PIPE_UPDATE)
        fprintf(out, "%s now %s\n", stage, str_of(v));
    else if (ev == CF_PIPE_RESULT)
        fprintf(out, "%s result %s\n", stage, str_of(v));
}

void case_pipe_minmax(FILE *o)
{
    static const int64_t xs[] = {5, 3, 9, 1, 7, 9};
    cf_pipe *p;
    cf_coro *r[3], *stats;
    cf_value v;
    out = o;
    cf_pipe_new(&p);
    cf_pipe_min(p, &r[0], "min");
    cf_pipe_max(p, &r[1], "max");
    cf_pipe_count(p, &r[2], "count");
    cf_pipe_broadcast(p, &stats, "broadcast", r, 3);
    cf_pipe_trace(p, trace, NULL);
    for (size_t i = 0; i < 6; i++) {
        fprintf(out, "send %s\n", str_of(cf_int(xs[i])));
        cf_send(stats, cf_int(xs[i]), NULL);
    }
    cf_send(r[0], cf_int(4), &v);
    fprintf(out, "direct send 4 to min returned %s\n", str_of(v));
    cf_close(stats, NULL);
    cf_pipe_free(p);
}
