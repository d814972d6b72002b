/* SPDX-License-Identifier: MIT */
/*
 * sched/chan.c - parking on objects (cf__wait, see internal.h), channels and
 * select (Go's semantics: unbuffered hand-off, buffer, close that lets
 * receivers drain, a random choice among ready cases).
 *
 * A channel is a ring buffer plus two queues of parked nodes: receivers and
 * senders. A channel made with CF_CHAN_SHARED takes a spin lock around
 * each operation; cf_select() takes the locks of all its channels in
 * address order (as Go does), so a select is linked into every queue before
 * any waker can see it. Other channels are the scheduler's alone: no lock,
 * no atomic read-modify-write.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- wait queues and parking ---- */

static inline __attribute__((always_inline)) void wq_push(struct cf__wq *q,
                                                          cf__wnode *n)
{
    n->next = NULL;
    n->prev = q->tail;
    if (q->tail != NULL)
        q->tail->next = n;
    else
        q->head = n;
    q->tail = n;
    n->q = q;
}

static inline __attribute__((always_inline)) void wq_remove(cf__wnode *n)
{
    struct cf__wq *q = n->q;
    if (q == NULL)
        return;
    if (n->prev != NULL)
        n->prev->next = n->next;
    else
        q->head = n->next;
    if (n->next != NULL)
        n->next->prev = n->prev;
    else
        q->tail = n->prev;
    n->prev = n->next = NULL;
    n->q = NULL;
}

static inline __attribute__((always_inline)) cf__wnode *wq_pop(struct cf__wq *q)
{
    cf__wnode *n = q->head;
    if (n != NULL)
        wq_remove(n);
    return n;
}

void cf__wq_remove(cf__wnode *n)
{
    wq_remove(n);
}

void cf__wq_push(struct cf__wq *q, cf__wnode *n)
{
    wq_push(q, n);
}

cf__wnode *cf__wq_pop(struct cf__wq *q)
{
    return wq_pop(q);
}

/* While a scheduler's `current` is set, its coroutine is running (a task,
   or a killed task's cleanups). */
bool cf__in_task(void)
{
    cf_sched *s = cf__sched_tls;
    return s != NULL && s->current != NULL && s->current->co != NULL;
}

/* A wait's fields that stay for its life: whose it is, and how its nodes
   leave their queues. */
static inline void wait_bind(cf__wait *w, cf__task *t,
                             void (*unlink)(cf__wait *), void *arg)
{
    w->task = t;
    w->shared = false;
    w->unlink = unlink;
    w->arg = arg;
}

/* The fields each park sets again: waiting, on `s`, nothing freed. */
static inline void wait_arm(cf__wait *w, cf_sched *s)
{
    w->sched = s;
    atomic_store_explicit(&w->fired, CF__W_WAITING, memory_order_relaxed);
    w->rc = 0;
    w->gone = NULL;
}

void cf__wait_init(cf__wait *w, void (*unlink)(cf__wait *), void *arg)
{
    cf_sched *s = cf__sched_tls;
    wait_bind(w, s->current, unlink, arg);
    wait_arm(w, s);
}

static inline __attribute__((always_inline)) bool wait_claim(cf__wait *w,
                                                             int idx)
{
    if (CF__LIKELY(!w->shared)) {
        if (atomic_load_explicit(&w->fired, memory_order_relaxed)
            != CF__W_WAITING)
            return false;
        atomic_store_explicit(&w->fired, idx, memory_order_relaxed);
        return true;
    }
    int expect = CF__W_WAITING;
    return atomic_compare_exchange_strong_explicit(
        &w->fired, &expect, idx, memory_order_acq_rel, memory_order_acquire);
}

bool cf__wait_claim(cf__wait *w, int idx)
{
    return wait_claim(w, idx);
}

/* After a claim: records `rc` and makes the task ready (here, or through
   its scheduler's inbox when that runs on another thread). */
