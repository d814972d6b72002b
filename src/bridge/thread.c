/* SPDX-License-Identifier: MIT */
/*
 * bridge/thread.c - the thread stage: Beazley's threaded(target), with a
 * bounded single-producer, single-consumer ring between the sender and a
 * worker thread.
 *
 * The ring holds `nring * batch` values in `nring` chunks of `batch`. The
 * sender writes value `pos` into chunk (pos / batch) % nring, copying the
 * bytes of strings into that chunk's arena (blocks that never move, so the
 * worker may read a chunk while the sender still fills it). It publishes
 * values in bulk: a release store of `tail` every PUBLISH values (four
 * cache lines of them) and at a chunk's end, so the line the worker polls
 * in its loop moves between the cores once per PUBLISH values rather than
 * once per value; no lock, no atomic read-modify-write, no allocation once
 * the arenas have grown. The flush rule: every value is also published at
 * once in `pending`, a line of its own that the worker reads only when it
 * is out of published values: once every SPIN_POLLS polls of `tail` while
 * it polls (so such a value waits at most one round of polls, about 1.4 us
 * here), and before it parks (so it never sleeps on a value written but
 * not in `tail`); a sender that goes quiet between two bulk publications
 * needs no flush call. The worker
 * sends values into the target and then publishes how far it got in
 * `head`; the sender reuses a chunk only when the worker is past all of it,
 * so the bytes stay valid through each send. Each side keeps a private copy
 * of the other's index and reads the shared one only when its copy says
 * the ring is empty (worker) or a chunk is still in use (sender). The
 * indices and the sleep flags sit on cache lines of their own.
 *
 * A worker out of values polls for SPIN_ROUNDS rounds (about 11 us here),
 * then parks on a futex, lightly first (the sender wakes it only when a
 * chunk is full; its own timeout, LIGHT_NS, bounds a slow stream's wait),
 * then deeply (the next value wakes it). It says so in `c_sleep` first, and
 * the sender wakes it only when it sees that flag. For the deep sleep the
 * flag and `pending` form Dekker's pattern (each side stores one and loads
 * the other), which needs a full barrier on both sides; the sender's half
 * is paid by the parking worker with membarrier(2) (an expedited barrier on
 * every thread of the process, an interrupt on the sender's CPU) where the
 * kernel has it, else by a fence in each send. The light sleep goes
 * without that barrier: a wake the sender misses costs at most the timeout,
 * and the barrier, paid each time the worker caught up, cost more than the
 * rest of the stage. A sender that finds the ring full parks the same
 * way in `p_sleep`, on an eventfd through cf_task_readable(): inside a
 * scheduler task this suspends only that task, elsewhere it blocks in
 * poll(2).
 *
 * The worker's end (the target returned or raised) is published with
 * `ended`, which the sender reads on each send; the error object passes
 * from one thread to the other through that flag or the join, never shared.
 */
#include <errno.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"


enum { RUNNING = 0, ENDED_RETURNED, ENDED_RAISED };

/* How the worker sleeps (`c_sleep`), and how long lightly. */
enum { AWAKE = 0, LIGHT = 1, DEEP = 2 };
#define LIGHT_NS 50000
/* An arena block holds 32 bytes a value, 256 B to 16 KiB (a larger string
   gets a block of its own size). */
#define ARENA_PER_VALUE 32
#define ARENA_MIN       256
#define ARENA_MAX       16384
#define LINE            64
/* The sender stores `tail` every PUBLISH values (a power of two). */
#define PUBLISH 16
/* A worker out of values polls `tail` SPIN_ROUNDS times SPIN_POLLS times,
   and `pending` once a round, before it parks (about 1.4 us a round at the
   22 ns of a pause on the development machine's Zen 5). */
#define SPIN_POLLS  64
#define SPIN_ROUNDS 8

struct blk {
    char *p;
    size_t cap;
};

struct chunk {
    cf_value *v;
    struct blk *blk; /* the arena: blocks that never move */
    size_t nblk;
};

