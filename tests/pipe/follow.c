/* SPDX-License-Identifier: MIT */
/*
 * tests/pipe/follow.c - follow mode behaves as tail -F (issue 15 item 3):
 * a copytruncate is noticed and later lines are read, growth past the old
 * offset after a truncation gives whole lines (no mid-line fragment), a
 * rename rotation reads the old file to its end then the new one, and an
 * unterminated line is never delivered while following.
 *
 * A writer thread plays the log writer and logrotate; the follower records
 * every line it gets. Each step waits until the follower has what the
 * previous step wrote, so the steps do not race the follower.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <coflow/pipe.h>

#include "support.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static char got[4096];
static atomic_int nlines;
static atomic_bool done;
static char path[64], rotated[80];

static cf_status record_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    (void)self;
    *out = cf_none();
    if (op == CF_OP_THROW)
        return CF_RAISED;
    if (cf_is_none(in))
        return CF_YIELDED; /* priming */
    pthread_mutex_lock(&mu);
    size_t n = strlen(got);
    snprintf(got + n, sizeof got - n, "%.*s|", (int)cf_len(in), cf_to_str(in));
    pthread_mutex_unlock(&mu);
    atomic_fetch_add(&nlines, 1);
    return CF_YIELDED;
}

static bool stop_when_done(void *arg)
{
    (void)arg;
    return atomic_load(&done);
}

/* Waits (up to 5 s) until the follower has `n` lines. */
static bool wait_lines(int n)
{
    for (int i = 0; i < 500 && atomic_load(&nlines) < n; i++)
        usleep(10000);
    return atomic_load(&nlines) >= n;
}

static void append(const char *file, const char *s)
{
    int fd = open(file, O_WRONLY | O_APPEND | O_CREAT, 0600);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
    close(fd);
}

typedef void (*scenario_fn)(void);

static void *writer(void *arg)
{
    ((scenario_fn)arg)();
    atomic_store(&done, true);
    return NULL;
}

/* Runs the follower on `path` while `fn` writes; returns what it got. */
static const char *follow_with(scenario_fn fn, const char *first)
{
    snprintf(path, sizeof path, "/tmp/cf_follow_%d", (int)getpid());
    snprintf(rotated, sizeof rotated, "%s.1", path);
    unlink(path);
    unlink(rotated);
    append(path, first);
    got[0] = '\0';
    atomic_store(&nlines, 0);
    atomic_store(&done, false);
    cf_pipe *p;
    cf_pipe_new(&p);
    cf_coro *rec = new_handler(record_step, NULL, "record", true);
    cf_pipe_add(p, rec, NULL, 0);
    struct cf_source_opts o = {
        .follow = true, .stop = stop_when_done, .poll_ms = 20};
    pthread_t t;
    pthread_create(&t, NULL, writer, (void *)fn);
    cf_status st = cf_pipe_source_path(p, path, rec, &o, NULL);
    pthread_join(t, NULL);
    cr_assert_eq(st, CF_RETURNED, "%s", err_text());
    cf_pipe_free(p);
    unlink(path);
    unlink(rotated);
    return got;
}

/* copytruncate: the file is copied away and truncated in place. */
static void copytruncate(void)
{
    cr_assert(wait_lines(2));
    cr_assert_eq(truncate(path, 0), 0);
    usleep(100000); /* the follower notices the shorter file */
    append(path, "after-1\n");
    cr_assert(wait_lines(3));
    append(path, "after-2\n");
    cr_assert(wait_lines(4));
}

Test(pipe, follow_copytruncate, .timeout = 20)
{
    cr_assert_str_eq(follow_with(copytruncate, "before-1\nbefore-2\n"),
                     "before-1|before-2|after-1|after-2|");
}

/* Truncated, then at once written past the old offset: read from the
   start, whole lines only. */