static inline __attribute__((always_inline)) void wait_wake(cf__wait *w, int rc)
{
    w->rc = rc;
    cf__task *t = w->task;
    cf_sched *s = w->sched;
    if (CF__LIKELY(s == cf__sched_tls || s->pool == NULL)) {
        if (t->heap_idx != SIZE_MAX)
            cf__timer_remove(s, t);
        t->wait = NULL;
        /* Woken by a running task: a hand-off, it runs next (runnext). */
        if (CF__LIKELY(s->current != NULL))
            cf__ready_next(s, t);
        else
            cf__task_wake(s, t, 0);
    } else {
        cf__pool_wake(s, t);
    }
}

void cf__wait_wake(cf__wait *w, int rc)
{
    wait_wake(w, rc);
}

void cf__wq_wake_all(struct cf__wq *q, int rc)
{
    cf__wnode *n;
    while ((n = cf__wq_pop(q)) != NULL)
        if (cf__wait_claim(n->w, n->idx))
            cf__wait_wake(n->w, rc);
}

/*
 * The running task `t` has parked itself on `w` and leaves the CPU. When the
 * main loop would run the runnext task right after it, with nothing in
 * between (no kill to reap, no error to throw in, no trace, the streak
 * not at its end: see cf_sched_run()), and the task runs for the main loop
 * (not for a kill's close, nor in a coroutine of its own), the switch goes
 * straight from it to that task (cf__yield_to()), which then answers the
 * main loop's pending send in its place: run_task() reads s->current to
 * see who it was. Otherwise, or when the core cannot switch so, the task
 * yields as usual.
 */
__attribute__((noinline, cold)) static void park_undo(cf__wait *w)
{
    cf_sched *s = w->sched;
    cf__task *n = s->current; /* the core could not switch: put it back */
    s->current = w->task;
    s->streak--;
    n->queued = true;
    s->runnext = n;
    cf_yield(cf_none());
}

static inline __attribute__((always_inline)) void
park_yield(cf__wait *w, cf__task *t, cf_sched *s)
{
    cf__task *n = s->runnext;
    if (n != NULL && CF__LIKELY(s->streak + 1 < CF__RUNNEXT_MAX) && !n->killed
        && n->throw_in == NULL && !s->trace_on && !t->killed) {
        bool switched;
        s->runnext = NULL;
        n->queued = false;
        s->streak++;
        s->current = n;
        /* Nothing is kept across it: w is on this stack, the rest in it. */
        cf__yield_to(n->sendval, t->co, n->co, &switched);
        if (CF__UNLIKELY(!switched))
            park_undo(w);
        return; /* resumed: by the main loop or by another task */
    }
    cf_yield(cf_none());
}

/*
 * cf__wait_park() for the common wait on an own channel: no timer, no
 * lock, one node; a kill unwinds from cf_yield() (wait_cancel) and a
 * cancelled task raises here, a checkpoint (task.c).
 */
static inline void park_plain(cf__wait *w, cf__task *t, cf_sched *s)
{
    t->wait = w;
    t->trap = NULL;
    if (CF__UNLIKELY(t->cancelled))
        cf__cancel_wait(w);
    t->where = CF__PARKED_OBJ;
    park_yield(w, t, s);
}

/*
 * Parks the calling task on `w` (its nodes are linked already) for at most
 * `timeout_ms`. Returns the index of the case that completed (its result
 * in w->rc) or -ETIMEDOUT; the nodes are off their queues again.
 */