typedef struct tbridge {
    /* written by the sender, read by the worker */
    _Alignas(LINE) _Atomic uint64_t tail; /* values published in bulk */
    atomic_bool closing;                  /* no value will follow */
    /* written by the sender on every value, read by a worker that would park */
    _Alignas(LINE) _Atomic uint64_t pending; /* values published: == pos */
    /* written by the worker, read by the sender when its copy is short */
    _Alignas(LINE) _Atomic uint64_t head; /* values the worker is done with */
    _Alignas(LINE) _Atomic uint32_t c_sleep; /* the worker parks (futex) */
    _Alignas(LINE) atomic_int p_sleep;       /* the sender parks (eventfd) */
    _Alignas(LINE) atomic_int ended;         /* written once by the worker */
    /* the sender's own */
    _Alignas(LINE) uint64_t pos; /* == pending */
    uint64_t head_seen;          /* a copy of head */
    cf_value *vp, *vend;         /* the chunk being filled: next value, end */
    char *ap, *aend;             /* the free bytes of its arena block */
    struct chunk *cur;           /* that chunk */
    size_t bi;                   /* and the arena block */
    size_t next;                 /* the index of the next chunk */
    bool primed, joined;
    cf_error *thrown; /* an error to throw rather than close */
    /* the worker's own */
    _Alignas(LINE) uint64_t chead; /* == head */
    cf_value result;               /* the target's return or close result */
    cf_error *error;               /* the target's error, ENDED_RAISED */
    uint64_t unsent; /* the target ended early: values from here on were
                        never sent (read after the join) */
    bool early;
    /* set up once */
    _Alignas(LINE) char name[CF__NAME_MAX];
    cf_coro *target;
    struct chunk *ring;
    size_t nring, batch;
    uint64_t cap; /* nring * batch */
    bool asym;    /* membarrier: the sender's fence is not needed */
    int efd;      /* the sender parks on it */
    pthread_t thr;
} tbridge;

/* ---- waiting and waking ---- */

/* 0 when woken (or the word was not `val`), -ETIMEDOUT, -EINTR. */
static int futex_wait(_Atomic uint32_t *w, uint32_t val,
                      const struct timespec *ts)
{
    if (syscall(SYS_futex, (uint32_t *)w, FUTEX_WAIT_PRIVATE, val, ts, NULL, 0)
        == 0)
        return 0;
    return errno == EAGAIN ? 0 : -errno;
}

