/* SPDX-License-Identifier: MIT */
/*
 * tests/core/trace.c - the trace (coflow/trace.h): starting and stopping,
 * bad paths and failing writes, the slices of resumes and yields (nested
 * coroutines, yield from, return, raise), user events, threads, a stop
 * from inside a coroutine, COFLOW_TRACE, and a forked child. Each trace is
 * checked by tools/check-trace (JSON, Perfetto's fields, B/E balanced and
 * ts in order per track) and its events counted.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "support.h"
#include "trace_check.h"

static cf_value adder(void *arg)
{
    long sum = 0;
    for (;;)
        sum += cf_to_int(cf_yield(cf_int(sum)));
    return cf_none();
}

static cf_coro *new_adder(const char *name)
{
    return new_coro(adder, NULL, name, true);
}

Test(trace, off_by_default)
{
    cr_assert_not(cf_trace_enabled());
    cr_assert_eq(cf_trace_track(NULL, "x"), 0);
    cf_trace_instant(0, NULL, "nothing", NULL); /* no trace: no effect */
    cf_trace_begin(0, NULL, "nothing", NULL);
    cf_trace_end(0);
    cr_assert_eq(cf_trace_stop(), -EINVAL);
}

Test(trace, start_stop_resumes)
{
    const char *path = trace_path("basic");
    cf_coro *before = new_adder("before"); /* traced from its next resume */
    cr_assert_eq(cf_trace_start(path), 0);
    cr_assert(cf_trace_enabled());
    cf_coro *after = new_adder("after"); /* primed: one resume */
    cf_value out;
    for (int i = 1; i <= 3; i++) {
        cr_assert_eq(cf_send(before, cf_int(i), &out), CF_YIELDED);
        cr_assert_eq(cf_send(after, cf_int(i), &out), CF_YIELDED);
    }
    cr_assert_eq(cf_to_int(out), 6); /* the values still flow */
    cr_assert_eq(cf_trace_stop(), 0);
    cr_assert_not(cf_trace_enabled());
    cr_assert_eq(cf_send(before, cf_int(1), &out), CF_YIELDED); /* untraced */

    char *t = trace_file_text(path);
    cr_assert_eq(
        strncmp(t, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", 39), 0);
    cr_assert_eq(count_of(t, "\"name\":\"before\",\"cat\":\"coro\""), 3);
    cr_assert_eq(count_of(t, "\"name\":\"after\",\"cat\":\"coro\""), 4);
    cr_assert_eq(
        count_of(t, "\"name\":\"before\",\"args\":{\"how\":\"yield\"}"), 3);
    cr_assert_eq(count_of(t, "\"name\":\"thread_name\",\"args\":{\"name\":"
                             "\"after\"}"),
                 1);
    cr_assert_eq(count_of(t, "\"process_name\""), 1);
    free(t);
    trace_checked(path, "--tracks 2 --expect coro:before --expect coro:after");
    cf_coro_free(before);
    cf_coro_free(after);
    unlink(path);
}

Test(trace, bad_paths)
{
    cr_assert_eq(cf_trace_start(NULL), -EINVAL);
    cr_assert_eq(cf_trace_start(""), -EINVAL);
    cr_assert_eq(cf_trace_start("/nonexistent-dir/x/trace.json"), -ENOENT);
    cr_assert_eq(cf_trace_start("/"), -EISDIR);
    cr_assert_not(cf_trace_enabled());
    /* Nothing is left half started: a good path still works. */
    const char *path = trace_path("bad");
    cr_assert_eq(cf_trace_start(path), 0);
    cr_assert_eq(cf_trace_start(path), -EALREADY);
    cr_assert_eq(cf_trace_stop(), 0);
    cr_assert_eq(cf_trace_stop(), -EINVAL);
    trace_checked(path, NULL);
    unlink(path);
}

/* A device with no room: the first write fails, the error comes back. */
Test(trace, write_error)
{
    if (access("/dev/full", W_OK) != 0)
        cr_skip_test("no /dev/full");
    cr_assert_eq(cf_trace_start("/dev/full"), -ENOSPC);
    cr_assert_not(cf_trace_enabled());
    cf_coro *co = new_adder("still works");
    cf_value out;
    cr_assert_eq(cf_send(co, cf_int(2), &out), CF_YIELDED);
    cr_assert_eq(cf_to_int(out), 2);
    cf_coro_free(co);
}

/*
 * Writes that start failing after the start (a file size limit): the
 * events are dropped, the process goes on, the stop says why.
 */
Test(trace, write_error_later)
{
    const char *path = trace_path("fsize");
    cr_assert_eq(cf_trace_start(path), 0);
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = {100000, 100000};
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    cf_coro *co = new_adder("busy");
    cf_value out;
    for (int i = 0; i < 20000; i++)
        cr_assert_eq(cf_send(co, cf_int(1), &out), CF_YIELDED);
    cr_assert_eq(cf_to_int(out), 20000);
    cr_assert_eq(cf_trace_stop(), -EFBIG);
    cf_coro_free(co);
    unlink(path);
}

static cf_coro *inner;

static cf_value outer_body(void *arg)
{
    cf_value v = cf_int(0);
    for (;;) {
        cf_value got;
        cr_assert_eq(cf_send(inner, v, &got), CF_YIELDED);
        v = cf_yield(got);
    }
    return cf_none();
}

Test(trace, nested_coroutines)
{
    const char *path = trace_path("nested");
    cr_assert_eq(cf_trace_start(path), 0);
    inner = new_adder("inner");
    cf_coro *outer = new_coro(outer_body, NULL, "outer", false);
    cf_value out;
    cr_assert_eq(cf_send(outer, cf_none(), &out), CF_YIELDED);
    cr_assert_eq(cf_send(outer, cf_int(5), &out), CF_YIELDED);
    cr_assert_eq(cf_to_int(out), 5);
    cr_assert_eq(cf_trace_stop(), 0);

    char *t = trace_file_text(path);
    /* inner's priming, then outer's first slice holding inner's second:
       B outer < B inner < E inner < E outer, in file (time) order. */
    long bo = pos_of(t, "\"name\":\"outer\",\"cat\":\"coro\"");
    cr_assert_gt(bo, 0);
    const char *o = t + bo;
    long bi = pos_of(o, "\"name\":\"inner\",\"cat\":\"coro\"");
    long ei = pos_of(o, "\"name\":\"inner\",\"args\":{\"how\":\"yield\"}");
    long eo = pos_of(o, "\"name\":\"outer\",\"args\":{\"how\":\"yield\"}");
    cr_assert(bi > 0 && ei > bi && eo > ei, "%ld %ld %ld", bi, ei, eo);
    cr_assert_eq(count_of(t, "\"name\":\"outer\",\"cat\":\"coro\""), 2);
    free(t);
    trace_checked(path, "--tracks 2");
    cf_coro_free(outer);
    cf_coro_free(inner);
    unlink(path);
}

static cf_value sub_body(void *arg)
{
    cf_value v = cf_yield(cf_int(1));
    return cf_int(cf_to_int(v) * 10);
}

static cf_value delegator_body(void *arg)
{
    cf_coro *sub = new_coro(sub_body, NULL, "sub", false);
    cf_value r = cf_yield_from(sub);
    cf_coro_free(sub);
    cf_yield(r);
    return cf_str("done");
}

static cf_value raiser_body(void *arg)
{
    cf_yield(cf_none());
    cf_raise(&cf_value_error, "bad %d", 42);
    return cf_none();
}

Test(trace, yield_from_return_raise)
{
    const char *path = trace_path("yf");
    cr_assert_eq(cf_trace_start(path), 0);
    cf_coro *d = new_coro(delegator_body, NULL, "delegator", false);
    cf_value out;
    cr_assert_eq(cf_send(d, cf_none(), &out), CF_YIELDED); /* from sub */
    cr_assert_eq(cf_to_int(out), 1);
    cr_assert_eq(cf_send(d, cf_int(4), &out), CF_YIELDED); /* sub returned */
    cr_assert_eq(cf_to_int(out), 40);
    cr_assert_eq(cf_send(d, cf_none(), &out), CF_RETURNED);
    cf_coro *r = new_coro(raiser_body, NULL, "raiser", true);
    cr_assert_eq(cf_send(r, cf_none(), &out), CF_RAISED);
    cf_error_clear();
    cr_assert_eq(cf_trace_stop(), 0);

    char *t = trace_file_text(path);
    cr_assert_eq(count_of(t, "\"name\":\"sub\",\"args\":{\"how\":\"return\"}"),
                 1);
    cr_assert_eq(
        count_of(t, "\"name\":\"delegator\",\"args\":{\"how\":\"return\"}"), 1);
    cr_assert_eq(
        count_of(t, "\"name\":\"raiser\",\"args\":{\"how\":\"raise\"}"), 1);
    /* the delegator goes on where its delegate finished */
    cr_assert_eq(count_of(t, "\"op\":\"delegate done\""), 1);
    free(t);
    trace_checked(path, "--expect coro:sub --expect coro:delegator");
    cf_coro_free(d);
    cf_coro_free(r);
    unlink(path);
}

Test(trace, throw_and_close)
{
    const char *path = trace_path("throw");
    cr_assert_eq(cf_trace_start(path), 0);
    cf_coro *a = new_adder("thrown");
    cf_value out;
    cr_assert_eq(cf_throw_new(a, &cf_value_error, "k", &out), CF_RAISED);
    cf_error_clear();
    cf_coro *b = new_adder("closed");
    cr_assert_eq(cf_close(b, NULL), CF_RETURNED);
    cr_assert_eq(cf_trace_stop(), 0);
    char *t = trace_file_text(path);
    cr_assert_eq(count_of(t, "\"name\":\"thrown\",\"cat\":\"coro\","
                             "\"args\":{\"op\":\"throw\"}"),
                 1);
    cr_assert_eq(
        count_of(t, "\"name\":\"thrown\",\"args\":{\"how\":\"raise\"}"), 1);
    free(t);
    trace_checked(path, NULL);
    cf_coro_free(a);
    cf_coro_free(b);
    unlink(path);
}

Test(trace, user_events)
{
    const char *path = trace_path("user");
    cr_assert_eq(cf_trace_start(path), 0);
    long mine = cf_trace_track(NULL, "my \"track\"\n");
    cr_assert_gt(mine, 0);
    cr_assert_eq(cf_trace_track(NULL, "my \"track\"\n"), mine);
    long other = cf_trace_track(NULL, "other");
    cr_assert_neq(other, mine);
    long self = cf_trace_track(NULL, NULL);
    cr_assert_eq(self, (long)gettid());
    cf_coro *co = new_adder("co");
    long cot = cf_trace_track(co, NULL);
    cr_assert_gt(cot, mine > other ? mine : other);
    cr_assert_eq(cf_trace_track(co, "ignored"), cot);

    cf_trace_begin(mine, "test", "outer slice", "a detail");
    cf_trace_instant(mine, NULL, "tick", NULL);
    cf_trace_begin(mine, "test", "inner slice", NULL);
    cf_trace_end(mine);
    cf_trace_end(mine);
    cf_trace_end(mine); /* none open: nothing */
    cf_trace_begin(other, "test", "left open", NULL);
    cf_trace_begin(0, "test", "on my thread", NULL);
    cf_trace_end(0);
    cf_trace_begin(cot, "test", "on co's track", NULL);
    cf_trace_end(cot);
    char longname[400];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    cf_trace_instant(0, "test", longname, "\x01\t\\");
    cr_assert_eq(cf_trace_stop(), 0);

    char *t = trace_file_text(path);
    cr_assert_eq(count_of(t, "\"args\":{\"name\":\"my \\\"track\\\"\\u000a\"}"),
                 1);
    cr_assert_eq(count_of(t, "\"name\":\"tick\",\"cat\":\"user\""), 1);
    cr_assert_eq(count_of(t, "\"detail\":\"a detail\""), 1);
    cr_assert_eq(count_of(t, "\"detail\":\"\\u0001\\u0009\\\\\""), 1);
    cr_assert_eq(count_of(t, "\"how\":\"trace stopped\""), 1); /* left open */
    char cut[210];
    memset(cut, 'x', 200);
    cut[200] = '"';
    cut[201] = '\0';
    cr_assert_eq(count_of(t, cut), 1, "names cut at 200 bytes");
    free(t);
    trace_checked(path, "--expect test:* --expect user:tick");
    cf_coro_free(co);
    unlink(path);
}

/* A slice a body begins on its own track and does not end: its yield
   closes it first, so that the resume's slice still nests. */
static cf_value leaver(void *arg)
{
    cf_trace_begin(cf_trace_track(cf_current(), NULL), "test", "unfinished",
                   NULL);
    cf_yield(cf_none());
    cf_trace_begin(cf_trace_track(cf_current(), NULL), "test", "finished",
                   NULL);
    cf_trace_end(cf_trace_track(cf_current(), NULL));
    cf_yield(cf_none());
    return cf_none();
}

Test(trace, slice_left_open_at_yield)
{
    const char *path = trace_path("leaver");
    cr_assert_eq(cf_trace_start(path), 0);
    cf_coro *co = new_coro(leaver, NULL, "leaver", false);
    cr_assert_eq(cf_send(co, cf_none(), NULL), CF_YIELDED);
    cr_assert_eq(cf_send(co, cf_none(), NULL), CF_YIELDED);
    cr_assert_eq(cf_trace_stop(), 0);
    char *t = trace_file_text(path);
    cr_assert_eq(count_of(t, "\"how\":\"left open\""), 1);
    long u = pos_of(t, "\"name\":\"unfinished\"");
    long l = pos_of(t, "\"how\":\"left open\"");
    long y = pos_of(t, "\"name\":\"leaver\",\"args\":{\"how\":\"yield\"}");
    cr_assert(u > 0 && l > u && y > l);
    free(t);
    trace_checked(path, "--expect test:finished");
    cf_coro_free(co);
    unlink(path);
}

/* cf_trace_stop() from inside a coroutine: its open slice is closed. */
static cf_value stopper(void *arg)
{
    int *rc = arg;
    cf_yield(cf_none());
    *rc = cf_trace_stop();
    cf_yield(cf_none());
    cf_yield(cf_none());
    return cf_none();
}

Test(trace, stop_inside_coroutine)
{
    const char *path = trace_path("inside");
    int rc = 1;
    cr_assert_eq(cf_trace_start(path), 0);
    cf_coro *co = new_coro(stopper, &rc, "stopper", true);
    cr_assert_eq(cf_send(co, cf_none(), NULL), CF_YIELDED);
    cr_assert_eq(rc, 0);
    cr_assert_eq(cf_send(co, cf_none(), NULL), CF_YIELDED);
    /* and a new trace while it lives: it is traced again */
    cr_assert_eq(cf_trace_start(path), 0);
    cr_assert_eq(cf_send(co, cf_none(), NULL), CF_RETURNED);
    cr_assert_eq(cf_trace_stop(), 0);
    char *t = trace_file_text(path);
    cr_assert_eq(
        count_of(t, "\"name\":\"stopper\",\"args\":{\"how\":\"return\"}"), 1);
    free(t);
    trace_checked(path, "--expect coro:stopper");
    cf_coro_free(co);
    unlink(path);
}

/* The first trace's stop inside a coroutine, checked on its own file. */
Test(trace, stop_inside_coroutine_closes)
{
    const char *path = trace_path("inside1");
    int rc = 1;
    cr_assert_eq(cf_trace_start(path), 0);
    cf_coro *co = new_coro(stopper, &rc, "stopper", true);
    cr_assert_eq(cf_send(co, cf_none(), NULL), CF_YIELDED);
    char *t = trace_file_text(path);
    cr_assert_eq(count_of(t, "\"how\":\"trace stopped\""), 1);
    free(t);
    trace_checked(path, NULL);
    cf_coro_free(co);
    unlink(path);
}

enum { THREADS = 4, SENDS = 2000 };

static void *driver(void *arg)
{
    char name[16];
    snprintf(name, sizeof name, "t%d", (int)(intptr_t)arg);
    cf_coro *co = new_adder(name);
    cf_value out;
    for (int i = 0; i < SENDS; i++)
        if (cf_send(co, cf_int(1), &out) != CF_YIELDED)
            return (void *)1;
    cf_trace_instant(0, "test", "done", name);
    cf_coro_free(co);
    return cf_to_int(out) == SENDS ? NULL : (void *)1;
}

Test(trace, threads)
{
    const char *path = trace_path("threads");
    cr_assert_eq(cf_trace_start(path), 0);
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&th[i], NULL, driver, (void *)(intptr_t)i);
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(th[i], &r);
        cr_assert_null(r);
    }
    cr_assert_eq(cf_trace_stop(), 0);
    char *t = trace_file_text(path);
    /* 64 KiB of buffer went out many times; every resume is there */
    /* (a close may add a throw: without the x86-64 fast protocol, closing
       a coroutine at rest resumes it) */
    cr_assert_eq(count_of(t, "\"cat\":\"coro\",\"args\":{\"op\":\"send\"}"),
                 THREADS * (SENDS + 1));
    cr_assert_eq(count_of(t, "\"name\":\"done\""), THREADS);
    free(t);
    trace_checked(path, "--tracks 8");
    unlink(path);
}

