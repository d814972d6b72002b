/* SPDX-License-Identifier: MIT */
/*
 * tests/scale/sched_fault.c - failure injection in the scheduler's starts
 * (make CONFIG=fault, run under Valgrind by make check-fault). For N = 1,
 * 2, 3, ... the Nth allocation coflow makes fails (core/fault.c, shared by
 * the layers through src/common.h), through each way a task is started:
 *
 *   cf_sched_add() and cf_sched_spawn() on the scheduler's own thread,
 *     100 in a row, so that the task map and the ready queue grow too;
 *   cf_group_spawn() from inside a task;
 *   cf_sched_spawn() to a pool's scheduler from outside it: the request's
 *     allocation, and the task's at the scheduler's turn, which only the
 *     run can report (cf_sched_pool_run() returns -ENOMEM).
 *
 * Each refused start must return -ENOMEM and free the coroutine it was
 * given (the contract: taken over in every case), which the count of live
 * coroutines shows; every start that was accepted must run; and Valgrind
 * must find nothing leaked. Each walk ends at the first N that no
 * allocation reaches.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <coflow.h>
#include <coflow/coop.h>
#include <coflow/sched.h>

#include "fault.h"

#define TASKS 100

static int count_one(cf_coro *co, void *arg)
{
    (void)co;
    ++*(int *)arg;
    return 0;
}

static int live(void)
{
    int k = 0;
    cf_coro_foreach(count_one, &k);
    return k;
}

static int ran;

static cf_value task(void *arg)
{
    (void)arg;
    ran++;
    return cf_none();
}

static cf_coro *new_task(void)
{
    cf_coro *co = NULL;
    if (cf_coro_new(&co, task, NULL, &(struct cf_coro_opts){.name = "t"})
        != 0) {
        fprintf(stderr, "sched_fault: cf_coro_new failed unarmed\n");
        exit(2);
    }
    return co;
}

/* The walks: each returns whether the armed failure happened. */

/* cf_sched_add() (even i) and cf_sched_spawn() (odd i), 100 in a row. */
static bool walk_add(long n)
{
    const char *walk = "add";
    cf_sched *s = NULL;
    CHECK(cf_sched_new(&s, NULL) == 0);
    cf_coro *co[TASKS];
    for (int i = 0; i < TASKS; i++)
        co[i] = new_task();
    int added = 0, refused = 0;
    cf__fault_arm(n);
    for (int i = 0; i < TASKS; i++) {
        int before = live();
        int64_t rc = i % 2 == 0 ? cf_sched_add(s, co[i])
                                : (int64_t)cf_sched_spawn(s, co[i]);
        if (rc >= 0) {
            added++;
            CHECK(live() == before);
        } else {
            refused++;
            CHECK(rc == -ENOMEM);
            CHECK(live() == before - 1); /* freed: taken over */
        }
    }
    bool fired = cf__fault_fired(NULL);
    cf__fault_arm(0);
    CHECK(refused == (fired ? 1 : 0));
    ran = 0;
    CHECK(cf_sched_run(s) == 0);
    CHECK(ran == added);
    CHECK(live() == 0);
    cf_sched_free(s);
    return fired;
}

/* cf_group_spawn() from a task: the member it could not start is freed,
   the group does not count it, the others run. */
struct parent {
    long n;
    int spawned, refused, size;
    bool fired;
};

static cf_value parent(void *arg)
{
    struct parent *p = arg;
    const char *walk = "group";
    long n = p->n;
    cf_group *g = NULL;
    CHECK(cf_group_new(&g) == 0);
    cf_coro *co[TASKS / 4];
    for (int i = 0; i < TASKS / 4; i++)
        co[i] = new_task();
    cf__fault_arm(n);
    for (int i = 0; i < TASKS / 4; i++) {
        int before = live();
        int64_t id = cf_group_spawn(g, co[i]);
        if (id > 0) {
            p->spawned++;
            CHECK(live() == before);
        } else {
            p->refused++;
            CHECK(id == -ENOMEM);
            CHECK(live() == before - 1);
        }
    }
    p->fired = cf__fault_fired(NULL);
    cf__fault_arm(0);
    p->size = (int)cf_group_size(g);
    CHECK(cf_group_wait(g, -1) == 0);
    cf_group_free(g);
    return cf_none();
}

static bool walk_group(long n)
{
    const char *walk = "group";
    cf_sched *s = NULL;
    CHECK(cf_sched_new(&s, NULL) == 0);
    struct parent p = {.n = n};
    cf_coro *co = NULL;
    CHECK(cf_coro_new(&co, parent, &p, &(struct cf_coro_opts){.name = "p"})
          == 0);
    CHECK(cf_sched_add(s, co) > 0);
    ran = 0;
    CHECK(cf_sched_run(s) == 0);
    CHECK(p.refused == (p.fired ? 1 : 0));
    CHECK(p.size == p.spawned);
    CHECK(ran == p.spawned);
    CHECK(live() == 0);
    cf_sched_free(s);
    return p.fired;
}

/* cf_sched_spawn() to a pool's scheduler from a thread that does not run
   it: refused at once when the request cannot be allocated; otherwise the
   task is added at the scheduler's turn, and a failure there is the run's
   -ENOMEM. One scheduler, so the order of allocations is the same each
   time. */
static int lost_late; /* walks in which exactly one accepted start was lost */

static bool walk_pool(long n)
{
    const char *walk = "pool";
    cf_sched_pool *p = NULL;
    CHECK(cf_sched_pool_new(&p, 1, NULL) == 0);
    cf_sched *s = cf_sched_pool_get(p, 0);
    cf_coro *co[TASKS];
    for (int i = 0; i < TASKS; i++)
        co[i] = new_task();
    int accepted = 0;
    cf__fault_arm(n);
    for (int i = 0; i < TASKS; i++) {
        int before = live();
        int rc = cf_sched_spawn(s, co[i]);
        if (rc == 0) {
            accepted++;
        } else {
            CHECK(rc == -ENOMEM);
            CHECK(live() == before - 1);
        }
    }
    bool early = cf__fault_fired(NULL);
    ran = 0;
    int rc = cf_sched_pool_run(p);
    bool fired = cf__fault_fired(NULL);
    cf__fault_arm(0);
    CHECK(accepted == (early ? TASKS - 1 : TASKS));
    CHECK(rc == (fired && !early ? -ENOMEM : 0));
    CHECK(early ? ran == accepted : ran <= accepted);
    if (accepted == TASKS && ran == TASKS - 1)
        lost_late++;       /* the start lost at the turn was reported */
    cf_sched_pool_free(p); /* frees what the run did not start */
    CHECK(live() == 0);
    return fired;
}

static long walk_all(const char *name, bool (*fn)(long))
{
    long n;
    for (n = 1; fn(n); n++)
        ;
    printf("sched_fault: %s: failed each of %ld allocations in turn\n", name,
           n - 1);
    return n - 1;
}

int main(void)
{
    long add = walk_all("cf_sched_add/cf_sched_spawn", walk_add);
    long group = walk_all("cf_group_spawn", walk_group);
    long pool = walk_all("cf_sched_spawn to a pool", walk_pool);
    const char *walk = "end";
    long n = 0;
    /* Each walk reached the starts: more than one allocation each. */
    CHECK(add > TASKS && group >= TASKS / 4 && pool > TASKS);
    CHECK(lost_late > 0);
    printf("sched_fault: %d late start(s) lost and reported: %s\n", lost_late,
           failures == 0 ? "all failed cleanly" : "FAILURES");
    return failures == 0 ? 0 : 1;
}
