/* SPDX-License-Identifier: MIT */
/*
 * sched/sched.c - the scheduler object and its main loop (pyos's
 * Scheduler.mainloop, SEMANTICS item 70), the ready queue, the iotask.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

__thread __attribute__((tls_model("initial-exec"))) cf_sched *cf__sched_tls;

int64_t cf__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static const char *const event_names[] = {"exit", "wait read", "wait write",
                                          "can read", "can write"};

void cf__trace_slow(cf_sched *s, cf_sched_event ev, int64_t tid, int fd)
{
    if (s->opts.trace != NULL)
        s->opts.trace(s->opts.arg, ev, tid, fd);
    if (CF__UNLIKELY(s->trace_on)) {
        char d[64];
        if (fd >= 0)
            snprintf(d, sizeof d, "task %lld, fd %d", (long long)tid, fd);
        else
            snprintf(d, sizeof d, "task %lld", (long long)tid);
        cf_trace_instant(0, "sched", event_names[ev], d);
    }
}

/*
 * A task's time off the CPU, on its coroutine's track between the slices
 * of its resumes: "ready" from being queued to being run, a wait ("wait
 * read", "sleep", "wait task") from parking to being woken.
 */
void cf__trace_task_begin(cf__task *t, const char *name, const char *detail)
{
    if (t->traced)
        return;
    cf_trace_begin(cf_trace_track(t->co, NULL), "sched", name, detail);
    t->traced = true;
}

void cf__trace_task_end(cf__task *t)
{
    if (!t->traced)
        return;
    cf_trace_end(cf_trace_track(t->co, NULL));
    t->traced = false;
}

/* What `t` does now that its run is over, for the trace. */
static void trace_parked(cf__task *t)
{
    char d[64] = "";
    const char *name = "ready";
    switch (t->where) {
    case CF__READY:
        if (!t->queued)
            return;
        break;
    case CF__PARKED_IO:
        name = t->io_dir ? "wait write" : "wait read";
        snprintf(d, sizeof d, "fd %d", t->io_fd);
        break;
    case CF__PARKED_SLEEP:
        name = "sleep";
        break;
    case CF__PARKED_WAIT:
        name = "wait task";
        if (t->waiting_on != NULL)
            snprintf(d, sizeof d, "task %lld", (long long)t->waiting_on->tid);
        break;
    case CF__PARKED_OBJ:
        name = "wait object"; /* a channel, select, a lock, a group */
        break;
    }
    cf__trace_task_begin(t, name, d[0] != '\0' ? d : NULL);
}

/* Doubles the ready queue; out of line, so that the common push saves no
   registers. */
__attribute__((noinline)) static int ring_grow(cf_sched *s)
{
    size_t cap = s->ring_cap ? s->ring_cap * 2 : 64;
    cf__task **r = cf__fault() ? NULL : malloc(cap * sizeof *r);
    if (r == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < s->ring_len; i++)
        r[i] = s->ring[(s->ring_head + i) & (s->ring_cap - 1)];
    free(s->ring);
    s->ring = r;
    s->ring_cap = cap;
    s->ring_head = 0;
    return 0;
}

/* Appends `t` to the ready queue unless it is there already. */
int cf__ready_push(cf_sched *s, cf__task *t)
{
    if (t->queued)
        return 0;
    if (CF__UNLIKELY(s->ring_len == s->ring_cap) && ring_grow(s) < 0)
        return -ENOMEM;
    s->ring[(s->ring_head + s->ring_len) & (s->ring_cap - 1)] = t;
    s->ring_len++;
    t->queued = true;
    return 0;
}

static cf__task *ready_pop(cf_sched *s)
{
    cf__task *t = s->ring[s->ring_head];
    s->ring_head = (s->ring_head + 1) & (s->ring_cap - 1);
    s->ring_len--;
    t->queued = false;
    return t;
}

