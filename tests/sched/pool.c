/* SPDX-License-Identifier: MIT */
/*
 * tests/sched/pool.c - one scheduler per core (cf_sched_pool): channels
 * that cross schedulers, starting tasks on another scheduler, a select
 * across schedulers, a timeout racing a remote wake. Built twice: into the
 * Criterion suite, and under ThreadSanitizer into a plain program (the
 * stand-in criterion.h of tests/bridge/tsan/, `make check-sched-tsan`).
 * Only the small part of Criterion's interface the stand-in has is used.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include <criterion/criterion.h>
#include <coflow/coop.h>
#include <coflow/sched.h>

#include "sched/pingpong.h"

#define ROUNDS 20000

static cf_coro *coro(cf_body_fn fn, void *arg)
{
    struct cf_coro_opts o = {.name = "t", .stack_size = CF_STACK_MIN};
    cf_coro *co;
    cr_assert_eq(cf_coro_new(&co, fn, arg, &o), 0);
    return co;
}

/* Two tasks on two schedulers (two threads) ping-pong over shared
   unbuffered channels: every value arrives once, in order, and the close
   crosses too. */
Test(sched_pool, cross_scheduler_ping_pong)
{
    cf_sched_pool *p;
    cr_assert_eq(cf_sched_pool_new(&p, 2, NULL), 0);
    cr_assert_eq(cf_sched_pool_size(p), 2);
    struct pingpong x = {.n = ROUNDS};
    cr_assert_eq(cf_chan_new(&x.a, 0, CF_CHAN_SHARED), 0);
    cr_assert_eq(cf_chan_new(&x.b, 0, CF_CHAN_SHARED), 0);
    cr_assert_eq(cf_sched_spawn(cf_sched_pool_get(p, 0), coro(ping, &x)), 0);
    cr_assert_eq(cf_sched_spawn(cf_sched_pool_get(p, 1), coro(pong, &x)), 0);
    cr_assert_eq(cf_sched_pool_run(p), 0);
    cr_assert_eq(x.sum, (int64_t)ROUNDS * (ROUNDS + 1) / 2);
    cr_assert_eq(x.rc, -EPIPE);
    cr_assert(x.where[0] == cf_sched_pool_get(p, 0));
    cr_assert(x.where[1] == cf_sched_pool_get(p, 1));
    cf_chan_free(x.a);
    cf_chan_free(x.b);
    cf_sched_pool_free(p);
}

struct fan {
    cf_chan *jobs, *results;
    cf_sched_pool *p;
    int64_t total;
};

static cf_value worker(void *arg)
{
    struct fan *f = arg;
    cf_value v;
    while (cf_chan_recv(f->jobs, &v, -1) == 0)
        cr_assert_eq(cf_chan_send(f->results, cf_int(cf_to_int(v) * 2), -1), 0);
    return cf_none();
}

static cf_value boss(void *arg)
{
    struct fan *f = arg;
    /* Start a worker on each scheduler, from a task. */
    for (int i = 0; i < cf_sched_pool_size(f->p); i++)
        for (int k = 0; k < 2; k++)
            cr_assert_eq(
                cf_sched_spawn(cf_sched_pool_get(f->p, i), coro(worker, f)), 0);
    int sent = 0, got = 0;
    while (got < 1000) {
        cf_sel_case cs[2] = {
            {.ch = sent < 1000 ? f->jobs : NULL,
             .op = CF_SEL_SEND,
             .v = cf_int(sent)},
            {.ch = f->results, .op = CF_SEL_RECV},
        };
        int k = cf_select(cs, 2, -1);
        cr_assert(k == 0 || k == 1);
        cr_assert_eq(cs[k].rc, 0);
        if (k == 0) {
            sent++;
        } else {
            f->total += cf_to_int(cs[1].v);
            got++;
        }
    }
    cr_assert_eq(cf_chan_close(f->jobs), 0);
    return cf_none();
}

/* Fan-out/fan-in across schedulers with select on both directions. */
Test(sched_pool, fan_out_fan_in_select)
{
    struct fan f = {0};
    cr_assert_eq(cf_sched_pool_new(&f.p, 2, NULL), 0);
    cr_assert_eq(cf_chan_new(&f.jobs, 0, CF_CHAN_SHARED), 0);
    cr_assert_eq(cf_chan_new(&f.results, 4, CF_CHAN_SHARED), 0);
    cr_assert_eq(cf_sched_spawn(cf_sched_pool_get(f.p, 0), coro(boss, &f)), 0);
    cr_assert_eq(cf_sched_pool_run(f.p), 0);
    cr_assert_eq(f.total, 999 * 1000);
    cf_chan_free(f.jobs);
    cf_chan_free(f.results);
    cf_sched_pool_free(f.p);
}

struct race {
    cf_chan *c;
    int ok, timeouts;
};

