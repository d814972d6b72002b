/* SPDX-License-Identifier: MIT */
/*
 * pipe_grep - the seeds' pipeline (copipe.py): a source sends lines to
 * grep('python'), which sends the matches to a printer; at the end the
 * source closes grep, which closes the printer. The Python:
 *
 *     f = open("access-log")
 *     follow(f, grep('python', printer()))
 *
 * With a file argument it reads that file; otherwise a few fixed lines.
 */
#include <stdio.h>

#include <coflow.h>
#include <coflow/pipe.h>

int main(int argc, char **argv)
{
    static const char *const text[] = {
        "GET /python/index.html", "GET /images/logo.gif",
        "GET /python/tutorial.pdf", "GET /ply/index.html"};
    cf_value lines[4];
    cf_pipe *p;
    cf_coro *printer, *grep;
    cf_status st;

    if (cf_pipe_new(&p) < 0
        || cf_pipe_printer(p, &printer, NULL, stdout, NULL) < 0
        || cf_pipe_grep(p, &grep, NULL, "python", printer) < 0)
        return 1;
    if (argc > 1) {
        st = cf_pipe_source_path(p, argv[1], grep, NULL, NULL);
    } else {
        for (int i = 0; i < 4; i++)
            lines[i] = cf_str(text[i]);
        st = cf_pipe_source_array(p, lines, 4, grep, NULL, NULL);
    }
    if (st == CF_RAISED)
        cf_error_print(cf_error_last(), stderr);
    cf_pipe_free(p);
    return st == CF_RAISED;
}
