/* SPDX-License-Identifier: MIT */
/*
 * tests/sched/tasks.c - tasks, traps and timers: SEMANTICS group K items
 * 69, 70, 71, 74 and 75, the fixes of pyos's limitations (item 71), and bad
 * input (unknown ids, waiting on oneself, ten thousand sleepers).
 */
#include <stdlib.h>
#include <time.h>

#include "sched/sched_test.h"

static cf_value sub_tid(void *arg)
{
    (void)arg;
    return cf_int(cf_task_id());
}

/* Item 69: tids come from a counter, 1, 2, 3, ... and are never reused. */
Test(sched, k69_tids_count_up_never_reused)
{
    cf_sched *s = sched_on(NULL, NULL);
    cr_assert_eq(add_task(s, sub_tid, NULL, "a"), 1);
    cr_assert_eq(add_task(s, sub_tid, NULL, "b"), 2);
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(add_task(s, sub_tid, NULL, "c"), 3);
    cr_assert_eq(cf_sched_run(s), 0);
    cf_sched_free(s);
}

static cf_value stale(void *arg)
{
    (void)arg;
    cf_trap t = {.kind = CF_TRAP_GETTID};
    cf_value v = cf_yield(cf_ptr(&t, CF_TRAP_TAG));
    tracef("tid %s;", str_of(v));
    tracef("plain %s;", str_of(cf_yield(cf_none())));
    cf_task_sleep(1);
    tracef("after sleep %s;", str_of(cf_yield(cf_none())));
    return cf_none();
}

/* Item 69: sendval is never reset: later plain yields see it again. */
Test(sched, k69_sendval_never_reset)
{
    cf_sched *s = sched_on(NULL, NULL);
    trace_reset();
    add_task(s, stale, NULL, "stale");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("tid 1;plain 1;after sleep 1;");
    cf_sched_free(s);
}

static cf_value counter(void *arg)
{
    for (int i = 0; i < 3; i++) {
        tracef("%s%d ", (const char *)arg, i);
        cf_task_yield();
    }
    return cf_none();
}

static void on_trace(void *arg, cf_sched_event ev, int64_t tid, int fd)
{
    (void)arg;
    (void)fd;
    if (ev == CF_SCHED_EXIT)
        tracef("exit%lld ", (long long)tid);
}

/* Item 70: a FIFO ready queue; exit is traced as "Task N terminated". */
Test(sched, k70_fifo_round_robin)
{
    struct cf_sched_opts o = {.trace = on_trace};
    cf_sched *s = sched_on(NULL, &o);
    trace_reset();
    add_task(s, counter, "a", "a");
    add_task(s, counter, "b", "b");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("a0 b0 a1 b1 a2 b2 exit1 exit2 ");
    cf_sched_free(s);
}

static cf_value child(void *arg)
{
    cf_task_yield();
    tracef("child ");
    return cf_int((int64_t)(intptr_t)arg);
}

static cf_value spawner(void *arg)
{
    (void)arg;
    int64_t id = cf_task_spawn(coro_of(child, (void *)7, "child"));
    tracef("spawned %lld ", (long long)id);
    cf_value v = cf_task_wait(id);
    tracef("got %s ", str_of(v));
    return cf_none();
}

/* Item 71: NewTask appends the new task before the caller. WaitTask hands
   back the return value (a fix: pyos sends True). As in pyos, a task that
   has already ended is unknown to WaitTask. */
Test(sched, k71_spawn_before_caller_and_wait_value)
{
    cf_sched *s = sched_on(NULL, NULL);
    trace_reset();
    add_task(s, spawner, NULL, "spawner");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("spawned 2 child got 7 ");
    cf_sched_free(s);
}

static cf_value waiter(void *arg)
{
    int64_t target = (int64_t)(intptr_t)arg;
    cf_value v = cf_task_wait(target);
    tracef("w%lld:%s ", (long long)cf_task_id(), str_of(v));
    return cf_none();
}

static cf_value slow(void *arg)
{
    (void)arg;
    cf_task_sleep(5);
    return cf_str("done");
}

/* Item 70: waiters are woken in the order they started waiting. */
Test(sched, k70_waiters_in_order)
{
    cf_sched *s = sched_on(NULL, NULL);
    trace_reset();
    add_task(s, slow, NULL, "slow");
    add_task(s, waiter, (void *)1, "w2");
    add_task(s, waiter, (void *)1, "w3");
    add_task(s, waiter, (void *)1, "w4");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("w2:done w3:done w4:done ");
    cf_sched_free(s);
}

