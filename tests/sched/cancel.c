/* SPDX-License-Identifier: MIT */
/*
 * tests/sched/cancel.c - cf_task_cancel() and cf_group_cancel(): a
 * cancellation error delivered at the wait point, cleanups that still wait
 * within the grace, a hard close after it, level-triggered re-raising
 * (trio's rule), and no waiter or fd left behind by any kind of wait.
 * Python mirrored: asyncio's Task.cancel() (CancelledError is a
 * BaseException; awaiting a cancelled task raises it) and trio's cancel
 * scopes (every later checkpoint raises again).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include <coflow/coop.h>
#include <coflow/net.h>

#include "sched/sched_test.h"

static int64_t victim;
static int64_t grace = 5000;

/* Cancels `victim` (added before it, so parked by now). */
static cf_value canceller(void *arg)
{
    (void)arg;
    cr_assert_eq(cf_task_cancel(NULL, victim, grace), 0);
    return cf_none();
}

static void nonblock(int fd)
{
    cr_assert_eq(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
}

/* ---- goodbye within the grace ---- */

static int sp[2];

static cf_value bye_finally(void *arg)
{
    (void)arg;
    CF_TRY
    {
        char b[8];
        cf_sock_read(sp[0], b, sizeof b, -1);
        tracef("read returned; ");
    }
    CF_FINALLY
    {
        tracef("finally %s; ", err_text());
        cf_task_sleep(2); /* waits, as a cancelled task may */
        cr_assert_eq(cf_sock_write(sp[0], "bye", 3, -1), 3);
    }
    CF_END_TRY;
    return cf_none();
}

static void bye_cleanup_fn(void *arg)
{
    (void)arg;
    tracef("cleanup %s; ", err_text());
    cf_task_sleep(2);
    cr_assert_eq(cf_sock_write(sp[0], "bye", 3, -1), 3);
}

static cf_value bye_cleanup(void *arg)
{
    (void)arg;
    cf_cleanup c;
    cf_cleanup_push(&c, bye_cleanup_fn, NULL);
    char b[8];
    cf_sock_read(sp[0], b, sizeof b, -1);
    cf_cleanup_pop(&c, true);
    return cf_none();
}

static cf_value peer(void *arg)
{
    (void)arg;
    char b[8] = {0};
    ssize_t n = cf_sock_read(sp[1], b, sizeof b - 1, -1);
    tracef("peer got %zd '%s'; ", n, b);
    return cf_none();
}

static void goodbye(const char *poller, cf_body_fn body, const char *want)
{
    int before = open_fds();
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
    nonblock(sp[0]);
    nonblock(sp[1]);
    cf_sched *s = sched_on(poller, NULL);
    trace_reset();
    grace = 5000;
    victim = add_task(s, body, NULL, "victim");
    add_task(s, peer, NULL, "peer");
    add_task(s, canceller, NULL, "canceller");
    cr_assert_eq(cf_sched_run(s), 0, "a cancelled task is no failure");
    assert_trace(want);
    cf_sched_free(s);
    close(sp[0]);
    close(sp[1]);
    cr_assert_eq(open_fds(), before);
}

#define BOTH(name)                                                             \
    static void name(const char *poller);                                      \
    Test(sched_cancel, name##_epoll)                                           \
    {                                                                          \
        name("epoll");                                                         \
    }                                                                          \
    Test(sched_cancel, name##_uring)                                           \
    {                                                                          \
        name("uring");                                                         \
    }                                                                          \
    static void name(const char *poller)

/* The finally clause of a cancelled task sleeps and writes a goodbye,
   which the peer receives. */
BOTH(goodbye_in_finally)
{
    goodbye(poller, bye_finally,
            "finally CancelledError: task 1 was cancelled; peer got 3 'bye'; ");
}

/* The same from a cleanup record (the error being handled is the
   cancellation while it unwinds). */
BOTH(goodbye_in_cleanup)
{
    goodbye(poller, bye_cleanup,
            "cleanup CancelledError: task 1 was cancelled; peer got 3 'bye'; ");
}

/* ---- a cleanup longer than the grace is closed hard ---- */

static cf_chan *never; /* nobody sends on it */

static cf_value slow_cleanup(void *arg)
{
    (void)arg;
    CF_TRY
    {
        cf_value v;
        cf_chan_recv(never, &v, -1);
    }
    CF_FINALLY
    {
        tracef("cleanup; ");
        cf_task_sleep(60000); /* beyond the grace: closed here */
        tracef("never; ");
    }
    CF_END_TRY;
    tracef("never either; ");
    return cf_none();
}

static cf_value waits_for_victim(void *arg)
{
    (void)arg;
    CF_TRY
    {
        cf_value v = cf_task_wait(victim);
        tracef("waiter got %s; ", str_of(v));
    }
    CF_EXCEPT(&cf_base_exception, e)
    {
        tracef("waiter got %s; ", err_text());
    }
    CF_END_TRY;
    return cf_none();
}

/*
 * One scene on a default scheduler: the task `victim` runs `body` (named
 * `name`); then, if `waiter`, a task waits for it; then, if `by` is set, a
 * task named `by_name` runs `by` (cancels it with `grace`, or kills it).
 * The run must return 0 (a cancelled task is no failure; with `quiet` what
 * it prints is captured and dropped) and leave `want` in the trace.
 */
struct scene {
    cf_body_fn body;
    const char *name;
    int64_t grace;
    bool waiter;
    cf_body_fn by;
    const char *by_name;
    bool quiet;
};

static void play(struct scene sc, const char *want)
{
    cf_sched *s = sched_on(NULL, NULL);
    cr_assert_eq(cf_chan_new(&never, 0, 0), 0);
    trace_reset();
    grace = sc.grace;
    victim = add_task(s, sc.body, NULL, sc.name);
    if (sc.waiter)
        add_task(s, waits_for_victim, NULL, "waiter");
    if (sc.by != NULL)
        add_task(s, sc.by, NULL, sc.by_name);
    if (sc.quiet)
        stderr_capture();
    int rc = cf_sched_run(s);
    if (sc.quiet)
        (void)stderr_captured();
    cr_assert_eq(rc, 0, "%s", sc.name);
    assert_trace(want);
    cf_sched_free(s);
    cf_chan_free(never);
}

Test(sched_cancel, grace_over_closes_hard)
{
    play((struct scene){slow_cleanup, "slow", 20, true, canceller, "canceller",
                        false},
         "cleanup; waiter got CancelledError: task 1 was killed; ");
}

/* A cleanup that waits again after its grace (the hard close) gets
   CancelledError at once; nothing is reported. */
static cf_value waits_in_close(void *arg)
{
    (void)arg;
    CF_TRY
    {
        cf_value v;
        cf_chan_recv(never, &v, -1);
    }
    CF_FINALLY
    {
        CF_TRY
        {
            cf_task_sleep(60000);
        }
        CF_FINALLY
        {
            tracef("inner %s; ", err_text());
            cf_task_yield(); /* a checkpoint during the close */
            tracef("never; ");
        }
        CF_END_TRY;
    }
    CF_END_TRY;
    return cf_none();
}

Test(sched_cancel, checkpoint_after_grace_raises)
{
    play((struct scene){waits_in_close, "closing", 0, true, canceller,
                        "canceller", false},
         "inner GeneratorExit; waiter got CancelledError: task 1 was "
         "cancelled; its grace is over; ");
}

/* ---- every kind of wait ---- */

/* The table of waits: X(name, kind); each is a test of its own below. */
#define WAIT_KINDS(X)                                                          \
    X(recv, K_RECV)                                                            \
    X(send, K_SEND)                                                            \
    X(select, K_SELECT)                                                        \
    X(sleep, K_SLEEP)                                                          \
    X(sock_read, K_SOCK_READ)                                                  \
    X(readable, K_READABLE)                                                    \
    X(writable, K_WRITABLE)                                                    \
    X(sock_write, K_SOCK_WRITE)                                                \
    X(wg, K_WG)                                                                \
    X(event, K_EVENT)                                                          \
    X(mutex, K_MUTEX)                                                          \
    X(cond, K_COND)                                                            \
    X(group, K_GROUP)                                                          \
    X(task, K_TASK)                                                            \
    X(accept, K_ACCEPT)                                                        \
    X(dial, K_DIAL)

#define KIND_ENUM(name, k) k,
#define KIND_NAME(name, k) #name,
enum kind { WAIT_KINDS(KIND_ENUM) K_NKINDS };
static const char *const kind_names[] = {WAIT_KINDS(KIND_NAME)};

static cf_chan *chans[6];
static cf_wg *wg;
static cf_event *ev;
static cf_mutex *mu;
static cf_cond *cond;
static int lfd;
static char dial_addr[64];
static int64_t target;

static cf_value forever(void *arg)
{
    (void)arg;
    cf_value v;
    cf_chan_recv(never, &v, -1);
    return cf_none();
}

static cf_value holder(void *arg)
{
    (void)arg;
    cr_assert_eq(cf_mutex_lock(mu, -1), 0);
    for (int i = 0; i < 5; i++) /* the waiter queues and is cancelled */
        cf_task_yield();
    cr_assert_eq(cf_mutex_unlock(mu), 0);
    return cf_none();
}

static int do_wait(enum kind k)
{
    cf_value v;
    static char big[65536];
    switch (k) {
    case K_RECV:
        return cf_chan_recv(chans[0], &v, -1);
    case K_SEND:
        return cf_chan_send(chans[0], cf_int(1), -1);
    case K_SELECT: {
        cf_sel_case c[6];
        for (int i = 0; i < 6; i++)
            c[i] = (cf_sel_case){.ch = chans[i], .op = CF_SEL_RECV};
        return cf_select(c, 6, -1);
    }
    case K_SLEEP:
        cf_task_sleep(60000);
        return 0;
    case K_SOCK_READ:
        return (int)cf_sock_read(sp[0], big, sizeof big, -1);
    case K_READABLE:
        return cf_task_readable(sp[0], -1);
    case K_WRITABLE:
        return cf_task_writable(sp[0], -1);
    case K_SOCK_WRITE:
        return (int)cf_sock_write(sp[0], big, sizeof big, -1);
    case K_WG:
        return cf_wg_wait(wg, -1);
    case K_EVENT:
        return cf_event_wait(ev, -1);
    case K_MUTEX:
        return cf_mutex_lock(mu, -1);
    case K_COND: {
        cr_assert_eq(cf_mutex_lock(mu, -1), 0);
        int rc = cf_cond_wait(cond, mu, -1);
        return rc;
    }
    case K_GROUP: {
        cf_group *g;
        cr_assert_eq(cf_group_new(&g), 0);
        cr_assert_gt(cf_group_spawn(g, coro_of(forever, NULL, "member")), 0);
        CF_TRY
        {
            cf_group_wait(g, -1);
        }
        CF_FINALLY
        {
            /* handling the cancellation: the group may be waited for */
            cr_assert_eq(cf_group_cancel(g, 1000), 1);
            cr_assert_eq(cf_group_wait(g, -1), 0);
            cf_group_free(g);
        }
        CF_END_TRY;
        return 0;
    }
    case K_TASK:
        target = cf_task_spawn(coro_of(forever, NULL, "target"));
        CF_TRY
        {
            cf_task_wait(target);
        }
        CF_FINALLY
        {
            cr_assert_eq(cf_task_cancel(NULL, target, 1000), 0);
        }
        CF_END_TRY;
        return 0;
    case K_ACCEPT:
        return cf_net_accept(lfd, NULL, NULL, -1);
    case K_DIAL: {
        int fd = cf_net_dial("tcp4", dial_addr, 5000);
        if (fd >= 0) /* done before the cancel came: wait on */
            cf_sock_close(fd);
        return cf_chan_recv(never, &v, -1);
    }
    default:
        return -EINVAL;
    }
}

static cf_value waiter(void *arg)
{
    enum kind k = (enum kind)(intptr_t)arg;
    CF_TRY
    {
        int rc = do_wait(k);
        tracef("returned %d; ", rc);
    }
    CF_EXCEPT(&cf_task_cancelled, e)
    {
        (void)e;
        tracef("cancelled; ");
        cf_task_sleep(1); /* an except clause may wait */
        tracef("slept; ");
        if (k == K_COND) /* the mutex is held again, as asyncio does */
            cr_assert_eq(cf_mutex_unlock(mu), 0);
        cf_reraise();
    }
    CF_END_TRY;
    tracef("not reached; ");
    return cf_none();
}

static void fill(int fd)
{
    char b[4096] = {0};
    while (write(fd, b, sizeof b) > 0)
        ;
}

static int threads(void)
{
    return count_entries("/proc/self/task");
}

static void one_kind(const char *poller, enum kind k)
{
    int before = open_fds(), alone = threads();
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
    nonblock(sp[0]);
    nonblock(sp[1]);
    if (k == K_WRITABLE || k == K_SOCK_WRITE)
        fill(sp[0]);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(cf_chan_new(&chans[i], 0, 0), 0);
    cr_assert_eq(cf_chan_new(&never, 0, 0), 0);
    cr_assert_eq(cf_wg_new(&wg), 0);
    cr_assert_eq(cf_wg_add(wg, 1), 0);
    cr_assert_eq(cf_event_new(&ev), 0);
    cr_assert_eq(cf_mutex_new(&mu), 0);
    cr_assert_eq(cf_cond_new(&cond), 0);
    lfd = -1;
    if (k == K_ACCEPT || k == K_DIAL) {
        lfd = cf_net_listen("tcp4", "127.0.0.1:0", NULL);
        cr_assert_geq(lfd, 0);
        struct sockaddr_in a;
        socklen_t len = sizeof a;
        cr_assert_eq(getsockname(lfd, (struct sockaddr *)&a, &len), 0);
        snprintf(dial_addr, sizeof dial_addr, "localhost:%d",
                 ntohs(a.sin_port));
    }

    cf_sched *s = sched_on(poller, NULL);
    trace_reset();
    grace = 5000;
    if (k == K_MUTEX)
        add_task(s, holder, NULL, "holder");
    victim = add_task(s, waiter, (void *)(intptr_t)k, kind_names[k]);
    add_task(s, canceller, NULL, "canceller");
    cr_assert_eq(cf_sched_run(s), 0, "%s", kind_names[k]);
    cr_assert_str_eq(trace_text(), "cancelled; slept; ", "%s: %s",
                     kind_names[k], trace_text());
    cf_sched_free(s);

    /* Nothing left behind: no waiter is woken (the tasks are gone), the
       objects work on. */
    for (int i = 0; i < 6; i++) {
        cr_assert_eq(cf_chan_trysend(chans[i], cf_int(1)), -EAGAIN, "%s",
                     kind_names[k]);
        cr_assert_eq(cf_chan_tryrecv(chans[i], NULL), -EAGAIN);
        cf_chan_free(chans[i]);
    }
    cf_chan_free(never);
    cr_assert_eq(cf_wg_done(wg), 0);
    cf_wg_free(wg);
    cr_assert_eq(cf_event_set(ev), 0);
    cf_event_free(ev);
    cr_assert_eq(cf_cond_signal(cond), 0);
    cr_assert_eq(cf_cond_broadcast(cond), 0);
    cf_cond_free(cond);
    cf_mutex_free(mu);
    if (lfd >= 0)
        close(lfd);
    close(sp[0]);
    close(sp[1]);
    for (int i = 0; i < 1000 && threads() != alone; i++)
        usleep(10000); /* a dial's resolver thread ends on its own */
    cr_assert_eq(threads(), alone);
    cr_assert_eq(open_fds(), before, "%s: fd leak", kind_names[k]);
}

/* Each kind of wait, cancelled, on each poller: sched_cancel/wait_<kind>_
   epoll and _uring. */
#define WAIT_TEST(name, k)                                                     \
    Test(sched_cancel, wait_##name##_epoll)                                    \
    {                                                                          \
        one_kind("epoll", k);                                                  \
    }                                                                          \
    Test(sched_cancel, wait_##name##_uring)                                    \
    {                                                                          \
        one_kind("uring", k);                                                  \
    }
WAIT_KINDS(WAIT_TEST)

/* ---- groups ---- */

static int gsp[3][2];

static cf_value member(void *arg)
{
    int fd = *(const int *)arg;
    CF_TRY
    {
        char b[8];
        cf_sock_read(fd, b, sizeof b, -1);
    }
    CF_FINALLY
    {
        cf_task_sleep(1);
        cr_assert_eq(cf_sock_write(fd, "bye", 3, -1), 3);
    }
    CF_END_TRY;
    return cf_none();
}

static cf_value parent(void *arg)
{
    (void)arg;
    cf_group *g;
    cr_assert_eq(cf_group_new(&g), 0);
    for (int i = 0; i < 3; i++)
        cr_assert_gt(cf_group_spawn(g, coro_of(member, &gsp[i][0], "m")), 0);
    cf_task_yield(); /* they park in their reads */
    cr_assert_eq(cf_group_cancel(g, 5000), 3);
    cr_assert_eq(cf_group_cancel(g, 5000), 0, "cancelled already");
    cr_assert_eq(cf_group_wait(g, -1), 0, "a cancelled member is no failure");
    cr_assert_eq(cf_group_size(g), 0);
    cf_group_free(g);
    tracef("group done; ");
    return cf_none();
}

/* A group cancelled mid-I/O: every member writes its goodbye within the
   grace; the group's wait raises nothing (trio: Cancelled is absorbed by
   the scope that cancelled). */
BOTH(group_mid_io)
{
    int before = open_fds();
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, gsp[i]), 0);
        nonblock(gsp[i][0]);
    }
    cf_sched *s = sched_on(poller, NULL);
    trace_reset();
    add_task(s, parent, NULL, "parent");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("group done; ");
    cf_sched_free(s);
    for (int i = 0; i < 3; i++) {
        char b[8] = {0};
        cr_assert_eq(read(gsp[i][1], b, sizeof b), 3);
        cr_assert_str_eq(b, "bye");
        close(gsp[i][0]);
        close(gsp[i][1]);
    }
    cr_assert_eq(open_fds(), before);
}

static cf_value fails_in_cleanup(void *arg)
{
    (void)arg;
    CF_TRY
    {
        cf_value v;
        cf_chan_recv(never, &v, -1);
    }
    CF_FINALLY
    {
        cf_raise(&cf_value_error, "cleanup failed");
    }
    CF_END_TRY;
    return cf_none();
}

static cf_value parent2(void *arg)
{
    (void)arg;
    cf_group *g;
    cr_assert_eq(cf_group_new(&g), 0);
    cr_assert_gt(cf_group_spawn(g, coro_of(forever, NULL, "quiet")), 0);
    cr_assert_gt(cf_group_spawn(g, coro_of(fails_in_cleanup, NULL, "bad")), 0);
    cf_task_yield();
    cr_assert_eq(cf_group_cancel(g, -1), 2);
    CF_TRY
    {
        cf_group_wait(g, -1);
        tracef("no error; ");
    }
    CF_EXCEPT(&cf_exception, e)
    {
        tracef("group raised %s; ", err_text());
    }
    CF_END_TRY;
    cf_group_free(g);
    return cf_none();
}

/* A member whose cleanup fails with another error is a failure. */
Test(sched_cancel, group_member_cleanup_fails)
{
    play((struct scene){parent2, "parent", 5000, false, NULL, NULL, false},
         "group raised ValueError: cleanup failed; ");
}

/* ---- swallowing, self, waiters, misuse ---- */

static cf_value swallower(void *arg)
{
    (void)arg;
    CF_TRY
    {
        cf_value v;
        cf_chan_recv(never, &v, -1);
    }
    CF_EXCEPT(&cf_task_cancelled, e)
    {
        (void)e;
        tracef("swallowed; ");
    }
    CF_END_TRY;
    tracef("goes on; ");
    CF_TRY
    {
        cf_task_sleep(1);
        tracef("slept; ");
    }
    CF_EXCEPT(&cf_task_cancelled, e2)
    {
        (void)e2;
        tracef("sleep raised; ");
    }
    CF_END_TRY;
    CF_TRY
    {
        cf_task_yield();
    }
    CF_EXCEPT(&cf_exception, e3)
    {
        (void)e3;
        tracef("not an Exception; ");
    }
    CF_EXCEPT(&cf_task_cancelled, e4)
    {
        (void)e4;
        tracef("yield raised; ");
    }
    CF_END_TRY;
    return cf_int(7);
}

/* Level-triggered (trio): once cancelled, every later checkpoint raises
   again; the task may still return a value, which its waiter gets. */
Test(sched_cancel, swallowed_raises_again)
{
    play((struct scene){swallower, "swallower", -1, true, canceller,
                        "canceller", false},
         "swallowed; goes on; sleep raised; yield raised; waiter got 7; ");
}

static cf_value self_cancel(void *arg)
{
    (void)arg;
    cr_assert_eq(cf_task_cancel(NULL, cf_task_id(), -1), 0);
    tracef("marked; "); /* cancelling is no checkpoint */
    cf_task_yield();
    tracef("never; ");
    return cf_none();
}

/* A task that cancels itself gets the error at its next checkpoint; it
   ends with it and nothing is reported. */
Test(sched_cancel, self)
{
    play((struct scene){self_cancel, "self", 5000, true, NULL, NULL, false},
         "marked; waiter got CancelledError: task 1 was cancelled; ");
}

static cf_value quick(void *arg)
{
    (void)arg;
    return cf_int(1);
}

static cf_value misuse(void *arg)
{
    int64_t done = *(const int64_t *)arg;
    cr_assert_eq(cf_task_cancel(NULL, 999, 0), -ESRCH);
    cr_assert_eq(cf_task_cancel(NULL, done, 0), -ESRCH, "ended");
    cr_assert_eq(cf_task_cancel(NULL, -1, 0), -ESRCH);
    int64_t f = cf_task_spawn(coro_of(forever, NULL, "f"));
    cf_task_yield();
    cf_task_kill(f);
    cr_assert_eq(cf_task_cancel(NULL, f, 0), -ESRCH, "killed");
    cr_assert_eq(cf_group_cancel(NULL, 0), -EINVAL);
    cf_group *g;
    cr_assert_eq(cf_group_new(&g), 0);
    cr_assert_eq(cf_group_cancel(g, 0), 0, "empty");
    cf_group_free(g);
    tracef("ok; ");
    return cf_none();
}

/* Cancelling an unknown, ended or killed task: -ESRCH. */
Test(sched_cancel, unknown_or_ended)
{
    cr_assert_eq(cf_task_cancel(NULL, 1, 0), -EINVAL, "no scheduler");
    cf_sched *s = sched_on(NULL, NULL);
    cr_assert_eq(cf_chan_new(&never, 0, 0), 0);
    trace_reset();
    static int64_t done;
    done = add_task(s, quick, NULL, "quick");
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(cf_task_cancel(s, done, 0), -ESRCH);
    add_task(s, misuse, &done, "misuse");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("ok; ");
    cf_sched_free(s);
    cf_chan_free(never);
}

/* cf_task_cancel() from outside the run: delivered when it runs. */
Test(sched_cancel, before_run)
{
    cf_sched *s = sched_on(NULL, NULL);
    cr_assert_eq(cf_chan_new(&never, 0, 0), 0);
    trace_reset();
    victim = 2; /* the waiter waits before the swallower runs */
    add_task(s, waits_for_victim, NULL, "waiter");
    cr_assert_eq(add_task(s, swallower, NULL, "swallower"), victim);
    cr_assert_eq(cf_task_cancel(s, victim, -1), 0);
    cr_assert_eq(cf_sched_run(s), 0);
    /* ready, not parked: its first checkpoint (the recv) raises */
    assert_trace("swallowed; goes on; sleep raised; yield raised; waiter got "
                 "7; ");
    cf_sched_free(s);
    cf_chan_free(never);
}

/* The pyos kill stays as it was: GeneratorExit, no waiting in cleanups. */
static cf_value kill_victim(void *arg)
{
    (void)arg;
    cf_task_kill(victim);
    return cf_none();
}

Test(sched_cancel, kill_is_still_pyos)
{
    play((struct scene){slow_cleanup, "slow", 5000, true, kill_victim, "killer",
                        true},
         "cleanup; waiter got RuntimeError: generator ignored "
         "GeneratorExit; ");
}
