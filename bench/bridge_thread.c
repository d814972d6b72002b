/* SPDX-License-Identifier: MIT */
/*
 * bench/bridge_thread.c - bridge_thread (shared/BENCH.md): items per
 * second through source -> grep -> thread stage -> count, against the same
 * pipeline inline in one thread.
 */
#include "bridge_common.h"

static int thread_stage(cf_pipe *p, cf_coro **out, cf_coro *target)
{
    return cf_bridge_thread(p, out, target, NULL);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : 4000000;
    bench_input(n);
    bench_pipeline("bridge_thread", "inline", NULL, n);
    bench_pipeline("bridge_thread", "coflow", thread_stage, n);
    return 0;
}
