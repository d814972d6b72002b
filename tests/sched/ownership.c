/* SPDX-License-Identifier: MIT */
/*
 * tests/sched/ownership.c - the ownership rule on failure (docs/design.md,
 * "Ownership on failure"): every sched call that takes a coroutine over
 * takes it over whatever it returns, so a failed call frees it. Counted
 * with cf_coro_foreach(): no coroutine is left alive after a refusal.
 */
#include <coflow/coop.h>

#include "sched/sched_test.h"

static int count_one(cf_coro *co, void *arg)
{
    (void)co;
    (*(int *)arg)++;
    return 0;
}

static int live(void)
{
    int n = 0;
    cr_assert_eq(cf_coro_foreach(count_one, &n), 0);
    return n;
}

static cf_value idle(void *arg)
{
    (void)arg;
    return cf_none();
}

/* A coroutine that has run to its end (CLOSED). */
static cf_coro *closed_coro(void)
{
    cf_coro *co = coro_of(idle, NULL, "closed");
    cf_value v;
    cr_assert_eq(cf_next(co, &v), CF_RETURNED);
    return co;
}

Test(sched_ownership, refused_outside_a_task)
{
    int before = live();
    cf_sched *s = sched_on(NULL, NULL);
    cf_group *g;
    cr_assert_eq(cf_group_new(&g), 0);

    cr_assert_eq(cf_sched_add(NULL, coro_of(idle, NULL, "a")), -EINVAL);
    cr_assert_eq(cf_sched_add(s, closed_coro()), -EINVAL);
    cr_assert_eq(cf_sched_add(s, NULL), -EINVAL);
    cr_assert_eq(cf_sched_spawn(NULL, coro_of(idle, NULL, "b")), -EINVAL);
    cr_assert_eq(cf_sched_spawn(s, closed_coro()), -EINVAL);
    cr_assert_eq(cf_sched_spawn(s, NULL), -EINVAL);
    cr_assert_eq(cf_group_spawn(NULL, coro_of(idle, NULL, "c")), -EINVAL);
    cr_assert_eq(cf_group_spawn(g, closed_coro()), -EINVAL);
    cr_assert_eq(cf_group_spawn(g, NULL), -EINVAL);
    cr_assert_eq(cf_group_spawn(g, coro_of(idle, NULL, "d")), -EPERM,
                 "outside a task");
    cr_assert_eq(live(), before, "every refused coroutine was freed");

    cf_group_free(g);
    cf_sched_free(s);
}

static cf_group *other_group;

static cf_value spawn_refusals(void *arg)
{
    (void)arg;
    /* a group bound to another scheduler */
    cr_assert_eq(cf_group_spawn(other_group, coro_of(idle, NULL, "x")), -EXDEV);
    cf_group *g;
    cr_assert_eq(cf_group_new(&g), 0);
    cr_assert_eq(cf_group_spawn(g, closed_coro()), -EINVAL);
    cf_group_free(g);
    CF_TRY
    {
        cf_task_spawn(closed_coro());
    }
    CF_EXCEPT(&cf_task_error, e)
    {
        tracef("%s; ", err_text());
    }
    CF_END_TRY;
    CF_TRY
    {
        cf_task_spawn(NULL);
    }
    CF_EXCEPT(&cf_task_error, e2)
    {
        tracef("%s; ", err_text());
    }
    CF_END_TRY;
    return cf_none();
}

static cf_value bind_group(void *arg)
{
    (void)arg;
    cr_assert_gt(cf_group_spawn(other_group, coro_of(idle, NULL, "m")), 0);
    return cf_none();
}

Test(sched_ownership, refused_in_a_task)
{
    int before = live();
    cf_sched *a = sched_on(NULL, NULL), *b = sched_on(NULL, NULL);
    cr_assert_eq(cf_group_new(&other_group), 0);
    add_task(a, bind_group, NULL, "bind");
    cr_assert_eq(cf_sched_run(a), 0);
    trace_reset();
    add_task(b, spawn_refusals, NULL, "refusals");
    cr_assert_eq(cf_sched_run(b), 0);
    assert_trace("TaskError: cf_task_spawn: closed coroutine; "
                 "TaskError: cf_task_spawn: NULL coroutine; ");
    cr_assert_eq(live(), before, "every refused coroutine was freed");
    cf_group_free(other_group);
    cf_sched_free(a);
    cf_sched_free(b);
}
