/* SPDX-License-Identifier: MIT */
/*
 * tests/sched/coop.c - tasks that cooperate (coflow/coop.h): channels with
 * Go's semantics (hand-off, buffer, close; the behaviour mirrored is Go's
 * spec for channel types, close and select), select, wait groups, events,
 * the task mutex and condition, task groups. The pool's cross-scheduler
 * tests are in pool.c, which also builds under TSan.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "sched/pingpong.h"
#include "sched/sched_test.h"

static int64_t add_raw(cf_sched *s, cf_body_fn fn, void *arg, const char *n)
{
    return add_task(s, fn, arg, n);
}

/* ---- channels ---- */

/* Unbuffered: each send meets a receive; order and values are kept, and
   the receiver sees the close after the last value (Go's `v, ok := <-c`). */
Test(sched_chan, unbuffered_ping_pong)
{
    cf_sched *s = sched_on(NULL, NULL);
    struct pingpong p = {.n = 1000};
    cr_assert_eq(cf_chan_new(&p.a, 0, 0), 0);
    cr_assert_eq(cf_chan_new(&p.b, 0, 0), 0);
    add_raw(s, pp_pong, &p, "ponger");
    add_raw(s, pp_ping, &p, "pinger");
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(p.sum, 1000 * 1001 / 2);
    cr_assert_eq(p.rc, -EPIPE);
    cf_chan_free(p.a);
    cf_chan_free(p.b);
    cf_sched_free(s);
}

/* A buffered channel, outside any task: FIFO, full gives -EAGAIN, close
   lets the buffer drain and then says -EPIPE; sends after close fail. */
Test(sched_chan, buffered_fifo_full_close_drain)
{
    cf_chan *c;
    cr_assert_eq(cf_chan_new(&c, 3, 0), 0);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(cf_chan_trysend(c, cf_int(i)), 0);
    cr_assert_eq(cf_chan_len(c), 3);
    cr_assert_eq(cf_chan_trysend(c, cf_int(9)), -EAGAIN);
    /* Outside a task, a call that would wait does not. */
    cr_assert_eq(cf_chan_send(c, cf_int(9), -1), -EAGAIN);
    cf_value v;
    cr_assert_eq(cf_chan_tryrecv(c, &v), 0);
    cr_assert_eq(cf_to_int(v), 0);
    cr_assert_eq(cf_chan_trysend(c, cf_int(3)), 0); /* wraps around */
    cr_assert_eq(cf_chan_close(c), 0);
    cr_assert_eq(cf_chan_close(c), -EALREADY);
    cr_assert_eq(cf_chan_trysend(c, cf_int(4)), -EPIPE);
    for (int i = 1; i <= 3; i++) {
        cr_assert_eq(cf_chan_recv(c, &v, -1), 0);
        cr_assert_eq(cf_to_int(v), i);
    }
    cr_assert_eq(cf_chan_recv(c, &v, -1), -EPIPE);
    cr_assert(cf_is_none(v));
    cr_assert_eq(cf_chan_tryrecv(c, NULL), -EPIPE);
    cf_chan_free(c);
}

Test(sched_chan, bad_input)
{
    cf_chan *c;
    cr_assert_eq(cf_chan_new(NULL, 0, 0), -EINVAL);
    cr_assert_eq(cf_chan_new(&c, 0, 0x80), -EINVAL);
    cr_assert_null(c);
    cr_assert_eq(cf_chan_new(&c, SIZE_MAX, 0), -EINVAL);
    cr_assert_eq(cf_chan_send(NULL, cf_none(), 0), -EINVAL);
    cr_assert_eq(cf_chan_recv(NULL, NULL, 0), -EINVAL);
    cr_assert_eq(cf_chan_close(NULL), -EINVAL);
    cr_assert_eq(cf_chan_len(NULL), 0);
    cf_chan_free(NULL);
    /* Unbuffered with nobody on the other side: nothing to do at once. */
    cr_assert_eq(cf_chan_new(&c, 0, 0), 0);
    cr_assert_eq(cf_chan_trysend(c, cf_int(1)), -EAGAIN);
    cr_assert_eq(cf_chan_tryrecv(c, NULL), -EAGAIN);
    cf_chan_free(c);
}

struct blocked {
    cf_chan *c;
    int rc;
    int64_t ms;
    cf_value v;
    int seq, *clock; /* the order in which tasks got somewhere */
};

static cf_value blocked_recv(void *arg)
{
    struct blocked *b = arg;
    b->rc = cf_chan_recv(b->c, &b->v, b->ms);
    return cf_none();
}

static cf_value blocked_send(void *arg)
{
    struct blocked *b = arg;
    b->rc = cf_chan_send(b->c, cf_int(5), b->ms);
    return cf_none();
}

static cf_value closer(void *arg)
{
    cf_task_yield(); /* the other task is parked by now */
    cr_assert_eq(cf_chan_close(arg), 0);
    return cf_none();
}

/* Go: close wakes every blocked receiver with the zero value, ok false. */
Test(sched_chan, close_during_blocked_recv)
{
    cf_sched *s = sched_on(NULL, NULL);
    struct blocked b1 = {.ms = -1, .v = cf_int(1)}, b2 = {.ms = -1};
    cr_assert_eq(cf_chan_new(&b1.c, 0, 0), 0);
    b2.c = b1.c;
    add_raw(s, blocked_recv, &b1, "r1");
    add_raw(s, blocked_recv, &b2, "r2");
    add_raw(s, closer, b1.c, "closer");
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(b1.rc, -EPIPE);
    cr_assert_eq(b2.rc, -EPIPE);
    cr_assert(cf_is_none(b1.v));
    cf_chan_free(b1.c);
    cf_sched_free(s);
}

/* Go panics a sender blocked at close; coflow returns -EPIPE, and the
   value stays with the sender. */
Test(sched_chan, close_during_blocked_send)
{
    cf_sched *s = sched_on(NULL, NULL);
    struct blocked b = {.ms = -1};
    cr_assert_eq(cf_chan_new(&b.c, 1, 0), 0);
    cr_assert_eq(cf_chan_trysend(b.c, cf_int(0)), 0); /* full */
    add_raw(s, blocked_send, &b, "sender");
    add_raw(s, closer, b.c, "closer");
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(b.rc, -EPIPE);
    cf_value v;
    cr_assert_eq(cf_chan_tryrecv(b.c, &v), 0); /* the buffered one */
    cr_assert_eq(cf_to_int(v), 0);
    cr_assert_eq(cf_chan_tryrecv(b.c, &v), -EPIPE);
    cf_chan_free(b.c);
    cf_sched_free(s);
}

