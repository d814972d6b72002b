/* SPDX-License-Identifier: MIT */
/*
 * sched/timer.c - the timer heap: a binary min-heap of parked tasks keyed by
 * (deadline, sequence), so tasks due at the same time wake in the order
 * they went to sleep. Each task records its index for O(log n) removal.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

static bool before(const cf__task *a, const cf__task *b)
{
    return a->deadline < b->deadline
           || (a->deadline == b->deadline && a->seq < b->seq);
}

static void put(cf_sched *s, size_t i, cf__task *t)
{
    s->heap[i] = t;
    t->heap_idx = i;
}

static void sift_up(cf_sched *s, size_t i)
{
    cf__task *t = s->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!before(t, s->heap[p]))
            break;
        put(s, i, s->heap[p]);
        i = p;
    }
    put(s, i, t);
}

static void sift_down(cf_sched *s, size_t i)
{
    cf__task *t = s->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= s->heap_len)
            break;
        if (c + 1 < s->heap_len && before(s->heap[c + 1], s->heap[c]))
            c++;
        if (!before(s->heap[c], t))
            break;
        put(s, i, s->heap[c]);
        i = c;
    }
    put(s, i, t);
}

int cf__timer_add(cf_sched *s, cf__task *t, int64_t deadline_ns)
{
    if (s->heap_len == s->heap_cap) {
        size_t cap = s->heap_cap ? s->heap_cap * 2 : 64;
        cf__task **h = realloc(s->heap, cap * sizeof *h);
        if (h == NULL)
            return -ENOMEM;
        s->heap = h;
        s->heap_cap = cap;
    }
    t->deadline = deadline_ns;
    t->seq = s->timer_seq++;
    put(s, s->heap_len++, t);
    sift_up(s, t->heap_idx);
    return 0;
}

void cf__timer_remove(cf_sched *s, cf__task *t)
{
    size_t i = t->heap_idx;
    t->heap_idx = SIZE_MAX;
    cf__task *last = s->heap[--s->heap_len];
    if (i == s->heap_len)
        return;
    put(s, i, last);
    sift_down(s, i);
    sift_up(s, last->heap_idx);
}

/* The earliest deadline, or -1 when no timer is set. */
int64_t cf__timer_next(const cf_sched *s)
{
    return s->heap_len > 0 ? s->heap[0]->deadline : -1;
}

/* Wakes every task whose deadline is at or before `now`. */
void cf__timer_expire(cf_sched *s, int64_t now)
{
    while (s->heap_len > 0 && s->heap[0]->deadline <= now) {
        cf__task *t = s->heap[0];
        cf__timer_remove(s, t);
        if (t->where == CF__PARKED_IO) {
            cf__io_cancel(s, t);
            cf__task_wake(s, t, -ETIMEDOUT);
        } else if (t->where == CF__PARKED_OBJ) {
            cf__wait_timeout(s, t);
        } else {
            cf__task_wake(s, t, 0);
        }
    }
}
