/* SPDX-License-Identifier: MIT */
/*
 * pipe_grep: array source -> grep -> printer, built from the pipe layer's
 * stages; the trace function prints what the Python stages print.
 * Mirrors tests/cases/py/pipe_grep.py (SEMANTICS items 61, 64).
 */
#include <string.h>

#include <coflow/pipe.h>

#include "cases/cases.h"

static FILE *out;

static void trace(void *arg, const char *stage, cf_pipe_event ev, cf_value v)
{
    (void)arg;
    if (ev == CF_PIPE_SEND)
        fprintf(out, "%s send %s\n", stage, str_of(v));
    else if (ev == CF_PIPE_PASS || ev == CF_PIPE_DROP)
        fprintf(out, "%s %s %s\n", stage, cf_pipe_event_name(ev), str_of(v));
    else if (ev == CF_PIPE_CLOSE && strcmp(stage, "printer") == 0)
        fprintf(out, "printer closed\n");
    else if (ev == CF_PIPE_CLOSE)
        fprintf(out, "%s closing target\n", stage);
}

void case_pipe_grep(FILE *o)
{
    const cf_value lines[] = {cf_str("GET /python/index.html"),
                              cf_str("GET /images/logo.gif"),
                              cf_str("GET /python/tutorial.pdf")};
    cf_pipe *p;
    cf_coro *printer, *grep;
    out = o;
    cf_pipe_new(&p);
    cf_pipe_printer(p, &printer, "printer", out, "printer ");
    cf_pipe_grep(p, &grep, "grep python", "python", printer);
    cf_pipe_trace(p, trace, NULL);
    cf_pipe_source_array(p, lines, 3, grep, NULL, NULL);
    fprintf(out, "source done\n");
    cf_pipe_free(p);
}