static void note_cleanup(void *arg)
{
    tracef("cleanup %s ", (const char *)arg);
}

static volatile bool always = true;

static cf_value forever(void *arg)
{
    cf_cleanup c;
    cf_cleanup_push(&c, note_cleanup, arg);
    while (always)
        cf_task_yield();
    cf_cleanup_pop(&c, true);
    return cf_none();
}

static cf_value killer(void *arg)
{
    int64_t victim = (int64_t)(intptr_t)arg;
    cf_task_yield();
    tracef("kill ");
    cf_task_kill(victim);
    tracef("killed ");
    return cf_none();
}

/* Item 71: KillTask closes the task now, inside the caller's trap. */
Test(sched, k71_kill_runs_cleanups_synchronously)
{
    struct cf_sched_opts o = {.trace = on_trace};
    cf_sched *s = sched_on(NULL, &o);
    trace_reset();
    add_task(s, forever, "f", "forever");
    add_task(s, killer, (void *)1, "killer");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("kill cleanup f exit1 killed exit2 ");
    cf_sched_free(s);
}

static cf_value parked_forever(void *arg)
{
    cf_cleanup c;
    cf_cleanup_push(&c, note_cleanup, arg);
    cf_task_wait(cf_task_id() + 100 - 100 + 1); /* waits for the next task */
    cf_cleanup_pop(&c, true);
    return cf_none();
}

static cf_value sleeper_long(void *arg)
{
    cf_cleanup c;
    cf_cleanup_push(&c, note_cleanup, arg);
    cf_task_sleep(100000);
    cf_cleanup_pop(&c, true);
    return cf_none();
}

static cf_value kill_all(void *arg)
{
    (void)arg;
    cf_task_yield();
    cf_task_kill(1);
    cf_task_kill(2);
    return cf_none();
}

/* Item 71, a limitation fixed: pyos never reaps a parked task it killed,
   so its mainloop never ends; here both are reaped and the run ends. */
Test(sched, k71_kill_parked_tasks_are_reaped)
{
    struct cf_sched_opts o = {.trace = on_trace};
    cf_sched *s = sched_on(NULL, &o);
    trace_reset();
    add_task(s, parked_forever, "w", "waits"); /* 1 waits for 2 */
    add_task(s, sleeper_long, "s", "sleeps");  /* 2 sleeps 100 s */
    add_task(s, kill_all, NULL, "killer");
    time_t t0 = time(NULL);
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_lt(time(NULL) - t0, 5);
    assert_trace("cleanup w exit1 cleanup s exit2 exit3 ");
    cf_sched_free(s);
}

static cf_value try_kill_99(void *arg)
{
    (void)arg;
    cf_task_kill(99);
    return cf_none();
}

static cf_value try_wait_99(void *arg)
{
    (void)arg;
    return cf_task_wait(99);
}

static cf_value try_wait_self(void *arg)
{
    (void)arg;
    return cf_task_wait(cf_task_id());
}

static cf_value catching(void *arg)
{
    cf_status st = cf_try((cf_try_fn)arg, NULL, NULL);
    cr_assert_eq(st, CF_RAISED);
    tracef("%s|", err_text());
    cf_error_clear();
    return cf_none();
}

/* Item 71 with clear errors: pyos answers False for unknown ids; the task
   calls raise TaskError, and waiting on oneself is refused. */
Test(sched, k71_unknown_ids_and_self_wait)
{
    cf_sched *s = sched_on(NULL, NULL);
    trace_reset();
    add_task(s, catching, (void *)try_kill_99, "k");
    add_task(s, catching, (void *)try_wait_99, "w");
    add_task(s, catching, (void *)try_wait_self, "self");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("TaskError: cf_task_kill: no task with id 99|"
                 "TaskError: cf_task_wait: no task with id 99|"
                 "TaskError: cf_task_wait: task 3 cannot wait for itself|");
    cf_sched_free(s);
}

static cf_value raiser(void *arg)
{
    (void)arg;
    cf_task_yield();
    cf_raise(&cf_value_error, "bad %d", 42);
}

static int64_t wait_target;
static cf_value do_wait(void *arg)
{
    (void)arg;
    return cf_task_wait(wait_target);
}

static cf_value wait_and_report(void *arg)
{
    (void)arg;
    cf_value v;
    if (cf_try(do_wait, NULL, &v) == CF_RAISED) {
        tracef("waiter got %s ", err_text());
        cf_error_clear();
    } else {
        tracef("waiter got value %s ", str_of(v));
    }
    return cf_none();
}

