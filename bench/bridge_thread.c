/* SPDX-License-Identifier: MIT */
/*
 * bench/bridge_thread.c - bridge_thread (bench/README.md): items per
 * second through source -> grep -> thread stage -> count, against the same
 * pipeline inline in one thread.
 */
#include "bridge_common.h"

static int thread_stage(cf_pipe *p, cf_coro **out, cf_coro *target)
{
    return cf_bridge_thread(p, out, target, NULL);
}

static size_t n;

static double run_inline(int rep)
{
    (void)rep;
    return bench_pipeline("bridge_thread", NULL, n);
}

static double run_coflow(int rep)
{
    (void)rep;
    return bench_pipeline("bridge_thread", thread_stage, n);
}

static const char *const systems[] = {"inline", "coflow"};
static const bench_run runs[] = {run_inline, run_coflow};

int main(int argc, char **argv)
{
    n = argc > 1 ? (size_t)atol(argv[1]) : 4000000;
    bench_input(n);
    bench_interleaved("bridge_thread", 2, systems, runs);
    return 0;
}
