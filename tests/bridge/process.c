/* SPDX-License-Identifier: MIT */
/*
 * tests/bridge/process.c - the process stage: a million values in order,
 * close and error propagation, pointers through a codec (and without one),
 * a killed child and a crashing one (SEMANTICS item 68).
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <coflow.h>

#include "bridge/common.h"
#include "support.h"

TestSuite(bridge_process, .init = bridge_setup, .fini = bridge_teardown);

Test(bridge_process, million_in_order)
{
    checker c;
    bridge_million_in_order(cf_bridge_process, &c);
    cr_assert_eq(c.count, 0); /* the child's copy counted, not ours */
}

Test(bridge_process, pid_while_open)
{
    checker c;
    cf_coro *chk = checker_new(bp, &c, 1), *t;
    cr_assert_eq(cf_bridge_process(bp, &t, chk, NULL), 0);
    cr_assert_gt(cf_bridge_pid(t), 0);
    cr_assert_eq(cf_close(t, NULL), CF_RETURNED, "%s", err_text());
    cr_assert_eq(cf_bridge_pid(t), -1);
}

Test(bridge_process, error_comes_back_with_stage_names)
{
    cf_coro *bad = raiser_new(bp, 500), *t;
    cr_assert_eq(cf_bridge_process(bp, &t, bad,
                                   &(struct cf_bridge_opts){.name = "child"}),
                 0);
    cf_status s = send_range(t, 1000, NULL);
    cr_assert_eq(s, CF_RAISED);
    assert_error("ValueError: boom at 500 (via 'child')");
    cr_assert_str_eq(cf_error_coro(cf_error_last()), "raiser");
}

Test(bridge_process, error_through_stages_on_both_sides)
{
    bridge_error_through_stages(cf_bridge_process, "process");
}

Test(bridge_process, close_returns_a_string_result)
{
    static const char *lines[] = {"b", "zz", "a"};
    cf_value v[3];
    for (int i = 0; i < 3; i++)
        v[i] = cf_str(lines[i]);
    cf_coro *mx, *t;
    cr_assert_eq(cf_pipe_max(bp, &mx, NULL), 0);
    cr_assert_eq(cf_bridge_process(bp, &t, mx, NULL), 0);
    cf_value r;
    cr_assert_eq(cf_pipe_source_array(bp, v, 3, t, NULL, &r), CF_RETURNED, "%s",
                 err_text());
    cr_assert_str_eq(repr_of(r), "'zz'");
}

Test(bridge_process, killed_child_is_an_error_not_a_hang)
{
    checker c;
    cf_coro *chk = checker_new(bp, &c, 1), *t;
    cr_assert_eq(cf_bridge_process(bp, &t, chk, NULL), 0);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(cf_send(t, cf_int(i), NULL), CF_YIELDED);
    pid_t pid = cf_bridge_pid(t);
    cr_assert_eq(kill(pid, SIGKILL), 0);
    cf_status s = CF_YIELDED;
    for (int i = 100; i < 10000000 && s == CF_YIELDED; i++)
        s = cf_send(t, cf_int(i), NULL); /* a write finds it gone */
    cr_assert_eq(s, CF_RAISED);
    char want[128];
    snprintf(want, sizeof want,
             "BridgeError: process stage 'process': child %d was killed by "
             "signal 9 (Killed)",
             (int)pid);
    assert_error(want);
    cr_assert_eq(cf_coro_state(t), CF_CLOSED);
}

Test(bridge_process, killed_child_at_close)
{
    checker c;
    cf_coro *chk = checker_new(bp, &c, 1), *t;
    cr_assert_eq(cf_bridge_process(bp, &t, chk, NULL), 0);
    cr_assert_eq(cf_send(t, cf_int(0), NULL), CF_YIELDED);
    kill(cf_bridge_pid(t), SIGKILL);
    cr_assert_eq(cf_close(t, NULL), CF_RAISED);
    cr_assert(cf_error_is(cf_error_last(), &cf_bridge_error), "%s", err_text());
}

static cf_status crasher(void *self, cf_op op, cf_value in, cf_value *out)
{
    (void)self;
    *out = cf_none();
    if (op == CF_OP_SEND && cf_to_int(in) == 3)
        _exit(7); /* a crash, without a word */
    return op == CF_OP_THROW ? CF_RAISED : CF_YIELDED;
}

Test(bridge_process, crashing_child)
{
    cf_coro *cr = new_handler(crasher, NULL, "crasher", true), *t;
    cr_assert_eq(cf_pipe_add(bp, cr, NULL, 0), 0);
    cr_assert_eq(cf_bridge_process(bp, &t, cr, NULL), 0);
    cr_assert_eq(send_range(t, 10, NULL), CF_RAISED);
    cr_assert(strstr(err_text(), "BridgeError: process stage 'process': "
                                 "child ")
              != NULL);
    cr_assert(strstr(err_text(), "exited with status 7 before it answered")
                  != NULL,
              "%s", err_text());
}

/* A point {x, y} through a codec. */
struct point {
    int32_t x, y;
};
#define POINT_TAG 77

static ptrdiff_t point_encode(void *arg, const void *obj, void *buf, size_t cap)
{
    (void)arg;
    if (cap >= sizeof(struct point))
        memcpy(buf, obj, sizeof(struct point));
    return sizeof(struct point);
}