/* Item 70: a task that raises ends with that error, which its waiter
   receives (pyos would crash its mainloop). */
Test(sched, k70_error_goes_to_waiter)
{
    cf_sched *s = sched_on(NULL, NULL);
    trace_reset();
    wait_target = add_task(s, raiser, NULL, "raiser");
    add_task(s, wait_and_report, NULL, "waiter");
    cr_assert_eq(cf_sched_run(s), 0, "the error was received");
    assert_trace("waiter got ValueError: bad 42 ");
    cf_sched_free(s);
}

/* A killed task's waiter gets CancelledError. */
Test(sched, k71_wait_on_killed_task)
{
    cf_sched *s = sched_on(NULL, NULL);
    trace_reset();
    wait_target = add_task(s, forever, "f", "forever");
    add_task(s, wait_and_report, NULL, "waiter");
    add_task(s, killer, (void *)1, "killer");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("kill cleanup f killed waiter got CancelledError: task 1 was "
                 "killed ");
    cf_sched_free(s);
}

static void on_error(void *arg, int64_t tid, const char *name,
                     const cf_error *e)
{
    (void)arg;
    char buf[128];
    cf_error_format(e, buf, sizeof buf);
    tracef("unwaited %lld %s %s;", (long long)tid, name, buf);
}

/* Never silently dropped: an unwaited failure goes to on_error (or stderr)
   and cf_sched_run() counts it; the scheduler keeps going. */
Test(sched, k70_unwaited_failure_reported)
{
    struct cf_sched_opts o = {.on_error = on_error};
    cf_sched *s = sched_on(NULL, &o);
    trace_reset();
    add_task(s, raiser, NULL, "raiser");
    add_task(s, counter, "c", "counter");
    cr_assert_eq(cf_sched_run(s), 1);
    assert_trace("c0 unwaited 1 raiser ValueError: bad 42;c1 c2 ");
    cf_sched_free(s);

    s = sched_on(NULL, NULL);
    add_task(s, raiser, NULL, "raiser");
    stderr_capture();
    int rc = cf_sched_run(s);
    char *err = stderr_captured();
    cr_assert_eq(rc, 1);
    cr_assert(strstr(err, "coflow: task 1 (raiser) failed and nobody waited "
                          "for it")
                  != NULL,
              "%s", err);
    cr_assert(strstr(err, "ValueError: bad 42") != NULL, "%s", err);
    cf_sched_free(s);
}

static cf_value wait_on(void *arg)
{
    cf_cleanup c;
    cf_cleanup_push(&c, note_cleanup, (void *)"x");
    cf_task_wait((int64_t)(intptr_t)arg);
    cf_cleanup_pop(&c, false);
    return cf_none();
}

/* Item 71, a limitation fixed: pyos blocks forever when every task is
   parked; here the run returns -EDEADLK and cf_sched_free() cleans up. */
Test(sched, k71_all_parked_is_a_deadlock)
{
    cf_sched *s = sched_on(NULL, NULL);
    trace_reset();
    add_task(s, wait_on, (void *)2, "a");
    add_task(s, wait_on, (void *)1, "b");
    cr_assert_eq(cf_sched_run(s), -EDEADLK);
    cf_sched_free(s);
    assert_trace("cleanup x cleanup x ");
}

static cf_value sleeper(void *arg)
{
    int64_t ms = (int64_t)(intptr_t)arg;
    cf_task_sleep(ms);
    tracef("%lld ", (long long)ms);
    return cf_none();
}

