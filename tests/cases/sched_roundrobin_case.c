/* SPDX-License-Identifier: MIT */
/*
 * sched_roundrobin: pyos steps 1-4 - tasks wrapping coroutines, a FIFO
 * ready queue, task exit, and GetTid; a plain yield after GetTid receives
 * the stale sendval. Mirrors tests/cases/py/sched_roundrobin.py (SEMANTICS
 * items 69, 70, 71).
 */
#include <coflow/sched.h>

#include "cases/cases.h"

static FILE *out;

static void trace(void *arg, cf_sched_event ev, int64_t tid, int fd)
{
    (void)arg;
    (void)fd;
    if (ev == CF_SCHED_EXIT)
        fprintf(out, "Task %lld terminated\n", (long long)tid);
}

/* mytid = yield GetTid() */
static int64_t get_tid(void)
{
    cf_trap t = {.kind = CF_TRAP_GETTID};
    return cf_to_int(cf_yield(cf_ptr(&t, CF_TRAP_TAG)));
}

static cf_value foo(void *arg)
{
    (void)arg;
    int64_t mytid = get_tid();
    for (int i = 0; i < 3; i++) {
        fprintf(out, "I'm foo %lld\n", (long long)mytid);
        cf_yield(cf_none());
    }
    return cf_none();
}

static cf_value bar(void *arg)
{
    (void)arg;
    cf_value got = cf_none();
    int64_t mytid = get_tid();
    for (int i = 0; i < 5; i++) {
        fprintf(out, "I'm bar %lld\n", (long long)mytid);
        got = cf_yield(cf_none());
    }
    fprintf(out, "bar's plain yield received %s (stale sendval)\n",
            str_of(got));
    return cf_none();
}

void case_sched_roundrobin(FILE *o)
{
    struct cf_sched_opts opts = {.trace = trace};
    cf_sched *s;
    out = o;
    if (cf_sched_new(&s, &opts) != 0)
        return;
    cf_sched_add(s, new_coro(foo, NULL, "foo", false));
    cf_sched_add(s, new_coro(bar, NULL, "bar", false));
    cf_sched_run(s);
    cf_sched_free(s);
    fprintf(out, "all tasks done\n");
}
