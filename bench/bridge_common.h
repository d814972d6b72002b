/* SPDX-License-Identifier: MIT */
/*
 * bench/bridge_common.h - what the bridge benchmarks share: the input
 * (small log-like lines, half of them with "python"), a clock, and the
 * report line in build/bench/results.tsv's format (shared/BENCH.md):
 * name, system, median, min, max, unit.
 */
#ifndef CF_BENCH_BRIDGE_COMMON_H
#define CF_BENCH_BRIDGE_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <coflow.h>

#define BRIDGE_REPS 5

static char *bench_text;
static cf_value *bench_lines;

/* `n` lines "GET /item/<i> HTTP/1.1 ...", every second one with python. */
static void bench_input(size_t n)
{
    bench_text = malloc(n * 48);
    bench_lines = malloc(n * sizeof *bench_lines);
    char *p = bench_text;
    for (size_t i = 0; i < n; i++) {
        int len = sprintf(p, "GET /item/%zu HTTP/1.1 %s", i,
                          i % 2 == 0 ? "python" : "perl");
        bench_lines[i] = cf_strn(p, (size_t)len);
        p += len + 1;
    }
}

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Prints the report line of `reps` rates (items/s). */
static void bench_report(const char *name, const char *system, double *rate,
                         int reps)
{
    qsort(rate, (size_t)reps, sizeof *rate, bench_cmp);
    printf("%s\t%s\t%.0f\t%.0f\t%.0f\titems/s\n", name, system, rate[reps / 2],
           rate[0], rate[reps - 1]);
    fflush(stdout);
}

/*
 * Runs source -> grep -> [bridge made by `mk`] -> count over the input
 * `reps` times; `mk` NULL is the inline pipeline. Checks the count.
 */
typedef int (*bench_mk)(cf_pipe *p, cf_coro **out, cf_coro *target);

static void bench_pipeline(const char *name, const char *system, bench_mk mk,
                           size_t n)
{
    double rate[BRIDGE_REPS];
    for (int r = 0; r < BRIDGE_REPS; r++) {
        cf_pipe *p;
        cf_coro *count, *mid, *grep;
        cf_pipe_new(&p);
        cf_pipe_count(p, &count, NULL);
        mid = count;
        if (mk != NULL && mk(p, &mid, count) != 0) {
            fprintf(stderr, "%s: cannot make the bridge\n", name);
            exit(1);
        }
        cf_pipe_grep(p, &grep, NULL, "python", mid);
        cf_value got;
        double t0 = bench_now();
        cf_status s = cf_pipe_source_array(p, bench_lines, n, grep, NULL, &got);
        double t1 = bench_now();
        if (s != CF_RETURNED || cf_to_int(got) != (int64_t)(n + 1) / 2) {
            fprintf(stderr, "%s: wrong count\n", name);
            exit(1);
        }
        cf_pipe_free(p);
        rate[r] = (double)n / (t1 - t0);
    }
    bench_report(name, system, rate, BRIDGE_REPS);
}

#endif
