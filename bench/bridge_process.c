/* SPDX-License-Identifier: MIT */
/*
 * bench/bridge_process.c - bridge_process (shared/BENCH.md): items per
 * second through source -> grep -> process stage -> count (the count in a
 * forked child, fed over a socket pair), against the pipeline inline.
 */
#include "bridge_common.h"

static int process_stage(cf_pipe *p, cf_coro **out, cf_coro *target)
{
    return cf_bridge_process(p, out, target, NULL);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : 4000000;
    bench_input(n);
    bench_pipeline("bridge_process", "inline", NULL, n);
    bench_pipeline("bridge_process", "coflow", process_stage, n);
    return 0;
}
