/* SPDX-License-Identifier: MIT */
/*
 * bench/coflow_scale.c - coflow at scale (issue 4), bench/README.md's names:
 *
 *   create_1m          s      create 1,000,000 coroutines (default 64 KiB
 *                             stacks, guarded) and start each to its first
 *                             yield, all alive at the end
 *   create_1m floor    s      no coroutines: one write into the top page
 *                             of each of 1,000,000 stack-sized slots of one
 *                             fresh mapping - the page faults that any
 *                             design giving each stack its own pages pays
 *   rss_per_coroutine  bytes  VmRSS growth per idle suspended coroutine,
 *                             over 100,000 of them (page tables not counted;
 *                             the figure's comment in stderr gives them)
 *
 * Both ignore ITERS and WARMUP: their size is fixed by their definition.
 * Each process run is one fresh measurement (a fresh pool).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <coflow.h>

#include "bench.h"

static cf_value idle(void *arg)
{
    for (;;)
        cf_yield(cf_none());
    return cf_none();
}

static long status_kib(const char *field)
{
    char line[256];
    long v = -1;
    size_t n = strlen(field);
    FILE *f = fopen("/proc/self/status", "r");
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, field, n) == 0)
            v = atol(line + n);
    if (f != NULL)
        fclose(f);
    return v;
}

/* Creates and primes n coroutines; returns them. */
static cf_coro **make(long n)
{
    cf_coro **cs = malloc((size_t)n * sizeof *cs);
    if (cs == NULL)
        bench_cannot("out of memory");
    for (long i = 0; i < n; i++)
        if (cf_coro_new(&cs[i], idle, NULL,
                        &(struct cf_coro_opts){.prime = true})
            != 0)
            bench_cannot("cf_coro_new failed (out of memory?)");
    return cs;
}

static double create_1m(long iters, long warmup, int64_t *check)
{
    (void)iters;
    (void)warmup;
    uint64_t t0 = bench_now_ns();
    cf_coro **cs = make(1000000);
    uint64_t t1 = bench_now_ns();
    *check = cf_coro_state(cs[999999]) == CF_SUSPENDED ? 1000000 : 0;
    /* Freeing is not timed, and the process ends anyway. */
    return (double)(t1 - t0) * 1e-9;
}

static double floor_1m(long iters, long warmup, int64_t *check)
{
    enum { N = 1000000 };
    (void)iters;
    (void)warmup;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t slot = CF_STACK_DEFAULT + 2 * page; /* coflow's slot: stack,
                                                  guard, coroutine object */
    char *m = mmap(NULL, N * slot, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED)
        bench_cannot("mmap failed");
    uint64_t t0 = bench_now_ns();
    for (size_t i = 0; i < N; i++)
        m[(i + 1) * slot - 64] = 1;
    uint64_t t1 = bench_now_ns();
    int64_t n = 0;
    for (size_t i = 0; i < N; i++)
        n += m[(i + 1) * slot - 64];
    *check = n;
    munmap(m, N * slot);
    return (double)(t1 - t0) * 1e-9;
}

static double rss_per_coroutine(long iters, long warmup, int64_t *check)
{
    enum { N = 100000 };
    (void)iters;
    (void)warmup;
    long rss0 = status_kib("VmRSS:"), pte0 = status_kib("VmPTE:");
    cf_coro **cs = make(N);
    long rss = status_kib("VmRSS:") - rss0, pte = status_kib("VmPTE:") - pte0;
    *check = cf_coro_state(cs[N - 1]) == CF_SUSPENDED ? N : 0;
    fprintf(stderr,
            "rss_per_coroutine: %.0f bytes RSS + %.0f bytes page "
            "tables per coroutine\n",
            (double)rss * 1024.0 / N, (double)pte * 1024.0 / N);
    return (double)rss * 1024.0 / N;
}

int main(int argc, char **argv)
{
    static const struct bench_case cases[] = {
        {"create_1m", "coflow", create_1m},
        {"create_1m", "floor", floor_1m},
        {"rss_per_coroutine", "coflow", rss_per_coroutine},
    };
    return bench_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
