/* SPDX-License-Identifier: MIT */
/*
 * tests/bridge/thread.c - the thread stage: a million values in order,
 * close and error propagation with stage names, a full queue, strings the
 * sender reuses, a target that finishes early, a full queue inside a
 * scheduler task suspending only that task (SEMANTICS item 68).
 */
#include <criterion/criterion.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include <coflow.h>

#include "bridge/common.h"
#include "support.h"

TestSuite(bridge_thread, .init = bridge_setup, .fini = bridge_teardown);

Test(bridge_thread, million_in_order)
{
    checker c;
    bridge_million_in_order(cf_bridge_thread, &c);
    cr_assert_eq(c.count, bridge_n());
}

Test(bridge_thread, small_queue_blocks_and_delivers)
{
    checker c;
    cf_coro *chk = checker_new(bp, &c, 1), *t;
    struct cf_bridge_opts o = {.queue = 8, .batch = 4, .name = "narrow"};
    cr_assert_eq(cf_bridge_thread(bp, &t, chk, &o), 0);
    cf_value r;
    cr_assert_eq(send_range(t, 50000, &r), CF_RETURNED, "%s", err_text());
    cr_assert_eq(cf_to_int(r), 50000LL * 49999 / 2);
}

Test(bridge_thread, pipeline_count_through_thread)
{
    static const char *lines[] = {"a python", "b", "python c", "d", "e python"};
    cf_value v[5];
    for (int i = 0; i < 5; i++)
        v[i] = cf_str(lines[i]);
    cf_coro *count, *t, *grep;
    cr_assert_eq(cf_pipe_count(bp, &count, NULL), 0);
    cr_assert_eq(cf_bridge_thread(bp, &t, count, NULL), 0);
    cr_assert_eq(cf_pipe_grep(bp, &grep, NULL, "python", t), 0);
    cf_value r;
    cr_assert_eq(cf_pipe_source_array(bp, v, 5, grep, NULL, &r), CF_RETURNED);
    cr_assert_eq(cf_to_int(r), 3);
}

static cf_status check_str(void *self, cf_op op, cf_value in, cf_value *out)
{
    int *n = self;
    *out = cf_none();
    if (op == CF_OP_THROW) {
        *out = cf_int(*n);
        return cf_error_is(cf_error_last(), &cf_generator_exit) ? CF_RETURNED
                                                                : CF_RAISED;
    }
    if (cf_is_none(in) && *n == 0)
        return CF_YIELDED;
    char want[32];
    snprintf(want, sizeof want, "line %d", *n);
    if (in.kind != CF_STR || cf_len(in) != strlen(want)
        || memcmp(cf_to_str(in), want, cf_len(in)) != 0)
        return cf_fail(&cf_value_error, "expected %s", want);
    (*n)++;
    return CF_YIELDED;
}

Test(bridge_thread, strings_are_copied)
{
    static int n;
    n = 0;
    cf_coro *chk = new_handler(check_str, &n, "strs", true), *t;
    cr_assert_eq(cf_pipe_add(bp, chk, NULL, 0), 0);
    cr_assert_eq(cf_bridge_thread(bp, &t, chk, NULL), 0);
    char buf[32];
    for (int i = 0; i < 100000; i++) {
        int len = snprintf(buf, sizeof buf, "line %d", i);
        cr_assert_eq(cf_send(t, cf_strn(buf, (size_t)len), NULL), CF_YIELDED);
        memset(buf, 'x', sizeof buf); /* the sender reuses its buffer */
    }
    cf_value r;
    cr_assert_eq(cf_close(t, &r), CF_RETURNED, "%s", err_text());
    cr_assert_eq(cf_to_int(r), 100000);
}

Test(bridge_thread, error_comes_back_with_stage_names)
{
    cf_coro *bad = raiser_new(bp, 1000), *t;
    cr_assert_eq(cf_bridge_thread(bp, &t, bad,
                                  &(struct cf_bridge_opts){.name = "worker"}),
                 0);
    cf_status s = send_range(t, 100000, NULL);
    cr_assert_eq(s, CF_RAISED);
    assert_error("ValueError: boom at 1000 (via 'worker')");
    cr_assert_str_eq(cf_error_coro(cf_error_last()), "raiser");
    cr_assert_eq(cf_coro_state(t), CF_CLOSED);
}

Test(bridge_thread, error_through_stages_on_both_sides)
{
    bridge_error_through_stages(cf_bridge_thread, "thread");
}

static cf_status bad_close(void *self, cf_op op, cf_value in, cf_value *out)
{
    (void)self;
    (void)in;
    *out = cf_none();
    if (op == CF_OP_THROW)
        return cf_fail(&cf_runtime_error, "cannot close");
    return CF_YIELDED;
}

