/* SPDX-License-Identifier: MIT */
/*
 * tests/core/threads.c - coroutines and threads: resuming from another
 * thread, hand-offs back and forth, the two-thread race over many rounds,
 * errors that travel with a coroutine, and the stack pool under threads
 * that create and free at once. make check-tsan runs these under
 * ThreadSanitizer.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

static cf_value counter(void *arg)
{
    long n = 0;
    for (;;) {
        cf_value v = cf_yield(cf_int(n));
        n += cf_to_int(v);
    }
    return cf_none();
}

/* Two threads take turns driving one coroutine, a baton passed between. */
enum { ROUNDS = 2000 };
static atomic_int turn;

struct relay {
    cf_coro *co;
    int me;
    long last;
};

static void *relay_runner(void *arg)
{
    struct relay *r = arg;
    for (int i = 0; i < ROUNDS; i++) {
        while (atomic_load(&turn) != r->me)
            sched_yield(); /* lets Valgrind, which runs one thread at a time, switch */
        cf_value v;
        cr_assert_eq(cf_send(r->co, cf_int(1), &v), CF_YIELDED);
        r->last = cf_to_int(v);
        atomic_store(&turn, 1 - r->me);
    }
    return NULL;
}

Test(threads, baton_passed_between_two_threads)
{
    cf_coro *co = new_coro(counter, NULL, "relay", true);
    struct relay a = {co, 0, 0}, b = {co, 1, 0};
    pthread_t ta, tb;
    atomic_store(&turn, 0);
    pthread_create(&ta, NULL, relay_runner, &a);
    pthread_create(&tb, NULL, relay_runner, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    cr_assert_eq(a.last, 2 * ROUNDS - 1);
    cr_assert_eq(b.last, 2 * ROUNDS);
    cf_coro_free(co);
}

/* A coroutine that hops to a new thread on every resume. */
static void *send_one(void *arg)
{
    cf_value v;
    cf_status st = cf_send(arg, cf_int(3), &v);
    return (void *)(intptr_t)(st == CF_YIELDED ? cf_to_int(v) : -1);
}

Test(threads, a_new_thread_for_every_resume)
{
    cf_coro *co = new_coro(counter, NULL, "hopper", true);
    for (int i = 1; i <= 50; i++) {
        pthread_t t;
        void *r;
        pthread_create(&t, NULL, send_one, co);
        pthread_join(t, &r);
        cr_assert_eq((intptr_t)r, 3 * i);
    }
    cf_coro_free(co); /* freed by a thread that never resumed it */
}

/*
 * The race, many rounds: two threads send into one suspended coroutine at
 * once. The winner's body waits until the loser has tried, so the loser
 * always finds it RUNNING: exactly one success, one "already executing".
 */
static atomic_int tried, go, winners, losers;

static cf_value waits_for_loser(void *arg)
{
    for (;;) {
        while (atomic_load(&tried) == 0)
            sched_yield(); /* lets Valgrind, which runs one thread at a time, switch */
        cf_yield(cf_none());
    }
    return cf_none();
}

static void *racer(void *arg)
{
    while (atomic_load(&go) == 0)
        sched_yield(); /* lets Valgrind, which runs one thread at a time, switch */
    cf_status st = cf_send(arg, cf_none(), NULL);
    if (st == CF_YIELDED) {
        atomic_fetch_add(&winners, 1);
    } else {
        cr_assert_str_eq(err_text(), "ValueError: generator already executing");
        cf_error_clear();
        atomic_fetch_add(&losers, 1);
        atomic_store(&tried, 1);
    }
    return NULL;
}

Test(threads, two_threads_race_many_rounds)
{
    cf_coro *co = new_coro(waits_for_loser, NULL, "contested", false);
    atomic_store(&tried, 1);
    cr_assert_eq(cf_next(co, NULL), CF_YIELDED);
    for (int round = 0; round < 200; round++) {
        pthread_t a, b;
        atomic_store(&tried, 0);
        atomic_store(&go, 0);
        atomic_store(&winners, 0);
        atomic_store(&losers, 0);
        pthread_create(&a, NULL, racer, co);
        pthread_create(&b, NULL, racer, co);
        atomic_store(&go, 1);
        pthread_join(a, NULL);
        pthread_join(b, NULL);
        cr_assert_eq(atomic_load(&winners), 1, "round %d", round);
        cr_assert_eq(atomic_load(&losers), 1, "round %d", round);
        cr_assert_eq(cf_coro_state(co), CF_SUSPENDED);
    }
    cf_coro_free(co);
}

/* An error raised in a coroutine on one thread is read on that thread. */
static cf_value raises_on_second(void *arg)
{
    cf_yield(cf_none());
    cf_raise(&cf_value_error, "raised on the second send");
}

static void *second_send(void *arg)
{
    cf_status st = cf_send(arg, cf_none(), NULL);
    char *text = strdup(err_text());
    cr_assert_eq(st, CF_RAISED);
    cr_assert_str_eq(cf_error_coro(cf_error_last()), "raiser");
    cf_error_clear();
    return text;
}

Test(threads, error_comes_out_where_it_was_resumed)
{
    cf_coro *co = new_coro(raises_on_second, NULL, "raiser", true);
    pthread_t t;
    void *text;
    pthread_create(&t, NULL, second_send, co);
    pthread_join(t, &text);
    cr_assert_str_eq(text, "ValueError: raised on the second send");
    free(text);
    cr_assert_null(cf_error_last(), "the main thread handles nothing");
    cr_assert_eq(cf_coro_state(co), CF_CLOSED);
    cf_coro_free(co);
}

/*
 * The pool under threads: each creates, primes, resumes and frees, with
 * sizes mixed, and hands some of its coroutines to the next thread to free
 * (its stack then goes to that thread's free list).
 */
enum { WORKERS = 4, PER_WORKER = 1500, HANDED = 64 };
static cf_coro *handed[WORKERS][HANDED];

static void *pool_worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    static const size_t sizes[] = {CF_STACK_MIN, CF_STACK_DEFAULT,
                                   3 * CF_STACK_MIN};
    for (int i = 0; i < PER_WORKER; i++) {
        cf_coro *co;
        cr_assert_eq(
            cf_coro_new(&co, counter, NULL,
                        &(struct cf_coro_opts){
                            .stack_size = sizes[(i + id) % 3], .prime = true}),
            0);
        cf_value v;
        cr_assert_eq(cf_send(co, cf_int(i), &v), CF_YIELDED);
        cr_assert_eq(cf_to_int(v), i);
        if (i < HANDED)
            handed[id][i] = co;
        else
            cf_coro_free(co);
    }
    return NULL;
}