int cf__wait_park(cf__wait *w, int64_t timeout_ms)
{
    /* The task parks itself - it runs on the scheduler's thread, and
       nothing else runs before its yield - and yields a plain value, which
       the main loop, seeing it parked, leaves alone: no trap to decode. */
    cf__task *t = w->task;
    t->wait = w;
    t->trap = NULL;
    if (CF__UNLIKELY(t->cancelled))
        cf__cancel_wait(w); /* raises: a checkpoint (task.c) */
    if (timeout_ms >= 0
        && cf__timer_add(w->sched, t, cf__now_ns() + timeout_ms * 1000000)
               < 0) {
        if (cf__wait_claim(w, CF__W_TIMEOUT)) {
            t->wait = NULL;
            w->unlink(w);
            return -ETIMEDOUT;
        }
    } else {
        t->where = CF__PARKED_OBJ;
        park_yield(w, t, w->sched);
    }
    int fired = atomic_load_explicit(&w->fired, memory_order_acquire);
    w->unlink(w);
    if (fired == CF__W_TIMEOUT)
        return -ETIMEDOUT;
    return fired;
}

/* The task's deadline passed (timer.c). */
void cf__wait_timeout(cf_sched *s, cf__task *t)
{
    cf__wait *w = t->wait;
    if (!cf__wait_claim(w, CF__W_TIMEOUT))
        return; /* woken from another thread: the wake is on its way */
    if (t->heap_idx != SIZE_MAX)
        cf__timer_remove(s, t);
    t->wait = NULL;
    cf__task_wake(s, t, -ETIMEDOUT);
}

/* The task is killed or freed while parked: off every queue now, since
   its nodes live on the stack that is about to unwind. */
void cf__wait_cancel(cf_sched *s, cf__task *t)
{
    (void)s;
    cf__wait *w = t->wait;
    if (w == NULL)
        return;
    if (!cf__wait_claim(w, CF__W_CANCEL))
        t->inbox_pending = true; /* a remote wake will still arrive */
    /* Taking the locks of its channels also waits for a waker on another
       thread to finish writing into the node. */
    w->unlink(w);
    t->wait = NULL;
}

/* ---- channels ---- */

