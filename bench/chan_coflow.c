/* SPDX-License-Identifier: MIT */
/*
 * bench/chan_coflow.c - channel ping-pong (bench/README.md's chan_pingpong
 * and chan_pingpong_xcore), coflow's side:
 *
 *   chan_coflow pingpong|xcore|xbound ITERS WARMUP
 *
 * Two tasks and two unbuffered channels; one round trip is one send each
 * way (the pinger sends i, the ponger answers i + 1), as bench/chan_go.go
 * does. `pingpong`: both tasks on one scheduler. `xcore`: each on its own
 * scheduler of a pool of two (two threads), over CF_CHAN_SHARED channels;
 * the first one woken from the other thread moves to its waker's scheduler
 * (docs/sched.md). `xbound` (not in make bench): the same, with each task
 * tied to its scheduler first (cf_sched_self()), so that every hand-off
 * crosses threads - the cost of a cross-scheduler wake itself.
 * Prints "ns-per-round-trip<TAB>checksum".
 */
#include <coflow.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct pp {
    int bound;
    cf_chan *a, *b;
    long iters, warmup;
    long long sum;
    double ns;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static long long sends(struct pp *p, long n)
{
    long long sum = 0;
    for (long i = 0; i < n; i++) {
        cf_value v;
        if (cf_chan_send(p->a, cf_int(i), -1) != 0
            || cf_chan_recv(p->b, &v, -1) != 0)
            abort();
        sum += cf_to_int(v);
    }
    return sum;
}

static cf_value pinger(void *arg)
{
    struct pp *p = arg;
    if (p->bound)
        (void)cf_sched_self();
    sends(p, p->warmup);
    double t0 = now();
    p->sum = sends(p, p->iters);
    p->ns = (now() - t0) / (double)p->iters;
    cf_chan_close(p->a);
    return cf_none();
}

static cf_value ponger(void *arg)
{
    struct pp *p = arg;
    cf_value v;
    if (p->bound)
        (void)cf_sched_self();
    while (cf_chan_recv(p->a, &v, -1) == 0)
        cf_chan_send(p->b, cf_int(cf_to_int(v) + 1), -1);
    return cf_none();
}

static cf_coro *coro(cf_body_fn fn, void *arg)
{
    cf_coro *co;
    if (cf_coro_new(&co, fn, arg, NULL) != 0)
        abort();
    return co;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr,
                "usage: chan_coflow pingpong|xcore|xbound ITERS WARMUP\n");
        return 1;
    }
    struct pp p = {.iters = atol(argv[2]), .warmup = atol(argv[3])};
    int xcore = argv[1][0] == 'x';
    p.bound = argv[1][1] == 'b';
    unsigned fl = xcore ? CF_CHAN_SHARED : 0;
    if (cf_chan_new(&p.a, 0, fl) != 0 || cf_chan_new(&p.b, 0, fl) != 0)
        return 1;
    if (xcore) {
        cf_sched_pool *pool;
        if (cf_sched_pool_new(&pool, 2, NULL) != 0)
            return 1;
        cf_sched_spawn(cf_sched_pool_get(pool, 0), coro(pinger, &p));
        cf_sched_spawn(cf_sched_pool_get(pool, 1), coro(ponger, &p));
        if (cf_sched_pool_run(pool) != 0)
            return 1;
        cf_sched_pool_free(pool);
    } else {
        cf_sched *s;
        if (cf_sched_new(&s, NULL) != 0)
            return 1;
        cf_sched_add(s, coro(ponger, &p));
        cf_sched_add(s, coro(pinger, &p));
        if (cf_sched_run(s) != 0)
            return 1;
        cf_sched_free(s);
    }
    cf_chan_free(p.a);
    cf_chan_free(p.b);
    printf("%.2f\t%lld\n", p.ns, p.sum);
    return 0;
}
