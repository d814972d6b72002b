/* SPDX-License-Identifier: MIT */
/*
 * sched/multi.c - one scheduler per core: a pool of schedulers, each run on
 * its own thread, and the one way in from another thread: its inbox.
 *
 * The inbox is an intrusive multi-producer single-consumer queue of tasks
 * (Vyukov's, with a stub node): another thread pushes a task it woke (a
 * shared channel's waker) or a request to start a coroutine
 * (cf_sched_spawn()) with one atomic exchange; the scheduler drains it at
 * each turn of its iotask. A scheduler with nothing to run spins on its
 * inbox a little (a cross-core hand-off then costs no system call), then
 * says it sleeps and blocks in its poller, where an eventfd, watched by a
 * marker task of its own, lets a producer wake it.
 *
 * The pool counts its live tasks, plus starts in flight, across all its
 * schedulers; a scheduler with no task left keeps waiting for work while
 * that count is above zero, and the one that brings it to zero wakes all.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "internal.h"

#define SPIN_NS 50000 /* how long an idle scheduler watches its inbox */

struct cf__inbox {
    _Atomic(cf__task *) head; /* the last task pushed */
    cf__task *tail;           /* the consumer's oldest */
    cf__task stub;
    cf__task marker; /* parked on efd */
    int efd;
    atomic_int sleeping;
    int lost; /* starts dropped for want of memory this run (own thread) */
};

struct cf__pool {
    atomic_long live;
    _Atomic int64_t next_tid; /* tids are unique across the pool */
    int n;
    bool running;
    cf_sched **s;
};

struct cf_sched_pool {
    struct cf__pool p;
};

static void inbox_push(struct cf__inbox *in, cf__task *t)
{
    atomic_store_explicit(&t->inbox_next, NULL, memory_order_relaxed);
    cf__task *prev =
        atomic_exchange_explicit(&in->head, t, memory_order_acq_rel);
    atomic_store_explicit(&prev->inbox_next, t, memory_order_release);
}

static cf__task *inbox_pop(struct cf__inbox *in)
{
    cf__task *tail = in->tail;
    cf__task *next =
        atomic_load_explicit(&tail->inbox_next, memory_order_acquire);
    if (tail == &in->stub) {
        if (next == NULL)
            return NULL;
        in->tail = next;
        tail = next;
        next = atomic_load_explicit(&tail->inbox_next, memory_order_acquire);
    }
    if (next != NULL) {
        in->tail = next;
        return tail;
    }
    if (tail != atomic_load_explicit(&in->head, memory_order_acquire))
        return NULL; /* a push is half done: next time */
    inbox_push(in, &in->stub);
    next = atomic_load_explicit(&tail->inbox_next, memory_order_acquire);
    if (next != NULL) {
        in->tail = next;
        return tail;
    }
    return NULL;
}

static bool inbox_busy(struct cf__inbox *in)
{
    return in->tail != &in->stub
           || atomic_load_explicit(&in->head, memory_order_acquire)
                  != &in->stub;
}

static void inbox_kick(struct cf__inbox *in);

/* Pushes `t` to `s`'s inbox as it is. */
static void cf__pool_wake_raw(cf_sched *s, cf__task *t)
{
    inbox_push(s->inbox, t);
    inbox_kick(s->inbox);
}

static void inbox_kick(struct cf__inbox *in)
{
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&in->sleeping, memory_order_relaxed)) {
        uint64_t one = 1;
        ssize_t r = write(in->efd, &one, sizeof one);
        (void)r; /* a full counter already wakes it */
    }
}

/* Another thread woke `t`, a task of `s`; `t->waker` says whose task did
   (NULL: no scheduler's). */
void cf__pool_wake(cf_sched *s, cf__task *t)
{
    t->waker = cf__sched_tls;
    inbox_push(s->inbox, t);
    inbox_kick(s->inbox);
}

int64_t cf__pool_tid(cf_sched *s)
{
    return atomic_fetch_add_explicit(&s->pool->next_tid, 1,
                                     memory_order_relaxed);
}

