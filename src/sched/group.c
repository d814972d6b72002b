/* SPDX-License-Identifier: MIT */
/*
 * sched/group.c - task groups (structured concurrency, as libdill's bundles
 * and trio's nurseries): members spawned into a group, waited for as one,
 * killed as one. The first error a member ends with is kept for the
 * group's waiter; later ones, and one nobody takes, are reported - a
 * member's failure is never silent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

struct cf_group {
    cf_sched *s;
    cf__task *head; /* members, linked through gprev/gnext */
    size_t n;
    cf_error *err; /* the first failure, until a wait takes it */
    int64_t err_tid;
    struct cf__wq q;
};

int cf_group_new(cf_group **out)
{
    if (out == NULL)
        return -EINVAL;
    *out = calloc(1, sizeof **out);
    return *out != NULL ? 0 : -ENOMEM;
}

static void unlink_member(cf_group *g, cf__task *t)
{
    if (t->gprev != NULL)
        t->gprev->gnext = t->gnext;
    else
        g->head = t->gnext;
    if (t->gnext != NULL)
        t->gnext->gprev = t->gprev;
    t->gprev = t->gnext = NULL;
    t->group = NULL;
    g->n--;
}

void cf_group_free(cf_group *g)
{
    if (g == NULL)
        return;
    while (g->head != NULL)
        unlink_member(g, g->head);
    cf__wq_wake_all(&g->q, -EPIPE);
    if (g->err != NULL) {
        fprintf(stderr,
                "coflow: task %lld of a task group failed and no "
                "cf_group_wait() took its error:\n",
                (long long)g->err_tid);
        cf_error_print(g->err, stderr);
        cf_error_unref(g->err);
    }
    free(g);
}

/* task.c: member `t` ended, with `err` or not (NULL also when freed). */
bool cf__group_exit(cf_sched *s, cf__task *t, cf_error *err)
{
    (void)s;
    cf_group *g = t->group;
    unlink_member(g, t);
    bool taken = false;
    if (err != NULL
        && !((t->killed || t->cancelled)
             && cf_error_is(err, &cf_task_cancelled))
        && g->err == NULL) {
        g->err = cf_error_ref(err);
        g->err_tid = t->tid;
        taken = true;
    }
    if (g->n == 0)
        cf__wq_wake_all(&g->q, 0);
    return taken;
}

static void member_unlink(cf__wait *w)
{
    cf__wq_remove(w->arg);
}

int64_t cf_group_spawn(cf_group *g, cf_coro *co)
{
    cf__bind();
    if (g == NULL || co == NULL || cf_coro_state(co) == CF_CLOSED) {
        cf_coro_free(co);
        return -EINVAL;
    }
    if (!cf__in_task()) {
        cf_coro_free(co);
        return -EPERM;
    }
    cf_sched *s = cf__sched_tls;
    if (g->s != NULL && g->s != s) {
        cf_coro_free(co);
        return -EXDEV;
    }
    int64_t id = cf__task_add(s, co);
    if (id < 0)
        return id;
    g->s = s;
    cf__task *t = cf__task_find(s, id);
    t->group = g;
    t->gprev = NULL;
    t->gnext = g->head;
    if (g->head != NULL)
        g->head->gprev = t;
    g->head = t;
    g->n++;
    return id;
}

size_t cf_group_size(cf_group *g)
{
    return g != NULL ? g->n : 0;
}

int cf_group_wait(cf_group *g, int64_t timeout_ms)
{
    cf__bind();
    if (g == NULL)
        return -EINVAL;
    if (g->n > 0) {
        if (timeout_ms == 0 || !cf__in_task())
            return -EAGAIN;
        cf__wait w;
        cf__wnode nd = {0};
        cf__wait_init(&w, member_unlink, &nd);
        nd.w = &w;
        cf__wq_push(&g->q, &nd);
        int fired = cf__wait_park(&w, timeout_ms);
        if (fired < 0)
            return fired;
        if (w.rc != 0)
            return w.rc; /* the group was freed */
    }
    if (g->err != NULL) {
        cf_error *e = g->err;
        g->err = NULL;
        cf_raise_error(e);
    }
    return 0;
}

int cf_group_kill(cf_group *g)
{
    cf__bind();
    if (g == NULL)
        return -EINVAL;
    if (!cf__in_task())
        return -EPERM;
    size_t n = g->n;
    if (n == 0)
        return 0;
    int64_t *ids = malloc(n * sizeof *ids);
    if (ids == NULL)
        return -ENOMEM;
    int64_t me = cf__sched_tls->current->tid;
    bool self = false;
    size_t k = 0;
    for (cf__task *t = g->head; t != NULL; t = t->gnext) {
        if (t->tid == me)
            self = true;
        else if (!t->killed)
            ids[k++] = t->tid;
    }
    int killed = 0;
    for (size_t i = 0; i < k; i++) {
        cf_trap tr = {.kind = CF_TRAP_KILL, .tid = ids[i]};
        cf_yield(cf_ptr(&tr, CF_TRAP_TAG));
        if (tr.rc == 0)
            killed++;
    }
    free(ids);
    if (self)
        cf_task_kill(me); /* unwinds the caller */
    return killed;
}

int cf_group_cancel(cf_group *g, int64_t grace_ms)
{
    cf__bind();
    if (g == NULL)
        return -EINVAL;
    if (g->n == 0)
        return 0;
    int cancelled = 0;
    for (cf__task *t = g->head; t != NULL; t = t->gnext) {
        bool was = t->cancelled; /* again: may shorten its grace */
        if (cf__task_cancel(g->s, t, grace_ms) == 0 && !was)
            cancelled++;
    }
    return cancelled;
}
