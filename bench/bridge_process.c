/* SPDX-License-Identifier: MIT */
/*
 * bench/bridge_process.c - bridge_process (bench/README.md): items per
 * second through source -> grep -> process stage -> count (the count in a
 * forked child, fed over a socket pair), against the pipeline inline.
 */
#include "bridge_common.h"

static int process_stage(cf_pipe *p, cf_coro **out, cf_coro *target)
{
    return cf_bridge_process(p, out, target, NULL);
}

static size_t n;

static double run_inline(int rep)
{
    (void)rep;
    return bench_pipeline("bridge_process", NULL, n);
}

static double run_coflow(int rep)
{
    (void)rep;
    return bench_pipeline("bridge_process", process_stage, n);
}

static const char *const systems[] = {"inline", "coflow"};
static const bench_run runs[] = {run_inline, run_coflow};

int main(int argc, char **argv)
{
    n = argc > 1 ? (size_t)atol(argv[1]) : 4000000;
    bench_input(n);
    bench_interleaved("bridge_process", 2, systems, runs);
    return 0;
}