/* Deadlines expire, and the timed-out waiter is off the channel: a later
   non-blocking send finds no receiver. */
Test(sched_chan, deadlines_expire)
{
    cf_sched *s = sched_on(NULL, NULL);
    struct blocked r = {.ms = 20}, w = {.ms = 20};
    cr_assert_eq(cf_chan_new(&r.c, 0, 0), 0);
    w.c = r.c;
    add_raw(s, blocked_recv, &r, "r");
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(r.rc, -ETIMEDOUT);
    cr_assert_eq(cf_chan_trysend(r.c, cf_int(1)), -EAGAIN);
    add_raw(s, blocked_send, &w, "w");
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(w.rc, -ETIMEDOUT);
    cr_assert_eq(cf_chan_tryrecv(r.c, NULL), -EAGAIN);
    cf_chan_free(r.c);
    cf_sched_free(s);
}

static cf_value killer_of(void *arg)
{
    cf_task_yield();
    cf_task_kill((int64_t)(intptr_t)arg);
    return cf_none();
}

/* A task killed while it waits on a channel leaves no trace on it. */
Test(sched_chan, kill_blocked_receiver)
{
    cf_sched *s = sched_on(NULL, NULL);
    struct blocked b = {.ms = -1, .rc = 77};
    cr_assert_eq(cf_chan_new(&b.c, 0, 0), 0);
    int64_t id = add_raw(s, blocked_recv, &b, "r");
    add_raw(s, killer_of, (void *)(intptr_t)id, "killer");
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(b.rc, 77); /* unwound, never returned */
    cr_assert_eq(cf_chan_trysend(b.c, cf_int(1)), -EAGAIN);
    cf_chan_free(b.c);
    cf_sched_free(s);
}

/* Freeing a channel wakes its waiters with -EPIPE. */
static cf_value free_it(void *arg)
{
    cf_task_yield();
    cf_chan_free(arg);
    return cf_none();
}

Test(sched_chan, free_wakes_waiters)
{
    cf_sched *s = sched_on(NULL, NULL);
    struct blocked b = {.ms = -1};
    cr_assert_eq(cf_chan_new(&b.c, 0, 0), 0);
    add_raw(s, blocked_recv, &b, "r");
    add_raw(s, free_it, b.c, "free");
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(b.rc, -EPIPE);
    cf_sched_free(s);
}

static cf_value use_chan(void *arg)
{
    struct blocked *b = arg;
    b->rc = cf_chan_trysend(b->c, cf_int(1));
    return cf_none();
}

/* A channel that is not CF_CHAN_SHARED belongs to one scheduler. */
Test(sched_chan, other_scheduler_exdev)
{
    cf_sched *s1 = sched_on(NULL, NULL), *s2 = sched_on(NULL, NULL);
    struct blocked b1 = {0}, b2 = {0};
    cr_assert_eq(cf_chan_new(&b1.c, 4, 0), 0);
    b2.c = b1.c;
    add_raw(s1, use_chan, &b1, "a");
    add_raw(s2, use_chan, &b2, "b");
    cr_assert_eq(cf_sched_run(s1), 0);
    cr_assert_eq(cf_sched_run(s2), 0);
    cr_assert_eq(b1.rc, 0);
    cr_assert_eq(b2.rc, -EXDEV);
    cf_chan_free(b1.c);
    cf_sched_free(s1);
    cf_sched_free(s2);
}

/* ---- select ---- */

/* Every case ready: one is taken per call, each of them sometimes (Go
   picks at random among ready cases). */
Test(sched_select, every_case_ready)
{
    cf_chan *c[3];
    int count[3] = {0};
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(cf_chan_new(&c[i], 1, 0), 0);
        cr_assert_eq(cf_chan_trysend(c[i], cf_int(i)), 0);
    }
    for (int round = 0; round < 300; round++) {
        cf_sel_case cs[3];
        for (int i = 0; i < 3; i++)
            cs[i] = (cf_sel_case){.ch = c[i], .op = CF_SEL_RECV};
        int k = cf_select(cs, 3, 0);
        cr_assert(k >= 0 && k < 3, "select: %d", k);
        cr_assert_eq(cs[k].rc, 0);
        cr_assert_eq(cf_to_int(cs[k].v), k);
        count[k]++;
        cr_assert_eq(cf_chan_trysend(c[k], cf_int(k)), 0);
    }
    for (int i = 0; i < 3; i++) {
        cr_assert_gt(count[i], 0, "case %d never chosen", i);
        cf_chan_free(c[i]);
    }
}

struct selw {
    cf_chan *a, *b;
    int k, rc;
    int64_t ms;
    cf_value v;
};

static cf_value select_two(void *arg)
{
    struct selw *w = arg;
    cf_sel_case cs[2] = {{.ch = w->a, .op = CF_SEL_RECV},
                         {.ch = w->b, .op = CF_SEL_RECV}};
    w->k = cf_select(cs, 2, w->ms);
    if (w->k >= 0) {
        w->rc = cs[w->k].rc;
        w->v = cs[w->k].v;
    }
    return cf_none();
}

/*
 * Two new unbuffered channels in `w`; select_two() on them (limit `ms`) as
 * a task, and `other` (if set) as a second task given channel a (`on_b`
 * false) or b, both run to the end on a scheduler of their own. The
 * channels stay for the test to look at (selw_free()).
 */
static void run_select_two(struct selw *w, int64_t ms, cf_body_fn other,
                           bool on_b, void (*before)(struct selw *w))
{
    cf_sched *s = sched_on(NULL, NULL);
    *w = (struct selw){.ms = ms};
    cr_assert_eq(cf_chan_new(&w->a, 0, 0), 0);
    cr_assert_eq(cf_chan_new(&w->b, 0, 0), 0);
    if (before != NULL)
        before(w);
    add_raw(s, select_two, w, "sel");
    if (other != NULL)
        add_raw(s, other, on_b ? w->b : w->a, "other");
    cr_assert_eq(cf_sched_run(s), 0);
    cf_sched_free(s);
}

static void selw_free(struct selw *w)
{
    cf_chan_free(w->a);
    cf_chan_free(w->b);
}

static void nothing_ready_yet(struct selw *w)
{
    cf_sel_case cs[2] = {{.ch = w->a, .op = CF_SEL_RECV},
                         {.ch = w->b, .op = CF_SEL_SEND, .v = cf_int(1)}};
    cr_assert_eq(cf_select(cs, 2, 0), -EAGAIN);
}

/* No case ready: 0 is Go's default (-EAGAIN); a deadline expires with
   -ETIMEDOUT and leaves no waiter behind on either channel. */
