/* SPDX-License-Identifier: MIT */
/*
 * sched/task.c - tasks: the task map (tid -> task), spawning, exiting with a
 * value or an error, waiters, and kills (SEMANTICS items 69-71).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const cf_error_type cf_task_error = {"TaskError", &cf_exception};
/* BaseException, as asyncio's (3.8 on): `except Exception` lets it pass. */
const cf_error_type cf_task_cancelled = {"CancelledError", &cf_base_exception};

static size_t hash(int64_t tid, size_t cap)
{
    return (size_t)((uint64_t)tid * 0x9E3779B97F4A7C15ull) & (cap - 1);
}

cf__task *cf__task_find(cf_sched *s, int64_t tid)
{
    if (s->map_cap == 0 || tid <= 0)
        return NULL;
    for (size_t i = hash(tid, s->map_cap);; i = (i + 1) & (s->map_cap - 1)) {
        cf__task *t = s->map[i];
        if (t == NULL || t->tid == tid)
            return t;
    }
}

static void map_put(cf_sched *s, cf__task *t)
{
    size_t i = hash(t->tid, s->map_cap);
    while (s->map[i] != NULL)
        i = (i + 1) & (s->map_cap - 1);
    s->map[i] = t;
    s->map_len++;
}

static int map_grow(cf_sched *s)
{
    size_t cap = s->map_cap ? s->map_cap * 2 : 64;
    cf__task **old = s->map;
    size_t oldcap = s->map_cap;
    s->map = cf__fault() ? NULL : calloc(cap, sizeof *s->map);
    if (s->map == NULL) {
        s->map = old;
        return -ENOMEM;
    }
    s->map_cap = cap;
    s->map_len = 0;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i] != NULL)
            map_put(s, old[i]);
    free(old);
    return 0;
}

/* Removes `t`, shifting later entries of its probe run back (no tombstones). */
static void map_del(cf_sched *s, cf__task *t)
{
    size_t i = hash(t->tid, s->map_cap);
    while (s->map[i] != t)
        i = (i + 1) & (s->map_cap - 1);
    s->map[i] = NULL;
    s->map_len--;
    for (size_t j = (i + 1) & (s->map_cap - 1); s->map[j] != NULL;
         j = (j + 1) & (s->map_cap - 1)) {
        size_t h = hash(s->map[j]->tid, s->map_cap);
        /* Move it back if its home is not in (i, j]. */
        if ((j > i && (h <= i || h > j)) || (j < i && (h <= i && h > j))) {
            s->map[i] = s->map[j];
            s->map[j] = NULL;
            i = j;
        }
    }
}

int64_t cf__task_add(cf_sched *s, cf_coro *co)
{
    /* On a cache line: the fields a wake and a run touch (up to
       heap_idx, with mobile and cancelled) are its first two. */
    size_t size = (sizeof(cf__task) + 63) & ~(size_t)63;
    cf__task *t = cf__fault() ? NULL : aligned_alloc(64, size);
    if (t != NULL)
        memset(t, 0, size);
    if (t == NULL || ((s->map_len + 1) * 4 > s->map_cap * 3 && map_grow(s))) {
        free(t);
        cf_coro_free(co);
        return -ENOMEM;
    }
    /* A pool's tids are unique across its schedulers: a task that moves
       keeps its own (multi.c). */
    t->tid = s->pool != NULL ? cf__pool_tid(s) : s->next_tid;
    t->co = co;
    t->heap_idx = SIZE_MAX;
    t->io_fd = -1;
    if (cf__ready_push(s, t) < 0) {
        free(t);
        cf_coro_free(co);
        return -ENOMEM;
    }
    s->next_tid++;
    map_put(s, t);
    s->nlive++;
    if (s->pool != NULL)
        cf__pool_live(s, 1);
    if (CF__UNLIKELY(s->trace_on)) {
        char d[80];
        snprintf(d, sizeof d, "task %lld (%s)", (long long)t->tid,
                 cf_coro_name(co));
        cf_trace_instant(0, "sched", "spawn", d);
        if (t->queued)
            cf__trace_task_begin(t, "ready", NULL);
    }
    return t->tid;
}

/* Migration (multi.c): `t`, parked and off every queue of `s`, leaves it. */
void cf__task_release(cf_sched *s, cf__task *t)
{
    map_del(s, t);
    s->nlive--;
}

/* `t` joins `s` with its tid (unique in the pool) and is made ready. False
   when `s`'s map has no room and cannot grow. */
bool cf__task_adopt(cf_sched *s, cf__task *t)
{
    /* Past the load factor is fine for one more when growing fails; a
       full map is not. */
    if ((s->map_len + 1) * 4 > s->map_cap * 3 && map_grow(s) < 0
        && s->map_len + 1 >= s->map_cap)
        return false;
    map_put(s, t);
    s->nlive++;
    cf__task_wake(s, t, 0);
    return true;
}

