/* SPDX-License-Identifier: MIT */
/* tests/sched/sched_test.h - what the scheduler tests share. */
#ifndef CF_TESTS_SCHED_H
#define CF_TESTS_SCHED_H

#include <dirent.h>
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>
#include <coflow/sched.h>

#include "support.h"

/* Entries in a /proc directory: fds or threads, to check none is leaked. */
static inline int count_entries(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    if (d == NULL)
        return -1;
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    return n;
}

/* The fds open in this process. */
static inline int open_fds(void)
{
    return count_entries("/proc/self/fd");
}

/* A scheduler on `poller`, or the test is skipped when it cannot start. */
static inline cf_sched *sched_on(const char *poller,
                                 const struct cf_sched_opts *o)
{
    struct cf_sched_opts opts = {0};
    cf_sched *s;
    if (o != NULL)
        opts = *o;
    opts.poller = poller;
    int rc = cf_sched_new(&s, &opts);
    if (rc != 0 && poller != NULL && strcmp(poller, "uring") == 0)
        cr_skip_test("io_uring is not available here: %s", cf_strerror(rc));
    cr_assert_eq(rc, 0, "cf_sched_new(%s): %s", poller ? poller : "default",
                 cf_strerror(rc));
    return s;
}

/* A task from a body; small stacks so that thousands fit. */
static inline int64_t add_task(cf_sched *s, cf_body_fn fn, const void *arg,
                               const char *name)
{
    struct cf_coro_opts o = {.name = name, .stack_size = CF_STACK_MIN};
    cf_coro *co;
    cr_assert_eq(cf_coro_new(&co, fn, (void *)arg, &o), 0);
    int64_t tid = cf_sched_add(s, co);
    cr_assert_gt(tid, 0);
    return tid;
}

static inline cf_coro *coro_of(cf_body_fn fn, const void *arg, const char *name)
{
    struct cf_coro_opts o = {.name = name, .stack_size = CF_STACK_MIN};
    cf_coro *co;
    cr_assert_eq(cf_coro_new(&co, fn, (void *)arg, &o), 0);
    return co;
}

#endif
