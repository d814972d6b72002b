/* SPDX-License-Identifier: MIT */
/*
 * pipe_broadcast3: broadcast to three grep -> printer branches, built from
 * the pipe layer's stages. Mirrors tests/cases/py/pipe_broadcast3.py
 * (SEMANTICS items 62, 64).
 */
#include <string.h>

#include <coflow/pipe.h>

#include "cases/cases.h"

static FILE *out;

static void trace(void *arg, const char *stage, cf_pipe_event ev, cf_value v)
{
    (void)arg;
    (void)v;
    if (ev != CF_PIPE_CLOSE)
        return;
    if (strcmp(stage, "broadcast") == 0)
        fprintf(out, "broadcast closing targets\n");
    else if (strncmp(stage, "grep ", 5) == 0)
        fprintf(out, "%s closing\n", stage);
    else
        fprintf(out, "%s closed\n", stage);
}

void case_pipe_broadcast3(FILE *o)
{
    static const char *const pats[] = {"python", "ply", "swig"};
    static const char *const lines[] = {
        "GET /python/index.html", "GET /ply/index.html", "GET /images/logo.gif",
        "GET /swig/python-swig.html", "GET /ply/ply-swig-python.tar.gz"};
    cf_pipe *p;
    cf_coro *greps[3], *b;
    out = o;
    cf_pipe_new(&p);
    for (int i = 0; i < 3; i++) {
        char name[32], prefix[32];
        cf_coro *pr;
        snprintf(name, sizeof name, "printer %s", pats[i]);
        snprintf(prefix, sizeof prefix, "printer %s: ", pats[i]);
        cf_pipe_printer(p, &pr, name, out, prefix);
        snprintf(name, sizeof name, "grep %s", pats[i]);
        cf_pipe_grep(p, &greps[i], name, pats[i], pr);
    }
    cf_pipe_broadcast(p, &b, "broadcast", greps, 3);
    cf_pipe_trace(p, trace, NULL);
    for (int i = 0; i < 5; i++) {
        fprintf(out, "send %s\n", lines[i]);
        cf_send(b, cf_str(lines[i]), NULL);
    }
    cf_close(b, NULL);
    cf_pipe_free(p);
}
