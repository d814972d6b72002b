// SPDX-License-Identifier: MIT
/*
 * bench/peer_coroutine2.cpp - Boost.Coroutine2 (Boost 1.74), unidirectional
 * coroutines, so one direction of the round trip goes through a variable:
 *
 * - boost-coroutine2: a pull_type; the value goes in through a variable and
 *   comes back through the coroutine (sink(in + 1), then src.get());
 * - boost-coroutine2-push: a push_type; the value goes in through the
 *   coroutine (sink(i)) and comes back through a variable.
 *
 * Stacks: fixedsize_stack of 64 KiB. create_destroy: a pull_type runs to its
 * first sink() when constructed; its destructor unwinds the suspended stack
 * by throwing forced_unwind through it.
 */
#include <boost/coroutine2/all.hpp>

#include <cstdint>

#include "bench.h"

using coro = boost::coroutines2::coroutine<int64_t>;
using stack_alloc = boost::coroutines2::fixedsize_stack;

static const std::size_t stack_size = 64 * 1024;

static int64_t pull_sends(coro::pull_type &src, int64_t &in, long iters)
{
    int64_t sum = 0;
    for (long i = 0; i < iters; i++) {
        in = i;
        src();
        sum += src.get();
    }
    return sum;
}

static double pull_roundtrip(long iters, long warmup, int64_t *check)
{
    int64_t in = 0;
    coro::pull_type src(stack_alloc(stack_size), [&in](coro::push_type &sink) {
        for (;;)
            sink(in + 1);
    });
    pull_sends(src, in, warmup);
    uint64_t t0 = bench_now_ns();
    *check = pull_sends(src, in, iters);
    uint64_t t1 = bench_now_ns();
    return bench_per_op(t0, t1, iters);
}

static int64_t push_sends(coro::push_type &sink, int64_t &out, long iters)
{
    int64_t sum = 0;
    for (long i = 0; i < iters; i++) {
        sink(i);
        sum += out;
    }
    return sum;
}

static double push_roundtrip(long iters, long warmup, int64_t *check)
{
    int64_t out = 0;
    coro::push_type sink(stack_alloc(stack_size),
                         [&out](coro::pull_type &source) {
                             for (;;) {
                                 out = source.get() + 1;
                                 source();
                             }
                         });
    push_sends(sink, out, warmup);
    uint64_t t0 = bench_now_ns();
    *check = push_sends(sink, out, iters);
    uint64_t t1 = bench_now_ns();
    return bench_per_op(t0, t1, iters);
}

static int64_t create_destroy_loop(long iters)
{
    int64_t sum = 0;
    for (long i = 0; i < iters; i++) {
        coro::pull_type src(stack_alloc(stack_size), [](coro::push_type &sink) {
            for (;;)
                sink(1);
        });
        sum += src.get();
    }
    return sum;
}

static double create_destroy(long iters, long warmup, int64_t *check)
{
    return bench_time_loop(create_destroy_loop, iters, warmup, check);
}

static const struct bench_case cases[] = {
    {"roundtrip", "boost-coroutine2", pull_roundtrip},
    {"roundtrip", "boost-coroutine2-push", push_roundtrip},
    {"create_destroy", "boost-coroutine2", create_destroy},
};

int main(int argc, char **argv)
{
    return bench_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