/* Wakes a parked task with `rc` in its trap: it goes to the back. */
void cf__task_wake(cf_sched *s, cf__task *t, int rc)
{
    if (t->trap != NULL)
        t->trap->rc = rc;
    t->where = CF__READY;
    cf__ready_push(s, t);
    if (CF__UNLIKELY(s->trace_on)) {
        cf__trace_task_end(t);
        cf__trace_task_begin(t, "ready", NULL);
    }
}

/* Takes `t` off whatever it is parked on, without waking it. */
void cf__task_unpark(cf_sched *s, cf__task *t)
{
    if (t->heap_idx != SIZE_MAX)
        cf__timer_remove(s, t);
    if (t->where == CF__PARKED_IO) {
        cf__io_cancel(s, t);
    } else if (t->where == CF__PARKED_OBJ) {
        cf__wait_cancel(s, t);
    } else if (t->where == CF__PARKED_WAIT && t->waiting_on != NULL) {
        cf__task *target = t->waiting_on, **pp = &target->waiters_head;
        cf__task *prev = NULL;
        while (*pp != t) {
            prev = *pp;
            pp = &(*pp)->next_waiter;
        }
        *pp = t->next_waiter;
        if (target->waiters_tail == t)
            target->waiters_tail = prev;
        t->next_waiter = NULL;
        t->waiting_on = NULL;
    }
    t->where = CF__READY;
    if (CF__UNLIKELY(t->traced))
        cf__trace_task_end(t);
}

static void cancelling_del(cf_sched *s, cf__task *t)
{
    if (t->cprev != NULL)
        t->cprev->cnext = t->cnext;
    else
        s->cancelling = t->cnext;
    if (t->cnext != NULL)
        t->cnext->cprev = t->cprev;
    t->cprev = t->cnext = NULL;
}

static void report(cf_sched *s, cf__task *t, const cf_error *e)
{
    const char *name = t->co != NULL ? cf_coro_name(t->co) : "iotask";
    s->unwaited++;
    if (s->opts.on_error != NULL) {
        s->opts.on_error(s->opts.arg, t->tid, name, e);
        return;
    }
    fprintf(stderr, "coflow: task %lld (%s) failed and nobody waited for it:\n",
            (long long)t->tid, name);
    cf_error_print(e, stderr);
}

/*
 * Task `t` ended: with `result`, with `err` (taken over), or killed. Its
 * waiters are appended in the order they started waiting (item 70) and get
 * its value, or its error thrown in; an error nobody waits for is
 * reported. Then the task and its coroutine are freed.
 */
void cf__task_exit(cf_sched *s, cf__task *t, cf_value result, cf_error *err)
{
    cf__trace(s, CF_SCHED_EXIT, t->tid, -1);
    if (CF__UNLIKELY(t->traced))
        cf__trace_task_end(t);
    map_del(s, t);
    s->nlive--;
    if (CF__UNLIKELY(t->cancelled))
        cancelling_del(s, t);
    if (err == NULL && t->killed)
        err = cf_error_new(&cf_task_cancelled, "task %lld was killed",
                           (long long)t->tid);
    cf__task *w = t->waiters_head;
    bool taken = t->group != NULL && cf__group_exit(s, t, err);
    if (w == NULL && err != NULL && !taken
        && !((t->killed || t->cancelled)
             && cf_error_is(err, &cf_task_cancelled)))
        report(s, t, err);
    while (w != NULL) {
        cf__task *next = w->next_waiter;
        w->next_waiter = NULL;
        w->waiting_on = NULL;
        if (w->trap != NULL) /* each waiter owns a reference of an owned one */
            w->trap->result =
                cf_value_owned(result) ? cf_value_keep(result) : result;
        if (err != NULL)
            w->throw_in = cf_error_ref(err);
        cf__task_wake(s, w, 0);
        w = next;
    }
    cf_value_drop(result); /* the task's own reference */
    cf_error_unref(err);
    cf_error_unref(t->throw_in);
    cf_coro_free(t->co);
    t->co = NULL;
    t->throw_in = NULL;
    if (s->pool != NULL)
        cf__pool_live(s, -1);
    if (t->inbox_pending)
        t->dead = true; /* freed when its remote wake is drained */
    else
        free(t);
}

/*
 * Kills `t` (item 71): closes its coroutine now, so its cleanups run; takes
 * it off anything it is parked on and queues it, so it is reaped the next
 * time it is popped - pyos never reaps a parked task it killed.
 */
void cf__task_kill(cf_sched *s, cf__task *t)
{
    if (t->killed)
        return;
    cf__task_unpark(s, t);
    t->trap = NULL;
    t->killed = true;
    if (CF__UNLIKELY(t->cancelled))
        t->grace_over = true; /* its cleanups' checkpoints raise now */
    if (t->throw_in != NULL) {
        cf_error_unref(t->throw_in);
        t->throw_in = NULL;
    }
    cf__task *saved = s->current;
    s->current = t;
    if (cf_close(t->co, NULL) == CF_RAISED)
        t->error = cf_error_take();
    s->current = saved;
    cf__ready_push(s, t);
}

