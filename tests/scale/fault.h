/* SPDX-License-Identifier: MIT */
/*
 * tests/scale/fault.h - what the failure-injection programs (fault.c,
 * sched_fault.c; make CONFIG=fault, make check-fault) share: the two hooks
 * of core/fault.c, which are not public API, and CHECK().
 */
#ifndef COFLOW_TESTS_SCALE_FAULT_H
#define COFLOW_TESTS_SCALE_FAULT_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

/* Makes the nth allocation or mapping from now fail (0: none). */
void cf__fault_arm(long n);
/* Whether the armed failure happened; `*n` gets the allocations seen. */
bool cf__fault_fired(long *n);

/* The conditions that did not hold; the program fails when not 0. */
static int failures;

/* CHECK(cond): a condition that does not hold is counted and reported with
   the program, the walk and the armed N, which the caller has in scope as
   `walk` (const char *) and `n` (long). */
#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s: %s N=%ld: %s:%d: %s\n",                       \
                    program_invocation_short_name, walk, n, __FILE__,          \
                    __LINE__, #cond);                                          \
            failures++;                                                        \
        }                                                                      \
    } while (0)

#endif