Test(bridge_thread, error_at_close)
{
    cf_coro *bad = new_handler(bad_close, NULL, "badclose", true), *t;
    cr_assert_eq(cf_pipe_add(bp, bad, NULL, 0), 0);
    cr_assert_eq(cf_bridge_thread(bp, &t, bad, NULL), 0);
    cr_assert_eq(send_range(t, 10, NULL), CF_RAISED);
    assert_error("RuntimeError: cannot close (via 'thread')");
}

static cf_status head3(void *self, cf_op op, cf_value in, cf_value *out)
{
    int *n = self;
    *out = cf_none();
    if (op == CF_OP_THROW)
        return CF_RAISED;
    if (cf_is_none(in))
        return CF_YIELDED;
    if (++*n == 3) {
        *out = cf_str("enough");
        return CF_RETURNED;
    }
    return CF_YIELDED;
}

Test(bridge_thread, target_finishing_ends_the_stage)
{
    static int n;
    n = 0;
    cf_coro *h = new_handler(head3, &n, "head", true), *t;
    cr_assert_eq(cf_pipe_add(bp, h, NULL, 0), 0);
    cr_assert_eq(
        cf_bridge_thread(bp, &t, h, &(struct cf_bridge_opts){.batch = 1}), 0);
    cf_value r = cf_none();
    cf_status s = CF_YIELDED;
    for (int i = 0; i < 1000 && s == CF_YIELDED; i++)
        s = cf_send(t, cf_int(i), &r);
    /* The sender learns of the end at a later send, or at the close. */
    if (s == CF_YIELDED)
        s = cf_close(t, &r);
    cr_assert_eq(s, CF_RETURNED);
    cr_assert_str_eq(str_of(r), "enough");
}

Test(bridge_thread, thrown_error_crosses)
{
    checker c;
    cf_coro *chk = checker_new(bp, &c, 1), *t;
    cr_assert_eq(cf_bridge_thread(bp, &t, chk, NULL), 0);
    cr_assert_eq(cf_send(t, cf_int(0), NULL), CF_YIELDED);
    cr_assert_eq(cf_throw_new(t, &cf_type_error, "stop", NULL), CF_RAISED);
    assert_error("TypeError: stop");
    cr_assert_eq(c.count, 1);
}

Test(bridge_thread, freed_open_stage_closes_target)
{
    checker c;
    cf_coro *chk = checker_new(NULL, &c, 1), *t;
    cr_assert_eq(cf_bridge_thread(NULL, &t, chk, NULL), 0);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(cf_send(t, cf_int(i), NULL), CF_YIELDED);
    cr_assert_eq(cf_coro_free(t), 0);
    cr_assert_eq(c.count, 10);
    cr_assert_eq(cf_coro_state(chk), CF_CLOSED);
    cf_coro_free(chk);
}

/*
 * A full queue inside a scheduler task suspends only that task. The
 * target holds back every value until another task of the same scheduler
 * has run 100 times; were the whole thread blocked on the full queue, that
 * task could never run, and the gate gives up after 10 s with an error.
 */
static atomic_int released;
static int other_runs;

static cf_status gate(void *self, cf_op op, cf_value in, cf_value *out)
{
    int64_t *sum = self;
    *out = cf_none();
    if (op == CF_OP_THROW) {
        *out = cf_int(*sum);
        return cf_error_is(cf_error_last(), &cf_generator_exit) ? CF_RETURNED
                                                                : CF_RAISED;
    }
    if (cf_is_none(in))
        return CF_YIELDED;
    for (int i = 0; i < 10000 && !atomic_load(&released); i++)
        usleep(1000);
    if (!atomic_load(&released))
        return cf_fail(&cf_runtime_error, "never released");
    *sum += cf_to_int(in);
    return CF_YIELDED;
}

struct producer {
    cf_coro *bridge;
    cf_status s;
    cf_value r;
};

static cf_value producer_task(void *arg)
{
    struct producer *a = arg;
    a->s = send_range(a->bridge, 1000, &a->r);
    return cf_none();
}

static cf_value other_task(void *arg)
{
    (void)arg;
    for (other_runs = 0; other_runs < 100; other_runs++)
        cf_task_yield();
    atomic_store(&released, 1);
    return cf_none();
}

Test(bridge_thread, full_queue_suspends_only_the_task)
{
    static int64_t sum;
    sum = 0;
    atomic_store(&released, 0);
    other_runs = -1;
    cf_coro *g = new_handler(gate, &sum, "gate", true), *t;
    cr_assert_eq(cf_pipe_add(bp, g, NULL, 0), 0);
    struct cf_bridge_opts o = {.queue = 8, .batch = 4};
    cr_assert_eq(cf_bridge_thread(bp, &t, g, &o), 0);
    struct producer a = {.bridge = t};
    cf_sched *s = bridge_sched();
    cr_assert_gt(
        cf_sched_add(s, new_coro(producer_task, &a, "producer", false)), 0);
    cr_assert_gt(cf_sched_add(s, new_coro(other_task, NULL, "other", false)),
                 0);
    cr_assert_eq(cf_sched_run(s), 0);
    cf_sched_free(s);
    cr_assert_eq(a.s, CF_RETURNED, "%s", err_text());
    cr_assert_eq(cf_to_int(a.r), 999LL * 1000 / 2);
    cr_assert_eq(other_runs, 100);
}