Test(sched_select, none_ready)
{
    struct selw w;
    run_select_two(&w, 20, NULL, false, nothing_ready_yet);
    cr_assert_eq(w.k, -ETIMEDOUT);
    cr_assert_eq(cf_chan_trysend(w.a, cf_int(1)), -EAGAIN);
    cr_assert_eq(cf_chan_trysend(w.b, cf_int(1)), -EAGAIN);
    selw_free(&w);
}

static cf_value send_later(void *arg)
{
    cf_task_yield();
    cr_assert_eq(cf_chan_send(arg, cf_int(42), -1), 0);
    return cf_none();
}

/* A parked select is completed by a send on its second channel; it is
   then off the first. */
Test(sched_select, blocked_then_woken)
{
    struct selw w;
    run_select_two(&w, -1, send_later, true, NULL);
    cr_assert_eq(w.k, 1);
    cr_assert_eq(w.rc, 0);
    cr_assert_eq(cf_to_int(w.v), 42);
    cr_assert_eq(cf_chan_trysend(w.a, cf_int(1)), -EAGAIN);
    selw_free(&w);
}

/* A closed channel makes its case ready, with rc -EPIPE. */
Test(sched_select, closed_case_is_ready)
{
    struct selw w;
    run_select_two(&w, -1, closer, false, NULL);
    cr_assert_eq(w.k, 0);
    cr_assert_eq(w.rc, -EPIPE);
    cf_sel_case cs[1] = {{.ch = w.a, .op = CF_SEL_SEND, .v = cf_int(1)}};
    cr_assert_eq(cf_select(cs, 1, 0), 0);
    cr_assert_eq(cs[0].rc, -EPIPE);
    selw_free(&w);
}

static cf_value select_send_many(void *arg)
{
    cf_chan **c = arg;
    cf_sel_case cs[6];
    for (int i = 0; i < 6; i++)
        cs[i] = (cf_sel_case){.ch = c[i], .op = CF_SEL_SEND, .v = cf_int(i)};
    cs[2].ch = NULL; /* never ready */
    int k = cf_select(cs, 6, -1);
    cr_assert_eq(k, 4);
    cr_assert_eq(cs[4].rc, 0);
    return cf_none();
}

static cf_value recv_fourth(void *arg)
{
    cf_chan **c = arg;
    cf_value v;
    cr_assert_eq(cf_chan_recv(c[4], &v, -1), 0);
    cr_assert_eq(cf_to_int(v), 4);
    return cf_none();
}

/* Send cases, more than fit on the stack, and a NULL channel. */
Test(sched_select, send_cases_many)
{
    cf_sched *s = sched_on(NULL, NULL);
    cf_chan *c[6];
    for (int i = 0; i < 6; i++)
        cr_assert_eq(cf_chan_new(&c[i], 0, 0), 0);
    add_raw(s, select_send_many, c, "sel");
    add_raw(s, recv_fourth, c, "recv");
    cr_assert_eq(cf_sched_run(s), 0);
    for (int i = 0; i < 6; i++) {
        cr_assert_eq(cf_chan_tryrecv(c[i], NULL), -EAGAIN);
        cf_chan_free(c[i]);
    }
    cf_sched_free(s);
}

Test(sched_select, bad_input)
{
    cf_chan *c;
    cr_assert_eq(cf_chan_new(&c, 0, 0), 0);
    cf_sel_case cs[CF_SELECT_MAX + 1];
    memset(cs, 0, sizeof cs);
    cr_assert_eq(cf_select(NULL, 1, 0), -EINVAL);
    cr_assert_eq(cf_select(cs, 0, 0), -EINVAL);
    cr_assert_eq(cf_select(cs, CF_SELECT_MAX + 1, 0), -EINVAL);
    cs[0] = (cf_sel_case){.ch = c, .op = (cf_sel_op)9};
    cr_assert_eq(cf_select(cs, 1, 0), -EINVAL);
    cs[0].op = CF_SEL_RECV;
    cs[0].ch = NULL;
    cr_assert_eq(cf_select(cs, 1, 0), -EAGAIN); /* nil channel */
    cf_chan_free(c);
}

/* ---- wait groups, events ---- */

struct wgt {
    cf_wg *wg;
    cf_event *ev;
    int rc;
};

static cf_value wg_worker(void *arg)
{
    struct wgt *w = arg;
    cf_task_sleep(1);
    tracef("w ");
    cr_assert_eq(cf_wg_done(w->wg), 0);
    return cf_none();
}

static cf_value wg_waiter(void *arg)
{
    struct wgt *w = arg;
    w->rc = cf_wg_wait(w->wg, -1);
    tracef("done ");
    return cf_none();
}

Test(sched_sync, wait_group)
{
    cf_sched *s = sched_on(NULL, NULL);
    struct wgt w = {0};
    cr_assert_eq(cf_wg_new(&w.wg), 0);
    cr_assert_eq(cf_wg_wait(w.wg, 0), 0); /* count 0: no wait */
    cr_assert_eq(cf_wg_add(w.wg, 3), 0);
    cr_assert_eq(cf_wg_wait(w.wg, 0), -EAGAIN);
    trace_reset();
    add_raw(s, wg_waiter, &w, "waiter");
    for (int i = 0; i < 3; i++)
        add_raw(s, wg_worker, &w, "worker");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("w w w done ");
    cr_assert_eq(w.rc, 0);
    cr_assert_eq(cf_wg_add(w.wg, -1), -EINVAL); /* below zero */
    cr_assert_eq(cf_wg_done(NULL), -EINVAL);
    cr_assert_eq(cf_wg_new(NULL), -EINVAL);
    cf_wg_free(w.wg);
    cf_sched_free(s);
}

static cf_value wg_timed(void *arg)
{
    struct wgt *w = arg;
    w->rc = cf_wg_wait(w->wg, 10);
    return cf_none();
}

Test(sched_sync, wait_group_deadline)
{
    cf_sched *s = sched_on(NULL, NULL);
    struct wgt w = {0};
    cr_assert_eq(cf_wg_new(&w.wg), 0);
    cr_assert_eq(cf_wg_add(w.wg, 1), 0);
    add_raw(s, wg_timed, &w, "timed");
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(w.rc, -ETIMEDOUT);
    cf_wg_free(w.wg);
    cf_sched_free(s);
}

static cf_value ev_waiter(void *arg)
{
    struct wgt *w = arg;
    int rc = cf_event_wait(w->ev, 1000);
    tracef("woke%d ", rc);
    return cf_none();
}