static void futex_wake(_Atomic uint32_t *w)
{
    syscall(SYS_futex, (uint32_t *)w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/*
 * Whether membarrier(2)'s expedited private barrier works in this process
 * (registered once). Never under TSan, which does not see it.
 */
static bool asym_barrier_ok(void)
{
#if CF_TSAN
    return false;
#else
    static atomic_int state; /* 0 unknown, 1 yes, -1 no */
    int s = atomic_load_explicit(&state, memory_order_acquire);
    if (s == 0) {
        long r = syscall(SYS_membarrier,
                         MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0);
        s = r == 0 ? 1 : -1;
        atomic_store_explicit(&state, s, memory_order_release);
    }
    return s == 1;
#endif
}

/* The parking side's half of Dekker's pattern (see the top). */
static void park_barrier(tbridge *b)
{
    atomic_thread_fence(memory_order_seq_cst);
    if (b->asym)
        syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
}

/* The running side's half: nothing when the parker pays with membarrier. */
static inline void run_barrier(const tbridge *b)
{
    if (!b->asym)
        atomic_thread_fence(memory_order_seq_cst);
}

static void wake_worker(tbridge *b)
{
    if (atomic_exchange(&b->c_sleep, 0) != 0)
        futex_wake(&b->c_sleep);
}

static void wake_sender(tbridge *b)
{
    if (atomic_exchange(&b->p_sleep, 0) != 0) {
        uint64_t one = 1;
        ssize_t r = write(b->efd, &one, sizeof one);
        (void)r; /* only EAGAIN at a counter near 2^64: it is readable */
    }
}

/*
 * The worker waits for values past `head`: returns the new `pending`
 * (every value written, published or not in `tail`), or `head`
 * when the stage is closing and nothing is left. It sleeps lightly first
 * (LIGHT in `c_sleep`, at most LIGHT_NS): the sender wakes it only when a
 * chunk is full, so a fast stream costs at most one wake-up per chunk, and
 * values of a slow one wait at most LIGHT_NS. This sleep has no barrier (the
 * top): a wake the sender misses costs at most the timeout. After that it
 * sleeps deeply (DEEP, after the barrier) and the next value wakes it at
 * once.
 */
static uint64_t wait_values(tbridge *b, uint64_t head)
{
    uint32_t depth = LIGHT;
    for (;;) {
        atomic_store(&b->c_sleep, depth);
        if (depth == DEEP)
            park_barrier(b);
        uint64_t t = atomic_load_explicit(&b->pending, memory_order_acquire);
        bool closing = atomic_load(&b->closing);
        if (t != head || closing) {
            atomic_store_explicit(&b->c_sleep, AWAKE, memory_order_relaxed);
            return closing ? atomic_load(&b->pending) : t;
        }
        if (depth == LIGHT) {
            struct timespec ts = {0, LIGHT_NS};
            if (futex_wait(&b->c_sleep, LIGHT, &ts) == -ETIMEDOUT)
                depth = DEEP;
        } else {
            futex_wait(&b->c_sleep, DEEP, NULL);
        }
    }
}

/* ---- the worker ---- */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static void end(tbridge *b, int how)
{
    atomic_store(&b->ended, how);
    wake_sender(b);
}

/* The worker's end of the stream: close the target, or throw into it. */
static void finish(tbridge *b)
{
    cf_value r = cf_none();
    cf_status s;
    if (b->thrown != NULL) {
        cf_error *t = b->thrown;
        s = cf_throw(b->target, cf_error_ref(t), &r);
        if (s != CF_RAISED) {
            /* The target caught it: close it, and the error goes on. */
            s = cf_close(b->target, &r);
            if (s != CF_RAISED) {
                b->error = cf_error_ref(t);
                s = CF_RAISED;
                goto out;
            }
        }
    } else {
        s = cf_close(b->target, &r);
    }
    if (s == CF_RAISED)
        b->error = cf_error_take();
out:
    b->result = r;
    end(b, s == CF_RAISED ? ENDED_RAISED : ENDED_RETURNED);
}

/* Sends values [head, head + n) of one chunk; false when the target ended. */
static bool run(tbridge *b, uint64_t head, size_t n)
{
    const cf_value *v =
        b->ring[(head / b->batch) % b->nring].v + head % b->batch;
    for (size_t i = 0; i < n; i++) {
        cf_value r;
        cf_status s = cf_send(b->target, v[i], &r);
        if (CF__UNLIKELY(v[i].kind == CF_PTR && v[i].len != 0))
            cf_value_drop(v[i]); /* the reference put() kept */
        if (CF__LIKELY(s == CF_YIELDED))
            continue;
        /* Values from here on are never sent: tbridge_free() drops the
         * owned ones, those published yet or not. */
        b->unsent = head + i + 1;
        b->early = true;
        if (s == CF_RAISED) {
            b->error = cf_error_take();
            end(b, ENDED_RAISED);
        } else {
            b->result = r;
            end(b, ENDED_RETURNED);
        }
        return false;
    }
    return true;
}

/*
 * The worker is out of published values: it polls `tail` for a while
 * (SPIN_ROUNDS rounds of SPIN_POLLS pauses) before it parks, and `pending`
 * once a round, so a value the sender wrote without publishing it in bulk
 * waits at most one round (the flush rule's bound while the worker is
 * awake), while the line of `pending` crosses at most once a round. Returns
 * the new end of the values, or `head` when none came.
 */
static uint64_t spin(tbridge *b, uint64_t head)
{
    for (int r = 0; r < SPIN_ROUNDS; r++) {
        for (int i = 0; i < SPIN_POLLS; i++) {
            cpu_relax();
            uint64_t t = atomic_load_explicit(&b->tail, memory_order_acquire);
            if (t > head)
                return t;
        }
        uint64_t t = atomic_load_explicit(&b->pending, memory_order_acquire);
        if (t != head)
            return t;
    }
    return head;
}

static void *worker(void *arg)
{
    tbridge *b = arg;
    uint64_t head = 0;
    /* the light sleep's timeout is the bound on a value's wait: no 50 us
       of timer slack on top of it */
    prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
    for (;;) {
        /* `tail` lags `pending` by less than PUBLISH values: when it says
           nothing is left, `pending` has the last word */
        uint64_t t = atomic_load_explicit(&b->tail, memory_order_acquire);
        if (t <= head && (t = spin(b, head)) == head
            && (t = wait_values(b, head)) == head)
            break; /* closing, and nothing left */
        while (head != t) {
            /* a run ends at its chunk's end, so a whole chunk comes free */
            uint64_t left = b->batch - head % b->batch;
            size_t n = (size_t)(t - head < left ? t - head : left);
            if (!run(b, head, n))
                return NULL;
            head += n;
            atomic_store_explicit(&b->head, head, memory_order_release);
            run_barrier(b);
            if (atomic_load_explicit(&b->p_sleep, memory_order_relaxed))
                wake_sender(b);
        }
    }
    finish(b);
    return NULL;
}

/* ---- the sender ---- */

static void tbridge_free(tbridge *b)
{
    /* The target ended early: drop the references put() kept to owned
     * values it was never sent (the worker is joined; the sender never
     * overwrites a value the worker has not passed). */
    if (b->early && b->ring != NULL)
        for (uint64_t p = b->unsent; p < b->pos; p++)
            cf_value_drop(b->ring[(p / b->batch) % b->nring].v[p % b->batch]);
    if (b->ring != NULL)
        for (size_t i = 0; i < b->nring; i++) {
            free(b->ring[i].v);
            for (size_t k = 0; k < b->ring[i].nblk; k++)
                free(b->ring[i].blk[k].p);
            free(b->ring[i].blk);
        }
    free(b->ring);
    if (b->efd >= 0)
        cf_sock_close(b->efd); /* a scheduler may have waited on it */
    cf_error_unref(b->error);
    cf_error_unref(b->thrown);
    free(b);
}

/* Says the stream ends (after every value published) and joins the worker. */
static void close_and_join(tbridge *b)
{
    atomic_store(&b->closing, true);
    wake_worker(b);
    pthread_join(b->thr, NULL);
    b->joined = true;
}

/*
 * The worker has ended: join it and report its end as this stage's (the
 * stage is finished then and is freed).
 */
static cf_status ended(tbridge *b, cf_value *out)
{
    if (!b->joined)
        pthread_join(b->thr, NULL);
    b->joined = true;
    cf_status s;
    if (atomic_load(&b->ended) == ENDED_RAISED) {
        cf_error *e = b->error;
        b->error = NULL;
        cf__bridge_pass(e, b->name);
        cf_error_unref(e);
        s = CF_RAISED;
    } else {
        *out = b->result;
        s = CF_RETURNED;
    }
    tbridge_free(b);
    return s;
}

static cf_value park_try(void *arg)
{
    return cf_int(cf_task_readable(*(int *)arg, -1));
}

/*
 * Parks the sender until the worker moved `head` or ended: CF_YIELDED, or
 * CF_RAISED when the wait itself raised (a scheduler task killed while it
 * waits); the stage is then closed and freed, and the error goes on.
 */
static cf_status park_sender(tbridge *b)
{
    atomic_store(&b->p_sleep, 1);
    park_barrier(b);
    if (atomic_load(&b->head) != b->head_seen
        || atomic_load(&b->ended) != RUNNING) {
        atomic_store_explicit(&b->p_sleep, 0, memory_order_relaxed);
        return CF_YIELDED;
    }
    cf_value rc;
    if (cf_try(park_try, &b->efd, &rc) == CF_RAISED) {
        /* The error stays the one being handled while the stage closes. */
        close_and_join(b);
        tbridge_free(b);
        return CF_RAISED;
    }
    uint64_t drain;
    ssize_t r = read(b->efd, &drain, sizeof drain); /* EAGAIN is fine */
    (void)r;
    return CF_YIELDED;
}

/*
 * Moves to the next chunk, waiting until the worker is past its last
 * round: CF_YIELDED, CF_RETURNED when the worker ended meanwhile (the stage
 * is then finished), or CF_RAISED.
 */
static cf_status next_chunk(tbridge *b, cf_value *out)
{
    uint64_t need = b->pos + b->batch - b->cap; /* head must reach it */
    while (b->pos + b->batch - b->head_seen > b->cap) {
        b->head_seen = atomic_load_explicit(&b->head, memory_order_acquire);
        if (b->head_seen >= need)
            break;
        if (atomic_load_explicit(&b->ended, memory_order_acquire) != RUNNING)
            return ended(b, out);
        cf_status s = park_sender(b);
        if (s != CF_YIELDED)
            return s;
    }
    b->cur = &b->ring[b->next];
    b->next = b->next + 1 == b->nring ? 0 : b->next + 1;
    b->vp = b->cur->v;
    b->vend = b->vp + b->batch;
    b->bi = 0;
    b->ap = b->aend = NULL; /* copy_bytes() takes block 0 */
    return CF_YIELDED;
}

/*
 * Out of memory on the sender's side: the stage ends with MemoryError,
 * after the worker has closed the target (what was sent before still
 * reaches it) and been joined; its answer is dropped.
 */
static cf_status fail(tbridge *b)
{
    close_and_join(b);
    tbridge_free(b);
    return cf_fail(&cf_memory_error, NULL);
}

/*
 * Copies `n` bytes that do not fit the current arena block (or none: the
 * empty string) into the current chunk's arena; NULL without memory.
 */
static const char *copy_bytes(tbridge *b, const char *s, size_t n)
{
    if (n == 0)
        return "";
    struct chunk *c = b->cur;
    if (b->ap != NULL)
        b->bi++; /* the current block is too full */
    if (b->bi == c->nblk) {
        struct blk *nb = realloc(c->blk, (c->nblk + 1) * sizeof *nb);
        if (nb == NULL)
            return NULL;
        c->blk = nb;
        nb[c->nblk++] = (struct blk){NULL, 0};
    }
    struct blk *k = &c->blk[b->bi];
    if (k->cap < n) {
        /* unused this round (the worker is past it): make it larger */
        size_t cap = b->batch * ARENA_PER_VALUE;
        cap = cap < ARENA_MIN ? ARENA_MIN : cap > ARENA_MAX ? ARENA_MAX : cap;
        if (cap < n)
            cap = n;
        char *p = malloc(cap);
        if (p == NULL)
            return NULL;
        free(k->p);
        *k = (struct blk){p, cap};
    }
    memcpy(k->p, s, n);
    b->ap = k->p + n;
    b->aend = k->p + k->cap;
    return k->p;
}

static cf_status put(tbridge *b, cf_value v, cf_value *out)
{
    if (CF__UNLIKELY(b->vp == b->vend)) {
        cf_status s = next_chunk(b, out);
        if (s != CF_YIELDED)
            return s;
    }
    if (v.kind == CF_STR || v.kind == CF_BYTES) {
        /* 1 <= len <= the room left (the empty string takes the slow path) */
        if (CF__LIKELY((size_t)v.len - 1 < (size_t)(b->aend - b->ap))) {
            memcpy(b->ap, v.as.s, v.len);
            v.as.s = b->ap;
            b->ap += v.len;
        } else if ((v.as.s = copy_bytes(b, v.as.s, v.len)) == NULL) {
            return fail(b);
        }
        v.tag = 0; /* the arena's copy is borrowed, even of an owned one */
    } else if (CF__UNLIKELY(v.kind == CF_PTR && v.len != 0)) {
        v = cf_value_keep(v); /* an owned pointer lives until the worker
                                 has sent it on (run()) */
    }
    *b->vp++ = v;
    atomic_store_explicit(&b->pending, ++b->pos, memory_order_release);
    if ((b->pos & (PUBLISH - 1)) == 0 || b->vp == b->vend)
        atomic_store_explicit(&b->tail, b->pos, memory_order_release);
    run_barrier(b);
    uint32_t sleep = atomic_load_explicit(&b->c_sleep, memory_order_relaxed);
    if (CF__UNLIKELY(sleep != AWAKE) && (sleep == DEEP || b->vp == b->vend))
        wake_worker(b);
    return CF_YIELDED;
}

static cf_status step(void *self, cf_op op, cf_value in, cf_value *out)
{
    tbridge *b = self;
    *out = cf_none();
    if (op == CF_OP_SEND) {
        if (CF__UNLIKELY(!b->primed)) {
            b->primed = true;
            return CF_YIELDED;
        }
        if (CF__UNLIKELY(atomic_load_explicit(&b->ended, memory_order_acquire)
                         != RUNNING))
            return ended(b, out);
        return put(b, in, out);
    }
    /* A throw: GeneratorExit closes the target, another error is thrown
       into it; either way after everything sent before. */
    const cf_error *e = cf_error_last();
    if (!cf_error_is(e, &cf_generator_exit))
        b->thrown = cf_error_ref((cf_error *)e);
    close_and_join(b);
    if (b->thrown != NULL && atomic_load(&b->ended) == ENDED_RAISED
        && b->error == b->thrown) {
        /* Our own error came back: let it through untouched. */
        tbridge_free(b);
        return CF_RAISED;
    }
    cf_error_clear();
    return ended(b, out);
}

int cf_bridge_thread(cf_pipe *p, cf_coro **out, cf_coro *target,
                     const struct cf_bridge_opts *opts)
{
    if (out == NULL || target == NULL)
        return -EINVAL;
    tbridge *b;
    if (posix_memalign((void **)&b, LINE, sizeof *b) != 0)
        return -ENOMEM;
    memset(b, 0, sizeof *b);
    cf__bridge_name(b->name, opts != NULL ? opts->name : NULL, "thread");
    b->target = target;
    b->batch = opts != NULL && opts->batch != 0 ? opts->batch : 512;
    size_t queue = opts != NULL && opts->queue != 0 ? opts->queue : 65536;
    b->nring = (queue + b->batch - 1) / b->batch;
    if (b->nring < 2)
        b->nring = 2;
    b->cap = (uint64_t)b->nring * b->batch;
    b->asym = asym_barrier_ok();
    b->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (b->efd < 0) {
        int err = errno;
        tbridge_free(b);
        return err == ENOMEM ? -ENOMEM : -EAGAIN;
    }
    b->ring = calloc(b->nring, sizeof *b->ring);
    if (b->ring == NULL)
        goto nomem;
    for (size_t i = 0; i < b->nring; i++) {
        /* on whole cache lines: a bulk publication of PUBLISH values
           leaves no line half written for the worker to read */
        if (posix_memalign((void **)&b->ring[i].v, LINE,
                           b->batch * sizeof(cf_value))
            != 0)
            goto nomem;
    }
    cf_coro *co;
    struct cf_coro_opts copts = {.name = b->name};
    int rc = cf_handler_new(&co, step, b, &copts);
    if (rc != 0) {
        tbridge_free(b);
        return rc;
    }
    if (pthread_create(&b->thr, NULL, worker, b) != 0) {
        cf_coro_free(co); /* CREATED: its step never runs */
        tbridge_free(b);
        return -EAGAIN;
    }
    cf_next(co, NULL); /* prime: the step only notes it */
    if (p != NULL && (rc = cf_pipe_add(p, co, &target, 1)) != 0) {
        cf_coro_free(co);
        return rc;
    }
    *out = co;
    return 0;
nomem:
    tbridge_free(b);
    return -ENOMEM;
}
