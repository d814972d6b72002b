/* SPDX-License-Identifier: MIT */
/*
 * bench/coflow_send.c - coflow's send round trip into a body coroutine
 * (with and without CF_CORO_FPENV), a send into a handler coroutine, and
 * create + first resume + close + free.
 */
#include "coflow_cases.h"

/* The body of every round trip: yields back each value sent in, plus one. */
cf_value bench_adder(void *arg)
{
    (void)arg;
    cf_value v = cf_yield(cf_none());
    for (;;)
        v = cf_yield(cf_int(cf_to_int(v) + 1));
}

cf_coro *bench_new_body(cf_body_fn fn, void *arg, const char *name,
                        unsigned flags, bool prime)
{
    cf_coro *co;
    int rc = cf_coro_new(
        &co, fn, arg,
        &(struct cf_coro_opts){.name = name, .prime = prime, .flags = flags});
    if (rc < 0) {
        fprintf(stderr, "cf_coro_new: %s\n", cf_strerror(rc));
        exit(1);
    }
    return co;
}

static void unexpected(cf_status st)
{
    fprintf(stderr, "send: unexpected status %d\n", (int)st);
    if (st == CF_RAISED)
        cf_error_print(cf_error_last(), stderr);
    exit(1);
}

/* `iters` sends of 0, 1, 2, ...; returns the sum of what came back. */
int64_t bench_send_loop(cf_coro *co, long iters)
{
    int64_t sum = 0;
    cf_value out;
    for (long i = 0; i < iters; i++) {
        cf_status st = cf_send(co, cf_int(i), &out);
        if (__builtin_expect(st != CF_YIELDED, 0))
            unexpected(st);
        sum += cf_to_int(out);
    }
    return sum;
}

static double timed_sends(cf_coro *co, long iters, long warmup, int64_t *check)
{
    bench_send_loop(co, warmup);
    uint64_t t0 = bench_now_ns();
    *check = bench_send_loop(co, iters);
    uint64_t t1 = bench_now_ns();
    return bench_per_op(t0, t1, iters);
}

double coflow_roundtrip(long iters, long warmup, int64_t *check)
{
    cf_coro *co = bench_new_body(bench_adder, NULL, "adder", 0, true);
    double ns = timed_sends(co, iters, warmup, check);
    cf_coro_free(co);
    return ns;
}

double coflow_roundtrip_fpenv(long iters, long warmup, int64_t *check)
{
    cf_coro *co =
        bench_new_body(bench_adder, NULL, "adder", CF_CORO_FPENV, true);
    double ns = timed_sends(co, iters, warmup, check);
    cf_coro_free(co);
    return ns;
}

/*
 * The handler's step: the same adder, as an object, doing what floor.c's
 * indirect call does (read an int, add 1, hand the result back) plus what
 * the step's contract asks of every step: the test of `op` (a close throws
 * in), the result stored in `*out`, a status. The values are ints the loop
 * made, read as `as.i` as add1 reads its int64_t (no cf_to_int() kind
 * test, which the floor does not pay either).
 */
static cf_status adder_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    (void)self;
    if (__builtin_expect(op != CF_OP_SEND, 0)) /* a close */
        return CF_RAISED;
    *out = cf_int(in.as.i + 1);
    return CF_YIELDED;
}

/* handler_send's loop: `iters` sends of 0, 1, 2, ...; the sum of what came
 * back, as floor_indirect_call() sums add1's results. */
static int64_t handler_send_loop(cf_coro *co, long iters)
{
    int64_t sum = 0;
    cf_value out;
    for (long i = 0; i < iters; i++) {
        cf_status st = cf_send(co, cf_int(i), &out);
        if (__builtin_expect(st != CF_YIELDED, 0))
            unexpected(st);
        sum += out.as.i;
    }
    return sum;
}

