/* SPDX-License-Identifier: MIT */
/*
 * bench/coflow_grep.c - the seeds' benchmark.py: one send of "python is
 * nice" into a grep stage that forwards matching lines to a null sink, the
 * stage once as a body coroutine and once as a handler (GrepHandler). The
 * sink is a body coroutine in both, as null() is a generator in Python.
 *
 * The search is a cf_finder made once for the pattern (coflow/pipe.h), as
 * CPython's `in` runs its fastsearch: glibc's memmem, which plans the
 * search again on every call, took 157 of the 386 instructions a line cost
 * (callgrind).
 */
#include "coflow_cases.h"

#include <string.h>

#include <coflow/pipe.h>

static const char pattern[] = "python";
static const char line[] = "python is nice";

/* null(): while True: item = (yield) */
static cf_value null_sink(void *arg)
{
    (void)arg;
    for (;;)
        cf_yield(cf_none());
    return cf_none();
}

static cf_finder *finder;

static bool matches(cf_value v)
{
    return cf_finder_find(finder, cf_to_str(v), cf_len(v)) != NULL;
}

static void plan(void)
{
    if (finder == NULL
        && cf_finder_new(&finder, pattern, sizeof pattern - 1) < 0) {
        fprintf(stderr, "cf_finder_new: out of memory\n");
        exit(1);
    }
}

/* grep(pattern, target): while True: line = (yield); if ...: send */
static cf_value grep_body(void *arg)
{
    cf_coro *target = arg;
    for (;;) {
        cf_value v = cf_yield(cf_none());
        if (matches(v))
            cf_send(target, v, NULL);
    }
    return cf_none();
}

/* GrepHandler.send (the priming none matches nothing: cf_to_str() of it
 * is NULL, in which a finder finds nothing) */
static cf_status grep_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    if (op != CF_OP_SEND)
        return CF_RAISED;
    if (matches(in))
        cf_send(self, in, NULL);
    *out = cf_none();
    return CF_YIELDED;
}

static int64_t send_lines(cf_coro *stage, long iters)
{
    cf_value v = cf_strn(line, sizeof line - 1);
    int64_t n = 0;
    for (long i = 0; i < iters; i++)
        n += cf_send(stage, v, NULL) == CF_YIELDED;
    return n;
}

static double timed(cf_coro *stage, long iters, long warmup, int64_t *check)
{
    send_lines(stage, warmup);
    uint64_t t0 = bench_now_ns();
    *check = send_lines(stage, iters);
    uint64_t t1 = bench_now_ns();
    return bench_per_op(t0, t1, iters);
}

double coflow_grep_coroutine(long iters, long warmup, int64_t *check)
{
    plan();
    cf_coro *sink = bench_new_body(null_sink, NULL, "null", 0, true);
    cf_coro *grep = bench_new_body(grep_body, sink, "grep", 0, true);
    double ns = timed(grep, iters, warmup, check);
    cf_coro_free(grep);
    cf_coro_free(sink);
    return ns;
}

double coflow_grep_object(long iters, long warmup, int64_t *check)
{
    plan();
    cf_coro *sink = bench_new_body(null_sink, NULL, "null", 0, true);
    cf_coro *grep;
    int rc =
        cf_handler_new(&grep, grep_step, sink,
                       &(struct cf_coro_opts){.name = "grep", .prime = true});
    if (rc < 0) {
        fprintf(stderr, "cf_handler_new: %s\n", cf_strerror(rc));
        exit(1);
    }
    double ns = timed(grep, iters, warmup, check);
    cf_coro_free(grep);
    cf_coro_free(sink);
    return ns;
}
