/* SPDX-License-Identifier: MIT */
/*
 * sched/sync.c - coordination for the tasks of one scheduler: wait groups,
 * events, a mutex held by a task, a condition. Each object is a counter or
 * a flag plus a queue of parked tasks (cf__wait, see internal.h); waking
 * never switches: the woken tasks go to the back of the ready queue.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

static void node_unlink(cf__wait *w)
{
    cf__wq_remove(w->arg);
}

/* Parks the caller on `q`: the waker's rc, -ETIMEDOUT or -EAGAIN. */
static int wait_on(struct cf__wq *q, int64_t timeout_ms)
{
    if (timeout_ms == 0 || !cf__in_task())
        return -EAGAIN;
    cf__wait w;
    cf__wnode nd = {0};
    cf__wait_init(&w, node_unlink, &nd);
    nd.w = &w;
    cf__wq_push(q, &nd);
    int fired = cf__wait_park(&w, timeout_ms);
    return fired < 0 ? fired : w.rc;
}

/* ---- wait groups ---- */

struct cf_wg {
    int64_t count;
    struct cf__wq q;
};

int cf_wg_new(cf_wg **out)
{
    if (out == NULL)
        return -EINVAL;
    *out = calloc(1, sizeof **out);
    return *out != NULL ? 0 : -ENOMEM;
}

void cf_wg_free(cf_wg *wg)
{
    if (wg == NULL)
        return;
    cf__wq_wake_all(&wg->q, -EPIPE);
    free(wg);
}

int cf_wg_add(cf_wg *wg, int64_t delta)
{
    cf__bind();
    if (wg == NULL || (delta < 0 && wg->count < -delta)
        || (delta > 0 && wg->count > INT64_MAX - delta))
        return -EINVAL;
    wg->count += delta;
    if (wg->count == 0)
        cf__wq_wake_all(&wg->q, 0);
    return 0;
}

int cf_wg_done(cf_wg *wg)
{
    cf__bind();
    return cf_wg_add(wg, -1);
}

int cf_wg_wait(cf_wg *wg, int64_t timeout_ms)
{
    cf__bind();
    if (wg == NULL)
        return -EINVAL;
    if (wg->count == 0)
        return 0;
    return wait_on(&wg->q, timeout_ms);
}

/* ---- events ---- */

struct cf_event {
    bool set;
    struct cf__wq q;
};

int cf_event_new(cf_event **out)
{
    if (out == NULL)
        return -EINVAL;
    *out = calloc(1, sizeof **out);
    return *out != NULL ? 0 : -ENOMEM;
}

void cf_event_free(cf_event *ev)
{
    if (ev == NULL)
        return;
    cf__wq_wake_all(&ev->q, -EPIPE);
    free(ev);
}

int cf_event_set(cf_event *ev)
{
    cf__bind();
    if (ev == NULL)
        return -EINVAL;
    ev->set = true;
    cf__wq_wake_all(&ev->q, 0);
    return 0;
}

int cf_event_clear(cf_event *ev)
{
    cf__bind();
    if (ev == NULL)
        return -EINVAL;
    ev->set = false;
    return 0;
}

int cf_event_is_set(cf_event *ev)
{
    return ev == NULL ? -EINVAL : ev->set;
}

int cf_event_wait(cf_event *ev, int64_t timeout_ms)
{
    cf__bind();
    if (ev == NULL)
        return -EINVAL;
    if (ev->set)
        return 0;
    return wait_on(&ev->q, timeout_ms);
}

/* ---- mutex ---- */

struct cf_mutex {
    int64_t owner; /* the holder's tid, 0 when unlocked */
    struct cf__wq q;
};

int cf_mutex_new(cf_mutex **out)
{
    if (out == NULL)
        return -EINVAL;
    *out = calloc(1, sizeof **out);
    return *out != NULL ? 0 : -ENOMEM;
}

void cf_mutex_free(cf_mutex *m)
{
    if (m == NULL)
        return;
    cf__wq_wake_all(&m->q, -EPIPE);
    free(m);
}

static int64_t my_tid(void)
{
    return cf__in_task() ? cf__sched_tls->current->tid : 0;
}

int cf_mutex_lock(cf_mutex *m, int64_t timeout_ms)
{
    cf__bind();
    if (m == NULL)
        return -EINVAL;
    int64_t me = my_tid();
    if (me == 0)
        return -EPERM;
    if (m->owner == 0) {
        m->owner = me;
        return 0;
    }
    if (m->owner == me)
        return -EDEADLK;
    /* cf_mutex_unlock() hands the mutex over before it wakes us. */
    return wait_on(&m->q, timeout_ms);
}

int cf_mutex_trylock(cf_mutex *m)
{
    cf__bind();
    return cf_mutex_lock(m, 0);
}

int cf_mutex_unlock(cf_mutex *m)
{
    cf__bind();
    if (m == NULL)
        return -EINVAL;
    if (m->owner == 0 || m->owner != my_tid())
        return -EPERM;
    m->owner = 0;
    cf__wnode *n;
    while ((n = cf__wq_pop(&m->q)) != NULL) {
        if (cf__wait_claim(n->w, 0)) {
            m->owner = n->w->task->tid;
            cf__wait_wake(n->w, 0);
            break;
        }
    }
    return 0;
}

/* ---- condition ---- */

struct cf_cond {
    struct cf__wq q;
};

int cf_cond_new(cf_cond **out)
{
    if (out == NULL)
        return -EINVAL;
    *out = calloc(1, sizeof **out);
    return *out != NULL ? 0 : -ENOMEM;
}

void cf_cond_free(cf_cond *c)
{
    if (c == NULL)
        return;
    cf__wq_wake_all(&c->q, -EPIPE);
    free(c);
}

/* A cancelled cf_cond_wait() holds the mutex again before CancelledError
   leaves it, as asyncio's Condition.wait() does; a killed one (closed, it
   cannot wait) does not. */
static void relock(void *arg)
{
    cf__task *t = cf__sched_tls != NULL ? cf__sched_tls->current : NULL;
    if (t != NULL && t->cancelled && !t->killed)
        cf_mutex_lock(arg, -1);
}

int cf_cond_wait(cf_cond *c, cf_mutex *m, int64_t timeout_ms)
{
    cf__bind();
    if (c == NULL || m == NULL)
        return -EINVAL;
    if (m->owner == 0 || m->owner != my_tid())
        return -EPERM;
    cf_mutex_unlock(m);
    cf_cleanup cl;
    bool in = cf__in_task();
    if (in)
        cf_cleanup_push(&cl, relock, m);
    int rc = wait_on(&c->q, timeout_ms);
    if (in)
        cf_cleanup_pop(&cl, false);
    int lrc = cf_mutex_lock(m, -1);
    return rc != 0 ? rc : lrc;
}

int cf_cond_signal(cf_cond *c)
{
    cf__bind();
    if (c == NULL)
        return -EINVAL;
    cf__wnode *n;
    while ((n = cf__wq_pop(&c->q)) != NULL) {
        if (cf__wait_claim(n->w, 0)) {
            cf__wait_wake(n->w, 0);
            break;
        }
    }
    return 0;
}

int cf_cond_broadcast(cf_cond *c)
{
    cf__bind();
    if (c == NULL)
        return -EINVAL;
    cf__wq_wake_all(&c->q, 0);
    return 0;
}