/*
 * A task killed while it waits on a full queue: the wait raises
 * GeneratorExit into the stage, which closes its target (after what was
 * queued) and ends with that error.
 */
static int64_t victim_tid;

static cf_value killer_task(void *arg)
{
    (void)arg;
    for (int i = 0; i < 10; i++)
        cf_task_yield();
    atomic_store(&released, 1);
    cf_task_kill(victim_tid);
    return cf_none();
}

Test(bridge_thread, task_killed_on_a_full_queue)
{
    static int64_t sum;
    sum = 0;
    atomic_store(&released, 0);
    cf_coro *g = new_handler(gate, &sum, "gate", true), *t;
    cr_assert_eq(cf_pipe_add(bp, g, NULL, 0), 0);
    struct cf_bridge_opts o = {.queue = 8, .batch = 4};
    cr_assert_eq(cf_bridge_thread(bp, &t, g, &o), 0);
    struct producer a = {.bridge = t, .s = CF_YIELDED};
    cf_sched *s = bridge_sched();
    victim_tid =
        cf_sched_add(s, new_coro(producer_task, &a, "producer", false));
    cr_assert_gt(victim_tid, 0);
    cr_assert_gt(cf_sched_add(s, new_coro(killer_task, NULL, "killer", false)),
                 0);
    cr_assert_eq(cf_sched_run(s), 0);
    cf_sched_free(s);
    cr_assert_eq(a.s, CF_RAISED);
    cr_assert_eq(cf_coro_state(t), CF_CLOSED);
    cr_assert_eq(cf_coro_state(g), CF_CLOSED);
    cr_assert_gt(sum, 0);
}

/*
 * The publish rule (docs/bridge.md): the sender stores `tail` only every
 * few values, so values written after the last bulk publication must still
 * reach a target while the stage stays open and the sender sends nothing
 * more. `seen` counts what the target got; the test waits for it with a
 * generous bound (a failure, not a timing).
 */
static _Atomic int quiet_seen;
static _Atomic int quiet_sum;

static cf_status quiet_target(void *self, cf_op op, cf_value in, cf_value *out)
{
    int *slow = self;
    *out = cf_none();
    if (op == CF_OP_THROW)
        return cf_error_is(cf_error_last(), &cf_generator_exit) ? CF_RETURNED
                                                                : CF_RAISED;
    if (cf_is_none(in))
        return CF_YIELDED; /* priming */
    if (*slow && atomic_load(&quiet_seen) == 0)
        usleep(20000); /* busy while the sender writes the rest */
    atomic_fetch_add(&quiet_sum, (int)cf_to_int(in));
    atomic_fetch_add(&quiet_seen, 1);
    return CF_YIELDED;
}

static void wait_for_quiet(int n)
{
    for (int i = 0; i < 10000 && atomic_load(&quiet_seen) < n; i++)
        usleep(1000);
}

static void quiet_case(int slow, int pause_us, const int *counts, int ncounts)
{
    static int flag;
    flag = slow;
    atomic_store(&quiet_seen, 0);
    atomic_store(&quiet_sum, 0);
    cf_coro *tgt = new_handler(quiet_target, &flag, "quiet", true), *t;
    cr_assert_eq(cf_pipe_add(bp, tgt, NULL, 0), 0);
    cr_assert_eq(cf_bridge_thread(bp, &t, tgt, NULL), 0);
    int sent = 0, sum = 0;
    for (int k = 0; k < ncounts; k++) {
        if (pause_us > 0)
            usleep((useconds_t)pause_us); /* the worker polls or parks */
        for (int i = 0; i < counts[k]; i++, sent++) {
            sum += sent;
            cr_assert_eq(cf_send(t, cf_int(sent), NULL), CF_YIELDED);
        }
        /* quiet now, the stage open: everything sent arrives */
        wait_for_quiet(sent);
        cr_assert_eq(atomic_load(&quiet_seen), sent, "after %d values", sent);
        cr_assert_eq(atomic_load(&quiet_sum), sum);
    }
    cr_assert_eq(cf_close(t, NULL), CF_RETURNED, "%s", err_text());
}

Test(bridge_thread, quiet_sender_after_a_few_values_delivers_them)
{
    static const int counts[] = {1, 3, 15, 17, 1};
    quiet_case(0, 0, counts, 5);
}