static void truncate_and_grow(void)
{
    cr_assert(wait_lines(2));
    int fd = open(path, O_WRONLY | O_TRUNC);
    static const char longer[] =
        "a longer line written after the truncation\nand another\n";
    cr_assert_eq(write(fd, longer, sizeof longer - 1),
                 (ssize_t)(sizeof longer - 1));
    close(fd);
    cr_assert(wait_lines(4));
}

Test(pipe, follow_growth_after_truncation, .timeout = 20)
{
    cr_assert_str_eq(follow_with(truncate_and_grow, "old 1\nold 2\n"),
                     "old 1|old 2|a longer line written after the "
                     "truncation|and another|");
}

/* The same with the growth after the follower saw the truncation, in two
   writes the second of which crosses the old offset mid-line. */
static void truncate_then_grow(void)
{
    cr_assert(wait_lines(1));
    cr_assert_eq(truncate(path, 0), 0);
    usleep(100000);
    append(path, "x");
    usleep(100000);
    append(path, "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\n");
    cr_assert(wait_lines(2));
}

Test(pipe, follow_growth_across_old_offset, .timeout = 20)
{
    cr_assert_str_eq(follow_with(truncate_then_grow, "0123456789\n"),
                     "0123456789|xyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
                     "yyyy|");
}

/* Rename rotation: the old file gets a late line and an unterminated one
   before the new file appears; the new one is then read from its start. */
static void rename_rotation(void)
{
    cr_assert(wait_lines(1));
    cr_assert_eq(rename(path, rotated), 0);
    append(rotated, "late line in the old file\nno newline");
    append(path, "new-1\n");
    cr_assert(wait_lines(4));
    append(path, "new-2\n");
    cr_assert(wait_lines(5));
}

Test(pipe, follow_rename_rotation, .timeout = 20)
{
    cr_assert_str_eq(follow_with(rename_rotation, "first\n"),
                     "first|late line in the old file|no newline|new-1|new-2|");
}

/* Never a partial line: "par" waits for "tial\n"; a fragment left at the
   stop is not sent. */
static void partial_lines(void)
{
    cr_assert(wait_lines(1));
    append(path, "par");
    usleep(200000); /* several wake-ups with the fragment there */
    cr_assert_eq(atomic_load(&nlines), 1);
    append(path, "tial\nfrag");
    cr_assert(wait_lines(2));
    usleep(100000);
}

Test(pipe, follow_never_a_partial_line, .timeout = 20)
{
    cr_assert_str_eq(follow_with(partial_lines, "one\n"), "one|partial|");
}

/* A pipe has no offset to check: growth only, nothing dropped. */
static int pipe_w;

static void *pipe_writer(void *arg)
{
    (void)arg;
    cr_assert_eq(write(pipe_w, "p1\n", 3), 3);
    wait_lines(1);
    usleep(100000);
    cr_assert_eq(write(pipe_w, "p2\np", 4), 4);
    usleep(50000);
    cr_assert_eq(write(pipe_w, "3\n", 2), 2);
    wait_lines(3);
    atomic_store(&done, true);
    return NULL;
}

Test(pipe, follow_a_pipe, .timeout = 20)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pipe_w = fds[1];
    got[0] = '\0';
    atomic_store(&nlines, 0);
    atomic_store(&done, false);
    cf_pipe *p;
    cf_pipe_new(&p);
    cf_coro *rec = new_handler(record_step, NULL, "record", true);
    cf_pipe_add(p, rec, NULL, 0);
    struct cf_source_opts o = {
        .follow = true, .stop = stop_when_done, .poll_ms = 20};
    pthread_t t;
    pthread_create(&t, NULL, pipe_writer, NULL);
    cr_assert_eq(cf_pipe_source_fd(p, fds[0], rec, &o, NULL), CF_RETURNED);
    pthread_join(t, NULL);
    cr_assert_str_eq(got, "p1|p2|p3|");
    cf_pipe_free(p);
    close(fds[0]);
    close(fds[1]);
}
