/* SPDX-License-Identifier: MIT */
/*
 * tests/bridge/common.h - what the bridge tests share: an ordered-sum
 * checker stage, a stage that raises, and how many values to send (fewer
 * under Valgrind, which runs them far slower).
 */
#ifndef CF_TESTS_BRIDGE_COMMON_H
#define CF_TESTS_BRIDGE_COMMON_H

#include <stdint.h>

#include <coflow.h>

/* A million numbered values, or 20,000 under Valgrind. */
int64_t bridge_n(void);

/*
 * A checker: a handler stage that takes ints numbered from 0 in order
 * (anything else raises ValueError naming what it expected), and whose
 * close returns their sum. With `stride` > 1 it takes values v whose
 * v / stride rises for each producer v % stride (each has a share).
 */
typedef struct checker {
    int64_t next[16];
    int64_t stride;
    int64_t sum, count;
} checker;
cf_coro *checker_new(cf_pipe *p, checker *c, int64_t stride);

/* A stage that raises ValueError("boom at N") at the value N. */
cf_coro *raiser_new(cf_pipe *p, int64_t at);

/*
 * A new scheduler, with the epoll poller under Valgrind: Valgrind keeps its
 * one-thread-at-a-time lock across io_uring_enter(), so a worker thread
 * that would wake the waiting scheduler never runs.
 */
cf_sched *bridge_sched(void);

/*
 * The thread and process stages' suites share a fixture: a pipe, `bp`,
 * made before each test and freed (with what was added to it) after.
 */
extern cf_pipe *bp;
void bridge_setup(void);
void bridge_teardown(void);

/* cf_bridge_thread or cf_bridge_process. */
typedef int (*bridge_mk)(cf_pipe *p, cf_coro **out, cf_coro *target,
                         const struct cf_bridge_opts *opts);

/*
 * Sends bridge_n() numbered values through the stage `mk` makes around a
 * checker `c` in `bp`, closes it and checks that the sum came back.
 */
void bridge_million_in_order(bridge_mk mk, checker *c);

/*
 * A raiser behind "inner", then the stage, then "outer": the error names
 * each, ValueError: boom at 5 (via 'inner' <- NAME <- 'outer').
 */
void bridge_error_through_stages(bridge_mk mk, const char *name);

/* Sends 0..n-1 into `co` and closes it; the close's result. */
cf_status send_range(cf_coro *co, int64_t n, cf_value *out);

#endif
