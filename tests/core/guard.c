/* SPDX-License-Identifier: MIT */
/*
 * tests/core/guard.c - SEMANTICS.md group H, the "generator already
 * executing" guard, including the race between two threads; and misuse of
 * the setup calls.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "support.h"

#define CF_NAME_MAX_TEST 48 /* CF__NAME_MAX: names keep 47 bytes */

static cf_value selfish(void *arg)
{
    cf_coro *me = cf_current();
    cr_assert_eq(cf_next(me, NULL), CF_RAISED);
    tracef("next %s;", err_text());
    cr_assert_eq(cf_send(me, cf_int(1), NULL), CF_RAISED);
    tracef("send %s;", err_text());
    cr_assert_eq(cf_throw_new(me, &cf_value_error, "x", NULL), CF_RAISED);
    tracef("throw %s;", err_text());
    cr_assert_eq(cf_close(me, NULL), CF_RAISED);
    tracef("close %s;", err_text());
    cr_assert_eq(cf_coro_free(me), -EBUSY);
    cf_error_clear();
    cf_yield(cf_str("still fine"));
    return cf_none();
}

/*
 * Item 45: next/send/throw/close of a RUNNING generator raise ValueError at
 * the call site and do not disturb it (case gen_reentrant).
 */
Test(guard, item45_resuming_running_fails_at_call_site, .init = trace_reset)
{
    cf_value v;
    cf_coro *g = new_coro(selfish, NULL, "me", false);
    cr_assert_eq(cf_next(g, &v), CF_YIELDED);
    cr_assert_str_eq(str_of(v), "still fine");
    assert_trace("next ValueError: generator already executing;"
                 "send ValueError: generator already executing;"
                 "throw ValueError: generator already executing;"
                 "close ValueError: generator already executing;");
    cf_coro_free(g);
}

static cf_coro *ping_g, *pong_g;

static cf_value ping(void *arg)
{
    for (;;) {
        cf_value x = cf_yield(cf_none());
        if (cf_send(pong_g, cf_int(cf_to_int(x) + 1), NULL) == CF_RAISED)
            cf_reraise();
    }
    return cf_none();
}

static cf_value pong(void *arg)
{
    for (;;) {
        cf_value x = cf_yield(cf_none());
        if (cf_send(ping_g, cf_int(cf_to_int(x) + 1), NULL) == CF_RAISED)
            cf_reraise();
    }
    return cf_none();
}

/* Item 46: a send cycle hits the guard; uncaught, it closes both. */
Test(guard, item46_send_cycle)
{
    ping_g = new_coro(ping, NULL, "ping", true);
    pong_g = new_coro(pong, NULL, "pong", true);
    cr_assert_eq(cf_send(ping_g, cf_int(1), NULL), CF_RAISED);
    assert_error("ValueError: generator already executing");
    cr_assert_str_eq(cf_error_coro(cf_error_last()), "ping",
                     "the error names the coroutine that was running");
    cr_assert_eq(cf_coro_state(ping_g), CF_CLOSED);
    cr_assert_eq(cf_coro_state(pong_g), CF_CLOSED);
    cf_error_clear();
    cf_coro_free(ping_g);
    cf_coro_free(pong_g);
}

/* Threads: the guard is atomic. One thread runs the body, another tries. */
static atomic_int phase;

static cf_value slow_body(void *arg)
{
    for (;;) {
        atomic_store(&phase, 1); /* running: let the other thread try */
        while (atomic_load(&phase) != 2)
            sched_yield(); /* lets Valgrind, which runs one thread at a time, switch */
        cf_yield(cf_none());
    }
    return cf_none();
}

static void *contender(void *arg)
{
    cf_coro *g = arg;
    while (atomic_load(&phase) != 1)
        sched_yield(); /* lets Valgrind, which runs one thread at a time, switch */
    cf_status st = cf_send(g, cf_none(), NULL);
    char *text = strdup(err_text());
    cf_error_clear();
    atomic_store(&phase, 2);
    return st == CF_RAISED ? text : (free(text), NULL);
}

/*
 * Two threads resuming one coroutine: exactly one runs it, the other gets
 * ValueError("generator already executing") (Beazley's cocrash.py).
 */
