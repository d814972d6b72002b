// SPDX-License-Identifier: MIT
/*
 * bench/peer_fcontext.cpp - Boost.Context's jump_fcontext() (Boost 1.74,
 * libboost_context.so): the value travels in transfer_t.data. Its x86-64
 * switch saves MXCSR and the x87 control word every time. create_destroy:
 * a 64 KiB malloc'd stack, make_fcontext, one jump to the first yield, free
 * (fcontext has no unwinding: a suspended context is just memory).
 */
#include <boost/context/detail/fcontext.hpp>

#include <cstdint>

#include "bench.h"

namespace fc = boost::context::detail;

static const std::size_t stack_size = 64 * 1024;

static void adder(fc::transfer_t t)
{
    for (;;)
        t = fc::jump_fcontext(t.fctx, (void *)((intptr_t)t.data + 1));
}

static fc::fcontext_t make(char *stack)
{
    return fc::make_fcontext(stack + stack_size, stack_size, adder);
}

static int64_t sends(fc::fcontext_t *co, long iters)
{
    int64_t sum = 0;
    for (long i = 0; i < iters; i++) {
        fc::transfer_t t = fc::jump_fcontext(*co, (void *)(intptr_t)i);
        *co = t.fctx;
        sum += (intptr_t)t.data;
    }
    return sum;
}

static double roundtrip(long iters, long warmup, int64_t *check)
{
    char *stack = (char *)malloc(stack_size);
    fc::fcontext_t co = make(stack);
    sends(&co, warmup);
    uint64_t t0 = bench_now_ns();
    *check = sends(&co, iters);
    uint64_t t1 = bench_now_ns();
    free(stack);
    return bench_per_op(t0, t1, iters);
}

static int64_t create_destroy_loop(long iters)
{
    int64_t sum = 0;
    for (long i = 0; i < iters; i++) {
        char *stack = (char *)malloc(stack_size);
        fc::fcontext_t co = make(stack);
        sum += (intptr_t)fc::jump_fcontext(co, nullptr).data;
        free(stack);
    }
    return sum;
}

static double create_destroy(long iters, long warmup, int64_t *check)
{
    return bench_time_loop(create_destroy_loop, iters, warmup, check);
}

static const struct bench_case cases[] = {
    {"roundtrip", "boost-fcontext", roundtrip},
    {"create_destroy", "boost-fcontext", create_destroy},
};

int main(int argc, char **argv)
{
    return bench_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