Test(bridge_thread, quiet_sender_to_a_deeply_parked_worker_delivers)
{
    static const int counts[] = {5, 1, 33};
    quiet_case(0, 5000, counts, 3);
}

Test(bridge_thread, quiet_sender_to_a_polling_or_lightly_parked_worker_delivers)
{
    /* pauses between the worker's polling (about 11 us) and its deep sleep
       (after the light one's 50 us): whichever state the pause leaves it
       in, values that are only in `pending` arrive */
    static const int counts[] = {1, 2, 16, 1, 5};
    for (int pause = 5; pause <= 80; pause += 25)
        quiet_case(0, pause, counts, 5);
}

Test(bridge_thread, quiet_sender_behind_a_busy_worker_delivers)
{
    /* the worker is in the target while the sender writes 37 values: 32
       of them in `tail`, the last 5 only in `pending` */
    static const int counts[] = {37, 2};
    quiet_case(1, 0, counts, 2);
}

static atomic_int owned_freed;

static void owned_free(void *p)
{
    (void)p;
    atomic_fetch_add(&owned_freed, 1);
}

/*
 * Owned values crossing: the sender drops its string and pointer as soon as
 * each send returns; the worker still sees them whole (the string was
 * copied into the arena, the pointer kept until the worker sent it on), the
 * collect sink keeps them, and each destructor runs exactly once.
 */
Test(bridge_thread, owned_values_cross_and_are_dropped)
{
    static int obj = 5;
    atomic_store(&owned_freed, 0);
    cf_coro *coll, *t;
    cr_assert_eq(cf_pipe_collect(bp, &coll, "c"), 0);
    struct cf_bridge_opts o = {.queue = 8, .batch = 4};
    cr_assert_eq(cf_bridge_thread(bp, &t, coll, &o), 0);
    for (int i = 0; i < 20; i++) {
        char buf[16];
        snprintf(buf, sizeof buf, "s%d", i);
        cf_value s = cf_str_own(buf);
        cf_value p = cf_ptr_own(&obj, 9, owned_free);
        cr_assert_eq(cf_send(t, s, NULL), CF_YIELDED, "%s", err_text());
        cr_assert_eq(cf_send(t, p, NULL), CF_YIELDED, "%s", err_text());
        cf_value_drop(s);
        cf_value_drop(p);
    }
    cf_value r;
    cr_assert_eq(cf_close(t, &r), CF_RETURNED, "%s", err_text());
    size_t n;
    const cf_value *v = cf_pipe_collected(bp, coll, &n);
    cr_assert_eq(n, 40);
    cr_assert_str_eq(str_of(v[38]), "s19");
    cr_assert_eq(cf_to_ptr(v[39], 9), &obj);
    cr_assert_eq(atomic_load(&owned_freed), 0, "the sink keeps them");
    cf_pipe_free(bp);
    bp = NULL;
    cr_assert_eq(atomic_load(&owned_freed), 20);
}

/* A target on the worker that waits at its first value until the sender
 * says the ring holds more, then returns: the rest is never sent. */
static atomic_int queued;

static cf_status first_and_done(void *self, cf_op op, cf_value in,
                                cf_value *out)
{
    *out = cf_none();
    if (op == CF_OP_THROW)
        return CF_RAISED;
    if (cf_is_none(in))
        return CF_YIELDED;
    while (!atomic_load(&queued))
        sched_yield();
    *out = cf_str("done");
    return CF_RETURNED;
}

/*
 * The target ends early with owned values still in the ring, in the chunk
 * it was sent from and in later ones: the stage drops every reference it
 * kept, so each destructor runs once by the time the stage is finished.
 */
Test(bridge_thread, owned_values_left_in_the_ring_are_dropped)
{
    static int obj = 7;
    atomic_store(&owned_freed, 0);
    atomic_store(&queued, 0);
    cf_coro *h = new_handler(first_and_done, NULL, "first", true), *t;
    cr_assert_eq(cf_pipe_add(bp, h, NULL, 0), 0);
    struct cf_bridge_opts o = {.queue = 64, .batch = 4};
    cr_assert_eq(cf_bridge_thread(bp, &t, h, &o), 0);
    enum { N = 21 };
    for (int i = 0; i < N; i++) {
        cf_value p = cf_ptr_own(&obj, 9, owned_free);
        cr_assert_eq(cf_send(t, p, NULL), CF_YIELDED, "%s", err_text());
        cf_value_drop(p);
    }
    atomic_store(&queued, 1);
    cf_value r;
    cr_assert_eq(cf_close(t, &r), CF_RETURNED, "%s", err_text());
    cr_assert_str_eq(str_of(r), "done");
    cr_assert_eq(atomic_load(&owned_freed), N,
                 "every owned value the stage kept is dropped");
}
