/* SPDX-License-Identifier: MIT */
/*
 * pyos_roundrobin - Beazley's pyos steps 1-4: two tasks take turns through
 * the ready queue; each asks for its id with a GetTid trap.
 */
#include <stdio.h>

#include <coflow.h>

static cf_value foo(void *arg)
{
    (void)arg;
    int64_t mytid = cf_task_id();
    for (int i = 0; i < 3; i++) {
        printf("I'm foo %lld\n", (long long)mytid);
        cf_task_yield();
    }
    return cf_none();
}

static cf_value bar(void *arg)
{
    (void)arg;
    int64_t mytid = cf_task_id();
    for (int i = 0; i < 5; i++) {
        printf("I'm bar %lld\n", (long long)mytid);
        cf_task_yield();
    }
    return cf_none();
}

static void trace(void *arg, cf_sched_event ev, int64_t tid, int fd)
{
    (void)arg;
    (void)fd;
    if (ev == CF_SCHED_EXIT)
        printf("Task %lld terminated\n", (long long)tid);
}

int main(void)
{
    struct cf_sched_opts opts = {.trace = trace};
    cf_sched *s;
    cf_coro *a, *b;
    if (cf_sched_new(&s, &opts) != 0 || cf_coro_new(&a, foo, NULL, NULL) != 0
        || cf_coro_new(&b, bar, NULL, NULL) != 0)
        return 1;
    cf_sched_add(s, a);
    cf_sched_add(s, b);
    int rc = cf_sched_run(s);
    cf_sched_free(s);
    return rc == 0 ? 0 : 1;
}
