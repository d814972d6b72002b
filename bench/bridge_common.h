/* SPDX-License-Identifier: MIT */
/*
 * bench/bridge_common.h - what the bridge benchmarks share: the input
 * (small log-like lines, half of them with "python"), a clock, and the
 * report line in build/bench/results.tsv's format (bench/README.md):
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
 * once; `mk` NULL is the inline pipeline. Checks the count; the rate.
 */
typedef int (*bench_mk)(cf_pipe *p, cf_coro **out, cf_coro *target);

static double bench_pipeline(const char *name, bench_mk mk, size_t n)
{
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
    return (double)n / (t1 - t0);
}

/* One run of one system in repetition `rep`: its rate (items/s). */
typedef double (*bench_run)(int rep);

/*
 * Runs the `nsys` systems interleaved: each of the BRIDGE_REPS repetitions
 * runs every system once, starting from a different one each time, so that
 * the machine's drift hits them alike. Prints each system's report line
 * and, when the environment names a directory in BENCH_SAMPLES, writes
 * every repetition's rate to BENCH_SAMPLES/<name>.tsv (system, repetition,
 * value, unit) for bench/report.py's per-repetition ratios.
 */
static void bench_interleaved(const char *name, int nsys,
                              const char *const *systems, const bench_run *run)
{
    double rate[8][BRIDGE_REPS], sorted[BRIDGE_REPS];
    for (int r = 0; r < BRIDGE_REPS; r++)
        for (int k = 0; k < nsys; k++) {
            int i = (k + r) % nsys;
            rate[i][r] = run[i](r);
        }
    const char *dir = getenv("BENCH_SAMPLES");
    FILE *f = NULL;
    if (dir != NULL && *dir != '\0') {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.tsv", dir, name);
        f = fopen(path, "w");
        if (f == NULL)
            perror(path);
        else
            fprintf(f,
                    "# %s: system, repetition, value, unit; the systems "
                    "of one repetition ran interleaved\n",
                    name);
    }
    for (int i = 0; i < nsys; i++) {
        for (int r = 0; r < BRIDGE_REPS; r++) {
            sorted[r] = rate[i][r];
            if (f != NULL)
                fprintf(f, "%s\t%d\t%.0f\titems/s\n", systems[i], r,
                        rate[i][r]);
        }
        bench_report(name, systems[i], sorted, BRIDGE_REPS);
    }
    if (f != NULL)
        fclose(f);
}

#endif