Test(guard, two_threads_one_wins)
{
    pthread_t t;
    void *result;
    atomic_store(&phase, 0);
    cf_coro *g = new_coro(slow_body, NULL, "shared", false);
    pthread_create(&t, NULL, contender, g);
    cr_assert_eq(cf_next(g, NULL), CF_YIELDED);
    pthread_join(t, &result);
    cr_assert_not_null(result, "the loser must have raised");
    cr_assert_str_eq(result, "ValueError: generator already executing");
    free(result);
    cf_coro_free(g);
}

static void *resume_once(void *arg)
{
    cf_value v;
    cf_status st = cf_send(arg, cf_int(2), &v);
    return (void *)(intptr_t)(st == CF_YIELDED ? cf_to_int(v) : -1);
}

static cf_value doubles(void *arg)
{
    cf_value v = cf_yield(cf_none());
    for (;;)
        v = cf_yield(cf_int(cf_to_int(v) * 2));
    return cf_none();
}

/* A suspended coroutine can be resumed from another thread. */
Test(guard, resume_from_another_thread)
{
    pthread_t t;
    void *r;
    cf_coro *g = new_coro(doubles, NULL, "g", true);
    pthread_create(&t, NULL, resume_once, g);
    pthread_join(t, &r);
    cr_assert_eq((intptr_t)r, 4);
    cf_value v;
    cr_assert_eq(cf_send(g, cf_int(5), &v), CF_YIELDED);
    cr_assert_eq(cf_to_int(v), 10);
    cf_coro_free(g);
}

static cf_value noop(void *arg)
{
    return cf_none();
}

/* Misuse of the setup calls returns -errno and creates nothing. */
Test(guard, create_rejects_bad_arguments)
{
    cf_coro *co = (cf_coro *)1;
    cr_assert_eq(cf_coro_new(NULL, noop, NULL, NULL), -EINVAL);
    cr_assert_eq(cf_coro_new(&co, NULL, NULL, NULL), -EINVAL);
    cr_assert_null(co);
    cr_assert_eq(cf_coro_new(&co, noop, NULL,
                             &(struct cf_coro_opts){.stack_size = 1024}),
                 -EINVAL);
    cr_assert_eq(
        cf_coro_new(&co, noop, NULL,
                    &(struct cf_coro_opts){.stack_size = CF_STACK_MAX + 1}),
        -EINVAL);
    cr_assert_eq(
        cf_coro_new(&co, noop, NULL, &(struct cf_coro_opts){.flags = 0x80}),
        -EINVAL);
    cr_assert_eq(cf_handler_new(NULL, NULL, NULL, NULL), -EINVAL);
    cr_assert_eq(cf_coro_free(NULL), 0);
}

static cf_value raises_at_once(void *arg)
{
    cf_raise(&cf_value_error, "bad start");
}

/* Priming that does not reach a yield fails with -ECANCELED, and says why. */
Test(guard, priming_failures)
{
    cf_coro *co = (cf_coro *)1;
    cr_assert_eq(
        cf_coro_new(&co, raises_at_once, NULL,
                    &(struct cf_coro_opts){.name = "p", .prime = true}),
        -ECANCELED);
    cr_assert_null(co);
    assert_error("ValueError: bad start");
    cr_assert_eq(
        cf_coro_new(&co, noop, NULL,
                    &(struct cf_coro_opts){.name = "q", .prime = true}),
        -ECANCELED);
    assert_error("StopIteration: coroutine 'q' returned while being primed");
    cf_error_clear();
}

/* Names: given ones are kept (up to 47 bytes), defaults otherwise. */
Test(guard, names)
{
    cf_coro *a, *b;
    cr_assert_eq(cf_coro_new(&a, noop, NULL, NULL), 0);
    cr_assert_str_eq(cf_coro_name(a), "coroutine");
    char long_name[80];
    memset(long_name, 'n', sizeof long_name - 1);
    long_name[79] = '\0';
    cr_assert_eq(
        cf_coro_new(&b, noop, NULL, &(struct cf_coro_opts){.name = long_name}),
        0);
    cr_assert_eq(strlen(cf_coro_name(b)), 47);
    cf_coro_free(a);
    cf_coro_free(b);
}

/*
 * Names are copied a word at a time where that cannot leave the name's
 * page: every length from 0 to 60 at every offset of the words, a slot's
 * next name shorter than its last, and names that end against a page
 * nobody may read (an over-read there would crash), of bodies and
 * handlers alike.
 */
