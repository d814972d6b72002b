/* SPDX-License-Identifier: MIT */
/*
 * bench/peer_ucontext.c - glibc's swapcontext(): the round trip and
 * create + first resume + free, with a 64 KiB malloc'd stack. The value
 * travels through a shared variable: ucontext has no channel of its own.
 * Each swapcontext() makes an rt_sigprocmask system call.
 */
#include <ucontext.h>

#include "bench.h"

#define STACK_SIZE (64 * 1024)

static ucontext_t main_uc, co_uc;
static int64_t slot;

static void adder(void)
{
    for (;;) {
        slot += 1;
        swapcontext(&co_uc, &main_uc);
    }
}

static void make(void *stack)
{
    getcontext(&co_uc);
    co_uc.uc_stack.ss_sp = stack;
    co_uc.uc_stack.ss_size = STACK_SIZE;
    co_uc.uc_link = NULL;
    makecontext(&co_uc, adder, 0);
}

static int64_t sends(long iters)
{
    int64_t sum = 0;
    for (long i = 0; i < iters; i++) {
        slot = i;
        swapcontext(&main_uc, &co_uc);
        sum += slot;
    }
    return sum;
}

static double roundtrip(long iters, long warmup, int64_t *check)
{
    void *stack = malloc(STACK_SIZE);
    make(stack);
    sends(warmup);
    uint64_t t0 = bench_now_ns();
    *check = sends(iters);
    uint64_t t1 = bench_now_ns();
    free(stack);
    return bench_per_op(t0, t1, iters);
}

static int64_t create_destroy_loop(long iters)
{
    int64_t sum = 0;
    for (long i = 0; i < iters; i++) {
        void *stack = malloc(STACK_SIZE);
        make(stack);
        slot = 0;
        swapcontext(&main_uc, &co_uc); /* to the first yield */
        sum += slot;
        free(stack); /* nothing to unwind: a ucontext is just memory */
    }
    return sum;
}

static double create_destroy(long iters, long warmup, int64_t *check)
{
    return bench_time_loop(create_destroy_loop, iters, warmup, check);
}

static const struct bench_case cases[] = {
    {"roundtrip", "swapcontext", roundtrip},
    {"create_destroy", "swapcontext", create_destroy},
};

int main(int argc, char **argv)
{
    return bench_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
