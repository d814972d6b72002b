/* SPDX-License-Identifier: MIT */
/*
 * tests/core/hammer.c - several threads sending into one coroutine at once:
 * each send either runs the coroutine or gets ValueError("generator already
 * executing"), never both at once. The body and the step count their runs
 * in plain (non-atomic) variables, so ThreadSanitizer (make check-tsan)
 * also checks that each run happens after the one before, whichever thread
 * made it: the guard's takeover between threads orders them.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

enum { THREADS = 4, SENDS = 3000 };

static atomic_int inside;  /* runs in progress: never more than one */
static atomic_int overlap; /* set if two ever were */
static long runs;          /* plain: only the running one touches it */

static void enter(void)
{
    if (atomic_fetch_add(&inside, 1) != 0)
        atomic_store(&overlap, 1);
    runs++;
    for (int i = 0; i < 20; i++) /* a window for the other threads */
        atomic_signal_fence(memory_order_seq_cst);
    if ((runs & 63) == 0)
        sched_yield(); /* sometimes be preempted while running */
    atomic_fetch_sub(&inside, 1);
}

static cf_value counted_body(void *arg)
{
    for (;;) {
        enter();
        cf_yield(cf_int(runs));
    }
    return cf_none();
}

static cf_status counted_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    if (op == CF_OP_THROW)
        return CF_RAISED;
    enter();
    *out = cf_int(runs);
    return CF_YIELDED;
}

struct tally {
    cf_coro *co;
    bool null_out; /* send with a NULL `out` (cf_send()'s slot) */
    long ran, busy, other;
};

static void *sender(void *arg)
{
    struct tally *t = arg;
    for (int i = 0; i < SENDS; i++) {
        cf_value v;
        cf_status st = t->null_out ? cf_send(t->co, cf_none(), NULL)
                                   : cf_send(t->co, cf_none(), &v);
        if (st == CF_YIELDED) {
            t->ran++;
        } else if (st == CF_RAISED /* (err_text() is not thread-safe) */
                   && cf_error_is(cf_error_last(), &cf_value_error)
                   && strcmp(cf_error_message(cf_error_last()),
                             "generator already executing")
                          == 0) {
            t->busy++;
            cf_error_clear();
        } else {
            t->other++;
            cf_error_clear();
        }
        if ((i & 15) == 0)
            sched_yield();
    }
    return NULL;
}

static void hammer_out(cf_coro *co, bool null_out)
{
    pthread_t th[THREADS];
    struct tally t[THREADS];
    long ran = 0, busy = 0;

    atomic_store(&inside, 0);
    atomic_store(&overlap, 0);
    runs = 1; /* the priming run */
    for (int i = 0; i < THREADS; i++) {
        t[i] = (struct tally){.co = co, .null_out = null_out};
        cr_assert_eq(pthread_create(&th[i], NULL, sender, &t[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        cr_assert_eq(t[i].other, 0, "thread %d: another outcome", i);
        ran += t[i].ran;
        busy += t[i].busy;
    }
    cr_assert_eq(atomic_load(&overlap), 0, "two threads ran it at once");
    cr_assert_eq(ran + busy, (long)THREADS * SENDS);
    cr_assert_eq(runs, ran + 1, "every send that ran it, and only those");
    cr_assert(ran > 0);
    /* Back on this thread, which takes it over once more. */
    cf_value v;
    cr_assert_eq(cf_send(co, cf_none(), &v), CF_YIELDED);
    cr_assert_eq(cf_to_int(v), ran + 2);
    cr_assert_eq(cf_close(co, NULL), CF_RETURNED);
    cr_assert_eq(cf_coro_free(co), 0);
}

static void hammer(cf_coro *co)
{
    hammer_out(co, false);
}

Test(hammer, threads_hammer_one_body)
{
    runs = 0;
    hammer(new_coro(counted_body, NULL, "hammered", true));
}

/* The same with the fence used where membarrier(2) is missing. */
Test(hammer, threads_hammer_with_the_mprotect_fence)
{
    setenv("COFLOW_FENCE", "mprotect", 1); /* before the first takeover */
    runs = 0;
    hammer(new_coro(counted_body, NULL, "hammered", true));
}

/* The handler the two tests below hammer, primed, with `runs` reset. */
static cf_coro *hammered_handler(void)
{
    cf_coro *h;
    runs = 0;
    cr_assert_eq(cf_handler_new(
                     &h, counted_step, NULL,
                     &(struct cf_coro_opts){.name = "hammered", .prime = true}),
                 0);
    return h;
}

Test(hammer, threads_hammer_one_handler)
{
    hammer(hammered_handler());
}

/* The same with a NULL `out`, which the inline send handles too. */
Test(hammer, threads_hammer_one_handler_null_out)
{
    hammer_out(hammered_handler(), true);
}