struct cf_chan {
    atomic_int lock;
    bool shared;
    bool closed;
    cf_sched *owner; /* the scheduler of a channel that is not shared */
    size_t cap, len, head;
    cf_value *buf;
    struct cf__wq recvq, sendq;
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static void chan_lock(cf_chan *ch)
{
    if (CF__LIKELY(!ch->shared))
        return;
    for (unsigned spins = 0;; spins++) {
        if (atomic_load_explicit(&ch->lock, memory_order_relaxed) == 0
            && atomic_exchange_explicit(&ch->lock, 1, memory_order_acquire)
                   == 0)
            return;
        if (spins >= 64)
            sched_yield(); /* the holder may have been preempted */
        else
            cpu_relax();
    }
}

static void chan_unlock(cf_chan *ch)
{
    if (ch->shared)
        atomic_store_explicit(&ch->lock, 0, memory_order_release);
}

int cf_chan_new(cf_chan **out, size_t cap, unsigned flags)
{
    if (out == NULL)
        return -EINVAL;
    *out = NULL;
    if ((flags & ~CF_CHAN_SHARED) != 0 || cap > SIZE_MAX / sizeof(cf_value))
        return -EINVAL;
    cf_chan *ch = calloc(1, sizeof *ch);
    if (ch == NULL)
        return -ENOMEM;
    if (cap > 0 && (ch->buf = malloc(cap * sizeof *ch->buf)) == NULL) {
        free(ch);
        return -ENOMEM;
    }
    ch->cap = cap;
    ch->shared = (flags & CF_CHAN_SHARED) != 0;
    atomic_init(&ch->lock, 0);
    *out = ch;
    return 0;
}

static void wake_closed(cf_chan *ch)
{
    cf__wq_wake_all(&ch->recvq, -EPIPE);
    cf__wq_wake_all(&ch->sendq, -EPIPE);
}

/* Wakes the waiters of a channel about to be freed; they are told not to
   take its lock again when they leave. */
static void wake_gone(cf_chan *ch, struct cf__wq *q)
{
    cf__wnode *n;
    while ((n = cf__wq_pop(q)) != NULL) {
        if (cf__wait_claim(n->w, n->idx)) {
            n->w->gone = ch;
            cf__wait_wake(n->w, -EPIPE);
        }
    }
}

void cf_chan_free(cf_chan *ch)
{
    if (ch == NULL)
        return;
    chan_lock(ch);
    ch->closed = true;
    wake_gone(ch, &ch->recvq);
    wake_gone(ch, &ch->sendq);
    chan_unlock(ch);
    /* Values left in the buffer are dropped: they are plain cf_values. When
       owned values (issue 16) land, release each of them here - the buffer
       owns them once a send has returned 0. */
    free(ch->buf);
    free(ch);
}

int cf_chan_close(cf_chan *ch)
{
    if (ch == NULL)
        return -EINVAL;
    chan_lock(ch);
    if (ch->closed) {
        chan_unlock(ch);
        return -EALREADY;
    }
    ch->closed = true;
    wake_closed(ch);
    chan_unlock(ch);
    return 0;
}

size_t cf_chan_len(cf_chan *ch)
{
    if (ch == NULL)
        return 0;
    chan_lock(ch);
    size_t n = ch->len;
    chan_unlock(ch);
    return n;
}

/* Under the lock: completes a receive if it can. */
static inline __attribute__((always_inline)) bool
try_recv(cf_chan *ch, cf_value *out, int *rc)
{
    cf__wnode *p;
    if (ch->len > 0) {
        *out = ch->buf[ch->head];
        ch->head = ch->head + 1 == ch->cap ? 0 : ch->head + 1;
        ch->len--;
        while ((p = wq_pop(&ch->sendq)) != NULL) {
            if (wait_claim(p->w, p->idx)) {
                size_t tail = ch->head + ch->len;
                ch->buf[tail >= ch->cap ? tail - ch->cap : tail] = p->val;
                ch->len++;
                wait_wake(p->w, 0);
                break;
            }
        }
        *rc = 0;
        return true;
    }
    while ((p = wq_pop(&ch->sendq)) != NULL) {
        if (wait_claim(p->w, p->idx)) {
            *out = p->val;
            wait_wake(p->w, 0);
            *rc = 0;
            return true;
        }
    }
    if (ch->closed) {
        *out = cf_none();
        *rc = -EPIPE;
        return true;
    }
    return false;
}

/* Under the lock: completes a send if it can. */
static inline __attribute__((always_inline)) bool try_send(cf_chan *ch,
                                                           cf_value v, int *rc)
{
    cf__wnode *p;
    if (ch->closed) {
        *rc = -EPIPE;
        return true;
    }
    while ((p = wq_pop(&ch->recvq)) != NULL) {
        if (wait_claim(p->w, p->idx)) {
            p->val = v;
            wait_wake(p->w, 0);
            *rc = 0;
            return true;
        }
    }
    if (ch->len < ch->cap) {
        size_t tail = ch->head + ch->len;
        ch->buf[tail >= ch->cap ? tail - ch->cap : tail] = v;
        ch->len++;
        *rc = 0;
        return true;
    }
    return false;
}

/* A channel that is not shared belongs to the first scheduler using it. */
static inline __attribute__((always_inline)) bool chan_mine(cf_chan *ch)
{
    if (CF__LIKELY(ch->shared || ch->owner == cf__sched_tls))
        return true;
    if (ch->owner == NULL) {
        ch->owner = cf__sched_tls;
        if (cf__sched_tls != NULL)
            cf__sched_tls->nlocal++; /* its tasks stay (multi.c) */
        return true;
    }
    return cf__sched_tls == NULL;
}

/* The distinct shared channels of `c`, sorted by address, into `out`. */
static size_t lock_order(const cf_sel_case *c, size_t n, cf_chan **out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        cf_chan *ch = c[i].ch;
        if (ch == NULL || !ch->shared)
            continue;
        size_t j = k;
        while (j > 0 && (uintptr_t)out[j - 1] > (uintptr_t)ch)
            j--;
        if (j > 0 && out[j - 1] == ch)
            continue;
        memmove(out + j + 1, out + j, (k - j) * sizeof *out);
        out[j] = ch;
        k++;
    }
    return k;
}

