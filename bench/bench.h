/* SPDX-License-Identifier: MIT */
/*
 * bench/bench.h - what every C and C++ benchmark program shares: a clock, a
 * table of cases, and main().
 *
 * A program is run once per figure, by bench/run.py:
 *
 *     prog BENCHMARK SYSTEM ITERS WARMUP
 *
 * It runs WARMUP operations untimed, then ITERS timed ones, and prints one
 * line, "ns-per-operation<TAB>checksum". The checksum keeps the compiler from
 * dropping the work and lets runs of the same ITERS be compared. A case that
 * cannot run here prints why on stderr and exits with status 2.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One figure: runs warmup + iters operations, returns ns per timed one. */
typedef double (*bench_fn)(long iters, long warmup, int64_t *check);

struct bench_case {
    const char *benchmark;
    const char *system;
    bench_fn run;
};

/* Exit status of a case that cannot run on this machine. */
#define BENCH_CANNOT 2

static inline uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline double bench_per_op(uint64_t t0, uint64_t t1, long iters)
{
    return (double)(t1 - t0) / (double)(iters > 0 ? iters : 1);
}

/*
 * Runs loop(warmup) untimed, then times loop(iters); the timed loop's result
 * is the checksum. Returns ns per timed operation.
 */
static inline double bench_time_loop(int64_t (*loop)(long), long iters,
                                     long warmup, int64_t *check)
{
    loop(warmup);
    uint64_t t0 = bench_now_ns();
    *check = loop(iters);
    uint64_t t1 = bench_now_ns();
    return bench_per_op(t0, t1, iters);
}

/* Exits with BENCH_CANNOT after saying why on stderr. */
static inline void bench_cannot(const char *why)
{
    fprintf(stderr, "%s\n", why);
    exit(BENCH_CANNOT);
}

static inline int bench_main(int argc, char **argv,
                             const struct bench_case *cases, size_t n)
{
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < n; i++)
            printf("%s\t%s\n", cases[i].benchmark, cases[i].system);
        return 0;
    }
    if (argc != 5) {
        fprintf(stderr,
                "usage: %s BENCHMARK SYSTEM ITERS WARMUP\n"
                "       %s --list\n",
                argv[0], argv[0]);
        return 1;
    }
    long iters = strtol(argv[3], NULL, 10);
    long warmup = strtol(argv[4], NULL, 10);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(cases[i].benchmark, argv[1]) != 0
            || strcmp(cases[i].system, argv[2]) != 0)
            continue;
        int64_t check = 0;
        double ns = cases[i].run(iters, warmup, &check);
        printf("%.3f\t%lld\n", ns, (long long)check);
        return 0;
    }
    fprintf(stderr, "%s: no case %s/%s\n", argv[0], argv[1], argv[2]);
    return 1;
}

#endif
