/* SPDX-License-Identifier: MIT */
/*
 * bench/coflow_delegate.c - a send round trip through a chain of `yield
 * from`: depth d means d body coroutines each delegating to the next, the
 * last to an adder. Python:
 *
 *     def chain(sub):
 *         return (yield from sub)
 */
#include "coflow_cases.h"

static cf_value delegator(void *arg)
{
    return cf_yield_from(arg);
}

static double chain_roundtrip(int depth, long iters, long warmup,
                              int64_t *check)
{
    cf_coro *chain[65];
    chain[depth] = bench_new_body(bench_adder, NULL, "adder", 0, false);
    for (int k = depth - 1; k >= 0; k--)
        chain[k] = bench_new_body(delegator, chain[k + 1], "chain", 0, false);
    cf_value out;
    if (cf_next(chain[0], &out) != CF_YIELDED) {
        fprintf(stderr, "yield from chain did not start\n");
        exit(1);
    }
    bench_send_loop(chain[0], warmup);
    uint64_t t0 = bench_now_ns();
    *check = bench_send_loop(chain[0], iters);
    uint64_t t1 = bench_now_ns();
    /* Outermost first: its close closes the chain innermost first. */
    for (int k = 0; k <= depth; k++)
        cf_coro_free(chain[k]);
    return bench_per_op(t0, t1, iters);
}

double coflow_yield_from_d1(long iters, long warmup, int64_t *check)
{
    return chain_roundtrip(1, iters, warmup, check);
}

double coflow_yield_from_d8(long iters, long warmup, int64_t *check)
{
    return chain_roundtrip(8, iters, warmup, check);
}

double coflow_yield_from_d64(long iters, long warmup, int64_t *check)
{
    return chain_roundtrip(64, iters, warmup, check);
}