static cf_value timed_recv(void *arg)
{
    struct race *r = arg;
    for (int i = 0; i < 2000; i++) {
        int rc = cf_chan_recv(r->c, NULL, i % 3 == 0 ? 0 : 1);
        if (rc == 0)
            r->ok++;
        else
            r->timeouts++;
    }
    cf_chan_close(r->c);
    return cf_none();
}

static cf_value trickle(void *arg)
{
    struct race *r = arg;
    while (cf_chan_send(r->c, cf_int(1), 1) != -EPIPE)
        ;
    return cf_none();
}

/* Deadlines racing remote wakes: every send that succeeded was received
   by exactly one receive. */
Test(sched_pool, timeouts_race_remote_wakes)
{
    cf_sched_pool *p;
    cr_assert_eq(cf_sched_pool_new(&p, 2, NULL), 0);
    struct race r = {0};
    cr_assert_eq(cf_chan_new(&r.c, 0, CF_CHAN_SHARED), 0);
    cr_assert_eq(cf_sched_spawn(cf_sched_pool_get(p, 0), coro(timed_recv, &r)),
                 0);
    cr_assert_eq(cf_sched_spawn(cf_sched_pool_get(p, 1), coro(trickle, &r)), 0);
    cr_assert_eq(cf_sched_pool_run(p), 0);
    cr_assert_eq(r.ok + r.timeouts, 2000);
    cr_assert_gt(r.ok, 0);
    cf_chan_free(r.c);
    cf_sched_pool_free(p);
}

Test(sched_pool, bad_input)
{
    cf_sched_pool *p;
    cr_assert_eq(cf_sched_pool_new(NULL, 1, NULL), -EINVAL);
    cr_assert_eq(cf_sched_pool_new(&p, -1, NULL), -EINVAL);
    cr_assert_eq(cf_sched_pool_new(&p, 0, NULL), 0); /* one per CPU */
    cr_assert_geq(cf_sched_pool_size(p), 1);
    cr_assert(cf_sched_pool_get(p, -1) == NULL);
    cr_assert(cf_sched_pool_get(p, cf_sched_pool_size(p)) == NULL);
    cr_assert_eq(cf_sched_spawn(NULL, NULL), -EINVAL);
    cr_assert_eq(cf_sched_spawn(cf_sched_pool_get(p, 0), NULL), -EINVAL);
    cr_assert_eq(cf_sched_pool_run(NULL), -EINVAL);
    cr_assert_eq(cf_sched_pool_run(p), 0); /* no task: ends at once */
    cr_assert(cf_sched_self() == NULL);
    cf_sched_pool_free(p);
    cf_sched_pool_free(NULL);
    cr_assert_eq(cf_sched_pool_size(NULL), 0);
}

struct gone {
    cf_chan *a, *b, *c;
    int k, rc, one;
};

static cf_value wait_on_freed(void *arg)
{
    struct gone *g = arg;
    cf_sel_case cs[2] = {{.ch = g->a, .op = CF_SEL_RECV},
                         {.ch = g->b, .op = CF_SEL_RECV}};
    g->k = cf_select(cs, 2, -1);
    g->rc = cs[0].rc;
    return cf_none();
}

static cf_value recv_freed(void *arg)
{
    struct gone *g = arg;
    g->one = cf_chan_recv(g->c, NULL, -1);
    return cf_none();
}

static cf_value free_them(void *arg)
{
    struct gone *g = arg;
    cf_task_sleep(20); /* the waiters on the other thread are parked */
    cf_chan_free(g->a);
    cf_chan_free(g->c);
    return cf_none();
}

/* Shared channels freed while tasks of another scheduler wait on them: the
   waiters get -EPIPE and leave without touching the freed channels. */
Test(sched_pool, free_while_remote_waiters)
{
    cf_sched_pool *p;
    cr_assert_eq(cf_sched_pool_new(&p, 2, NULL), 0);
    struct gone g = {.k = 9, .one = 9};
    cr_assert_eq(cf_chan_new(&g.a, 0, CF_CHAN_SHARED), 0);
    cr_assert_eq(cf_chan_new(&g.b, 0, CF_CHAN_SHARED), 0);
    cr_assert_eq(cf_chan_new(&g.c, 0, CF_CHAN_SHARED), 0);
    cr_assert_eq(
        cf_sched_spawn(cf_sched_pool_get(p, 0), coro(wait_on_freed, &g)), 0);
    cr_assert_eq(cf_sched_spawn(cf_sched_pool_get(p, 0), coro(recv_freed, &g)),
                 0);
    cr_assert_eq(cf_sched_spawn(cf_sched_pool_get(p, 1), coro(free_them, &g)),
                 0);
    cr_assert_eq(cf_sched_pool_run(p), 0);
    cr_assert_eq(g.k, 0);
    cr_assert_eq(g.rc, -EPIPE);
    cr_assert_eq(g.one, -EPIPE);
    cr_assert_eq(cf_chan_trysend(g.b, cf_int(1)), -EAGAIN); /* no stale node */
    cf_chan_free(g.b);
    cf_sched_pool_free(p);
}
