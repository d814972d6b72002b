/* SPDX-License-Identifier: MIT */
/*
 * bridge/thread.c - the thread stage: Beazley's threaded(target), with a
 * bounded queue of batches between the sender and a worker thread.
 *
 * The queue is a ring of `nring` batches. The sender fills the batch at
 * ring[produced % nring] without a lock (it owns it until it publishes
 * it), copying each value and the bytes of strings into the batch's arena
 * (values keep offsets into it, so the arena may grow); publishing takes
 * the lock once per batch. The worker sends the values of ring[consumed %
 * nring] into the target and only then gives the batch back, so the bytes
 * stay valid for each send. A batch is published when it is full, or at
 * once when the worker is waiting for work, so a slow stream is not held
 * back and a fast one moves in whole batches.
 *
 * The worker's end (the target returned or raised) is published with an
 * atomic the sender reads on each send; its error object passes from one
 * thread to the other through that flag or the join, never shared at once.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum { RUNNING = 0, ENDED_RETURNED, ENDED_RAISED };

struct batch {
    cf_value *v;
    size_t n;
    char *arena;
    size_t alen, acap;
};

typedef struct tbridge {
    char name[CF__BRIDGE_NAME_MAX];
    cf_coro *target;
    bool primed, joined;
    pthread_t thr;
    pthread_mutex_t mu;
    pthread_cond_t can_put, can_get;
    struct batch *ring, *cur;
    size_t nring, batch;
    uint64_t produced, consumed; /* batches; under `mu` */
    bool sender_waits;           /* under `mu` */
    bool worker_waits;           /* under `mu` */
    atomic_bool idle;            /* a hint: the worker is waiting */
    bool closing;                /* under `mu`: no batch will follow */
    cf_error *thrown;            /* an error to throw rather than close */
    atomic_int ended;
    cf_value result; /* the target's return or close result */
    cf_error *error; /* the target's error, ENDED_RAISED */
} tbridge;

static void end(tbridge *b, int how)
{
    pthread_mutex_lock(&b->mu);
    atomic_store_explicit(&b->ended, how, memory_order_release);
    if (b->sender_waits) {
        b->sender_waits = false;
        pthread_cond_signal(&b->can_put);
    }
    pthread_mutex_unlock(&b->mu);
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

static void *worker(void *arg)
{
    tbridge *b = arg;
    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (b->consumed == b->produced && !b->closing) {
            b->worker_waits = true;
            atomic_store_explicit(&b->idle, true, memory_order_relaxed);
            pthread_cond_wait(&b->can_get, &b->mu);
        }
        if (b->consumed == b->produced)
            break; /* closing, and nothing left */
        struct batch *bt = &b->ring[b->consumed % b->nring];
        pthread_mutex_unlock(&b->mu);
        for (size_t i = 0; i < bt->n; i++) {
            cf_value v = bt->v[i];
            if ((v.kind == CF_STR || v.kind == CF_BYTES) && v.len > 0)
                v.as.s = bt->arena + (uintptr_t)v.as.s;
            cf_value r;
            cf_status s = cf_send(b->target, v, &r);
            if (CF__LIKELY_BRIDGE(s == CF_YIELDED))
                continue;
            if (s == CF_RAISED) {
                b->error = cf_error_take();
                end(b, ENDED_RAISED);
            } else {
                b->result = r;
                end(b, ENDED_RETURNED);
            }
            return NULL;
        }
        pthread_mutex_lock(&b->mu);
        b->consumed++;
        if (b->sender_waits) {
            b->sender_waits = false;
            pthread_cond_signal(&b->can_put);
        }
    }
    pthread_mutex_unlock(&b->mu);
    finish(b);
    return NULL;
}

static void tbridge_free(tbridge *b)
{
    if (b->ring != NULL)
        for (size_t i = 0; i < b->nring; i++) {
            free(b->ring[i].v);
            free(b->ring[i].arena);
        }
    free(b->ring);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->can_put);
    pthread_cond_destroy(&b->can_get);
    cf_error_unref(b->error);
    cf_error_unref(b->thrown);
    free(b);
}

