/* SPDX-License-Identifier: MIT */
/*
 * pyos_syscalls - Beazley's pyos steps 5-6: a task spawns a child, kills
 * it (its cleanup runs inside the kill), spawns a worker and waits for its
 * result; a task that fails hands its error to the task waiting for it.
 */
#include <stdio.h>

#include <coflow.h>

static volatile int running = 1;

static void foo_cleanup(void *arg)
{
    printf("foo %lld cleanup\n", (long long)*(int64_t *)arg);
}

static cf_value foo(void *arg)
{
    (void)arg;
    cf_cleanup c;
    int64_t mytid = cf_task_id();
    cf_cleanup_push(&c, foo_cleanup, &mytid);
    while (running) {
        printf("I'm foo %lld\n", (long long)mytid);
        cf_task_yield();
    }
    cf_cleanup_pop(&c, true);
    return cf_none();
}

static cf_value worker(void *arg)
{
    int n = (int)(intptr_t)arg;
    for (int i = 0; i < n; i++) {
        printf("worker %lld step %d\n", (long long)cf_task_id(), i);
        cf_task_sleep(10);
    }
    if (n > 2)
        cf_raise(&cf_value_error, "worker asked for %d steps", n);
    return cf_int(n * 100);
}

static cf_coro *coro(cf_body_fn fn, void *arg, const char *name)
{
    struct cf_coro_opts o = {.name = name};
    cf_coro *co = NULL;
    if (cf_coro_new(&co, fn, arg, &o) != 0)
        cf_raise(&cf_memory_error, "no coroutine");
    return co;
}

static cf_value wait_for(void *arg)
{
    return cf_task_wait((int64_t)(intptr_t)arg);
}

static cf_value main_task(void *arg)
{
    (void)arg;
    int64_t child = cf_task_spawn(coro(foo, NULL, "foo"));
    printf("main started foo as task %lld\n", (long long)child);
    for (int i = 0; i < 3; i++)
        cf_task_yield();
    cf_task_kill(child);
    printf("main killed task %lld\n", (long long)child);

    int64_t w = cf_task_spawn(coro(worker, (void *)2, "worker"));
    cf_value v = cf_task_wait(w);
    printf("worker %lld returned %lld\n", (long long)w,
           (long long)cf_to_int(v));

    w = cf_task_spawn(coro(worker, (void *)3, "worker"));
    if (cf_try(wait_for, (void *)(intptr_t)w, &v) == CF_RAISED) {
        char buf[128];
        cf_error_format(cf_error_last(), buf, sizeof buf);
        printf("worker %lld failed: %s\n", (long long)w, buf);
        cf_error_clear();
    }
    if (cf_try(wait_for, (void *)(intptr_t)99, &v) == CF_RAISED) {
        char buf[128];
        cf_error_format(cf_error_last(), buf, sizeof buf);
        printf("%s\n", buf);
        cf_error_clear();
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
    cf_coro *m;
    if (cf_sched_new(&s, &opts) != 0
        || cf_coro_new(&m, main_task, NULL, NULL) != 0)
        return 1;
    cf_sched_add(s, m);
    int rc = cf_sched_run(s);
    cf_sched_free(s);
    return rc == 0 ? 0 : 1;
}
