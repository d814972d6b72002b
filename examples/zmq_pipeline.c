/* SPDX-License-Identifier: MIT */
/*
 * examples/zmq_pipeline.c - Beazley's pipeline over ZeroMQ with its middle
 * stages on N worker processes: ZeroMQ's ventilator -> workers -> sink.
 *
 *     zmq_pipeline sink   ENDPOINT NWORKERS       (bind; count)
 *     zmq_pipeline worker IN OUT                  (grep python -> push)
 *     zmq_pipeline vent   ENDPOINT NWORKERS LINES (bind; generate log lines)
 *
 * `make demo` runs a sink, two workers and a ventilator on loopback
 * (tcp://127.0.0.1); each stops by itself when the stream closes, or
 * after 20 s without a frame.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <coflow.h>

static int usage(void)
{
    fprintf(stderr, "usage: zmq_pipeline sink ENDPOINT NWORKERS\n"
                    "       zmq_pipeline worker IN OUT\n"
                    "       zmq_pipeline vent ENDPOINT NWORKERS LINES\n");
    return 2;
}

static int failed(const char *role)
{
    fprintf(stderr, "%s: ", role);
    cf_error_print(cf_error_last(), stderr);
    return 1;
}

static int sink(const char *ep, unsigned workers)
{
    cf_pipe *p;
    cf_coro *count;
    cf_pipe_new(&p);
    cf_pipe_count(p, &count, NULL);
    struct cf_zmq_stats st;
    struct cf_zmq_opts o = {.name = "sink",
                            .bind = true,
                            .producers = workers,
                            .timeout_ms = 20000,
                            .stats = &st};
    cf_value r;
    if (cf_bridge_zmq_pull(p, ep, count, &o, &r) != CF_RETURNED)
        return failed("sink");
    printf("sink: %lld python lines from %u workers\n", (long long)cf_to_int(r),
           workers);
    cf_pipe_free(p);
    return 0;
}

static int worker(const char *in, const char *out)
{
    cf_pipe *p;
    cf_coro *push, *grep;
    cf_pipe_new(&p);
    if (cf_bridge_zmq_push(p, &push, out, NULL) != 0)
        return failed("worker");
    cf_pipe_grep(p, &grep, "worker-grep", "python", push);
    struct cf_zmq_stats st;
    struct cf_zmq_opts o = {
        .name = "worker", .timeout_ms = 20000, .stats = &st};
    if (cf_bridge_zmq_pull(p, in, grep, &o, NULL) != CF_RETURNED)
        return failed("worker");
    printf("worker: %llu lines in\n", (unsigned long long)st.values);
    cf_pipe_free(p);
    return 0;
}

static int vent(const char *ep, unsigned workers, long lines)
{
    static const char *paths[] = {"/python/gen.py", "/index.html",
                                  "/ply/ply.tar.gz", "/python/coro.py"};
    cf_pipe *p;
    cf_coro *push;
    cf_pipe_new(&p);
    struct cf_zmq_opts o = {
        .name = "vent", .bind = true, .peers = workers, .timeout_ms = 20000};
    if (cf_bridge_zmq_push(p, &push, ep, &o) != 0)
        return failed("vent");
    char line[128];
    for (long i = 0; i < lines; i++) {
        int n = snprintf(line, sizeof line,
                         "10.0.0.%ld - - \"GET %s HTTP/1.1\" 200 %ld", i % 250,
                         paths[i % 4], i);
        if (cf_send(push, cf_strn(line, (size_t)n), NULL) != CF_YIELDED)
            return failed("vent");
    }
    if (cf_close(push, NULL) == CF_RAISED)
        return failed("vent");
    printf("vent: %ld lines out to %u workers\n", lines, workers);
    cf_pipe_free(p);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "sink") == 0)
        return sink(argv[2], (unsigned)atoi(argv[3]));
    if (argc == 4 && strcmp(argv[1], "worker") == 0)
        return worker(argv[2], argv[3]);
    if (argc == 5 && strcmp(argv[1], "vent") == 0)
        return vent(argv[2], (unsigned)atoi(argv[3]), atol(argv[4]));
    return usage();
}