/*
 * Migration (Go's: a goroutine woken goes to its waker's processor). `t`,
 * woken from another scheduler's thread, moves to that scheduler when
 * nothing ties it to `s`: it is mobile (started by cf_sched_spawn(), whose
 * caller never learns its tid, and since then it used no fd, no task id,
 * no sync object, group or scheduler: cf__bind()), it is `s`'s only task
 * (so `s` loses no work it could run beside the waker's), `s` owns no
 * channel that is not shared (whose ops would be -EXDEV elsewhere), and
 * nobody waits for it, cancels it or traces it. Two tasks that hand off
 * to each other across schedulers then end on one, as Go's goroutines
 * do, and each hand-off is a plain switch instead of a wakeup of another
 * thread.
 */
static bool may_move(cf_sched *s, cf__task *t)
{
    cf_sched *to = t->waker;
    return t->mobile && to != NULL && to != s && to->pool == s->pool
           && s->nlive == 1 && s->nlocal == 0 && t->where == CF__PARKED_OBJ
           && t->group == NULL && t->waiters_head == NULL && !t->cancelled
           && !t->killed && !t->traced && !s->trace_on;
}

/* `t` leaves `s` for the inbox of its waker's scheduler (whose thread
   makes it its own: inbox_drain()). */
static void move_out(cf_sched *s, cf__task *t)
{
    cf_sched *to = t->waker;
    if (t->heap_idx != SIZE_MAX)
        cf__timer_remove(s, t);
    t->wait = NULL;
    cf__task_release(s, t);
    t->moving = true;
    t->waker = s; /* where it came from, should `to` have no room */
    cf__pool_wake_raw(to, t);
}

/* Starts `co` on `s` for cf_sched_spawn(): mobile, as its tid is known
   to nobody. */
static int spawn_mobile(cf_sched *s, cf_coro *co)
{
    int64_t id = cf__task_add(s, co);
    if (id < 0)
        return (int)id;
    cf__task *t = cf__task_find(s, id);
    if (t != NULL && s->pool != NULL)
        t->mobile = true;
    return 0;
}

/* Runs what the inbox holds. `discard`: the pool is being freed. */
static void inbox_drain(cf_sched *s, bool discard)
{
    cf__task *t;
    while ((t = inbox_pop(s->inbox)) != NULL) {
        if (t->tid == -1) { /* a start from cf_sched_spawn() */
            cf_coro *co = t->co;
            free(t);
            if (discard)
                cf_coro_free(co);
            else if (spawn_mobile(s, co) < 0) /* it freed `co` */
                s->inbox->lost++;
            cf__pool_live(s, -1);
        } else if (t->moving) { /* migrating here (move_out()) */
            t->moving = false;
            if (discard) {
                cf_coro_free(t->co);
                free(t);
            } else if (!cf__task_adopt(s, t)) {
                t->mobile = false; /* back home, for good */
                t->moving = true;
                cf_sched *home = t->waker;
                t->waker = s;
                cf__pool_wake_raw(home, t);
            }
        } else if (t->dead) {
            free(t);
        } else if (t->inbox_pending) {
            t->inbox_pending = false; /* killed meanwhile */
        } else if (!discard) {
            if (CF__UNLIKELY(t->mobile) && may_move(s, t)) {
                move_out(s, t);
                continue;
            }
            if (t->heap_idx != SIZE_MAX)
                cf__timer_remove(s, t);
            t->wait = NULL;
            cf__task_wake(s, t, 0);
        }
    }
}

void cf__pool_live(cf_sched *s, int delta)
{
    struct cf__pool *p = s->pool;
    if (atomic_fetch_add_explicit(&p->live, delta, memory_order_acq_rel) + delta
        == 0) {
        for (int i = 0; i < p->n; i++) {
            uint64_t one = 1;
            ssize_t r = write(p->s[i]->inbox->efd, &one, sizeof one);
            (void)r;
        }
    }
}

bool cf__pool_hold(cf_sched *s)
{
    return atomic_load_explicit(&s->pool->live, memory_order_acquire) > 0;
}