/* Timers wake in deadline order, and no earlier than asked. */
Test(sched, timers_in_deadline_order)
{
    cf_sched *s = sched_on(NULL, NULL);
    trace_reset();
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    add_task(s, sleeper, (void *)30, "30");
    add_task(s, sleeper, (void *)10, "10");
    add_task(s, sleeper, (void *)20, "20");
    add_task(s, sleeper, (void *)0, "0");
    cr_assert_eq(cf_sched_run(s), 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    assert_trace("0 10 20 30 ");
    double ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
    cr_assert_geq(ms, 30.0);
    cf_sched_free(s);
}

static int woke;
static cf_value sleep_once(void *arg)
{
    cf_task_sleep((int64_t)(intptr_t)arg);
    woke++;
    return cf_none();
}

/* Bad input: ten thousand tasks sleeping at once. */
Test(sched, ten_thousand_sleepers)
{
    cf_sched *s = sched_on(NULL, NULL);
    woke = 0;
    for (int i = 0; i < 10000; i++)
        add_task(s, sleep_once, (void *)(intptr_t)(10 + i % 7), "sleeper");
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(woke, 10000);
    cf_sched_free(s);
}

/* Items 74 and 75: a function the task calls may trap (stackful), and so
   may a sub-coroutine it delegates to, which gets the reply itself and
   returns a value. */
static int64_t nested_helper(int depth)
{
    if (depth == 0)
        return cf_task_id();
    return nested_helper(depth - 1);
}

static cf_value sub_recv(void *arg)
{
    (void)arg;
    cf_task_sleep(1);
    int64_t me = cf_task_id();
    cf_yield(cf_none()); /* a bare yield just gives up the processor */
    return cf_int(me * 10);
}

static cf_value delegating(void *arg)
{
    (void)arg;
    tracef("nested %lld ", (long long)nested_helper(5));
    cf_coro *sub = coro_of(sub_recv, NULL, "sub");
    cf_value v = cf_yield_from(sub);
    cf_coro_free(sub);
    tracef("sub returned %s ", str_of(v));
    return cf_none();
}

Test(sched, k74_k75_nested_calls_and_yield_from_trap)
{
    cf_sched *s = sched_on(NULL, NULL);
    trace_reset();
    add_task(s, delegating, NULL, "delegating");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("nested 1 sub returned 10 ");
    cf_sched_free(s);
}

static cf_value inner(void *arg)
{
    cf_cleanup c;
    cf_cleanup_push(&c, note_cleanup, arg);
    cf_task_sleep(100000);
    cf_cleanup_pop(&c, true);
    return cf_none();
}

static cf_coro *chain_sub;
static cf_value outer(void *arg)
{
    cf_cleanup c;
    cf_cleanup_push(&c, note_cleanup, arg);
    chain_sub = coro_of(inner, "inner", "inner");
    cf_yield_from(chain_sub);
    cf_cleanup_pop(&c, true);
    return cf_none();
}

static cf_value kill_first(void *arg)
{
    (void)arg;
    cf_task_yield();
    cf_task_kill(1);
    return cf_none();
}

/* Item 75: KillTask on a task deep in a yield-from chain closes the chain
   innermost first. */
Test(sched, k75_kill_closes_chain_innermost_first)
{
    cf_sched *s = sched_on(NULL, NULL);
    trace_reset();
    add_task(s, outer, "outer", "outer");
    add_task(s, kill_first, NULL, "killer");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("cleanup inner cleanup outer ");
    cf_coro_free(chain_sub);
    cf_sched_free(s);
}

static cf_value bad_trap(void *arg)
{
    (void)arg;
    cf_trap t = {.kind = (cf_trap_kind)77};
    cf_yield(cf_ptr(&t, CF_TRAP_TAG));
    return cf_none();
}

/* Bad input: an unknown trap kind raises ValueError in the task. */
Test(sched, unknown_trap_kind)
{
    struct cf_sched_opts o = {.on_error = on_error};
    cf_sched *s = sched_on(NULL, &o);
    trace_reset();
    add_task(s, bad_trap, NULL, "bad");
    cr_assert_eq(cf_sched_run(s), 1);
    assert_trace("unwaited 1 bad ValueError: unknown trap kind 77;");
    cf_sched_free(s);
}

static cf_value outside(void *arg)
{
    (void)arg;
    cf_task_sleep(1);
    return cf_none();
}

static cf_value nested_run(void *arg)
{
    tracef("nested run %d ", cf_sched_run(arg));
    return cf_none();
}

/* Misuse: the task calls outside a scheduler raise RuntimeError; a nested
   run is refused; options are checked. */
Test(sched, misuse)
{
    cf_coro *co = coro_of(outside, NULL, "outside");
    cr_assert_eq(cf_next(co, NULL), CF_RAISED);
    assert_error("RuntimeError: cf_task_sleep: not called from a scheduler "
                 "task");
    cf_error_clear();
    cf_coro_free(co);

    cf_sched *s = sched_on(NULL, NULL);
    trace_reset();
    add_task(s, nested_run, s, "nested");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("nested run -16 ");
    cr_assert_eq(cf_sched_add(s, NULL), -EINVAL);
    cf_sched_free(s);

    struct cf_sched_opts bad = {.poller = "kqueue"};
    cr_assert_eq(cf_sched_new(&s, &bad), -EINVAL);
    struct cf_sched_opts flags = {.flags = 0x80};
    cr_assert_eq(cf_sched_new(&s, &flags), -EINVAL);
    cr_assert_eq(cf_sched_new(NULL, NULL), -EINVAL);
}