static double handler_send(long iters, long warmup, int64_t *check,
                           unsigned flags)
{
    cf_coro *co;
    int rc =
        cf_handler_new(&co, adder_step, NULL,
                       &(struct cf_coro_opts){.prime = true, .flags = flags});
    if (rc < 0) {
        fprintf(stderr, "cf_handler_new: %s\n", cf_strerror(rc));
        exit(1);
    }
    handler_send_loop(co, warmup);
    uint64_t t0 = bench_now_ns();
    *check = handler_send_loop(co, iters);
    uint64_t t1 = bench_now_ns();
    cf_coro_free(co);
    return bench_per_op(t0, t1, iters);
}

double coflow_handler_send(long iters, long warmup, int64_t *check)
{
    return handler_send(iters, warmup, check, 0);
}

/*
 * Create, run to the first yield (prime), close, free. cf_coro_new() is
 * called from the loop itself, as the peers' loops call theirs: the first
 * yield returns to its caller with the body's calls still on the CPU's
 * return-stack buffer (as fcontext's and every stackful switch does), so a
 * helper around it would add a mispredicted return of its own (7-8 ns on
 * the machine of issue 18) that the peers' loops do not pay.
 */
static int64_t create_destroy_loop(long iters)
{
    const struct cf_coro_opts opts = {.name = "adder", .prime = true};
    int64_t sum = 0;
    for (long i = 0; i < iters; i++) {
        cf_coro *co;
        int rc = cf_coro_new(&co, bench_adder, NULL, &opts);
        if (rc < 0) {
            fprintf(stderr, "cf_coro_new: %s\n", cf_strerror(rc));
            exit(1);
        }
        cf_value out;
        if (cf_close(co, &out) != CF_RETURNED)
            unexpected(CF_RAISED);
        sum += cf_coro_state(co) == CF_CLOSED;
        cf_coro_free(co);
    }
    return sum;
}

double coflow_create_destroy(long iters, long warmup, int64_t *check)
{
    create_destroy_loop(warmup);
    uint64_t t0 = bench_now_ns();
    *check = create_destroy_loop(iters);
    uint64_t t1 = bench_now_ns();
    return bench_per_op(t0, t1, iters);
}

/*
 * The body of the owned-string round trip: keeps each string sent in past
 * its frame (cf_value_keep: a reference, no copy), drops the one it kept
 * before, and yields back its length.
 */
static void drop_kept(void *kept)
{
    cf_value_drop(*(cf_value *)kept);
}

static cf_value owned_keeper(void *arg)
{
    (void)arg;
    cf_value kept = cf_none();
    cf_cleanup fin; /* the close at cf_coro_free() drops the last one */
    cf_cleanup_push(&fin, drop_kept, &kept);
    cf_value v = cf_yield(cf_none());
    while (cf_kind_of(v) != CF_NONE) {
        cf_value_drop(kept);
        kept = cf_value_keep(v);
        v = cf_yield(cf_int((int64_t)cf_len(kept)));
    }
    cf_cleanup_pop(&fin, true); /* a none sent in ends it */
    return cf_none();
}

/* `iters` sends of one owned string; returns the sum of what came back. */
static int64_t owned_send_loop(cf_coro *co, cf_value s, long iters)
{
    int64_t sum = 0;
    cf_value out;
    for (long i = 0; i < iters; i++) {
        cf_status st = cf_send(co, s, &out);
        if (__builtin_expect(st != CF_YIELDED, 0))
            unexpected(st);
        sum += cf_to_int(out);
    }
    return sum;
}

double coflow_roundtrip_owned_str(long iters, long warmup, int64_t *check)
{
    cf_coro *co = bench_new_body(owned_keeper, NULL, "keeper", 0, true);
    cf_value s = cf_str_own("python is nice");
    owned_send_loop(co, s, warmup);
    uint64_t t0 = bench_now_ns();
    *check = owned_send_loop(co, s, iters) - 14 * (int64_t)iters;
    uint64_t t1 = bench_now_ns();
    cf_coro_free(co);
    cf_value_drop(s);
    return bench_per_op(t0, t1, iters);
}
