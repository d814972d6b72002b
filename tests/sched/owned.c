/* SPDX-License-Identifier: MIT */
/*
 * tests/sched/owned.c - owned values through the scheduler: a task's owned
 * result outlives the task, each waiter owns a reference, and a result
 * nobody waits for is dropped.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "sched/sched_test.h"
#include "support.h"

static int freed;

static int count_one_live(cf_coro *co, void *arg)
{
    (void)co;
    ++*(int *)arg;
    return 0;
}

static void count_free(void *p)
{
    (void)p;
    freed++;
}

static cf_value result_in_local_buffer(void *arg)
{
    char buf[32];
    snprintf(buf, sizeof buf, "result of %lld", (long long)cf_task_id());
    cf_task_sleep(2);
    return cf_str_own(buf);
}

static cf_value waiter(void *arg)
{
    cf_value v = cf_task_wait((int64_t)(intptr_t)arg);
    cf_task_yield(); /* the task is freed by now; the value is not */
    tracef("%s;", str_of(v));
    cf_value_drop(v);
    return cf_none();
}

Test(sched_owned, result_outlives_the_task_for_each_waiter)
{
    cf_sched *s = sched_on(NULL, NULL);
    trace_reset();
    add_task(s, result_in_local_buffer, NULL, "producer");
    add_task(s, waiter, (void *)1, "w2");
    add_task(s, waiter, (void *)1, "w3");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("result of 1;result of 1;");
    cf_sched_free(s);
}

static cf_value returns_ptr(void *arg)
{
    static int obj;
    cf_task_yield();
    return cf_ptr_own(&obj, 3, count_free);
}

static cf_value waits_and_drops(void *arg)
{
    cf_value v = cf_task_wait(1);
    cr_assert_eq(freed, 0, "a waiter's reference keeps it");
    cf_value_drop(v);
    return cf_none();
}

Test(sched_owned, result_dropped_exactly_once)
{
    freed = 0;
    cf_sched *s = sched_on(NULL, NULL);
    add_task(s, returns_ptr, NULL, "p");
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(freed, 1, "nobody waited: the scheduler dropped it");
    cf_sched_free(s);

    freed = 0;
    s = sched_on(NULL, NULL);
    add_task(s, returns_ptr, NULL, "p");
    add_task(s, waits_and_drops, NULL, "w1");
    add_task(s, waits_and_drops, NULL, "w2");
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(freed, 1, "the last waiter's drop frees it");
    cf_sched_free(s);
}

static int64_t got_id;

static cf_value gettid_by_trap(void *arg)
{
    cf_trap t = {.kind = CF_TRAP_GETTID};
    cf_value sent = cf_trap_call(&t);
    got_id = t.id;
    tracef("id %lld sent %s;", (long long)t.id, str_of(sent));
    return cf_none();
}

/* pyos: mytid = yield GetTid() - the trap's id, and the tid sent back. */
Test(sched_owned, trap_call_returns_what_the_scheduler_sends)
{
    cf_sched *s = sched_on(NULL, NULL);
    trace_reset();
    add_task(s, gettid_by_trap, NULL, "t");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("id 1 sent 1;");
    cf_sched_free(s);
}

static cf_value trap_null(void *arg)
{
    return cf_trap_call(NULL);
}

static cf_value trap_outside(void *arg)
{
    cf_trap t = {.kind = CF_TRAP_GETTID};
    return cf_trap_call(&t);
}

Test(sched_owned, trap_call_misuse_raises)
{
    cf_coro *g = coro_of(trap_null, NULL, "g");
    cr_assert_eq(cf_next(g, NULL), CF_RAISED);
    assert_error("TypeError: cf_trap_call: NULL trap");
    cf_error_clear();
    cf_coro_free(g);
    g = coro_of(trap_outside, NULL, "g");
    cr_assert_eq(cf_next(g, NULL), CF_RAISED);
    assert_error(
        "RuntimeError: cf_trap_call: not called from a scheduler task");
    cf_error_clear();
    cf_coro_free(g);
}

static int live_count(void)
{
    int n = 0;
    cf_coro_foreach(count_one_live, &n);
    return n;
}

static cf_value finishes(void *arg)
{
    return cf_none();
}

/* One rule on failure: a call that takes a coroutine over frees it. */
Test(sched_owned, add_frees_the_coroutine_on_failure)
{
    int before = live_count();
    cf_sched *s = sched_on(NULL, NULL);
    cf_coro *done = coro_of(finishes, NULL, "done");
    cr_assert_eq(cf_next(done, NULL), CF_RETURNED);
    cr_assert_eq(cf_sched_add(s, done), -EINVAL);
    cr_assert_eq(cf_sched_add(NULL, coro_of(finishes, NULL, "x")), -EINVAL);
    cr_assert_eq(live_count(), before, "both were freed");
    cf_sched_free(s);
}