/* COFLOW_TRACE, read when the process first creates a coroutine. */
Test(trace, environment)
{
    const char *path = trace_path("env");
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        setenv("COFLOW_TRACE", path, 1);
        cf_coro *co = new_adder("from env");
        cf_send(co, cf_int(1), NULL);
        _exit(cf_trace_enabled() ? 0 : 3); /* no atexit: nothing flushed */
    }
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    pid = fork();
    if (pid == 0) {
        setenv("COFLOW_TRACE", path, 1);
        cf_coro *co = new_adder("from env");
        cf_send(co, cf_int(1), NULL);
        exit(0); /* atexit writes the trace out */
    }
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char *t = trace_file_text(path);
    cr_assert_eq(count_of(t, "\"name\":\"from env\",\"cat\":\"coro\""), 2);
    free(t);
    trace_checked(path, "--expect \"coro:from env\"");
    unlink(path);
}

/* A COFLOW_TRACE that cannot be opened is reported, and nothing else. */
Test(trace, environment_bad_path)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        setenv("COFLOW_TRACE", "/nonexistent-dir/trace.json", 1);
        freopen("/dev/null", "w", stderr);
        cf_coro *co = new_adder("untraced");
        cf_value out;
        int ok = cf_send(co, cf_int(7), &out) == CF_YIELDED
                 && cf_to_int(out) == 7 && !cf_trace_enabled();
        _exit(ok ? 0 : 1);
    }
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* A forked child does not write into its parent's trace. */
Test(trace, fork_child)
{
    const char *path = trace_path("fork");
    cr_assert_eq(cf_trace_start(path), 0);
    cf_coro *co = new_adder("parent's");
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        cf_send(co, cf_int(1), NULL);
        cf_coro *c2 = new_adder("child's");
        cf_send(c2, cf_int(1), NULL);
        exit(cf_trace_enabled() ? 1 : 0);
    }
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    cf_send(co, cf_int(1), NULL);
    cr_assert_eq(cf_trace_stop(), 0);
    char *t = trace_file_text(path);
    cr_assert_eq(count_of(t, "child's"), 0);
    cr_assert_eq(count_of(t, "\"name\":\"parent's\",\"cat\":\"coro\""), 2);
    free(t);
    trace_checked(path, NULL);
    cf_coro_free(co);
    unlink(path);
}

