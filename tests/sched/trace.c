/* SPDX-License-Identifier: MIT */
/*
 * tests/sched/trace.c - a scheduler in the trace (coflow/trace.h): a
 * task's "ready" and wait slices ("wait read" on an fd, "sleep", "wait
 * task") on its coroutine's track between the slices of its resumes; the
 * poller's time and the scheduler's events (spawn, exit, wait, can read)
 * on the thread's track; both pollers.
 */
#include <unistd.h>

#include "sched/sched_test.h"
#include "trace_check.h"

static int pfd[2];

static cf_value reader(void *arg)
{
    char buf[8];
    cr_assert_eq(cf_task_readable(pfd[0], -1), 0);
    cr_assert_eq(read(pfd[0], buf, sizeof buf), 2);
    return cf_none();
}

static cf_value writer(void *arg)
{
    cf_task_sleep(5);
    cr_assert_eq(write(pfd[1], "hi", 2), 2);
    return cf_none();
}

static cf_value waiter(void *arg)
{
    cf_task_wait(*(int64_t *)arg);
    return cf_none();
}

static void traced_run(const char *poller)
{
    const char *path = trace_path(poller);
    cf_sched *s = sched_on(poller, NULL);
    cr_assert_eq(pipe(pfd), 0);
    cr_assert_eq(cf_trace_start(path), 0);
    int64_t r = cf_sched_add(s, new_coro(reader, NULL, "reader", false));
    cf_sched_add(s, new_coro(writer, NULL, "writer", false));
    cf_sched_add(s, new_coro(waiter, &r, "waiter", false));
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(cf_trace_stop(), 0);
    cf_sched_free(s);
    close(pfd[0]);
    close(pfd[1]);

    char *t = trace_file_text(path);
    cr_assert_eq(count_of(t, "\"name\":\"wait read\",\"cat\":\"sched\","
                             "\"args\":{\"detail\":\"fd"),
                 1);
    cr_assert_eq(count_of(t, "\"name\":\"sleep\",\"cat\":\"sched\""), 1);
    cr_assert_eq(count_of(t, "\"name\":\"wait task\",\"cat\":\"sched\""), 1);
    cr_assert_eq(count_of(t, "\"name\":\"exit\",\"cat\":\"sched\""), 3);
    cr_assert_geq(count_of(t, "\"name\":\"poll\",\"cat\":\"sched\""), 1);
    cr_assert_geq(count_of(t, "\"name\":\"can read\",\"cat\":\"sched\""), 1);
    /* the reader waits between its first resume and its second */
    long b1 = pos_of(t, "\"name\":\"reader\",\"cat\":\"coro\"");
    long w = pos_of(t, "\"name\":\"wait read\",\"cat\":\"sched\",\"args\"");
    long e1 = pos_of(t, "\"name\":\"reader\",\"args\":{\"how\":\"yield\"}");
    long b2 = pos_of(t + e1, "\"name\":\"reader\",\"cat\":\"coro\"");
    cr_assert(b1 > 0 && e1 > b1 && w > e1 && b2 > 0 && e1 + b2 > w);
    free(t);
    trace_checked(path, "--expect coro:reader --expect sched:ready");
    unlink(path);
}

Test(sched_trace, epoll)
{
    traced_run("epoll");
}

Test(sched_trace, uring)
{
    traced_run("uring");
}

/* The scheduler reads cf_trace_enabled() when it starts running. */
Test(sched_trace, untraced_run)
{
    cf_sched *s = sched_on(NULL, NULL);
    cf_sched_add(s, new_coro(writer, NULL, "writer", false));
    cr_assert_eq(pipe(pfd), 0);
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_not(cf_trace_enabled());
    cf_sched_free(s);
    close(pfd[0]);
    close(pfd[1]);
}