static void lock_all(cf_chan **lk, size_t k, const void *gone)
{
    for (size_t i = 0; i < k; i++)
        if (lk[i] != gone)
            chan_lock(lk[i]);
}

static void unlock_all(cf_chan **lk, size_t k, const void *gone)
{
    for (size_t i = k; i > 0; i--)
        if (lk[i - 1] != gone)
            chan_unlock(lk[i - 1]);
}

struct sel_park {
    cf_sel_case *c;
    cf__wnode *nodes;
    size_t n;
    cf_chan **lk;
    size_t k;
};

static void sel_unlink(cf__wait *w)
{
    struct sel_park *sp = w->arg;
    lock_all(sp->lk, sp->k, w->gone);
    for (size_t i = 0; i < sp->n; i++)
        if (sp->c[i].ch != w->gone)
            cf__wq_remove(&sp->nodes[i]);
    unlock_all(sp->lk, sp->k, w->gone);
}

static __thread __attribute__((tls_model("initial-exec"))) uint64_t rng;

static uint64_t rng_next(void)
{
    uint64_t x = rng;
    if (x == 0)
        x = (uint64_t)cf__now_ns() | 1u;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rng = x;
    return x;
}

#define SEL_STACK 4

struct sel_heap {
    cf_chan **lk;
    cf__wnode *nodes;
};

static void sel_heap_free(void *arg)
{
    struct sel_heap *sh = arg;
    free(sh->lk);
    free(sh->nodes);
}

int cf_select(cf_sel_case *c, size_t n, int64_t timeout_ms)
{
    if (c == NULL || n == 0 || n > CF_SELECT_MAX)
        return -EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (c[i].op != CF_SEL_RECV && c[i].op != CF_SEL_SEND)
            return -EINVAL;
        if (c[i].ch != NULL && !chan_mine(c[i].ch))
            return -EXDEV;
    }
    cf_chan *lk_stack[SEL_STACK], **lk = lk_stack;
    cf__wnode nodes_stack[SEL_STACK], *nodes = nodes_stack;
    if (n > SEL_STACK) {
        lk = malloc(n * sizeof *lk);
        nodes = malloc(n * sizeof *nodes);
        if (lk == NULL || nodes == NULL) {
            free(lk);
            free(nodes);
            return -ENOMEM;
        }
    }
    /* A kill or a cancel unwinds a task from its wait: the arrays go too. */
    struct sel_heap sh = {lk, nodes};
    cf_cleanup cl;
    bool cleanup = n > SEL_STACK && cf__in_task();
    if (cleanup)
        cf_cleanup_push(&cl, sel_heap_free, &sh);
    size_t k = lock_order(c, n, lk);
    int ret;
    lock_all(lk, k, NULL);
    /* Poll, from a random case on, so that no ready case starves. */
    size_t start = n > 1 ? (size_t)(rng_next() % n) : 0;
    for (size_t j = 0; j < n; j++) {
        size_t i = start + j < n ? start + j : start + j - n;
        cf_chan *ch = c[i].ch;
        if (ch == NULL)
            continue;
        bool done = c[i].op == CF_SEL_RECV ? try_recv(ch, &c[i].v, &c[i].rc)
                                           : try_send(ch, c[i].v, &c[i].rc);
        if (done) {
            ret = (int)i;
            goto unlock;
        }
    }
    if (timeout_ms == 0 || !cf__in_task()) {
        ret = -EAGAIN;
        goto unlock;
    }
    cf__wait w;
    struct sel_park sp = {c, nodes, n, lk, k};
    cf__wait_init(&w, sel_unlink, &sp);
    w.shared = k > 0;
    for (size_t i = 0; i < n; i++) {
        cf__wnode *nd = &nodes[i];
        nd->q = NULL;
        nd->w = &w;
        nd->idx = (int)i;
        nd->val = c[i].v;
        if (c[i].ch != NULL)
            cf__wq_push(
                c[i].op == CF_SEL_RECV ? &c[i].ch->recvq : &c[i].ch->sendq, nd);
    }
    unlock_all(lk, k, NULL);
    ret = cf__wait_park(&w, timeout_ms);
    if (ret >= 0) {
        c[ret].rc = w.rc;
        if (c[ret].op == CF_SEL_RECV)
            c[ret].v = w.rc == 0 ? nodes[ret].val : cf_none();
    }
    goto out;