int cf_sched_new(cf_sched **out, const struct cf_sched_opts *opts)
{
    if (out == NULL)
        return -EINVAL;
    *out = NULL;
    if (opts != NULL && (opts->flags & ~CF_SCHED_PYOS_IOTASK) != 0)
        return -EINVAL;
    cf_sched *s = calloc(1, sizeof *s);
    if (s == NULL)
        return -ENOMEM;
    if (opts != NULL)
        s->opts = *opts;
    s->next_tid = 1;
    s->iotask.heap_idx = SIZE_MAX;
    s->nevents = 256;
    s->events = malloc((size_t)s->nevents * sizeof *s->events);
    if (s->events == NULL) {
        free(s);
        return -ENOMEM;
    }
    int rc = cf__poller_open(s, opts != NULL ? opts->poller : NULL);
    if (rc < 0) {
        free(s->events);
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void cf_sched_free(cf_sched *s)
{
    if (s == NULL)
        return;
    cf__task_free_all(s);
    s->poller.ops->fini(&s->poller);
    free(s->ring);
    free(s->map);
    free(s->heap);
    free(s->fds);
    free(s->events);
    free(s);
}

const char *cf_sched_poller(const cf_sched *s)
{
    return s != NULL ? s->poller.ops->name : "";
}

int64_t cf_sched_add(cf_sched *s, cf_coro *co)
{
    if (s == NULL || co == NULL || cf_coro_state(co) == CF_CLOSED) {
        cf_coro_free(co); /* taken over whatever the outcome */
        return -EINVAL;
    }
    return cf__task_add(s, co); /* frees `co` on -ENOMEM */
}

/*
 * Before a task runs, the memory of the ones after it in the ready queue
 * is asked for: the task structure of the one after next, and the
 * coroutine of the next (its pointer is read from the structure asked for
 * the turn before, so this waits for nothing). A server's tasks each
 * touch their own structure, coroutine and stack once per wake, and with
 * hundreds of them none is in the cache when its turn comes: these loads
 * then overlap with the running task's system calls instead of stalling
 * the switch into the next one. A prefetch never faults; the addresses
 * are only hints. The handle's low 48 bits are its address
 * (coflow/core.h, the inline send).
 */
static inline __attribute__((always_inline)) void prefetch_next(cf_sched *s)
{
    if (s->ring_len == 0)
        return;
    size_t mask = s->ring_cap - 1;
    cf__task *n = s->ring[s->ring_head];
    if (s->ring_len > 1) {
        char *after = (char *)s->ring[(s->ring_head + 1) & mask];
        __builtin_prefetch(after, 1);
        __builtin_prefetch(after + 64, 1);
    }
    if (n->co == NULL)
        return; /* the iotask, a pool's marker */
    char *raw = (char *)((uintptr_t)n->co & 0xffffffffffffull);
    __builtin_prefetch(raw + 64, 1);
    __builtin_prefetch(raw + 128, 1);
    __builtin_prefetch(raw + 192, 1);
}

/* Runs one task until its next yield, return or raise. */
static inline __attribute__((always_inline)) void run_task(cf_sched *s,
                                                           cf__task *t)
{
    cf_value out;
    cf_status st;

    if (CF__UNLIKELY(t->killed)) {
        cf_error *e = t->error;
        t->error = NULL;
        cf__task_exit(s, t, cf_none(), e);
        return;
    }
    if (CF__UNLIKELY(s->trace_on))
        cf__trace_task_end(t);
    s->current = t;
    if (CF__UNLIKELY(t->throw_in != NULL)) {
        cf_error *e = t->throw_in;
        t->throw_in = NULL;
        st = cf_throw(t->co, e, &out);
    } else {
        st = cf_send(t->co, t->sendval, &out);
    }
    /* A direct switch (chan.c's park_yield()) may have handed the CPU on:
       the task that stopped is the one running last. */
    t = s->current;
    s->current = NULL;
    if (CF__LIKELY(st == CF_YIELDED)) {
        if (t->where == CF__PARKED_OBJ)
            ; /* chan.c: it parked itself, yielding none */
        else if (out.kind == CF_PTR && out.tag == CF_TRAP_TAG
                 && out.as.p != NULL)
            cf__trap_handle(s, t, out.as.p);
        else
            cf__ready_push(s, t);
        if (CF__UNLIKELY(s->trace_on))
            trace_parked(t);
    } else if (st == CF_RETURNED) {
        cf__task_exit(s, t, out, NULL);
    } else {
        cf__task_exit(s, t, cf_none(), cf_error_take());
    }
}

/*
 * The iotask's turn: poll without blocking when other tasks are ready,
 * else block until the next timer or fd (item 72), then wake the sleepers
 * whose time has come. Returns false when it is the only task left (it
 * then ends, as the harness rule of item 72 says) and -EDEADLK through
 * `*rc` when nothing could ever wake the tasks left.
 */
static bool iotask_turn(cf_sched *s, int *rc)
{
    if (CF__UNLIKELY(s->pool != NULL))
        cf__pool_turn(s);
    if (s->nlive == 0 && (s->pool == NULL || !cf__pool_hold(s))) {
        s->iotask_alive = false;
        if (s->iotask.tid != 0)
            cf__trace(s, CF_SCHED_EXIT, s->iotask.tid, -1);
        return false;
    }
    int timeout = 0;
    if (s->ring_len == 0) {
        int64_t next = cf__timer_next(s);
        if (CF__UNLIKELY(s->cancelling != NULL)) {
            int64_t g = cf__grace_next(s);
            if (g >= 0 && (next < 0 || g < next))
                next = g;
        }
        if (next < 0 && s->nwatch == 0) {
            *rc = -EDEADLK;
            return false;
        }
        if (next < 0) {
            timeout = -1;
        } else {
            int64_t d = next - cf__now_ns();
            timeout = d <= 0 ? 0 : (int)((d + 999999) / 1000000);
        }
    }
    size_t nwatch = s->nwatch;
    if (CF__UNLIKELY(s->pool != NULL)) {
        nwatch = cf__pool_watch(s); /* not counting the pool's own fd */
        if (timeout != 0)
            timeout = cf__pool_idle(s, timeout);
    }
    if (nwatch > 0 || timeout != 0) {
        if (CF__UNLIKELY(s->trace_on)) {
            char d[48];
            snprintf(d, sizeof d, "timeout %d ms, %zu fds", timeout, nwatch);
            cf_trace_begin(0, "sched", "poll", d);
            cf__io_poll(s, timeout);
            cf_trace_end(0);
        } else {
            cf__io_poll(s, timeout);
        }
    }
    if (CF__UNLIKELY(s->pool != NULL))
        cf__pool_awake(s);
    if (s->heap_len > 0)
        cf__timer_expire(s, cf__now_ns());
    if (CF__UNLIKELY(s->cancelling != NULL))
        cf__grace_expire(s, cf__now_ns());
    cf__ready_push(s, &s->iotask);
    return true;
}

int cf_sched_run(cf_sched *s)
{
    if (s == NULL)
        return -EINVAL;
    if (s->running)
        return -EBUSY;
    cf_sched *saved = cf__sched_tls;
    int rc = 0;
    s->running = true;
    s->trace_on = cf_trace_enabled();
    s->unwaited = 0;
    cf__sched_tls = s;
    if (!s->iotask_alive) {
        s->iotask_alive = true;
        s->iotask.tid = 0;
        if (s->opts.flags & CF_SCHED_PYOS_IOTASK)
            s->iotask.tid = s->next_tid++;
        if (cf__ready_push(s, &s->iotask) < 0) {
            rc = -ENOMEM;
            goto out;
        }
    }
    for (;;) {
        cf__task *t = s->runnext;
        if (t != NULL) {
            /* A hand-off: the woken task runs now, with no turn of the
               ready queue, unless the streak is long enough that the
               queue (other tasks, the iotask) is owed one. */
            s->runnext = NULL;
            t->queued = false;
            if (CF__LIKELY(++s->streak < CF__RUNNEXT_MAX)
                || cf__ready_push(s, t) < 0) {
                run_task(s, t);
                continue;
            }
        }
        s->streak = 0;
        if (s->nlive == 0 && !(s->iotask.tid != 0 && s->iotask_alive)
            && (s->pool == NULL || !cf__pool_hold(s)))
            break;
        t = ready_pop(s);
        if (t == &s->iotask) {
            if (!iotask_turn(s, &rc))
                break;
            continue;
        }
        if (CF__UNLIKELY(t->co == NULL) && cf__pool_marker(s, t))
            continue;
        prefetch_next(s);
        run_task(s, t);
    }
    if (rc == -EDEADLK)
        cf__ready_push(s, &s->iotask);
    else if (s->iotask_alive && s->nlive == 0) {
        /* Silent iotask: it leaves with the last task. */
        s->iotask_alive = false;
        if (s->iotask.queued) {
            for (size_t i = 0; i < s->ring_len; i++) {
                size_t k = (s->ring_head + i) & (s->ring_cap - 1);
                if (s->ring[k] == &s->iotask) {
                    /* it is the only entry left: no task is alive */
                    s->ring_len = 0;
                    break;
                }
            }
            s->iotask.queued = false;
        }
    }
out:
    cf__sched_tls = saved;
    s->running = false;
    if (rc == 0)
        rc = s->unwaited;
    return rc;
}
