/* SPDX-License-Identifier: MIT */
/*
 * tests/cases/cases.h - the trace cases ported from tests/cases/py/. Each
 * NAME_case.c defines case_NAME(FILE *out), which prints what NAME.py
 * prints; add each new one to the list.
 */
#ifndef CF_TESTS_CASES_H
#define CF_TESTS_CASES_H

#include "support.h"

/* The pipe layer needs PCRE2, which the cross builds do not have. */
#ifdef CF_NO_PIPE
#define CF_PIPE_CASES(X)
#else
#define CF_PIPE_CASES(X)                                                       \
    X(pipe_grep)                                                               \
    X(pipe_broadcast3)                                                         \
    X(pipe_round_robin)                                                        \
    X(pipe_minmax)
#endif

/* The sched layer needs liburing: not in cross builds. */
#ifdef CF_NO_SCHED
#define CF_SCHED_CASES(X)
#else
#define CF_SCHED_CASES(X)                                                      \
    X(sched_roundrobin)                                                        \
    X(sched_syscalls)                                                          \
    X(sched_io_pipe)
#endif

/* The sax layer needs expat and the pipe layer: not in cross builds. */
#ifdef CF_NO_SAX
#define CF_SAX_CASES(X)
#else
#define CF_SAX_CASES(X) X(pipe_bus_events)
#endif

#define CF_CASES(X)                                                            \
    CF_PIPE_CASES(X)                                                           \
    CF_SAX_CASES(X)                                                            \
    CF_SCHED_CASES(X)                                                          \
    X(gen_grep_prime)                                                          \
    X(gen_priming_decorator)                                                   \
    X(gen_states)                                                              \
    X(gen_return_value)                                                        \
    X(gen_exception_escapes)                                                   \
    X(gen_reentrant)                                                           \
    X(throw_created_closed)                                                    \
    X(throw_handled_yield)                                                     \
    X(close_grep)                                                              \
    X(close_created_closed)                                                    \
    X(close_ignored)                                                           \
    X(close_return_value)                                                      \
    X(yf_return_value)                                                         \
    X(yf_chain3_send)                                                          \
    X(yf_chain3_close)                                                         \
    X(yf_subgen_exception)                                                     \
    X(yf_plain_iterator)

#define CF_DECLARE_CASE(name) void case_##name(FILE *out);
CF_CASES(CF_DECLARE_CASE)

#endif
