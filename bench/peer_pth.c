/* SPDX-License-Identifier: MIT */
/*
 * bench/peer_pth.c - GNU Pth (libpth-dev). Pth threads cannot be resumed by
 * name: pth_yield(tid) only hints which thread the scheduler should prefer.
 * Pth's user-space contexts can: pth_uctx_switch(from, to) runs exactly
 * `to`, so the round trip uses them (built on ucontext; each switch makes an
 * rt_sigprocmask system call). The value travels through a shared variable.
 * create_destroy: pth_uctx_create + pth_uctx_make with a 64 KiB stack Pth
 * allocates, one switch to the first yield, pth_uctx_destroy.
 */
#include <pth.h>

#include "bench.h"

#define STACK_SIZE (64 * 1024)

static pth_uctx_t main_uc, co_uc;
static int64_t slot;

static void adder(void *arg)
{
    (void)arg;
    for (;;) {
        slot += 1;
        pth_uctx_switch(co_uc, main_uc);
    }
}

static void make(void)
{
    if (!pth_uctx_create(&co_uc)
        || !pth_uctx_make(co_uc, NULL, STACK_SIZE, NULL, adder, NULL, NULL))
        bench_cannot("pth_uctx_make failed");
}

static int64_t sends(long iters)
{
    int64_t sum = 0;
    for (long i = 0; i < iters; i++) {
        slot = i;
        pth_uctx_switch(main_uc, co_uc);
        sum += slot;
    }
    return sum;
}

static double roundtrip(long iters, long warmup, int64_t *check)
{
    make();
    sends(warmup);
    uint64_t t0 = bench_now_ns();
    *check = sends(iters);
    uint64_t t1 = bench_now_ns();
    pth_uctx_destroy(co_uc);
    return bench_per_op(t0, t1, iters);
}

static int64_t create_destroy_loop(long iters)
{
    int64_t sum = 0;
    for (long i = 0; i < iters; i++) {
        make();
        slot = 0;
        pth_uctx_switch(main_uc, co_uc);
        sum += slot;
        pth_uctx_destroy(co_uc);
    }
    return sum;
}

static double create_destroy(long iters, long warmup, int64_t *check)
{
    return bench_time_loop(create_destroy_loop, iters, warmup, check);
}

static const struct bench_case cases[] = {
    {"roundtrip", "pth", roundtrip},
    {"create_destroy", "pth", create_destroy},
};

int main(int argc, char **argv)
{
    if (!pth_uctx_create(&main_uc))
        bench_cannot("pth_uctx_create failed");
    return bench_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