static cf_value ev_setter(void *arg)
{
    struct wgt *w = arg;
    cf_task_yield();
    tracef("set ");
    cr_assert_eq(cf_event_set(w->ev), 0);
    return cf_none();
}

Test(sched_sync, event)
{
    cf_sched *s = sched_on(NULL, NULL);
    struct wgt w = {0};
    cr_assert_eq(cf_event_new(&w.ev), 0);
    cr_assert_eq(cf_event_is_set(w.ev), 0);
    cr_assert_eq(cf_event_wait(w.ev, 0), -EAGAIN);
    trace_reset();
    add_raw(s, ev_waiter, &w, "a");
    add_raw(s, ev_waiter, &w, "b");
    add_raw(s, ev_setter, &w, "set");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("set woke0 woke0 ");
    cr_assert_eq(cf_event_is_set(w.ev), 1);
    cr_assert_eq(cf_event_wait(w.ev, 0), 0);
    cr_assert_eq(cf_event_clear(w.ev), 0);
    cr_assert_eq(cf_event_is_set(w.ev), 0);
    /* A deadline expires. */
    add_raw(s, ev_waiter, &w, "c");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("woke-110 ");
    cr_assert_eq(cf_event_is_set(NULL), -EINVAL);
    cr_assert_eq(cf_event_set(NULL), -EINVAL);
    cr_assert_eq(cf_event_clear(NULL), -EINVAL);
    cr_assert_eq(cf_event_wait(NULL, 0), -EINVAL);
    cr_assert_eq(cf_event_new(NULL), -EINVAL);
    cf_event_free(w.ev);
    cf_sched_free(s);
}

/* ---- mutex and condition ---- */

struct mx {
    cf_mutex *m;
    cf_cond *c;
    int items, taken;
    int rc;
};

static cf_value mx_user(void *arg)
{
    struct mx *x = arg;
    cr_assert_eq(cf_mutex_lock(x->m, -1), 0);
    tracef("in%lld ", (long long)cf_task_id());
    cf_task_yield(); /* the others queue up meanwhile */
    tracef("out%lld ", (long long)cf_task_id());
    cr_assert_eq(cf_mutex_unlock(x->m), 0);
    return cf_none();
}

/* Mutual exclusion, and waiters get the mutex in the order they came. */
Test(sched_sync, mutex_order)
{
    cf_sched *s = sched_on(NULL, NULL);
    struct mx x = {0};
    cr_assert_eq(cf_mutex_new(&x.m), 0);
    trace_reset();
    for (int i = 0; i < 3; i++)
        add_raw(s, mx_user, &x, "user");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("in1 out1 in2 out2 in3 out3 ");
    cf_mutex_free(x.m);
    cf_sched_free(s);
}

static cf_value mx_holder(void *arg)
{
    struct mx *x = arg;
    cr_assert_eq(cf_mutex_lock(x->m, -1), 0);
    cr_assert_eq(cf_mutex_lock(x->m, -1), -EDEADLK);
    cf_task_sleep(30);
    cr_assert_eq(cf_mutex_unlock(x->m), 0);
    return cf_none();
}

static cf_value mx_other(void *arg)
{
    struct mx *x = arg;
    cr_assert_eq(cf_mutex_trylock(x->m), -EAGAIN);
    cr_assert_eq(cf_mutex_unlock(x->m), -EPERM); /* not the holder */
    x->rc = cf_mutex_lock(x->m, 5);
    return cf_none();
}

Test(sched_sync, mutex_errors_and_deadline)
{
    cf_sched *s = sched_on(NULL, NULL);
    struct mx x = {0};
    cr_assert_eq(cf_mutex_new(&x.m), 0);
    cr_assert_eq(cf_mutex_lock(x.m, 0), -EPERM); /* not in a task */
    cr_assert_eq(cf_mutex_unlock(x.m), -EPERM);
    cr_assert_eq(cf_mutex_lock(NULL, 0), -EINVAL);
    cr_assert_eq(cf_mutex_unlock(NULL), -EINVAL);
    cr_assert_eq(cf_mutex_new(NULL), -EINVAL);
    add_raw(s, mx_holder, &x, "holder");
    add_raw(s, mx_other, &x, "other");
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(x.rc, -ETIMEDOUT);
    cf_mutex_free(x.m);
    cf_sched_free(s);
}

static cf_value consumer(void *arg)
{
    struct mx *x = arg;
    cr_assert_eq(cf_mutex_lock(x->m, -1), 0);
    while (x->taken < 4) {
        while (x->items == 0)
            cr_assert_eq(cf_cond_wait(x->c, x->m, -1), 0);
        x->items--;
        x->taken++;
    }
    cr_assert_eq(cf_mutex_unlock(x->m), 0);
    return cf_none();
}

static cf_value producer(void *arg)
{
    struct mx *x = arg;
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(cf_mutex_lock(x->m, -1), 0);
        x->items++;
        cr_assert_eq(cf_cond_signal(x->c), 0);
        cr_assert_eq(cf_mutex_unlock(x->m), 0);
        cf_task_yield();
    }
    return cf_none();
}

static cf_value cond_timed(void *arg)
{
    struct mx *x = arg;
    cr_assert_eq(cf_cond_wait(x->c, x->m, 5), -EPERM); /* not held */
    cr_assert_eq(cf_mutex_lock(x->m, -1), 0);
    x->rc = cf_cond_wait(x->c, x->m, 5);
    /* held again after a timeout */
    cr_assert_eq(cf_mutex_unlock(x->m), 0);
    return cf_none();
}

Test(sched_sync, condition)
{
    cf_sched *s = sched_on(NULL, NULL);
    struct mx x = {0};
    cr_assert_eq(cf_mutex_new(&x.m), 0);
    cr_assert_eq(cf_cond_new(&x.c), 0);
    add_raw(s, consumer, &x, "consumer");
    add_raw(s, producer, &x, "producer");
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(x.taken, 4);
    add_raw(s, cond_timed, &x, "timed");
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(x.rc, -ETIMEDOUT);
    cr_assert_eq(cf_cond_signal(NULL), -EINVAL);
    cr_assert_eq(cf_cond_broadcast(NULL), -EINVAL);
    cr_assert_eq(cf_cond_wait(NULL, x.m, 0), -EINVAL);
    cr_assert_eq(cf_cond_new(NULL), -EINVAL);
    cr_assert_eq(cf_cond_broadcast(x.c), 0);
    cf_cond_free(x.c);
    cf_mutex_free(x.m);
    cf_sched_free(s);
}

/* ---- task groups ---- */

static cf_value member_ok(void *arg)
{
    cf_task_sleep((int64_t)(intptr_t)arg);
    return cf_none();
}