static int point_decode(void *arg, const void *data, size_t n, void **out)
{
    (void)arg;
    if (n != sizeof(struct point))
        return -1;
    struct point *pt = malloc(sizeof *pt);
    memcpy(pt, data, n);
    *out = pt;
    return 0;
}

static void point_release(void *arg, void *obj)
{
    (void)arg;
    free(obj);
}

static cf_status point_sum(void *self, cf_op op, cf_value in, cf_value *out)
{
    int64_t *sum = self;
    *out = cf_none();
    if (op == CF_OP_THROW) {
        *out = cf_int(*sum);
        return CF_RETURNED;
    }
    struct point *pt = cf_to_ptr(in, POINT_TAG);
    if (pt != NULL)
        *sum += pt->x * 1000 + pt->y;
    return CF_YIELDED;
}

Test(bridge_process, pointers_through_a_codec)
{
    cf_codec codec = {point_encode, point_decode, point_release, NULL};
    cr_assert_eq(cf_codec_register(POINT_TAG, &codec), 0);
    static int64_t sum;
    cf_coro *ps = new_handler(point_sum, &sum, "points", true), *t;
    cr_assert_eq(cf_pipe_add(bp, ps, NULL, 0), 0);
    cr_assert_eq(cf_bridge_process(bp, &t, ps, NULL), 0);
    for (int i = 0; i < 100; i++) {
        struct point pt = {i, 1};
        cr_assert_eq(cf_send(t, cf_ptr(&pt, POINT_TAG), NULL), CF_YIELDED, "%s",
                     err_text());
    }
    cf_value r;
    cr_assert_eq(cf_close(t, &r), CF_RETURNED, "%s", err_text());
    cr_assert_eq(cf_to_int(r), 4950 * 1000 + 100);
    cr_assert_eq(cf_codec_register(POINT_TAG, NULL), 0);
}

Test(bridge_process, pointer_without_codec_fails_at_the_send)
{
    checker c;
    cf_coro *chk = checker_new(bp, &c, 1), *t;
    cr_assert_eq(cf_bridge_process(bp, &t, chk, NULL), 0);
    int x;
    cr_assert_eq(cf_send(t, cf_int(0), NULL), CF_YIELDED);
    cr_assert_eq(cf_send(t, cf_ptr(&x, 4242), NULL), CF_RAISED);
    assert_error("TypeError: cannot send a pointer with tag 4242 across a "
                 "bridge: no codec registered for it");
    cr_assert_eq(cf_coro_state(t), CF_CLOSED);
}

Test(bridge_process, thrown_error_crosses)
{
    checker c;
    cf_coro *chk = checker_new(bp, &c, 1), *t;
    cr_assert_eq(cf_bridge_process(bp, &t, chk, NULL), 0);
    cr_assert_eq(cf_send(t, cf_int(0), NULL), CF_YIELDED);
    cr_assert_eq(cf_throw_new(t, &cf_type_error, "stop", NULL), CF_RAISED);
    assert_error("TypeError: stop (via 'process')");
}

/* ---- inside a scheduler task, a full socket parks only the task ---- */

#define SLOW_N 200000

static cf_status slow_counter(void *self, cf_op op, cf_value in, cf_value *out)
{
    static int64_t count;
    (void)self;
    *out = cf_none();
    if (op == CF_OP_SEND) {
        if (in.kind == CF_NONE)
            return CF_YIELDED; /* the priming */
        if (count++ == 0)
            usleep(300000); /* the parent fills the socket meanwhile */
        return cf_to_int(in) == count - 1
                   ? CF_YIELDED
                   : cf_fail(&cf_value_error, "out of order at %lld",
                             (long long)count);
    }
    if (cf_error_is(cf_error_last(), &cf_generator_exit)) {
        cf_error_clear();
        *out = cf_int(count);
        return CF_RETURNED;
    }
    return CF_RAISED;
}

static int ticks, producing;

static cf_value ticker_task(void *arg)
{
    (void)arg;
    while (producing) {
        ticks++;
        cf_task_yield();
    }
    return cf_none();
}

static cf_value slow_producer(void *arg)
{
    cf_coro *t = (cf_coro *)arg;
    int before = ticks;
    for (int64_t i = 0; i < SLOW_N; i++)
        cr_assert_eq(cf_send(t, cf_int(i), NULL), CF_YIELDED, "%s", err_text());
    cr_assert_gt(ticks, before, "the other task never ran: the send blocked");
    cf_value r;
    cr_assert_eq(cf_close(t, &r), CF_RETURNED, "%s", err_text());
    cr_assert_eq(cf_to_int(r), SLOW_N);
    producing = 0;
    return cf_none();
}

/* A send that would block (the child is slow) lets another task run. */
Test(bridge_process, full_socket_suspends_only_the_task)
{
    cf_coro *sc = new_handler(slow_counter, NULL, "slow", true), *t;
    cr_assert_eq(cf_pipe_add(bp, sc, NULL, 0), 0);
    cr_assert_eq(cf_bridge_process(bp, &t, sc, NULL), 0);
    ticks = 0;
    producing = 1;
    cf_sched *s = bridge_sched();
    cr_assert_gt(cf_sched_add(s, new_coro(slow_producer, t, "producer", false)),
                 0);
    cr_assert_gt(cf_sched_add(s, new_coro(ticker_task, NULL, "ticker", false)),
                 0);
    cr_assert_eq(cf_sched_run(s), 0);
    cf_sched_free(s);
}