/* The main loop popped a task with no coroutine: the marker? */
bool cf__pool_marker(cf_sched *s, cf__task *t)
{
    if (s->inbox == NULL || t != &s->inbox->marker)
        return false;
    uint64_t n;
    ssize_t r = read(s->inbox->efd, &n, sizeof n);
    (void)r;
    cf__io_wait(s, t, s->inbox->efd, 0, -1, false);
    inbox_drain(s, false);
    return true;
}

/* The iotask's turn begins: run what other threads sent. */
void cf__pool_turn(cf_sched *s)
{
    inbox_drain(s, false);
}

/*
 * The iotask is about to block for `timeout` ms: watch the inbox a little
 * first, then say it sleeps. Returns the timeout to use (0 when work came).
 */
int cf__pool_idle(cf_sched *s, int timeout)
{
    struct cf__inbox *in = s->inbox;
    int64_t until = cf__now_ns() + SPIN_NS;
    for (unsigned i = 1;; i++) {
        if (inbox_busy(in) || !cf__pool_hold(s))
            return 0;
        if ((i & 3) == 0) {
            if (cf__now_ns() > until)
                break;
            /* Let the thread that will wake us have this core, if it
               waits for one. */
            sched_yield();
        }
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }
    atomic_store_explicit(&in->sleeping, 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_seq_cst);
    if (inbox_busy(in)) {
        atomic_store_explicit(&in->sleeping, 0, memory_order_relaxed);
        return 0;
    }
    return timeout;
}

/* The fds the tasks of `s` wait on, leaving out the marker's eventfd: a
   busy scheduler need not poll for it, its inbox is drained each turn. */
size_t cf__pool_watch(cf_sched *s)
{
    return s->nwatch - (s->inbox->marker.where == CF__PARKED_IO ? 1 : 0);
}

void cf__pool_awake(cf_sched *s)
{
    atomic_store_explicit(&s->inbox->sleeping, 0, memory_order_relaxed);
    inbox_drain(s, false);
}

static int inbox_init(cf_sched *s)
{
    struct cf__inbox *in = calloc(1, sizeof *in);
    if (in == NULL)
        return -ENOMEM;
    in->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (in->efd < 0) {
        int rc = -errno;
        free(in);
        return rc;
    }
    atomic_init(&in->head, &in->stub);
    in->tail = &in->stub;
    atomic_init(&in->stub.inbox_next, NULL);
    in->stub.heap_idx = SIZE_MAX;
    in->marker.heap_idx = SIZE_MAX;
    in->marker.io_fd = -1;
    atomic_init(&in->sleeping, 0);
    s->inbox = in;
    return 0;
}

void cf_sched_pool_free(cf_sched_pool *p)
{
    if (p == NULL)
        return;
    for (int i = 0; i < p->p.n; i++) {
        if (p->p.s[i] == NULL)
            continue;
        inbox_drain(p->p.s[i], true);
    }
    for (int i = 0; i < p->p.n; i++) {
        if (p->p.s[i] == NULL)
            continue;
        struct cf__inbox *in = p->p.s[i]->inbox;
        p->p.s[i]->inbox = NULL;
        cf_sched_free(p->p.s[i]);
        if (in != NULL) {
            close(in->efd);
            free(in);
        }
    }
    free(p->p.s);
    free(p);
}

int cf_sched_pool_new(cf_sched_pool **out, int n,
                      const struct cf_sched_opts *opts)
{
    if (out == NULL || n < 0)
        return -EINVAL;
    *out = NULL;
    if (n == 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        n = c > 0 ? (int)c : 1;
    }
    cf_sched_pool *p = calloc(1, sizeof *p);
    if (p == NULL)
        return -ENOMEM;
    p->p.s = calloc((size_t)n, sizeof *p->p.s);
    if (p->p.s == NULL) {
        free(p);
        return -ENOMEM;
    }
    p->p.n = n;
    atomic_init(&p->p.live, 0);
    atomic_init(&p->p.next_tid, 1);
    struct cf_sched_opts o = {0};
    if (opts != NULL)
        o = *opts;
    /* An io_uring ring belongs to the thread that made it: the pool's
       schedulers are made here and run elsewhere, so epoll unless asked. */
    if (o.poller == NULL)
        o.poller = "epoll";
    for (int i = 0; i < n; i++) {
        int rc = cf_sched_new(&p->p.s[i], &o);
        if (rc == 0)
            rc = inbox_init(p->p.s[i]);
        if (rc < 0) {
            cf_sched_pool_free(p);
            return rc;
        }
        p->p.s[i]->pool = &p->p;
    }
    *out = p;
    return 0;
}