static cf_status name_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    (void)self;
    (void)op;
    (void)in;
    *out = cf_none();
    return CF_YIELDED;
}

static void check_name(const char *name, bool handler)
{
    char want[CF_NAME_MAX_TEST];
    snprintf(want, sizeof want, "%.47s", name);
    cf_coro *co;
    int rc = handler ? cf_handler_new(&co, name_step, NULL,
                                      &(struct cf_coro_opts){.name = name})
                     : cf_coro_new(&co, noop, NULL,
                                   &(struct cf_coro_opts){.name = name});
    cr_assert_eq(rc, 0);
    cr_assert_str_eq(cf_coro_name(co), want, "name of %zu bytes", strlen(name));
    cf_coro_free(co);
}

Test(guard, names_every_length_and_page_end)
{
    char buf[80];
    for (size_t off = 0; off < 8; off++)
        for (size_t len = 0; len <= 60; len++) {
            for (size_t k = 0; k < len; k++)
                buf[off + k] = (char)('a' + (k + off) % 26);
            buf[off + len] = '\0';
            check_name(buf + off, false);
            check_name(buf + off, len % 2 != 0);
        }
    long page = sysconf(_SC_PAGESIZE);
    char *map = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(map, MAP_FAILED);
    cr_assert_eq(mprotect(map + page, (size_t)page, PROT_NONE), 0);
    for (size_t len = 0; len < 64; len++) { /* its '\0' ends the page */
        char *name = map + page - len - 1;
        memset(name, 'z', len);
        name[len] = '\0';
        check_name(name, false);
        check_name(name, true);
    }
    munmap(map, 2 * (size_t)page);
}

/* Many coroutines with a small stack each, alive at once. */
Test(guard, many_small_coroutines)
{
    enum { N = 2000 };
    static cf_coro *cs[N];
    for (int i = 0; i < N; i++) {
        cr_assert_eq(
            cf_coro_new(&cs[i], doubles, NULL,
                        &(struct cf_coro_opts){.stack_size = CF_STACK_MIN,
                                               .prime = true}),
            0);
    }
    for (int i = 0; i < N; i++) {
        cf_value v;
        cf_send(cs[i], cf_int(i), &v);
        cr_assert_eq(cf_to_int(v), 2 * i);
        cf_coro_free(cs[i]);
    }
}

static cf_value local_reenters(void *arg)
{
    cf_coro *me = cf_current();
    cf_value v = cf_yield(cf_none());
    cr_assert_eq(cf_send(me, v, NULL), CF_RAISED);
    tracef("%s;", err_text());
    cf_error_clear();
    cf_yield(v);
    return cf_none();
}

/*
 * The guard on the owning thread (plain loads and stores, no atomic
 * read-modify-write) keeps every semantic, re-entrance included, for bodies
 * and handlers.
 */
Test(guard, owner_guard_keeps_the_semantics, .init = trace_reset)
{
    const struct cf_coro_opts local = {.name = "local"};
    cf_coro *b, *h, *r;
    cf_value v;
    cr_assert_eq(cf_coro_new(&b, echo_body, NULL, &local), 0);
    cr_assert_eq(cf_handler_new(&h, echo_step, NULL, &local), 0);
    cr_assert_eq(cf_coro_new(&r, local_reenters, NULL, &local), 0);
    cr_assert_eq(cf_send(b, cf_int(1), NULL), CF_RAISED, "first send");
    cf_error_clear();
    for (int i = 0; i < 2; i++) {
        cf_coro *co = i == 0 ? b : h;
        cr_assert_eq(cf_next(co, NULL), CF_YIELDED);
        cr_assert_eq(cf_send(co, cf_int(7), &v), CF_YIELDED);
        cr_assert_eq(cf_to_int(v), 7);
        cr_assert_eq(cf_close(co, NULL), CF_RETURNED);
        cr_assert_eq(cf_coro_state(co), CF_CLOSED);
    }
    cf_next(r, NULL);
    cr_assert_eq(cf_send(r, cf_int(3), &v), CF_YIELDED);
    assert_trace("ValueError: generator already executing;");
    cf_coro_free(b);
    cf_coro_free(h);
    cf_coro_free(r);
}