static void *free_handed(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int i = 0; i < HANDED; i++)
        cf_coro_free(handed[id][i]);
    return NULL;
}

Test(threads, pool_shared_by_threads)
{
    pthread_t t[WORKERS];
    for (int k = 0; k < WORKERS; k++)
        pthread_create(&t[k], NULL, pool_worker, (void *)(intptr_t)k);
    for (int k = 0; k < WORKERS; k++)
        pthread_join(t[k], NULL);
    for (int k = 0; k < WORKERS; k++)
        pthread_create(&t[k], NULL, free_handed,
                       (void *)(intptr_t)((k + 1) % WORKERS));
    for (int k = 0; k < WORKERS; k++)
        pthread_join(t[k], NULL);
    /* The stacks the threads kept went back to the pool when they ended. */
    pthread_create(&t[0], NULL, pool_worker, (void *)(intptr_t)0);
    pthread_join(t[0], NULL);
    pthread_create(&t[0], NULL, free_handed, (void *)(intptr_t)0);
    pthread_join(t[0], NULL);
}

/* Coroutines created on one thread, run to the end on others. */
static cf_value three_then_done(void *arg)
{
    cf_yield(cf_int(1));
    cf_yield(cf_int(2));
    return cf_int(3);
}

static void *drain(void *arg)
{
    cf_coro **cs = arg;
    long sum = 0;
    for (int i = 0; i < 100; i++) {
        cf_value v;
        cf_status st;
        CF_FOREACH (cs[i], v, st)
            sum += cf_to_int(v);
        cr_assert_eq(st, CF_RETURNED);
        sum += cf_to_int(v);
    }
    return (void *)(intptr_t)sum;
}

Test(threads, created_here_finished_there)
{
    static cf_coro *cs[2][100];
    pthread_t t[2];
    void *r;
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 100; i++)
            cs[k][i] = new_coro(three_then_done, NULL, "migrant", false);
    for (int k = 0; k < 2; k++)
        pthread_create(&t[k], NULL, drain, cs[k]);
    for (int k = 0; k < 2; k++) {
        pthread_join(t[k], &r);
        cr_assert_eq((intptr_t)r, 600);
    }
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 100; i++)
            cf_coro_free(cs[k][i]);
}