int cf_sched_pool_size(const cf_sched_pool *p)
{
    return p != NULL ? p->p.n : 0;
}

cf_sched *cf_sched_pool_get(cf_sched_pool *p, int i)
{
    return p != NULL && i >= 0 && i < p->p.n ? p->p.s[i] : NULL;
}

static int run_one(cf_sched *s)
{
    struct cf__inbox *in = s->inbox;
    if (in->marker.where != CF__PARKED_IO) {
        in->marker.trap = NULL;
        cf__io_wait(s, &in->marker, in->efd, 0, -1, false);
        if (in->marker.where != CF__PARKED_IO)
            return -ENOMEM;
        /* cf__io_wait() woke nobody: the marker is not queued */
    }
    in->lost = 0;
    int rc = cf_sched_run(s);
    /* A cf_sched_spawn() that said 0 and could not be added at the turn:
       its coroutine is freed, and the run says so. */
    return rc >= 0 && in->lost > 0 ? -ENOMEM : rc;
}

struct runner {
    cf_sched *s;
    int rc;
};

static void *run_thread(void *arg)
{
    struct runner *r = arg;
    r->rc = run_one(r->s);
    return NULL;
}

int cf_sched_pool_run(cf_sched_pool *p)
{
    if (p == NULL)
        return -EINVAL;
    if (p->p.running)
        return -EBUSY;
    p->p.running = true;
    int n = p->p.n, started = 0, total = 0, err = 0;
    struct runner *r = calloc((size_t)n, sizeof *r);
    pthread_t *th = calloc((size_t)n, sizeof *th);
    if (r == NULL || th == NULL) {
        free(r);
        free(th);
        p->p.running = false;
        return -ENOMEM;
    }
    for (int i = 1; i < n; i++) {
        r[i].s = p->p.s[i];
        if (pthread_create(&th[i], NULL, run_thread, &r[i]) != 0) {
            err = -EAGAIN;
            break;
        }
        started = i;
    }
    if (err == 0) {
        int rc = run_one(p->p.s[0]);
        if (rc < 0)
            err = rc;
        else
            total += rc;
    } else {
        /* Let the threads that started see no work and end. */
        atomic_store(&p->p.live, 0);
        for (int i = 1; i <= started; i++)
            inbox_kick(p->p.s[i]->inbox);
        for (int i = 1; i <= started; i++) {
            uint64_t one = 1;
            ssize_t w = write(p->p.s[i]->inbox->efd, &one, sizeof one);
            (void)w;
        }
    }
    for (int i = 1; i <= started; i++) {
        pthread_join(th[i], NULL);
        if (r[i].rc < 0 && err == 0)
            err = r[i].rc;
        else if (r[i].rc > 0)
            total += r[i].rc;
    }
    free(r);
    free(th);
    p->p.running = false;
    return err < 0 ? err : total;
}

int cf_sched_spawn(cf_sched *s, cf_coro *co)
{
    if (s == NULL || co == NULL || cf_coro_state(co) == CF_CLOSED) {
        cf_coro_free(co);
        return -EINVAL;
    }
    if (s->pool == NULL || s == cf__sched_tls)
        return spawn_mobile(s, co);
    cf__task *req = cf__fault() ? NULL : calloc(1, sizeof *req);
    if (req == NULL) {
        cf_coro_free(co);
        return -ENOMEM;
    }
    req->tid = -1;
    req->co = co;
    atomic_fetch_add_explicit(&s->pool->live, 1, memory_order_acq_rel);
    cf__pool_wake(s, req);
    return 0;
}

cf_sched *cf_sched_self(void)
{
    cf__bind(); /* what it does with its scheduler is its own */
    return cf__sched_tls != NULL && cf__sched_tls->current != NULL
               ? cf__sched_tls
               : NULL;
}
