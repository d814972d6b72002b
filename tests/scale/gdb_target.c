/* SPDX-License-Identifier: MIT */
/*
 * tests/scale/gdb_target.c - what make check-gdb runs under gdb: a few
 * coroutines in different states, then a stop at coflow_gdb_stop(), where
 * the script lists them and prints the backtraces of the suspended ones;
 * then sends into two more, whose yields tests/scale/gdb_check.py stops
 * in, steps through and finishes (each cf_yield() here is coflow/core.h's
 * inline one: zeta, with CF_CORO_FPENV, takes the library's path).
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

/* Yields 1, 2, 3, ... plus what it is sent. */
static __attribute__((noinline)) long eps_helper(long x)
{
    return (long)cf_to_int(cf_yield(cf_int(x))) + x;
}

static cf_value eps_body(void *arg)
{
    long n = 0;
    for (int i = 0; i < 100; i++)
        n = eps_helper(n + 1);
    return cf_int(n);
}

static __attribute__((noinline)) long zeta_helper(long x)
{
    return (long)cf_to_int(cf_yield(cf_int(x))) * 2;
}

static cf_value zeta_body(void *arg)
{
    long n = 0;
    for (int i = 0; i < 100; i++)
        n = zeta_helper(n + 1);
    return cf_int(n);
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
    cf_coro *alpha, *beta, *gamma, *delta, *eps, *zeta;
    if (cf_coro_new(&alpha, alpha_body, NULL,
                    &(struct cf_coro_opts){.name = "alpha", .prime = true})
        || cf_coro_new(&beta, plain, NULL,
                       &(struct cf_coro_opts){.name = "beta"})
        || cf_coro_new(&gamma, plain, NULL,
                       &(struct cf_coro_opts){.name = "gamma"})
        || cf_handler_new(&delta, step, NULL,
                          &(struct cf_coro_opts){.name = "delta"})
        || cf_coro_new(&eps, eps_body, NULL,
                       &(struct cf_coro_opts){.name = "eps", .prime = true})
        || cf_coro_new(&zeta, zeta_body, NULL,
                       &(struct cf_coro_opts){.name = "zeta",
                                              .prime = true,
                                              .flags = CF_CORO_FPENV}))
        return 1;
    cf_next(gamma, NULL); /* returns: CLOSED */
    coflow_gdb_stop();
    cf_value v;
    int ok =
        cf_send(alpha, cf_int(41), &v) == CF_RETURNED && cf_to_int(v) == 42;
    /* eps: 1 primed; sends 10, 20, 30 answer 12, 33, 64 */
    ok = ok && cf_send(eps, cf_int(10), &v) == CF_YIELDED && cf_to_int(v) == 12
         && cf_send(eps, cf_int(20), &v) == CF_YIELDED && cf_to_int(v) == 33
         && cf_send(eps, cf_int(30), &v) == CF_YIELDED && cf_to_int(v) == 64;
    /* zeta: 1 primed; sends 5, 7 answer 11, 15 */
    ok = ok && cf_send(zeta, cf_int(5), &v) == CF_YIELDED && cf_to_int(v) == 11
         && cf_send(zeta, cf_int(7), &v) == CF_YIELDED && cf_to_int(v) == 15;
    cf_coro_free(eps);
    cf_coro_free(zeta);
    cf_coro_free(alpha);
    cf_coro_free(beta);
    cf_coro_free(gamma);
    cf_coro_free(delta);
    return ok ? 0 : 1;
}
