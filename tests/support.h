/* SPDX-License-Identifier: MIT */
/*
 * tests/support.h - what the tests share: trace output in Python's
 * formats, and running a trace case against its .expected file.
 */
#ifndef CF_TESTS_SUPPORT_H
#define CF_TESTS_SUPPORT_H

#include <stdbool.h>
#include <stdio.h>

#include <coflow.h>

/* A trace case writes its trace to `out`. */
typedef void (*case_fn)(FILE *out);

/*
 * Runs `fn`, compares its trace byte for byte with CPython's, in
 * tests/cases/expected/NAME.expected ($COFLOW_CASES/NAME.expected when that
 * is set), and on a difference prints both to stderr. Returns true when
 * they are equal.
 */
bool run_case(const char *name, case_fn fn);

/* The text of the current context's error as the cases print it. */
const char *err_text(void);

/* Python's f"{v}" and repr(v) of a value, in a static rotating buffer. */
const char *str_of(cf_value v);
const char *repr_of(cf_value v);

/* "stop V", "error T: M" or "yielded V"-style helpers for outcomes. */
const char *state_of(const cf_coro *co);

/* Creates a body coroutine or fails the test (aborts) with a message. */
cf_coro *new_coro(cf_body_fn fn, const void *arg, const char *name, bool prime);
cf_coro *new_handler(cf_step_fn fn, const void *self, const char *name,
                     bool prime);


/* Redirects stderr to a temporary file until stderr_captured() returns it. */
void stderr_capture(void);
char *stderr_captured(void);

/*
 * Runs fn() in a forked child whose stderr is captured; returns that text
 * (a static buffer) and sets *sig to the signal the child died of (0: it
 * exited). For misuse that must abort the process, not the test.
 */
const char *in_child(void (*fn)(void), int *sig);

/*
 * Called by such a child right before the call that reads freed memory on
 * purpose (a freed handler's handle, which coflow must catch and abort
 * on): under Valgrind, the child reports no memory error from then on, so
 * that an "Invalid read" in a log always means a real bug; everything the
 * child did before is still checked. Outside Valgrind it does nothing. The
 * test still asserts the abort and its message.
 */
void misuse_follows(void);

/* Asserts that fn(), run in a child, aborts with `want` in its stderr
   (the user includes <signal.h> and <string.h>). */
#define assert_aborts(fn, want)                                                \
    do {                                                                       \
        int sig_;                                                              \
        const char *err_ = in_child(fn, &sig_);                                \
        cr_assert_eq(sig_, SIGABRT, "signal %d; stderr: %s", sig_, err_);      \
        cr_assert(strstr(err_, want) != NULL, "stderr: %s", err_);             \
    } while (0)

/* A body that yields back what it is sent, and the same as a handler
   (which lets a thrown error out). */
cf_value echo_body(void *arg);
cf_status echo_step(void *self, cf_op op, cf_value in, cf_value *out);

/* A trace the bodies append to, so tests can assert the order of events. */
void trace_reset(void);
void tracef(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *trace_text(void);

/* Asserts the trace and resets it. */
#define assert_trace(want)                                                     \
    do {                                                                       \
        cr_assert_str_eq(trace_text(), (want));                                \
        trace_reset();                                                         \
    } while (0)

/* Asserts the error being handled: its "Type: message" text. */
#define assert_error(want)                                                     \
    cr_assert_str_eq(err_text(), (want), "error being handled: %s", err_text())
#endif
