/* SPDX-License-Identifier: MIT */
/*
 * tests/pipe/trace.c - a pipeline in the trace (coflow/trace.h): each
 * built-in stage created while tracing gets a slice per value on its own
 * track, nested in time inside its sender's, and the graph's events
 * (pass, drop, update, result) as instants; cf_pipe_trace() still takes
 * over the events; a pipeline built before the trace is not traced.
 */
#include <criterion/criterion.h>

#include "support.h"
#include "trace_check.h"

static void nop(void *arg, const char *stage, cf_pipe_event ev, cf_value v)
{
    (*(int *)arg)++;
}

Test(pipe_trace, stages_and_events)
{
    const char *path = trace_path("pipe");
    cr_assert_eq(cf_trace_start(path), 0);
    cf_pipe *p;
    cf_coro *max, *g;
    cr_assert_eq(cf_pipe_new(&p), 0);
    cr_assert_eq(cf_pipe_max(p, &max, "biggest"), 0);
    cr_assert_eq(cf_pipe_grep(p, &g, "grep 7", "7", max), 0);
    const cf_value in[] = {cf_str("17"), cf_str("3"), cf_str("77")};
    cf_value r;
    cr_assert_eq(cf_pipe_source_array(
                     p, in, 3, g, &(struct cf_source_opts){.name = "arr"}, &r),
                 CF_RETURNED);
    cr_assert_eq(cf_trace_stop(), 0);

    char *t = trace_file_text(path);
    /* one slice per value on each stage's track: 3 for grep, 2 for max */
    cr_assert_eq(count_of(t, "\"name\":\"recv\",\"cat\":\"pipe\""), 3 + 2);
    cr_assert_eq(count_of(t, "\"detail\":\"'3'\""), 3); /* send, recv, drop */
    cr_assert_eq(count_of(t, "\"name\":\"drop\",\"cat\":\"pipe\""), 1);
    cr_assert_eq(count_of(t, "\"name\":\"pass\",\"cat\":\"pipe\""), 2);
    cr_assert_eq(count_of(t, "\"name\":\"result\",\"cat\":\"pipe\""), 1);
    /* a close slice for each stage, a close event for them and the source */
    cr_assert_eq(count_of(t, "\"name\":\"close\",\"cat\":\"pipe\""), 2 + 3);
    cr_assert_eq(count_of(t, "\"name\":\"throw\""), 0);
    cr_assert_eq(count_of(t, "\"args\":{\"name\":\"grep 7\"}"), 1);
    cr_assert_eq(count_of(t, "\"args\":{\"name\":\"biggest\"}"), 1);
    cr_assert_eq(count_of(t, "\"args\":{\"name\":\"source arr\"}"), 1);
    /* grep's slice for '17' holds max's: max's B and E come before grep's
       E; tools/check-trace checks that each track's slices nest */
    long gb = pos_of(
        t, "\"name\":\"recv\",\"cat\":\"pipe\",\"args\":{\"detail\":\"'17'\"}");
    long m = pos_of(
        t + gb + 1,
        "\"name\":\"recv\",\"cat\":\"pipe\",\"args\":{\"detail\":\"'17'\"}");
    long ge = pos_of(t + gb, "{\"ph\":\"E\"");
    cr_assert(gb > 0 && m > 0 && ge > m, "max's slice inside grep's");
    free(t);
    trace_checked(path, "--expect pipe:recv --expect pipe:update");

    /* cf_pipe_trace() takes the events over; the slices stay */
    int n = 0;
    cf_pipe_trace(p, nop, &n);
    cr_assert_eq(cf_pipe_source_array(p, in, 1, g, NULL, &r), CF_RETURNED);
    cr_assert_gt(n, 0);
    cf_pipe_free(p);
    unlink(path);
}

Test(pipe_trace, built_before_the_trace)
{
    cf_pipe *p;
    cf_coro *c;
    cr_assert_eq(cf_pipe_new(&p), 0);
    cr_assert_eq(cf_pipe_count(p, &c, "count"), 0);
    const char *path = trace_path("pipe0");
    cr_assert_eq(cf_trace_start(path), 0);
    cf_value r;
    cr_assert_eq(cf_pipe_source_range(p, 0, 5, 1, c, NULL, &r), CF_RETURNED);
    cr_assert_eq(cf_to_int(r), 5);
    cr_assert_eq(cf_trace_stop(), 0);
    char *t = trace_file_text(path);
    cr_assert_eq(count_of(t, "\"cat\":\"pipe\""), 0);
    free(t);
    trace_checked(path, NULL);
    cf_pipe_free(p);
    unlink(path);
}

/* A stage created while tracing, run after the trace ended: untraced. */
Test(pipe_trace, run_after_the_trace)
{
    const char *path = trace_path("pipe1");
    cr_assert_eq(cf_trace_start(path), 0);
    cf_pipe *p;
    cf_coro *c;
    cr_assert_eq(cf_pipe_new(&p), 0);
    cr_assert_eq(cf_pipe_sum(p, &c, "sum"), 0);
    cr_assert_eq(cf_trace_stop(), 0);
    cf_value r;
    cr_assert_eq(cf_pipe_source_range(p, 0, 5, 1, c, NULL, &r), CF_RETURNED);
    cr_assert_eq(cf_to_int(r), 10);
    trace_checked(path, NULL);
    cf_pipe_free(p);
    unlink(path);
}
