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
#include <unistd.h>

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

/* A shared channel of `cap`. */
static cf_chan *shared(size_t cap)
{
    cf_chan *c;
    cr_assert_eq(cf_chan_new(&c, cap, CF_CHAN_SHARED), 0);
    return c;
}

/* A pool of two schedulers: `fn0` started on the first, `fn1` on the
   second, by cf_sched_spawn(). */
static cf_sched_pool *pool_of_two(cf_body_fn fn0, void *arg0, cf_body_fn fn1,
                                  void *arg1)
{
    cf_sched_pool *p;
    cr_assert_eq(cf_sched_pool_new(&p, 2, NULL), 0);
    cr_assert_eq(cf_sched_pool_size(p), 2);
    cr_assert_eq(cf_sched_spawn(cf_sched_pool_get(p, 0), coro(fn0, arg0)), 0);
    cr_assert_eq(cf_sched_spawn(cf_sched_pool_get(p, 1), coro(fn1, arg1)), 0);
    return p;
}

/* Two tasks on two schedulers (two threads) ping-pong over shared
   unbuffered channels: every value arrives once, in order, and the close
   crosses too. */
Test(sched_pool, cross_scheduler_ping_pong)
{
    struct pingpong x = {.n = ROUNDS, .a = shared(0), .b = shared(0)};
    cf_sched_pool *p = pool_of_two(pp_ping, &x, pp_pong, &x);
    cr_assert_eq(cf_sched_pool_run(p), 0);
    cr_assert_eq(x.sum, (int64_t)ROUNDS * (ROUNDS + 1) / 2);
    cr_assert_eq(x.rc, -EPIPE);
    cr_assert(x.where[0] == cf_sched_pool_get(p, 0));
    cr_assert(x.where[1] == cf_sched_pool_get(p, 1));
    /* Asking for its scheduler ties a task to it: neither moved. */
    cr_assert(x.end[0] == cf_sched_pool_get(p, 0));
    cr_assert(x.end[1] == cf_sched_pool_get(p, 1));
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
    struct race r = {.c = shared(0)};
    cf_sched_pool *p = pool_of_two(timed_recv, &r, trickle, &r);
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

/* ---- migration: a task woken from another scheduler moves there ---- */

struct mig {
    cf_chan *a, *b;
    int64_t sum, tid[2];
    cf_sched *end[2];
    int reached, after, cancel_rc;
};

static cf_value m_ping(void *arg)
{
    struct mig *m = arg;
    for (int i = 0; i < ROUNDS; i++) {
        cr_assert_eq(cf_chan_send(m->a, cf_int(i), -1), 0);
        cf_value v;
        cr_assert_eq(cf_chan_recv(m->b, &v, -1), 0);
        m->sum += cf_to_int(v);
    }
    cr_assert_eq(cf_chan_send(m->a, cf_int(-1), -1), 0); /* your tid? */
    cf_value v;
    cr_assert_eq(cf_chan_recv(m->b, &v, -1), 0);
    m->tid[1] = cf_to_int(v);
    m->tid[0] = cf_task_id();
    m->end[0] = cf_sched_self();
    /* Cancelled by its tid from the scheduler it moved to. */
    m->cancel_rc = cf_task_cancel(NULL, m->tid[1], -1);
    return cf_none();
}

static cf_value m_pong(void *arg)
{
    struct mig *m = arg;
    cf_value v;
    while (cf_chan_recv(m->a, &v, -1) == 0 && cf_to_int(v) >= 0)
        cr_assert_eq(cf_chan_send(m->b, cf_int(cf_to_int(v) + 1), -1), 0);
    m->end[1] = cf_sched_self();
    cr_assert_eq(cf_chan_send(m->b, cf_int(cf_task_id()), -1), 0);
    m->reached = 1;
    cf_chan_recv(m->a, &v, -1); /* nobody sends: cancelled here */
    m->after = 1;
    return cf_none();
}

/* Two tasks started by cf_sched_spawn() on two schedulers, using nothing
   but shared channels: the first one woken from the other thread moves to
   its waker's scheduler (Go's hand-off), so both end on one; the values
   all arrive in order, the moved task keeps the tid it was given (tids
   are unique across the pool: no third one was made), and it is found
   and cancelled by that tid on its new scheduler, CancelledError ending
   it as no failure. */
Test(sched_pool, woken_task_moves_to_waker)
{
    struct mig m = {.a = shared(0), .b = shared(0)};
    cf_sched_pool *p = pool_of_two(m_ping, &m, m_pong, &m);
    cr_assert_eq(cf_sched_pool_run(p), 0);
    cr_assert_eq(m.sum, (int64_t)ROUNDS * (ROUNDS + 1) / 2);
    cr_assert(m.end[0] != NULL);
    cr_assert(m.end[0] == m.end[1]);
    cr_assert(m.tid[0] != m.tid[1]);
    cr_assert(m.tid[0] >= 1 && m.tid[0] <= 2);
    cr_assert(m.tid[1] >= 1 && m.tid[1] <= 2);
    cr_assert_eq(m.cancel_rc, 0);
    cr_assert_eq(m.reached, 1);
    cr_assert_eq(m.after, 0);
    cf_chan_free(m.a);
    cf_chan_free(m.b);
    cf_sched_pool_free(p);
}

struct stay {
    cf_chan *a, *b, *local;
    cf_sched *start[2], *end[2];
    int mode;
};

static cf_value s_ping(void *arg)
{
    struct stay *st = arg;
    st->start[0] = cf_sched_self(); /* ties it */
    for (int i = 0; i < 100; i++) {
        cr_assert_eq(cf_chan_send(st->a, cf_int(i), -1), 0);
        cr_assert_eq(cf_chan_recv(st->b, NULL, -1), 0);
    }
    cr_assert_eq(cf_chan_close(st->a), 0);
    st->end[0] = cf_sched_self();
    return cf_none();
}

static cf_value s_helper(void *arg)
{
    (void)arg;
    return cf_none();
}

static cf_value s_pong(void *arg)
{
    struct stay *st = arg;
    cf_value v;
    if (st->mode == 0) /* a task id: its scheduler's */
        cr_assert_gt(cf_task_id(), 0);
    else if (st->mode == 1) /* a child it could wait for by tid */
        cr_assert_gt(cf_task_spawn(coro(s_helper, NULL)), 0);
    else if (st->mode == 2) /* its scheduler owns a channel not shared */
        cr_assert_eq(cf_chan_trysend(st->local, cf_int(1)), 0);
    else if (st->mode == 3) { /* an fd */
        int fd[2];
        cr_assert_eq(pipe(fd), 0);
        cr_assert_eq(cf_task_writable(fd[1], -1), 0);
        close(fd[0]);
        close(fd[1]);
    }
    while (cf_chan_recv(st->a, &v, -1) == 0)
        cr_assert_eq(cf_chan_send(st->b, v, -1), 0);
    st->end[1] = cf_sched_self();
    return cf_none();
}

/* A task that used something of its scheduler's own stays there when a
   task of another scheduler wakes it: a task id, a child, a channel that
   is not shared, an fd. */
Test(sched_pool, tied_task_stays)
{
    for (int mode = 0; mode < 4; mode++) {
        struct stay st = {.mode = mode, .a = shared(0), .b = shared(0)};
        cr_assert_eq(cf_chan_new(&st.local, 1, 0), 0);
        cf_sched_pool *p = pool_of_two(s_ping, &st, s_pong, &st);
        cr_assert_eq(cf_sched_pool_run(p), 0);
        cr_assert(st.start[0] == cf_sched_pool_get(p, 0));
        cr_assert(st.end[0] == cf_sched_pool_get(p, 0));
        cr_assert(st.end[1] == cf_sched_pool_get(p, 1));
        cf_chan_free(st.a);
        cf_chan_free(st.b);
        cf_chan_free(st.local);
        cf_sched_pool_free(p);
    }
}
