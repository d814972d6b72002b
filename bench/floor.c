/* SPDX-License-Identifier: MIT */
/*
 * bench/floor.c - the floors: the smallest register-swap round trip
 * (bench/floor_x86_64.S, x86-64 only) and one call through a function
 * pointer the compiler cannot see through.
 */
#include "floor.h"

#include <stdint.h>

#if defined(__x86_64__)
void *floor_swap(void **save_sp, void *const *load_sp, void *arg);
void floor_start(void);

static void *main_sp;
static void *co_sp;
static _Alignas(16) unsigned char floor_stack[64 * 1024];

/* The coroutine: each value sent in comes back plus one. */
static void floor_body(void *arg)
{
    intptr_t v = (intptr_t)arg;
    for (;;)
        v = (intptr_t)floor_swap(&co_sp, &main_sp, (void *)(v + 1));
}

/* A fresh stack whose first resume runs floor_start with r12 = body. */
static void floor_make(void)
{
    /* Seven slots popped; floor_start then needs a 16-byte aligned rsp. */
    uintptr_t top =
        (uintptr_t)(floor_stack + sizeof floor_stack) & ~(uintptr_t)15;
    void **sp = (void **)(top - 72);
    for (int i = 0; i < 6; i++)
        sp[i] = 0;
    sp[3] = (void *)(uintptr_t)floor_body; /* r12 */
    sp[6] = (void *)(uintptr_t)floor_start;
    co_sp = sp;
}

double floor_roundtrip(long iters, long warmup, int64_t *check)
{
    int64_t sum = 0;
    floor_make();
    for (long i = 0; i < warmup; i++)
        sum += (intptr_t)floor_swap(&main_sp, &co_sp, (void *)(intptr_t)i);
    uint64_t t0 = bench_now_ns();
    for (long i = 0; i < iters; i++)
        sum += (intptr_t)floor_swap(&main_sp, &co_sp, (void *)(intptr_t)i);
    uint64_t t1 = bench_now_ns();
    *check = sum;
    return bench_per_op(t0, t1, iters);
}
#else
double floor_roundtrip(long iters, long warmup, int64_t *check)
{
    (void)iters;
    (void)warmup;
    (void)check;
    bench_cannot("the floor switch is written for x86-64 only");
    return 0;
}
#endif

/* The callee: in another function, reached through a volatile pointer. */
__attribute__((noinline)) static int64_t add1(int64_t v)
{
    return v + 1;
}

static int64_t (*volatile floor_fp)(int64_t) = add1;

double floor_indirect_call(long iters, long warmup, int64_t *check)
{
    int64_t sum = 0;
    for (long i = 0; i < warmup; i++)
        sum += floor_fp(i);
    uint64_t t0 = bench_now_ns();
    for (long i = 0; i < iters; i++)
        sum += floor_fp(i);
    uint64_t t1 = bench_now_ns();
    *check = sum;
    return bench_per_op(t0, t1, iters);
}
