/* SPDX-License-Identifier: MIT */
/*
 * bench/peer_pcl.c - the Portable Coroutine Library (libpcl1-dev, built on
 * ucontext): co_call() into the coroutine, co_resume() back out; the value
 * travels through a shared variable. create_destroy: co_create() with a
 * 64 KiB stack pcl allocates, co_call() to the first co_resume(), then
 * co_delete(), which frees a suspended coroutine without running any of it.
 */
#include <pcl.h>

#include "bench.h"

#define STACK_SIZE (64 * 1024)

static int64_t slot;

static void adder(void *arg)
{
    (void)arg;
    for (;;) {
        slot += 1;
        co_resume();
    }
}

static coroutine_t make(void)
{
    coroutine_t co = co_create(adder, NULL, NULL, STACK_SIZE);
    if (co == NULL)
        bench_cannot("co_create failed");
    return co;
}

static int64_t sends(coroutine_t co, long iters)
{
    int64_t sum = 0;
    for (long i = 0; i < iters; i++) {
        slot = i;
        co_call(co);
        sum += slot;
    }
    return sum;
}

static double roundtrip(long iters, long warmup, int64_t *check)
{
    coroutine_t co = make();
    sends(co, warmup);
    uint64_t t0 = bench_now_ns();
    *check = sends(co, iters);
    uint64_t t1 = bench_now_ns();
    co_delete(co);
    return bench_per_op(t0, t1, iters);
}

static int64_t create_destroy_loop(long iters)
{
    int64_t sum = 0;
    for (long i = 0; i < iters; i++) {
        coroutine_t co = make();
        slot = 0;
        co_call(co);
        sum += slot;
        co_delete(co);
    }
    return sum;
}

static double create_destroy(long iters, long warmup, int64_t *check)
{
    return bench_time_loop(create_destroy_loop, iters, warmup, check);
}

static const struct bench_case cases[] = {
    {"roundtrip", "pcl", roundtrip},
    {"create_destroy", "pcl", create_destroy},
};

int main(int argc, char **argv)
{
    co_thread_init();
    return bench_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
