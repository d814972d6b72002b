/* SPDX-License-Identifier: MIT */
/*
 * pipe_broadcast - cobroadcast.py: one stream broadcast to three greps,
 * each with its own printer, and the graph written as Graphviz DOT to
 * pipe_broadcast.dot (render: dot -Tpng pipe_broadcast.dot -o x.png).
 *
 *     f = open("access-log")
 *     follow(f, broadcast([grep('python', printer()),
 *                          grep('ply', printer()),
 *                          grep('swig', printer())]))
 */
#include <stdio.h>

#include <coflow.h>
#include <coflow/pipe.h>

int main(int argc, char **argv)
{
    static const char *const pats[] = {"python", "ply", "swig"};
    static const char *const text[] = {
        "GET /python/index.html", "GET /ply/index.html", "GET /images/logo.gif",
        "GET /swig/python-swig.html", "GET /ply/ply-swig-python.tar.gz"};
    cf_value lines[5];
    cf_pipe *p;
    cf_coro *greps[3], *b;

    if (cf_pipe_new(&p) < 0)
        return 1;
    for (int i = 0; i < 3; i++) {
        char prefix[32];
        cf_coro *pr;
        snprintf(prefix, sizeof prefix, "%-6s| ", pats[i]);
        if (cf_pipe_printer(p, &pr, NULL, stdout, prefix) < 0
            || cf_pipe_grep(p, &greps[i], pats[i], pats[i], pr) < 0)
            return 1;
    }
    if (cf_pipe_broadcast(p, &b, NULL, greps, 3) < 0)
        return 1;
    for (int i = 0; i < 5; i++)
        lines[i] = cf_str(text[i]);
    cf_status st = argc > 1 ? cf_pipe_source_path(p, argv[1], b, NULL, NULL)
                            : cf_pipe_source_array(p, lines, 5, b, NULL, NULL);
    if (st == CF_RAISED)
        cf_error_print(cf_error_last(), stderr);
    FILE *dot = fopen("build/pipe_broadcast.dot", "w");
    if (dot != NULL) {
        cf_pipe_write_dot(p, dot);
        fclose(dot);
        printf("graph written to build/pipe_broadcast.dot\n");
    }
    cf_pipe_free(p);
    return st == CF_RAISED;
}