/* cf_sched_free(): closes and frees every task left. */
void cf__task_free_all(cf_sched *s)
{
    for (size_t i = 0; i < s->map_cap; i++) {
        cf__task *t = s->map[i];
        if (t == NULL)
            continue;
        if (t->heap_idx != SIZE_MAX)
            cf__timer_remove(s, t);
        if (t->where == CF__PARKED_IO)
            cf__io_cancel(s, t);
        else if (t->where == CF__PARKED_OBJ)
            cf__wait_cancel(s, t);
        if (t->group != NULL)
            cf__group_exit(s, t, NULL);
        cf_coro_free(t->co);
        cf_error_unref(t->error);
        cf_error_unref(t->throw_in);
        free(t);
        s->map[i] = NULL;
    }
    s->map_len = 0;
    s->nlive = 0;
    s->ring_len = 0;
    s->runnext = NULL;
    s->streak = 0;
    s->cancelling = NULL;
}

/* ---- cancellation (cf_task_cancel(), docs/sched.md "Cancellation") ---- */

static cf_error *cancel_error(cf__task *t)
{
    return cf_error_new(&cf_task_cancelled, "task %lld was cancelled",
                        (long long)t->tid);
}

/*
 * Cancels `t`: marks it, sets or shortens its grace deadline, and delivers
 * CancelledError at the wait it is parked in (taken off it first, as a
 * kill does). A task that is ready or running gets it at its next
 * checkpoint; so does one whose wait was already completed by another
 * thread (its wake is on its way).
 */
int cf__task_cancel(cf_sched *s, cf__task *t, int64_t grace_ms)
{
    if (t->killed || t->co == NULL)
        return -ESRCH; /* being reaped: it has ended */
    int64_t grace = INT64_MAX;
    if (grace_ms >= 0)
        grace = cf__now_ns()
                + (grace_ms > INT64_MAX / 2000000 ? INT64_MAX / 2
                                                  : grace_ms * 1000000);
    if (t->cancelled) {
        if (grace < t->grace_ns)
            t->grace_ns = grace;
        return 0; /* delivered already, or due at its next checkpoint */
    }
    t->cancelled = true;
    t->grace_ns = grace;
    t->cprev = NULL;
    t->cnext = s->cancelling;
    if (s->cancelling != NULL)
        s->cancelling->cprev = t;
    s->cancelling = t;
    if (t == s->current || t->where == CF__READY || t->throw_in != NULL)
        return 0;
    if (t->where == CF__PARKED_OBJ) {
        cf__wait *w = t->wait;
        if (w != NULL && !cf__wait_claim(w, CF__W_CANCEL))
            return 0; /* completed from another thread meanwhile */
        if (t->heap_idx != SIZE_MAX)
            cf__timer_remove(s, t);
        if (w != NULL)
            w->unlink(w);
        t->wait = NULL;
    } else {
        cf__task_unpark(s, t);
    }
    t->throw_in = cancel_error(t);
    cf__task_wake(s, t, -ECANCELED);
    return 0;
}

/* True while a CancelledError is being handled: in an except clause or a
   cleanup it unwinds through, or as the context of the error handled. */
static bool handling_cancel(void)
{
    for (const cf_error *e = cf_error_last(); e != NULL;
         e = cf_error_context(e))
        if (cf_error_is(e, &cf_task_cancelled))
            return true;
    return false;
}

void cf__cancel_check(cf__task *t)
{
    if (t->grace_over)
        cf_raise(&cf_task_cancelled,
                 "task %lld was cancelled; its grace is over",
                 (long long)t->tid);
    if (!handling_cancel())
        cf_raise_error(cancel_error(t));
}

/* cf__wait_park() of a cancelled task: it would raise, so its nodes come
   off their queues first (unless a waker got there first). */
void cf__cancel_wait(cf__wait *w)
{
    cf__task *t = w->task;
    if (!t->grace_over && handling_cancel())
        return;
    if (!cf__wait_claim(w, CF__W_CANCEL))
        return; /* completed already: the wake is on its way */
    w->unlink(w);
    t->wait = NULL;
    cf__cancel_check(t);
}

int64_t cf__grace_next(cf_sched *s)
{
    int64_t next = -1;
    for (cf__task *t = s->cancelling; t != NULL; t = t->cnext)
        if (!t->killed && t->grace_ns != INT64_MAX
            && (next < 0 || t->grace_ns < next))
            next = t->grace_ns;
    return next;
}

/* Closes hard (as a kill) each cancelled task whose grace is over, once
   its CancelledError has been delivered. */
void cf__grace_expire(cf_sched *s, int64_t now)
{
    cf__task *t = s->cancelling;
    while (t != NULL) {
        cf__task *next = t->cnext;
        if (!t->killed && t->grace_ns <= now && t->throw_in == NULL) {
            t->grace_over = true;
            cf__task_kill(s, t);
        }
        t = next;
    }
}
