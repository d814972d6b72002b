/* SPDX-License-Identifier: MIT */
/*
 * tests/scale/gdb_target.c - what make check-gdb runs under gdb: a few
 * coroutines in different states, then a stop at coflow_gdb_stop(), where
 * the script lists them and prints the backtrace of the suspended one.
 */
#include <coflow.h>

__attribute__((noinline)) void coflow_gdb_stop(void);
__attribute__((noinline)) void coflow_gdb_stop(void)
{
    __asm__ volatile("" ::: "memory");
}

static __attribute__((noinline)) int alpha_helper(int x)
{
    cf_value v = cf_yield(cf_int(x));
    return (int)cf_to_int(v) + x;
}

static cf_value alpha_body(void *arg)
{
    int r = alpha_helper(1);
    return cf_int(r);
}

static cf_value plain(void *arg)
{
    return cf_none();
}

static cf_status step(void *self, cf_op op, cf_value in, cf_value *out)
{
    *out = in;
    return CF_YIELDED;
}

int main(void)
{
    cf_coro *alpha, *beta, *gamma, *delta;
    if (cf_coro_new(&alpha, alpha_body, NULL,
                    &(struct cf_coro_opts){.name = "alpha", .prime = true})
        || cf_coro_new(&beta, plain, NULL,
                       &(struct cf_coro_opts){.name = "beta"})
        || cf_coro_new(&gamma, plain, NULL,
                       &(struct cf_coro_opts){.name = "gamma"})
        || cf_handler_new(&delta, step, NULL,
                          &(struct cf_coro_opts){.name = "delta"}))
        return 1;
    cf_next(gamma, NULL); /* returns: CLOSED */
    coflow_gdb_stop();
    cf_value v;
    int ok =
        cf_send(alpha, cf_int(41), &v) == CF_RETURNED && cf_to_int(v) == 42;
    cf_coro_free(alpha);
    cf_coro_free(beta);
    cf_coro_free(gamma);
    cf_coro_free(delta);
    return ok ? 0 : 1;
}
