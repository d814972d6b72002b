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
 *
 * Then a migration (sched/multi.c) that finds no room: a task woken from
 * another scheduler's thread moves to that scheduler, which puts it in its
 * task map; when the map is full and cannot grow, the task goes back home,
 * tied, and must still run to completion there, its value not lost.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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

/*
 * The migration that finds no room. Scheduler 0 (this thread) is home,
 * scheduler 1 the waker's: there a controller, tied to it, starts movers
 * on scheduler 0 one at a time with cf_sched_spawn() (so they are mobile)
 * and, once a mover waits on `go`, arms the next allocation to fail and
 * wakes it from its own thread. The mover, alone on its scheduler, moves
 * to scheduler 1 and stays there, parked, so that scheduler 1's map fills:
 * once past its load factor the map tries to grow at each move in, which
 * fails, and the move goes on while a slot is left; when none is, the
 * mover is sent back home, tied. There it must get the value it was woken
 * with, stay when woken from scheduler 1 again, and end; so must everyone.
 */
#define MOVERS 1000 /* a bound: the map is full long before */

struct mig {
    cf_sched_pool *p;
    cf_chan *hello, *go, *ack, *done;
    pid_t home; /* scheduler 0's thread (gettid()): this one */
    atomic_int ended;
    int started, moved, moved_no_grow, refused;
    bool fired_then_unfired; /* an adoption that did not try to grow after
                                one that did: the armed fault went elsewhere */
};

/* Whether the calling task runs on scheduler 0's thread. gettid(), a
   system call each time: pthread_self() is declared const, so a compiler
   may keep its value across a switch after which the task runs on another
   thread. */
static bool at_home(const struct mig *m)
{
    return gettid() == m->home;
}

/* The mover's answer on `ack`: the value it was woken with, and whether it
   ran at home. */
static int64_t answer(struct mig *m, cf_value v)
{
    return cf_to_int(v) * 2 + (at_home(m) ? 1 : 0);
}

static cf_value mover(void *arg)
{
    struct mig *m = arg;
    cf_value v = cf_none();
    cf_chan_send(m->hello, cf_none(), -1); /* on scheduler 0: it waits next */
    if (cf_chan_recv(m->go, &v, -1) == 0)
        cf_chan_send(m->ack, cf_int(answer(m, v)), -1);
    if (!at_home(m)) {
        cf_chan_recv(m->done, NULL, -1); /* moved: parked until the end */
    } else if (cf_chan_recv(m->go, &v, -1) == 0) { /* refused: woken again */
        cf_chan_send(m->ack, cf_int(answer(m, v)), -1);
    }
    atomic_fetch_add(&m->ended, 1);
    return cf_none();
}

/* Wakes the mover waiting on `go` with `k`, from this thread; its answer. */
static int64_t wake_mover(struct mig *m, long k)
{
    const char *walk = "migrate";
    long n = k;
    int rc;
    while ((rc = cf_chan_trysend(m->go, cf_int(k))) == -EAGAIN)
        cf_task_sleep(1); /* until it waits: the wake must cross threads */
    CHECK(rc == 0);
    cf_value v = cf_none();
    CHECK(cf_chan_recv(m->ack, &v, -1) == 0);
    return cf_is_none(v) ? -1 : cf_to_int(v);
}

static cf_value controller(void *arg)
{
    struct mig *m = arg;
    const char *walk = "migrate";
    (void)cf_sched_self(); /* ties it to scheduler 1 */
    cf_sched *home = cf_sched_pool_get(m->p, 0);
    bool fired_before = false;
    long n;
    for (n = 0; n < MOVERS && m->refused == 0; n++) {
        cf_coro *co = NULL;
        CHECK(cf_coro_new(&co, mover, m, &(struct cf_coro_opts){.name = "m"})
              == 0);
        CHECK(cf_sched_spawn(home, co) == 0);
        m->started++;
        CHECK(cf_chan_recv(m->hello, NULL, -1) == 0);
        cf__fault_arm(1); /* the map's growth, if it tries */
        int64_t a = wake_mover(m, n);
        bool fired = cf__fault_fired(NULL);
        cf__fault_arm(0);
        CHECK(a >= 0 && a / 2 == n); /* the value it was woken with */
        if (a % 2 == 0) {            /* moved to scheduler 1 */
            m->moved++;
            if (!fired)
                m->moved_no_grow++;
            if (fired_before && !fired)
                m->fired_then_unfired = true;
        } else { /* no room: back home, tied */
            m->refused++;
            CHECK(fired);
            int64_t again = wake_mover(m, n + MOVERS);
            CHECK(again == (n + MOVERS) * 2 + 1); /* still at home */
        }
        fired_before = fired_before || fired;
    }
    CHECK(cf_chan_close(m->done) == 0);
    return cf_none();
}

static void migrate_no_room(void)
{
    const char *walk = "migrate";
    long n = 0;
    struct mig m = {.home = gettid()};
    atomic_init(&m.ended, 0);
    /* A task lost on the way would leave the pool waiting for it forever:
       a generous cap turns that into a failure (SIGALRM). */
    alarm(600);
    CHECK(cf_sched_pool_new(&m.p, 2, NULL) == 0);
    CHECK(cf_chan_new(&m.hello, 1, CF_CHAN_SHARED) == 0);
    CHECK(cf_chan_new(&m.go, 0, CF_CHAN_SHARED) == 0);
    CHECK(cf_chan_new(&m.ack, 1, CF_CHAN_SHARED) == 0);
    CHECK(cf_chan_new(&m.done, 0, CF_CHAN_SHARED) == 0);
    cf_coro *co = NULL;
    CHECK(cf_coro_new(&co, controller, &m, &(struct cf_coro_opts){.name = "c"})
          == 0);
    CHECK(cf_sched_spawn(cf_sched_pool_get(m.p, 1), co) == 0);
    CHECK(cf_sched_pool_run(m.p) == 0);
    CHECK(m.refused == 1);
    CHECK(m.moved > m.moved_no_grow); /* moves in past the load factor */
    CHECK(m.moved_no_grow > 0);
    CHECK(!m.fired_then_unfired);
    CHECK(atomic_load(&m.ended) == m.started); /* every mover ran to its end */
    cf_chan_free(m.hello);
    cf_chan_free(m.go);
    cf_chan_free(m.ack);
    cf_chan_free(m.done);
    cf_sched_pool_free(m.p);
    CHECK(live() == 0);
    alarm(0);
    printf("sched_fault: migration: %d moved (%d with the map's growth "
           "failed), then 1 back home for want of room, ran there\n",
           m.moved, m.moved - m.moved_no_grow);
}

int main(void)
{
    long add = walk_all("cf_sched_add/cf_sched_spawn", walk_add);
    long group = walk_all("cf_group_spawn", walk_group);
    long pool = walk_all("cf_sched_spawn to a pool", walk_pool);
    migrate_no_room();
    const char *walk = "end";
    long n = 0;
    /* Each walk reached the starts: more than one allocation each. */
    CHECK(add > TASKS && group >= TASKS / 4 && pool > TASKS);
    CHECK(lost_late > 0);
    printf("sched_fault: %d late start(s) lost and reported: %s\n", lost_late,
           failures == 0 ? "all failed cleanly" : "FAILURES");
    return failures == 0 ? 0 : 1;
}