/*
 * The trace bit travels with the coroutine's bias: a coroutine created
 * before the trace and taken over by another thread during it is traced
 * there, and back on its creator after the stop it is not.
 */
static void *send_three(void *arg)
{
    cf_coro *co = arg;
    cf_value out;
    for (int i = 0; i < 3; i++)
        if (cf_send(co, cf_int(1), &out) != CF_YIELDED)
            return (void *)1;
    return NULL;
}

Test(trace, taken_over)
{
    const char *path = trace_path("takeover");
    cf_coro *co = new_adder("moved");
    cf_value out;
    cr_assert_eq(cf_send(co, cf_int(1), &out), CF_YIELDED); /* biased here */
    cr_assert_eq(cf_trace_start(path), 0);
    pthread_t th;
    void *r;
    pthread_create(&th, NULL, send_three, co);
    pthread_join(th, &r);
    cr_assert_null(r);
    cr_assert_eq(cf_send(co, cf_int(1), &out), CF_YIELDED); /* back here */
    cr_assert_eq(cf_trace_stop(), 0);
    cr_assert_eq(cf_send(co, cf_int(1), &out), CF_YIELDED); /* untraced */
    cr_assert_eq(cf_to_int(out), 6);
    char *t = trace_file_text(path);
    cr_assert_eq(count_of(t, "\"name\":\"moved\",\"cat\":\"coro\""), 4);
    cr_assert_eq(count_of(t, "\"name\":\"moved\",\"args\":{\"how\":\"yield\"}"),
                 4);
    free(t);
    trace_checked(path, "--expect coro:moved");
    cf_coro_free(co);
    unlink(path);
}
