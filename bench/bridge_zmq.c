/* SPDX-License-Identifier: MIT */
/*
 * bench/bridge_zmq.c - bridge_zmq (bench/README.md): items per second
 * through source -> grep -> ZeroMQ push | pull -> count over ipc://, the
 * pull side on another thread; against the same work written with plain
 * libzmq PUSH/PULL and no coflow (zmq-floor: memmem for the grep, one
 * message per matching line, a receiver counting until an empty message),
 * and against the pipeline inline. The coflow push gathers its frames
 * into 8 KiB messages (cf_zmq_opts.batch); the floor sends a message per
 * line, as a plain libzmq program does.
 */
#include <pthread.h>
#include <unistd.h>

#include <zmq.h>

#include "bridge_common.h"

static char ep[128];
static size_t nlines;

static void *coflow_sink(void *arg)
{
    cf_value *got = arg;
    cf_pipe *p;
    cf_coro *count;
    cf_pipe_new(&p);
    cf_pipe_count(p, &count, NULL);
    struct cf_zmq_opts o = {.bind = true, .timeout_ms = 60000};
    if (cf_bridge_zmq_pull(p, ep, count, &o, got) != CF_RETURNED)
        *got = cf_int(-1);
    cf_pipe_free(p);
    return NULL;
}

static double run_coflow(int r)
{
    cf_value got;
    pthread_t t;
    snprintf(ep, sizeof ep, "ipc:///tmp/cf-bench-zmq-%d-%d", (int)getpid(), r);
    pthread_create(&t, NULL, coflow_sink, &got);
    cf_pipe *p;
    cf_coro *push, *grep;
    cf_pipe_new(&p);
    cf_bridge_zmq_push(p, &push, ep, &(struct cf_zmq_opts){.batch = 8192});
    cf_pipe_grep(p, &grep, NULL, "python", push);
    double t0 = bench_now();
    cf_pipe_source_array(p, bench_lines, nlines, grep, NULL, NULL);
    pthread_join(t, NULL);
    double t1 = bench_now();
    cf_pipe_free(p);
    if (cf_to_int(got) != (int64_t)(nlines + 1) / 2) {
        fprintf(stderr, "bridge_zmq: wrong count %lld\n",
                (long long)cf_to_int(got));
        exit(1);
    }
    return (double)nlines / (t1 - t0);
}

static void *floor_sink(void *arg)
{
    long *got = arg;
    void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_PULL);
    zmq_bind(s, ep);
    char buf[256];
    long n = 0;
    for (;;) {
        int len = zmq_recv(s, buf, sizeof buf, 0);
        if (len <= 0)
            break;
        n++;
    }
    *got = n;
    zmq_close(s);
    zmq_ctx_term(ctx);
    return NULL;
}

static double run_floor(int r)
{
    long got = 0;
    pthread_t t;
    snprintf(ep, sizeof ep, "ipc:///tmp/cf-bench-zmqf-%d-%d", (int)getpid(), r);
    pthread_create(&t, NULL, floor_sink, &got);
    void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_PUSH);
    zmq_connect(s, ep);
    double t0 = bench_now();
    for (size_t i = 0; i < nlines; i++) {
        const char *line = cf_to_str(bench_lines[i]);
        size_t len = cf_len(bench_lines[i]);
        if (memmem(line, len, "python", 6) != NULL)
            zmq_send(s, line, len, 0);
    }
    zmq_send(s, "", 0, 0);
    pthread_join(t, NULL);
    double t1 = bench_now();
    zmq_close(s);
    zmq_ctx_term(ctx);
    if (got != (long)(nlines + 1) / 2) {
        fprintf(stderr, "bridge_zmq: floor counted %ld\n", got);
        exit(1);
    }
    return (double)nlines / (t1 - t0);
}

static double run_inline(int rep)
{
    (void)rep;
    return bench_pipeline("bridge_zmq", NULL, nlines);
}

static const char *const systems[] = {"inline", "zmq-floor", "coflow"};
static const bench_run runs[] = {run_inline, run_floor, run_coflow};

int main(int argc, char **argv)
{
    nlines = argc > 1 ? (size_t)atol(argv[1]) : 2000000;
    bench_input(nlines);
    bench_interleaved("bridge_zmq", 3, systems, runs);
    return 0;
}