unlock:
    unlock_all(lk, k, NULL);
out:
    if (cleanup)
        cf_cleanup_pop(&cl, true);
    else if (n > SEL_STACK)
        sel_heap_free(&sh);
    return ret;
}

/* The one-case forms: no sorting, no allocation. */
static void one_unlink(cf__wait *w)
{
    wq_remove(w->arg);
}

struct one_park {
    cf__wnode node;
    cf_chan *ch;
};

static void one_unlink_locked(cf__wait *w)
{
    struct one_park *op = w->arg;
    if (w->gone == op->ch)
        return; /* freed: the node is off it already */
    chan_lock(op->ch);
    cf__wq_remove(&op->node);
    chan_unlock(op->ch);
}

static inline __attribute__((always_inline)) int
chan_op(cf_chan *ch, bool send, cf_value *v, int64_t timeout_ms)
{
    if (ch == NULL)
        return -EINVAL;
    if (!chan_mine(ch))
        return -EXDEV;
    int rc;
    chan_lock(ch);
    if (send ? try_send(ch, *v, &rc) : try_recv(ch, v, &rc)) {
        chan_unlock(ch);
        return rc;
    }
    if (timeout_ms == 0 || !cf__in_task()) {
        chan_unlock(ch);
        return -EAGAIN;
    }
    cf__wait w;
    struct one_park op = {.ch = ch};
    cf__wait_init(&w, ch->shared ? one_unlink_locked : one_unlink,
                  ch->shared ? (void *)&op : (void *)&op.node);
    w.shared = ch->shared;
    op.node.w = &w;
    op.node.idx = 0;
    op.node.val = *v;
    cf__wq_push(send ? &ch->sendq : &ch->recvq, &op.node);
    chan_unlock(ch);
    int fired;
    if (CF__LIKELY(!ch->shared && timeout_ms < 0)) {
        park_plain(&w, w.task, w.sched);
        fired = atomic_load_explicit(&w.fired, memory_order_relaxed);
        wq_remove(&op.node); /* off already when a waker popped it */
    } else {
        fired = cf__wait_park(&w, timeout_ms);
    }
    if (fired < 0)
        return fired;
    if (!send)
        *v = w.rc == 0 ? op.node.val : cf_none();
    return w.rc;
}

/*
 * The hand-off fast path, ahead of everything: a channel of this
 * scheduler's own (not shared) with a task parked at the head of the other
 * queue on a plain wait that can still be claimed, woken by a running
 * task. The value goes straight into or out of the parked task's node and
 * that task takes runnext. Kept free of calls in its common case, so that
 * it needs no stack frame; anything else goes to the general path.
 */
static inline __attribute__((always_inline)) cf__wnode *
handoff_peer(const cf_chan *ch, const struct cf__wq *q)
{
    if (ch->shared) /* first: nothing else of it may be read unlocked */
        return NULL;
    cf__wnode *n = q->head;
    if (n == NULL)
        return NULL;
    /* A task parked on it: its owner is set, so it is not NULL here. */
    cf_sched *s = cf__sched_tls;
    const cf__wait *w = n->w;
    if (ch->owner != s || s->current == NULL || w->shared
        || atomic_load_explicit(&w->fired, memory_order_relaxed)
               != CF__W_WAITING
        || CF__UNLIKELY(s->trace_on) || s->runnext != NULL
        || w->task->heap_idx != SIZE_MAX)
        return NULL;
    return n;
}

