/* SPDX-License-Identifier: MIT */
/*
 * tests/sched/pingpong.h - two tasks that play ping-pong over two
 * channels: `pp_ping` sends 0 .. n-1 on a and adds up what comes back on b,
 * then closes a; `pp_pong` answers each value plus one until a is closed
 * (Go's zero value, none, with -EPIPE). Each notes the scheduler it
 * started and ended on (a task of a pool may move). Shared by coop.c (one
 * scheduler) and pool.c (two, also under TSan: only the stand-in
 * criterion.h's asserts are used).
 */
#ifndef CF_TESTS_SCHED_PINGPONG_H
#define CF_TESTS_SCHED_PINGPONG_H

#include <stdint.h>

#include <criterion/criterion.h>
#include <coflow/coop.h>
#include <coflow/sched.h>

struct pingpong {
    cf_chan *a, *b;
    int n;
    int64_t sum; /* 1 + 2 + ... + n when every answer came back */
    int rc;      /* pp_pong's last receive: -EPIPE after the close */
    cf_sched *where[2], *end[2]; /* where each started, and ended */
};

static inline cf_value pp_ping(void *arg)
{
    struct pingpong *p = arg;
    p->where[0] = cf_sched_self();
    for (int i = 0; i < p->n; i++) {
        cr_assert_eq(cf_chan_send(p->a, cf_int(i), -1), 0);
        cf_value v;
        cr_assert_eq(cf_chan_recv(p->b, &v, -1), 0);
        p->sum += cf_to_int(v);
    }
    cr_assert_eq(cf_chan_close(p->a), 0);
    p->end[0] = cf_sched_self();
    return cf_none();
}

static inline cf_value pp_pong(void *arg)
{
    struct pingpong *p = arg;
    p->where[1] = cf_sched_self();
    cf_value v;
    int rc;
    while ((rc = cf_chan_recv(p->a, &v, -1)) == 0)
        cr_assert_eq(cf_chan_send(p->b, cf_int(cf_to_int(v) + 1), -1), 0);
    p->rc = rc;
    cr_assert(cf_is_none(v));
    p->end[1] = cf_sched_self();
    return cf_none();
}

#endif
