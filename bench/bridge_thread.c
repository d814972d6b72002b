/* SPDX-License-Identifier: MIT */
/*
 * bench/bridge_thread.c - bridge_thread (bench/README.md): items per
 * second through source -> grep -> thread stage -> count, against the same
 * pipeline inline in one thread.
 *
 * `bridge_thread latency` measures instead what the bulk publication and
 * the worker's sleeps add to one value's way across (docs/bridge.md, the
 * flush rule): the time from the sender's send to the target's step in the
 * worker thread, for a value sent after the stream went quiet, in four
 * cases (rows "bridge_thread_latency", system = the case, median, min,
 * max, ns; the worker pinned to CPU 0, the sender to CPU 1):
 *   published  the 16th value of a burst (the one that stores `tail`), the
 *              worker awake: the way across itself, the floor
 *   unpublished  one value (in `pending` only), the worker awake (polling)
 *   light      one value 50 us after the last, the worker sleeping lightly
 *   deep       one value 5 ms after the last, the worker sleeping deeply
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>

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

/* ---- latency ---- */

static _Atomic uint64_t lat_seen; /* values the target got */
static double lat_last;           /* latency of the last timed one, ns */

/* The target: an int value is the send time in ns (0: not timed). */
static cf_status lat_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    (void)self;
    *out = cf_none();
    if (op == CF_OP_THROW)
        return CF_RAISED;
    if (in.kind != CF_INT)
        return CF_YIELDED; /* priming */
    if (in.as.i != 0)
        lat_last = bench_now() * 1e9 - (double)in.as.i;
    atomic_fetch_add_explicit(&lat_seen, 1, memory_order_release);
    return CF_YIELDED;
}

static void lat_wait(uint64_t n_seen)
{
    while (atomic_load_explicit(&lat_seen, memory_order_acquire) < n_seen)
        ;
}

/* Pins the calling thread to `cpu` when the machine has two CPUs or more
   (the worker inherits the creating thread's CPU). */
static void lat_pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sysconf(_SC_NPROCESSORS_ONLN) >= 2)
        pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void lat_sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

/* `samples` timed values after `before` untimed ones, a `gap_us` pause
   before each burst (0: none). */
static void lat_case(const char *name, int samples, int before, long gap_us)
{
    cf_coro *tgt, *t;
    struct cf_coro_opts o = {.name = "lat"};
    double *got = malloc((size_t)samples * sizeof *got);
    lat_pin(0); /* the worker runs on CPU 0, the sender on CPU 1 */
    if (cf_handler_new(&tgt, lat_step, NULL, &o) != 0
        || cf_next(tgt, NULL) != CF_YIELDED
        || cf_bridge_thread(NULL, &t, tgt, NULL) != 0 || got == NULL) {
        fprintf(stderr, "bridge_thread latency: setup failed\n");
        exit(1);
    }
    lat_pin(1);
    atomic_store(&lat_seen, 0);
    uint64_t sent = 0;
    for (int k = 0; k < samples; k++) {
        if (gap_us > 0)
            lat_sleep_us(gap_us);
        /* line the burst up so its last value is the one wanted */
        while (before > 0 && (sent + (uint64_t)before + 1) % 16 != 0) {
            cf_send(t, cf_int(0), NULL);
            sent++;
        }
        for (int i = 0; i < before; i++, sent++)
            cf_send(t, cf_int(0), NULL);
        int64_t now = (int64_t)(bench_now() * 1e9);
        cf_send(t, cf_int(now), NULL);
        lat_wait(++sent);
        got[k] = lat_last;
    }
    cf_close(t, NULL);
    cf_coro_free(t);
    cf_coro_free(tgt);
    qsort(got, (size_t)samples, sizeof *got, bench_cmp);
    printf("bridge_thread_latency\t%s\t%.0f\t%.0f\t%.0f\tns\n", name,
           got[samples / 2], got[0], got[samples - 1]);
    fflush(stdout);
    free(got);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "latency") == 0) {
        const char *only = argc > 2 ? argv[2] : "";
        if (strstr("published", only) != NULL)
            lat_case("published", 2000, 15, 0);
        if (strstr("unpublished", only) != NULL)
            lat_case("unpublished", 2000, 0, 0);
        if (strstr("light", only) != NULL)
            lat_case("light", 400, 0, 50);
        if (strstr("deep", only) != NULL)
            lat_case("deep", 100, 0, 5000);
        return 0;
    }
    n = argc > 1 ? (size_t)atol(argv[1]) : 4000000;
    bench_input(n);
    bench_interleaved("bridge_thread", 2, systems, runs);
    return 0;
}
