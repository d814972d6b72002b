/* SPDX-License-Identifier: MIT */
/*
 * sched_syscalls: pyos steps 5-6 - NewTask, KillTask and WaitTask as raw
 * traps: the killed task's cleanup runs inside the kill, it is reaped when
 * next popped; unknown ids answer False. Mirrors
 * tests/cases/py/sched_syscalls.py (SEMANTICS items 70, 71).
 */
#include <coflow/sched.h>

#include "cases/cases.h"

static FILE *out;
static volatile bool always = true;

static void trace(void *arg, cf_sched_event ev, int64_t tid, int fd)
{
    (void)arg;
    (void)fd;
    if (ev == CF_SCHED_EXIT)
        fprintf(out, "Task %lld terminated\n", (long long)tid);
}

static cf_value syscall(cf_trap_kind kind, int64_t tid, cf_coro *co)
{
    return cf_trap_call(&(cf_trap){.kind = kind, .tid = tid, .co = co});
}

static void foo_cleanup(void *arg)
{
    fprintf(out, "foo %lld cleanup\n", (long long)*(int64_t *)arg);
}

static cf_value foo(void *arg)
{
    (void)arg;
    cf_cleanup c;
    int64_t mytid = cf_to_int(syscall(CF_TRAP_GETTID, 0, NULL));
    cf_cleanup_push(&c, foo_cleanup, &mytid);
    while (always) { /* while True */
        fprintf(out, "I'm foo %lld\n", (long long)mytid);
        cf_yield(cf_none());
    }
    cf_cleanup_pop(&c, true);
    return cf_none();
}

static cf_value worker(void *arg)
{
    int n = (int)(intptr_t)arg;
    int64_t mytid = cf_to_int(syscall(CF_TRAP_GETTID, 0, NULL));
    for (int i = 0; i < n; i++) {
        fprintf(out, "worker %lld step %d\n", (long long)mytid, i);
        cf_yield(cf_none());
    }
    fprintf(out, "worker %lld exiting\n", (long long)mytid);
    return cf_none();
}

static cf_value main_task(void *arg)
{
    (void)arg;
    int64_t mytid = cf_to_int(syscall(CF_TRAP_GETTID, 0, NULL));
    cf_coro *f = new_coro(foo, NULL, "foo", false);
    int64_t child = cf_to_int(syscall(CF_TRAP_SPAWN, 0, f));
    fprintf(out, "main %lld started foo as task %lld\n", (long long)mytid,
            (long long)child);
    for (int i = 0; i < 3; i++)
        cf_yield(cf_none());
    cf_value r = syscall(CF_TRAP_KILL, child, NULL);
    fprintf(out, "main killed task %lld: %s\n", (long long)child, str_of(r));
    r = syscall(CF_TRAP_KILL, 99, NULL);
    fprintf(out, "main kill task 99: %s\n", str_of(r));
    cf_coro *wk = new_coro(worker, (void *)(intptr_t)2, "worker", false);
    int64_t w = cf_to_int(syscall(CF_TRAP_SPAWN, 0, wk));
    fprintf(out, "main waiting for task %lld\n", (long long)w);
    r = syscall(CF_TRAP_WAIT, w, NULL);
    fprintf(out, "main wait for task %lld returned %s\n", (long long)w,
            str_of(r));
    r = syscall(CF_TRAP_WAIT, 99, NULL);
    fprintf(out, "main wait for task 99 returned %s\n", str_of(r));
    fprintf(out, "main done\n");
    return cf_none();
}

void case_sched_syscalls(FILE *o)
{
    struct cf_sched_opts opts = {.trace = trace};
    cf_sched *s;
    out = o;
    if (cf_sched_new(&s, &opts) != 0)
        return;
    cf_sched_add(s, new_coro(main_task, NULL, "main", false));
    cf_sched_run(s);
    cf_sched_free(s);
    fprintf(out, "all tasks done\n");
}
