/* SPDX-License-Identifier: MIT */
/*
 * examples/cothread.c - Beazley's cothread.py: part of a pipeline runs on
 * another thread. The seeds insert threaded() into the bus pipeline; this
 * one does the same over generated log lines (source -> thread stage ->
 * grep -> printer, and a million lines into a counter), so it needs no
 * input file.
 *
 *     def threaded(target):          # coflow: cf_bridge_thread()
 *         messages = Queue()
 *         def run_target():
 *             while True:
 *                 item = messages.get()
 *                 if item is GeneratorExit:
 *                     target.close(); return
 *                 target.send(item)
 *         Thread(target=run_target).start()
 *         ...
 */
#include <stdio.h>
#include <stdlib.h>

#include <coflow.h>

int main(void)
{
    static const char *hosts[] = {"10.0.0.1", "10.0.0.2", "10.0.0.3"};
    static const char *paths[] = {"/ply/ply.tar.gz", "/python/gen.py",
                                  "/index.html", "/python/coro.py"};
    char lines[12][96];
    cf_value v[12];
    for (int i = 0; i < 12; i++) {
        int n = snprintf(lines[i], sizeof lines[i], "%s - - \"GET %s\" 200",
                         hosts[i % 3], paths[i % 4]);
        v[i] = cf_strn(lines[i], (size_t)n);
    }

    /* source -> threaded(grep('python', printer())) */
    cf_pipe *p;
    cf_coro *printer, *grep, *bridge, *count, *bridge2;
    if (cf_pipe_new(&p) != 0)
        return 1;
    cf_pipe_printer(p, &printer, NULL, stdout, "thread: ");
    cf_pipe_grep(p, &grep, NULL, "python", printer);
    if (cf_bridge_thread(p, &bridge, grep, NULL) != 0)
        return 1;
    if (cf_pipe_source_array(p, v, 12, bridge, NULL, NULL) != CF_RETURNED) {
        cf_error_print(cf_error_last(), stderr);
        return 1;
    }

    /* A million numbers through a thread into a counter. */
    cf_value r;
    cf_pipe_count(p, &count, NULL);
    if (cf_bridge_thread(p, &bridge2, count, NULL) != 0)
        return 1;
    if (cf_pipe_source_range(p, 0, 1000000, 1, bridge2, NULL, &r)
        != CF_RETURNED)
        return 1;
    printf("counted on the worker thread: %lld\n", (long long)cf_to_int(r));
    cf_pipe_free(p);
    return cf_to_int(r) == 1000000 ? 0 : 1;
}
