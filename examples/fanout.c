/* SPDX-License-Identifier: MIT */
/*
 * fanout - a fan-out/fan-in pipeline of tasks over channels, on every
 * core: a producer sends the numbers 1..N into a jobs channel, W workers
 * per scheduler (one scheduler per core, a cf_sched_pool) take jobs and
 * send their squares into a results channel, and a collector sums them.
 * The last worker to finish closes the results channel (an atomic count:
 * the workers run on several threads), so the collector's loop ends as
 * Go's `for v := range results` does.
 *
 *   fanout [N [W]]     default N = 100000, W = 4 per scheduler
 *
 * Prints the sum and checks it against n(n+1)(2n+1)/6.
 */
#include <stdio.h>
#include <stdlib.h>

#include <coflow.h>

struct plan {
    cf_chan *jobs, *results;
    cf_sched_pool *pool;
    long n, workers;
    _Atomic long left; /* workers still running, across schedulers */
    long long sum;
};

static cf_coro *task(cf_body_fn fn, void *arg, const char *name)
{
    struct cf_coro_opts o = {.name = name};
    cf_coro *co;
    if (cf_coro_new(&co, fn, arg, &o) != 0) {
        fprintf(stderr, "fanout: out of memory\n");
        exit(1);
    }
    return co;
}

static cf_value producer(void *arg)
{
    struct plan *p = arg;
    for (long i = 1; i <= p->n; i++)
        if (cf_chan_send(p->jobs, cf_int(i), -1) != 0)
            break;
    cf_chan_close(p->jobs); /* the workers drain it, then stop */
    return cf_none();
}

static cf_value worker(void *arg)
{
    struct plan *p = arg;
    cf_value v;
    while (cf_chan_recv(p->jobs, &v, -1) == 0) {
        int64_t x = cf_to_int(v);
        cf_chan_send(p->results, cf_int(x * x), -1);
    }
    if (--p->left == 0) /* the last worker out closes the results */
        cf_chan_close(p->results);
    return cf_none();
}

static cf_value collector(void *arg)
{
    struct plan *p = arg;
    cf_value v;
    while (cf_chan_recv(p->results, &v, -1) == 0)
        p->sum += cf_to_int(v);
    return cf_none();
}

int main(int argc, char **argv)
{
    struct plan p = {.n = argc > 1 ? atol(argv[1]) : 100000,
                     .workers = argc > 2 ? atol(argv[2]) : 4};
    if (p.n < 1 || p.workers < 1) {
        fprintf(stderr, "usage: fanout [N [W]]\n");
        return 2;
    }
    if (cf_sched_pool_new(&p.pool, 0, NULL) != 0
        || cf_chan_new(&p.jobs, 64, CF_CHAN_SHARED) != 0
        || cf_chan_new(&p.results, 64, CF_CHAN_SHARED) != 0) {
        fprintf(stderr, "fanout: cannot start\n");
        return 1;
    }
    int nsched = cf_sched_pool_size(p.pool);
    p.left = p.workers * nsched;
    cf_sched_spawn(cf_sched_pool_get(p.pool, 0),
                   task(producer, &p, "producer"));
    cf_sched_spawn(cf_sched_pool_get(p.pool, 0),
                   task(collector, &p, "collector"));
    for (int s = 0; s < nsched; s++)
        for (long w = 0; w < p.workers; w++)
            cf_sched_spawn(cf_sched_pool_get(p.pool, s),
                           task(worker, &p, "worker"));
    int rc = cf_sched_pool_run(p.pool);
    long long n = p.n, want = n * (n + 1) * (2 * n + 1) / 6;
    printf("%d schedulers, %ld workers each: sum of squares 1..%ld = %lld "
           "(%s)\n",
           nsched, p.workers, p.n, p.sum, p.sum == want ? "right" : "WRONG");
    cf_chan_free(p.jobs);
    cf_chan_free(p.results);
    cf_sched_pool_free(p.pool);
    return rc == 0 && p.sum == want ? 0 : 1;
}