static inline __attribute__((always_inline)) void handoff_wake(struct cf__wq *q,
                                                               cf__wnode *n)
{
    /* Off the head of `q`: its prev is NULL, and once n->q is NULL nothing
       reads its links again (wq_remove() tests n->q first). */
    cf__wnode *next = n->next;
    q->head = next;
    if (next != NULL)
        next->prev = NULL;
    else
        q->tail = NULL;
    n->q = NULL;
    cf__wait *w = n->w;
    atomic_store_explicit(&w->fired, n->idx, memory_order_relaxed);
    w->rc = 0;
    cf__task *t = w->task;
    t->wait = NULL;
    t->where = CF__READY;
    if (!t->queued) {
        w->sched->runnext = t;
        t->queued = true;
    }
}

__attribute__((noinline)) static int send_slow(cf_chan *ch, cf_value v,
                                               int64_t timeout_ms)
{
    return chan_op(ch, true, &v, timeout_ms);
}

__attribute__((noinline)) static int recv_slow(cf_chan *ch, cf_value *out,
                                               int64_t timeout_ms)
{
    cf_value v = cf_none();
    int rc = chan_op(ch, false, &v, timeout_ms);
    if (out != NULL)
        *out = rc == 0 ? v : cf_none();
    return rc;
}

int cf_chan_send(cf_chan *ch, cf_value v, int64_t timeout_ms)
{
    cf__wnode *n;
    if (CF__LIKELY(ch != NULL) && (n = handoff_peer(ch, &ch->recvq)) != NULL) {
        n->val = v; /* a receiver waits: the channel is open and empty */
        handoff_wake(&ch->recvq, n);
        return 0;
    }
    return send_slow(ch, v, timeout_ms);
}

/* A receive with nothing to take on an own channel, in a task, with no
   deadline: the plain wait, set up in full for a kill or a free. */
__attribute__((noinline)) static int recv_park(cf_chan *ch, cf_sched *s,
                                               cf_value *out)
{
    /* The task's own wait and node (one park at a time: a kill cancels
       this one before its cleanups could park again): cf__wait_init()'s
       two halves, what never changes at the first use only. */
    cf__task *t = s->current;
    cf__wait *w = &t->rwait;
    cf__wnode *n = &t->rnode;
    if (CF__UNLIKELY(w->task == NULL)) {
        wait_bind(w, t, one_unlink, n);
        n->w = w;
        n->idx = 0;
    }
    wait_arm(w, s);
    /* n->val is the sender's to write, and read only when w->rc is 0 */
    wq_push(&ch->recvq, n);
    park_plain(w, t, s);
    wq_remove(n); /* off already when a waker popped it */
    int rc = w->rc;
    if (out != NULL)
        *out = rc == 0 ? n->val : cf_none();
    return rc;
}

int cf_chan_recv(cf_chan *ch, cf_value *out, int64_t timeout_ms)
{
    cf__wnode *n;
    if (CF__UNLIKELY(ch == NULL) || ch->shared)
        return recv_slow(ch, out, timeout_ms);
    if (ch->sendq.head == NULL) {
        /* No sender waits: park, on the plain path, if empty and open. */
        cf_sched *s = cf__sched_tls;
        if (timeout_ms < 0 && ch->len == 0 && !ch->closed && s != NULL
            && ch->owner == s && s->current != NULL && s->current->co != NULL)
            return recv_park(ch, s, out);
    } else if ((n = handoff_peer(ch, &ch->sendq)) != NULL && ch->len == 0) {
        if (out != NULL) /* a sender waits and nothing is buffered */
            *out = n->val;
        handoff_wake(&ch->sendq, n);
        return 0;
    }
    return recv_slow(ch, out, timeout_ms);
}

int cf_chan_trysend(cf_chan *ch, cf_value v)
{
    return cf_chan_send(ch, v, 0);
}

int cf_chan_tryrecv(cf_chan *ch, cf_value *out)
{
    return cf_chan_recv(ch, out, 0);
}
