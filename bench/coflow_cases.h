/* SPDX-License-Identifier: MIT */
/* bench/coflow_cases.h - coflow's figures, one file per concern. */
#ifndef BENCH_COFLOW_CASES_H
#define BENCH_COFLOW_CASES_H

#include <coflow.h>

#include "bench.h"

/* coflow_send.c */
double coflow_roundtrip(long iters, long warmup, int64_t *check);
double coflow_roundtrip_fpenv(long iters, long warmup, int64_t *check);
double coflow_handler_send(long iters, long warmup, int64_t *check);
double coflow_create_destroy(long iters, long warmup, int64_t *check);
double coflow_roundtrip_owned_str(long iters, long warmup, int64_t *check);

/* coflow_delegate.c */
double coflow_yield_from_d1(long iters, long warmup, int64_t *check);
double coflow_yield_from_d8(long iters, long warmup, int64_t *check);
double coflow_yield_from_d64(long iters, long warmup, int64_t *check);

/* coflow_grep.c */
double coflow_grep_coroutine(long iters, long warmup, int64_t *check);
double coflow_grep_object(long iters, long warmup, int64_t *check);

/* Shared by the files above. */
cf_value bench_adder(void *arg);
cf_coro *bench_new_body(cf_body_fn fn, void *arg, const char *name,
                        unsigned flags, bool prime);
int64_t bench_send_loop(cf_coro *co, long iters);

#endif