/* Publishes the batch being filled (if any); with `closing`, the end. */
static void publish(tbridge *b, bool closing)
{
    pthread_mutex_lock(&b->mu);
    if (b->cur != NULL) {
        b->produced++;
        b->cur = NULL;
    }
    if (closing)
        b->closing = true;
    if (b->worker_waits) {
        /* One wake-up is enough: until the worker runs, batches fill. */
        b->worker_waits = false;
        atomic_store_explicit(&b->idle, false, memory_order_relaxed);
        pthread_cond_signal(&b->can_get);
    }
    pthread_mutex_unlock(&b->mu);
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
        const char *msg = cf_error_message(e);
        cf__bridge_raise(cf_error_type_of(e), cf_error_coro(e), msg,
                         strlen(msg), e, b->name);
        cf_error_unref(e);
        s = CF_RAISED;
    } else {
        *out = b->result;
        s = CF_RETURNED;
    }
    tbridge_free(b);
    return s;
}

/* Waits for a free batch; false when the worker ended meanwhile. */
static bool take_batch(tbridge *b)
{
    pthread_mutex_lock(&b->mu);
    while (b->produced - b->consumed == b->nring
           && atomic_load_explicit(&b->ended, memory_order_relaxed)
                  == RUNNING) {
        b->sender_waits = true;
        pthread_cond_wait(&b->can_put, &b->mu);
    }
    b->sender_waits = false;
    bool ok = atomic_load_explicit(&b->ended, memory_order_relaxed) == RUNNING;
    if (ok) {
        b->cur = &b->ring[b->produced % b->nring];
        b->cur->n = 0;
        b->cur->alen = 0;
    }
    pthread_mutex_unlock(&b->mu);
    return ok;
}

/*
 * Out of memory on the sender's side: the stage ends with MemoryError,
 * after the worker has closed the target (what was sent before still
 * reaches it) and been joined; its answer is dropped.
 */
static cf_status fail(tbridge *b)
{
    publish(b, true);
    pthread_join(b->thr, NULL);
    tbridge_free(b);
    return cf_fail(&cf_memory_error, NULL);
}

static cf_status put(tbridge *b, cf_value v)
{
    struct batch *bt = b->cur;
    if ((v.kind == CF_STR || v.kind == CF_BYTES) && v.len > 0) {
        if (bt->acap - bt->alen < v.len) {
            size_t cap = bt->acap != 0 ? bt->acap : 16384;
            while (cap - bt->alen < v.len)
                cap *= 2;
            char *a = realloc(bt->arena, cap);
            if (a == NULL)
                return fail(b);
            bt->arena = a;
            bt->acap = cap;
        }
        memcpy(bt->arena + bt->alen, v.as.s, v.len);
        v.as.s = (const char *)(uintptr_t)bt->alen;
        bt->alen += v.len;
    }
    bt->v[bt->n++] = v;
    if (bt->n == b->batch
        || atomic_load_explicit(&b->idle, memory_order_relaxed))
        publish(b, false);
    return CF_YIELDED;
}

static cf_status step(void *self, cf_op op, cf_value in, cf_value *out)
{
    tbridge *b = self;
    *out = cf_none();
    if (op == CF_OP_SEND) {
        if (CF__UNLIKELY_BRIDGE(!b->primed)) {
            b->primed = true;
            return CF_YIELDED;
        }
        if (CF__UNLIKELY_BRIDGE(
                atomic_load_explicit(&b->ended, memory_order_acquire)
                != RUNNING))
            return ended(b, out);
        if (b->cur == NULL && !take_batch(b))
            return ended(b, out);
        return put(b, in);
    }
    /* A throw: GeneratorExit closes the target, another error is thrown
       into it; either way after everything sent before. */
    const cf_error *e = cf_error_last();
    if (!cf_error_is(e, &cf_generator_exit))
        b->thrown = cf_error_ref((cf_error *)e);
    publish(b, true);
    pthread_join(b->thr, NULL);
    b->joined = true;
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
    tbridge *b = calloc(1, sizeof *b);
    if (b == NULL)
        return -ENOMEM;
    cf__bridge_name(b->name, opts != NULL ? opts->name : NULL, "thread");
    b->target = target;
    b->batch = opts != NULL && opts->batch != 0 ? opts->batch : 512;
    size_t queue = opts != NULL && opts->queue != 0 ? opts->queue : 65536;
    b->nring = (queue + b->batch - 1) / b->batch;
    if (b->nring < 2)
        b->nring = 2;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->can_put, NULL);
    pthread_cond_init(&b->can_get, NULL);
    b->ring = calloc(b->nring, sizeof *b->ring);
    if (b->ring == NULL)
        goto nomem;
    for (size_t i = 0; i < b->nring; i++) {
        b->ring[i].v = malloc(b->batch * sizeof(cf_value));
        if (b->ring[i].v == NULL)
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