static cf_value member_fail(void *arg)
{
    cf_task_sleep((int64_t)(intptr_t)arg);
    cf_raise(&cf_value_error, "member failed after %d ms", (int)(intptr_t)arg);
}

struct gt {
    cf_group *g;
    int rc;
    char msg[128];
};

static cf_value group_wait_body(void *arg)
{
    struct gt *g = arg;
    g->rc = cf_group_wait(g->g, -1);
    return cf_none();
}

static cf_value spawn_ok(void *arg)
{
    struct gt *g = arg;
    for (int i = 0; i < 3; i++)
        cr_assert_gt(
            cf_group_spawn(g->g,
                           coro_of(member_ok, (void *)(intptr_t)(i + 1), "ok")),
            0);
    cr_assert_eq(cf_group_size(g->g), 3);
    cf_value v;
    cr_assert_eq(cf_try(group_wait_body, g, &v), CF_RETURNED);
    cr_assert_eq(cf_group_size(g->g), 0);
    return cf_none();
}

Test(sched_group, wait_all)
{
    cf_sched *s = sched_on(NULL, NULL);
    struct gt g = {.rc = 1};
    cr_assert_eq(cf_group_new(&g.g), 0);
    add_raw(s, spawn_ok, &g, "parent");
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(g.rc, 0);
    cf_group_free(g.g);
    cf_sched_free(s);
}

static int reported;
static void on_err(void *arg, int64_t tid, const char *name, const cf_error *e)
{
    (void)arg;
    (void)tid;
    (void)name;
    (void)e;
    reported++;
}

static cf_value spawn_failing(void *arg)
{
    struct gt *g = arg;
    cf_group_spawn(g->g, coro_of(member_ok, (void *)1, "ok"));
    cf_group_spawn(g->g, coro_of(member_fail, (void *)5, "fail5"));
    cf_group_spawn(g->g, coro_of(member_fail, (void *)20, "fail20"));
    cf_value v;
    if (cf_try(group_wait_body, g, &v) == CF_RAISED) {
        snprintf(g->msg, sizeof g->msg, "%s: %s",
                 cf_error_type_of(cf_error_last())->name,
                 cf_error_message(cf_error_last()));
        cf_error_clear();
    }
    /* The error was taken: a second wait has nothing to raise. */
    cr_assert_eq(cf_group_wait(g->g, -1), 0);
    return cf_none();
}

/* The first failure is raised in the waiter; the second one is not
   dropped either: the scheduler reports it. */
Test(sched_group, member_fails)
{
    struct cf_sched_opts o = {.on_error = on_err};
    cf_sched *s = sched_on(NULL, &o);
    struct gt g = {.rc = 1};
    reported = 0;
    cr_assert_eq(cf_group_new(&g.g), 0);
    add_raw(s, spawn_failing, &g, "parent");
    cr_assert_eq(cf_sched_run(s), 1);
    cr_assert_eq(reported, 1);
    cr_assert_str_eq(g.msg, "ValueError: member failed after 5 ms");
    cf_group_free(g.g);
    cf_sched_free(s);
}

static cf_value spawn_then_leave(void *arg)
{
    struct gt *g = arg;
    cf_group_spawn(g->g, coro_of(member_fail, (void *)0, "fail"));
    return cf_none();
}

/* A failure nobody waited for is reported when the group is freed. */
Test(sched_group, unwaited_error_reported_at_free)
{
    cf_sched *s = sched_on(NULL, NULL);
    struct gt g = {0};
    cr_assert_eq(cf_group_new(&g.g), 0);
    add_raw(s, spawn_then_leave, &g, "parent");
    cr_assert_eq(cf_sched_run(s), 0);
    stderr_capture();
    cf_group_free(g.g);
    char *err = stderr_captured();
    cr_assert(strstr(err, "no cf_group_wait() took its error") != NULL, "%s",
              err);
    cr_assert(strstr(err, "member failed after 0 ms") != NULL, "%s", err);
    cf_sched_free(s);
}

static int cleanups_ran;
static void count_cleanup(void *arg)
{
    (void)arg;
    cleanups_ran++;
}

static cf_value reader(void *arg)
{
    int fd = (int)(intptr_t)arg;
    cf_cleanup c;
    cf_cleanup_push(&c, count_cleanup, NULL);
    char buf[16];
    ssize_t n = cf_sock_read(fd, buf, sizeof buf, -1);
    (void)n;
    cf_cleanup_pop(&c, true);
    return cf_none();
}

static cf_value chan_waiter(void *arg)
{
    cf_cleanup c;
    cf_cleanup_push(&c, count_cleanup, NULL);
    cf_chan_recv(arg, NULL, -1);
    cf_cleanup_pop(&c, true);
    return cf_none();
}

struct killt {
    cf_group *g;
    int fd;
    cf_chan *ch;
    int killed;
};

static cf_value kill_parent(void *arg)
{
    struct killt *k = arg;
    cf_group_spawn(k->g, coro_of(reader, (void *)(intptr_t)k->fd, "reader"));
    cf_group_spawn(k->g, coro_of(chan_waiter, k->ch, "chan"));
    cf_group_spawn(k->g, coro_of(member_ok, (void *)100000, "sleeper"));
    cf_task_sleep(5); /* all three are parked now */
    k->killed = cf_group_kill(k->g);
    cr_assert_eq(cf_group_wait(k->g, 1000), 0);
    return cf_none();
}

/* Killing a group mid-I/O: a member blocked reading a pipe, one waiting on
   a channel and one sleeping are all closed, their cleanups run, the
   group's wait returns, nothing is reported and no fd leaks. */
Test(sched_group, kill_mid_io)
{
    int before = open_fds();
    const char *pollers[] = {"epoll", "uring"};
    for (int p = 0; p < 2; p++) {
        struct cf_sched_opts o = {.on_error = on_err};
        struct cf_sched_opts po = o;
        po.poller = pollers[p];
        cf_sched *s;
        if (cf_sched_new(&s, &po) != 0)
            continue;
        int fds[2];
        cr_assert_eq(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
        struct killt k = {.fd = fds[0]};
        cr_assert_eq(cf_group_new(&k.g), 0);
        cr_assert_eq(cf_chan_new(&k.ch, 0, 0), 0);
        reported = 0;
        cleanups_ran = 0;
        add_raw(s, kill_parent, &k, "parent");
        cr_assert_eq(cf_sched_run(s), 0);
        cr_assert_eq(k.killed, 3);
        cr_assert_eq(cleanups_ran, 2);
        cr_assert_eq(reported, 0);
        cr_assert_eq(cf_chan_trysend(k.ch, cf_int(1)), -EAGAIN);
        cf_group_free(k.g);
        cf_chan_free(k.ch);
        cf_sched_free(s);
        close(fds[0]);
        close(fds[1]);
    }
    cr_assert_eq(open_fds(), before);
}

static cf_value self_kill(void *arg)
{
    struct gt *g = arg;
    cf_group_spawn(g->g, coro_of(member_ok, (void *)100000, "sleeper"));
    cf_cleanup c;
    cf_cleanup_push(&c, count_cleanup, NULL);
    cf_group_kill(g->g); /* the caller is a member too: killed last */
    cf_cleanup_pop(&c, false);
    cr_assert_fail("cf_group_kill() returned to a killed member");
    return cf_none();
}

static cf_value spawn_self_killer(void *arg)
{
    struct gt *g = arg;
    cf_group_spawn(g->g, coro_of(self_kill, g, "self"));
    g->rc = cf_group_wait(g->g, -1);
    return cf_none();
}

Test(sched_group, kill_own_group)
{
    cf_sched *s = sched_on(NULL, NULL);
    struct gt g = {.rc = 1};
    cleanups_ran = 0;
    cr_assert_eq(cf_group_new(&g.g), 0);
    add_raw(s, spawn_self_killer, &g, "parent");
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(g.rc, 0);
    cr_assert_eq(cleanups_ran, 1);
    cf_group_free(g.g);
    cf_sched_free(s);
}

Test(sched_group, bad_input)
{
    cf_group *g;
    cr_assert_eq(cf_group_new(NULL), -EINVAL);
    cr_assert_eq(cf_group_new(&g), 0);
    cr_assert_eq(cf_group_spawn(NULL, coro_of(member_ok, 0, "x")), -EINVAL);
    cr_assert_eq(cf_group_spawn(g, NULL), -EINVAL);
    cr_assert_eq(cf_group_spawn(g, coro_of(member_ok, 0, "x")), -EPERM);
    cr_assert_eq(cf_group_kill(g), -EPERM);
    cr_assert_eq(cf_group_kill(NULL), -EINVAL);
    cr_assert_eq(cf_group_wait(NULL, 0), -EINVAL);
    cr_assert_eq(cf_group_wait(g, 0), 0); /* empty */
    cr_assert_eq(cf_group_size(NULL), 0);
    cf_group_free(g);
    cf_group_free(NULL);
}

/* Every task parked on a channel and nothing that could wake one: the run
   says -EDEADLK, as it does for tasks waiting on each other; the tasks are
   left for cf_sched_free(), in either order with the channel's free. */
Test(sched_chan, all_parked_is_deadlock)
{
    for (int order = 0; order < 2; order++) {
        cf_sched *s = sched_on(NULL, NULL);
        struct blocked a = {.ms = -1, .rc = 77}, b = {.ms = -1, .rc = 77};
        cr_assert_eq(cf_chan_new(&a.c, 0, 0), 0);
        b.c = a.c;
        add_raw(s, blocked_recv, &a, "r");
        add_raw(s, blocked_send, &b, "w");
        /* The receiver parks first; the sender then hands it the value:
           only one of them is left parked... */
        cr_assert_eq(cf_sched_run(s), 0);
        cr_assert_eq(a.rc, 0);
        cr_assert_eq(b.rc, 0);
        /* ... so park two receivers. */
        a.rc = b.rc = 77;
        add_raw(s, blocked_recv, &a, "r1");
        add_raw(s, blocked_recv, &b, "r2");
        cr_assert_eq(cf_sched_run(s), -EDEADLK);
        if (order == 0) {
            cf_sched_free(s);
            cr_assert_eq(cf_chan_trysend(a.c, cf_int(1)), -EAGAIN);
            cf_chan_free(a.c);
        } else {
            cf_chan_free(a.c);
            cf_sched_free(s);
        }
        cr_assert_eq(a.rc, 77);
    }
}

/* ---- hand-off (runnext) and fairness ---- */

struct fair {
    cf_chan *a, *b;
    int done, need; /* the pinger stops once `done` reaches `need` */
    long trips, last, maxgap;
    int turns;
    int fd;
};

static cf_value fair_pinger(void *arg)
{
    struct fair *f = arg;
    while (f->done < f->need) {
        cr_assert_eq(cf_chan_send(f->a, cf_int(1), -1), 0);
        cr_assert_eq(cf_chan_recv(f->b, NULL, -1), 0);
        f->trips++;
    }
    cr_assert_eq(cf_chan_close(f->a), 0);
    return cf_none();
}

static cf_value fair_ponger(void *arg)
{
    struct fair *f = arg;
    cf_value v;
    while (cf_chan_recv(f->a, &v, -1) == 0)
        cr_assert_eq(cf_chan_send(f->b, v, -1), 0);
    return cf_none();
}

/* A third task that yields: it records the most round trips the two others
   made between two of its turns. */
static cf_value fair_other(void *arg)
{
    struct fair *f = arg;
    for (int i = 0; i < 100; i++) {
        if (f->trips - f->last > f->maxgap)
            f->maxgap = f->trips - f->last;
        f->last = f->trips;
        f->turns++;
        cf_task_yield();
    }
    f->done++;
    return cf_none();
}

static void fair_run(cf_sched *s, struct fair *f)
{
    cr_assert_eq(cf_chan_new(&f->a, 0, 0), 0);
    cr_assert_eq(cf_chan_new(&f->b, 0, 0), 0);
    add_raw(s, fair_ponger, f, "ponger");
    add_raw(s, fair_pinger, f, "pinger");
}

/* Two tasks that hand values to each other run one after the other without
   a turn of the ready queue (runnext), but not forever: a third, ready task
   gets its turn at least every CF__RUNNEXT_MAX (64, docs/sched.md) tasks run
   by hand-off, that is every 32 round trips. */
Test(sched_chan, handoff_does_not_starve_a_ready_task)
{
    cf_sched *s = sched_on(NULL, NULL);
    struct fair f = {.need = 1};
    fair_run(s, &f);
    add_raw(s, fair_other, &f, "other");
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(f.turns, 100);
    cr_assert_gt(f.trips, 100);
    cr_assert_leq(f.maxgap, 32);
    cf_chan_free(f.a);
    cf_chan_free(f.b);
    cf_sched_free(s);
}

static cf_value fair_reader(void *arg)
{
    struct fair *f = arg;
    cr_assert_eq(cf_task_readable(f->fd, -1), 0);
    f->done++;
    return cf_none();
}

static cf_value fair_sleeper(void *arg)
{
    struct fair *f = arg;
    cf_task_sleep(1);
    f->done++;
    return cf_none();
}

/* Nor do they starve the poller and the timers: a task waiting for a
   readable pipe and a sleeper are woken while the two hand off forever. */
Test(sched_chan, handoff_lets_poller_and_timers_run)
{
    cf_sched *s = sched_on(NULL, NULL);
    int p[2];
    cr_assert_eq(pipe(p), 0);
    cr_assert_eq(write(p[1], "x", 1), 1);
    struct fair f = {.need = 2, .fd = p[0]};
    add_raw(s, fair_reader, &f, "reader");
    add_raw(s, fair_sleeper, &f, "sleeper");
    fair_run(s, &f);
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(f.done, 2);
    cr_assert_gt(f.trips, 0);
    cf_chan_free(f.a);
    cf_chan_free(f.b);
    cf_sched_free(s);
    close(p[0]);
    close(p[1]);
}

/* ---- the direct switch (docs/sched.md, "Hand-off (runnext)") ---- */

struct sw {
    cf_chan *a, *b;
    int n;       /* round trips the pinger makes */
    int fail_at; /* the ponger raises once it has echoed this value */
    long got;    /* the pinger's sum of the echoes */
    long echoed; /* the ponger's count */
    int64_t ping_tid, pong_tid;
    int64_t exits[4];
    int nexits;
};

static void sw_hook(void *arg, cf_sched_event ev, int64_t tid, int fd)
{
    struct sw *w = arg;
    (void)fd;
    if (ev == CF_SCHED_EXIT && w->nexits < 4)
        w->exits[w->nexits++] = tid;
}

static cf_value sw_pinger(void *arg)
{
    struct sw *w = arg;
    for (int i = 1; i <= w->n; i++) {
        cf_value v;
        cr_assert_eq(cf_chan_send(w->a, cf_int(i), -1), 0);
        cr_assert_eq(cf_chan_recv(w->b, &v, -1), 0);
        w->got += cf_to_int(v);
    }
    cr_assert_eq(cf_chan_close(w->a), 0);
    return cf_none();
}

static cf_value sw_pong_loop(void *arg)
{
    struct sw *w = arg;
    cf_value v;
    while (cf_chan_recv(w->a, &v, -1) == 0) {
        cr_assert_eq(cf_chan_send(w->b, cf_int(cf_to_int(v) * 10), -1), 0);
        w->echoed++;
        if (cf_to_int(v) == w->fail_at)
            cf_raise(&cf_value_error, "ponger fails at %d", w->fail_at);
    }
    return cf_int(w->echoed);
}

static cf_value sw_ponger(void *arg)
{
    return sw_pong_loop(arg);
}

/* The ponger's loop runs in a delegate: the switch resumes the innermost
   coroutine of the task's yield from chain, and the task's result is the
   delegate's. */
static cf_value sw_ponger_chain(void *arg)
{
    struct sw *w = arg;
    cf_value r = cf_yield_from_new(sw_pong_loop, w, NULL);
    cr_assert_eq(cf_to_int(r), w->n);
    w->echoed += 1000; /* after the delegate returned */
    return cf_none();
}

static cf_sched *sw_run(struct sw *w, cf_body_fn pong)
{
    struct cf_sched_opts o = {.trace = sw_hook, .arg = w};
    cf_sched *s = sched_on(NULL, &o);
    cr_assert_eq(cf_chan_new(&w->a, 0, 0), 0);
    cr_assert_eq(cf_chan_new(&w->b, 0, 0), 0);
    w->pong_tid = add_raw(s, pong, w, "ponger");
    w->ping_tid = add_raw(s, sw_pinger, w, "pinger");
    return s;
}

static void sw_free(cf_sched *s, struct sw *w)
{
    cf_chan_free(w->a);
    cf_chan_free(w->b);
    cf_sched_free(s);
}

/* The whole run arrived: every echo summed, every value echoed once, and
   the pinger ended (it closes) before the ponger. */
static void sw_assert_whole(const struct sw *w)
{
    cr_assert_eq(w->got, 10L * w->n * (w->n + 1) / 2);
    cr_assert_eq(w->echoed, w->n);
    cr_assert_eq(w->nexits, 2);
    cr_assert_eq(w->exits[0], w->ping_tid); /* it closes, then ends */
    cr_assert_eq(w->exits[1], w->pong_tid);
}

/* Two tasks handing values to each other switch from one to the other
   directly, the main loop's send answered by whichever ran last: every
   value arrives, in order, over more round trips than a streak holds. */
Test(sched_chan, direct_switch_ping_pong)
{
    struct sw w = {.n = 1000, .fail_at = -1};
    cf_sched *s = sw_run(&w, sw_ponger);
    cr_assert_eq(cf_sched_run(s), 0);
    sw_assert_whole(&w);
    sw_free(s, &w);
}

/* A task switched to that then raises is the one that failed: the main
   loop reads who ran last, not whom it had resumed. */
Test(sched_chan, direct_switch_error_is_the_runners)
{
    struct sw w = {.n = 3, .fail_at = 2};
    cf_sched *s = sw_run(&w, sw_ponger);
    /* the ponger's error, which nobody waited for; the pinger's last send
       finds no receiver left and it waits forever */
    cr_assert_eq(cf_sched_run(s), -EDEADLK);
    cr_assert_eq(w.echoed, 2);
    cr_assert_eq(w.got, 30);
    cr_assert_eq(w.nexits, 1);
    cr_assert_eq(w.exits[0], w.pong_tid);
    sw_free(s, &w);
}

/* A ponger with CF_CORO_FPENV is not plain: the core declines the switch
   into it (and out of it), the parking task puts runnext back and yields
   to the main loop, which runs it; nothing else changes. */
Test(sched_chan, direct_switch_declined_by_the_core)
{
    struct sw w = {.n = 300, .fail_at = -1};
    struct cf_sched_opts o = {.trace = sw_hook, .arg = &w};
    cf_sched *s = sched_on(NULL, &o);
    cr_assert_eq(cf_chan_new(&w.a, 0, 0), 0);
    cr_assert_eq(cf_chan_new(&w.b, 0, 0), 0);
    struct cf_coro_opts co = {
        .name = "ponger", .stack_size = CF_STACK_MIN, .flags = CF_CORO_FPENV};
    cf_coro *pong;
    cr_assert_eq(cf_coro_new(&pong, sw_ponger, &w, &co), 0);
    w.pong_tid = cf_sched_add(s, pong);
    cr_assert_gt(w.pong_tid, 0);
    w.ping_tid = add_raw(s, sw_pinger, &w, "pinger");
    cr_assert_eq(cf_sched_run(s), 0);
    sw_assert_whole(&w);
    sw_free(s, &w);
}

/* The same through a yield from chain in the ponger. */
Test(sched_chan, direct_switch_into_a_delegate)
{
    struct sw w = {.n = 200, .fail_at = -1};
    cf_sched *s = sw_run(&w, sw_ponger_chain);
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(w.got, 10L * 200 * 201 / 2);
    cr_assert_eq(w.echoed, 1200);
    cr_assert_eq(w.nexits, 2);
    sw_free(s, &w);
}

static cf_value order_recv(void *arg)
{
    struct blocked *b = arg;
    b->rc = cf_chan_recv(b->c, &b->v, -1);
    b->seq = ++*b->clock;
    return cf_none();
}

static cf_value order_mark(void *arg)
{
    struct blocked *b = arg;
    cf_task_yield(); /* the receiver is parked, the sender ready */
    b->seq = ++*b->clock;
    return cf_none();
}

static cf_value order_send(void *arg)
{
    struct blocked *b = arg;
    cf_task_yield();
    b->rc = cf_chan_send(b->c, cf_int(5), -1);
    cf_task_yield();
    return cf_none();
}

/* Go's runnext: the receiver a send wakes runs as soon as the sender gives
   the CPU up, ahead of tasks that were ready before it. */
Test(sched_chan, woken_receiver_runs_next)
{
    cf_sched *s = sched_on(NULL, NULL);
    int clock = 0;
    struct blocked r = {.ms = -1, .clock = &clock},
                   m = {.ms = -1, .clock = &clock},
                   w = {.ms = -1, .clock = &clock};
    cr_assert_eq(cf_chan_new(&r.c, 0, 0), 0);
    w.c = r.c;
    add_raw(s, order_recv, &r, "receiver");
    add_raw(s, order_send, &w, "sender");
    add_raw(s, order_mark, &m, "marker");
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(r.rc, 0);
    cr_assert_eq(cf_to_int(r.v), 5);
    cr_assert_eq(r.seq, 1); /* before the marker, queued before it woke */
    cr_assert_eq(m.seq, 2);
    cf_chan_free(r.c);
    cf_sched_free(s);
}

static cf_value send_one(void *arg)
{
    struct blocked *b = arg;
    b->rc = cf_chan_send(b->c, cf_int(9), -1);
    return cf_none();
}

/* A receiver parked with a deadline is woken right by a send (the fast
   hand-off leaves it to the general path: a timer to cancel). */
Test(sched_chan, handoff_to_timed_and_stale_waiters)
{
    cf_sched *s = sched_on(NULL, NULL);
    struct blocked r = {.ms = 60000}, w = {.ms = -1};
    cr_assert_eq(cf_chan_new(&r.c, 0, 0), 0);
    w.c = r.c;
    add_raw(s, blocked_recv, &r, "timed receiver");
    add_raw(s, send_one, &w, "sender");
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(r.rc, 0);
    cr_assert_eq(w.rc, 0);
    cr_assert_eq(cf_to_int(r.v), 9);
    cf_chan_free(r.c);
    cf_sched_free(s);
}

struct stale {
    cf_chan *c1, *c2;
    int idx, rc2;
    int64_t got;
};

static cf_value stale_select(void *arg)
{
    struct stale *st = arg;
    cf_sel_case c[2] = {{.ch = st->c1, .op = CF_SEL_RECV},
                        {.ch = st->c2, .op = CF_SEL_RECV}};
    st->idx = cf_select(c, 2, -1);
    st->got = cf_to_int(c[st->idx].v);
    return cf_none();
}

static cf_value stale_sender(void *arg)
{
    struct stale *st = arg;
    cr_assert_eq(cf_chan_send(st->c1, cf_int(1), -1), 0);
    /* The select's node on c2 is still linked, its wait claimed: not a
       receiver any more. */
    st->rc2 = cf_chan_trysend(st->c2, cf_int(2));
    return cf_none();
}

/* A select woken through one channel leaves a claimed node on the other
   until it runs: a send there must not hand its value to it. */
Test(sched_chan, handoff_skips_a_claimed_select_node)
{
    cf_sched *s = sched_on(NULL, NULL);
    struct stale st = {.idx = -1};
    cr_assert_eq(cf_chan_new(&st.c1, 0, 0), 0);
    cr_assert_eq(cf_chan_new(&st.c2, 0, 0), 0);
    add_raw(s, stale_select, &st, "select");
    add_raw(s, stale_sender, &st, "sender");
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(st.idx, 0);
    cr_assert_eq(st.got, 1);
    cr_assert_eq(st.rc2, -EAGAIN);
    cf_chan_free(st.c1);
    cf_chan_free(st.c2);
    cf_sched_free(s);
}

struct cancelled_wait {
    cf_chan *c;
    bool send;
    int raised;
};

/* A task cancelled while it runs parks on a channel with no deadline: the
   wait is a checkpoint and raises CancelledError before it parks. */
static cf_value cancelled_waiter(void *arg)
{
    struct cancelled_wait *cw = arg;
    /* The channel becomes this scheduler's (its first use), so that the
       waits below take their fast paths. */
    cr_assert_eq(cf_chan_trysend(cw->c, cf_int(0)), -EAGAIN);
    cr_assert_eq(cf_task_cancel(NULL, cf_task_id(), -1), 0);
    CF_TRY
    {
        cf_value v = cf_int(1);
        if (cw->send)
            cf_chan_send(cw->c, v, -1);
        else
            cf_chan_recv(cw->c, &v, -1);
    }
    CF_EXCEPT(&cf_task_cancelled, e)
    {
        (void)e;
        cw->raised++;
    }
    CF_END_TRY;
    return cf_none();
}

Test(sched_chan, cancelled_task_raises_at_a_plain_wait)
{
    for (int send = 0; send < 2; send++) {
        cf_sched *s = sched_on(NULL, NULL);
        struct cancelled_wait cw = {.send = send != 0};
        cr_assert_eq(cf_chan_new(&cw.c, 0, 0), 0);
        add_raw(s, cancelled_waiter, &cw, "waiter");
        cr_assert_eq(cf_sched_run(s), 0);
        cr_assert_eq(cw.raised, 1, "%s", send ? "send" : "recv");
        /* it is off the channel: nobody is there to take a value */
        cr_assert_eq(cf_chan_trysend(cw.c, cf_int(2)), -EAGAIN);
        cf_chan_free(cw.c);
        cf_sched_free(s);
    }
}
