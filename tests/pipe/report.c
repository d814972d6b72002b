/* SPDX-License-Identifier: MIT */
/*
 * tests/pipe/report.c - pipelines that report (issue 19): take, a map that
 * ends the stream, results read after close wherever the reducer sits,
 * several stop signals; and the regex stage on ordinary input (issue 15
 * item 4): long lines, match limits, invalid UTF-8.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <coflow/pipe.h>

#include "support.h"

static cf_pipe *rp;

static void rsetup(void)
{
    cr_assert_eq(cf_pipe_new(&rp), 0);
}

static void rteardown(void)
{
    cf_pipe_free(rp);
    cf_error_clear();
}

/* An iterator over 0, 1, 2, ... that counts how often it was asked. */
static cf_status numbers(void *state, cf_value *out)
{
    long *n = state;
    *out = cf_int((*n)++);
    return CF_YIELDED;
}

/* Python: def take(n, target): for _ in range(n): target.send((yield));
   target.close() - the source stops at once. */
Test(pipe, take_stops_the_source, .init = rsetup, .fini = rteardown)
{
    cf_coro *count, *take;
    cr_assert_eq(cf_pipe_count(rp, &count, "count"), 0);
    cr_assert_eq(cf_pipe_take(rp, &take, "head", 5, count), 0);
    long asked = 0;
    cf_value r;
    cr_assert_eq(cf_pipe_source_iter(rp, numbers, &asked, take, NULL, &r),
                 CF_RETURNED);
    cr_assert_eq(cf_to_int(r), 5);
    cr_assert_eq(asked, 5); /* the fifth value ended it: no sixth read */
    cr_assert_eq(cf_coro_state(count), CF_CLOSED);
    cf_value v;
    cr_assert_eq(cf_pipe_result(rp, take, &v), 0);
    cr_assert_eq(cf_to_int(v), 5);
}

Test(pipe, take_zero_and_short_input, .init = rsetup, .fini = rteardown)
{
    cf_coro *c1, *t1, *c2, *t2;
    cf_pipe_count(rp, &c1, "c1");
    cf_pipe_take(rp, &t1, "t1", 0, c1);
    cf_value r;
    cr_assert_eq(cf_pipe_source_range(rp, 0, 10, 1, t1, NULL, &r), CF_RETURNED);
    cr_assert_eq(cf_to_int(r), 0);
    /* Fewer values than n: the close at the end reports the count. */
    cf_pipe_sum(rp, &c2, "sum");
    cf_pipe_take(rp, &t2, "t2", 100, c2);
    cr_assert_eq(cf_pipe_source_range(rp, 1, 4, 1, t2, NULL, &r), CF_RETURNED);
    cr_assert_eq(cf_to_int(r), 6); /* the sum's result, not take's 3 */
    cr_assert_eq(cf_pipe_take(rp, &t2, NULL, 1, NULL), -EINVAL);
    cr_assert_eq(cf_pipe_take(rp, NULL, NULL, 1, c2), -EINVAL);
}

/* A map that returns ends the stream at "stop" (a generator's return). */
static cf_status until_stop(void *arg, cf_value in, cf_value *out)
{
    (void)arg;
    if (cf_len(in) == 4 && memcmp(cf_to_str(in), "stop", 4) == 0)
        return CF_MAP_END;
    *out = in;
    return CF_YIELDED;
}

Test(pipe, map_ends_the_stream, .init = rsetup, .fini = rteardown)
{
    cf_coro *col, *map;
    cf_pipe_collect(rp, &col, "col");
    cf_pipe_map(rp, &map, "upto", until_stop, NULL, col);
    const cf_value in[] = {cf_str("a"), cf_str("b"), cf_str("stop"),
                           cf_str("c")};
    cf_value r;
    cr_assert_eq(cf_pipe_source_array(rp, in, 4, map, NULL, &r), CF_RETURNED);
    cr_assert_eq(cf_to_int(r), 2);
    size_t n;
    cf_pipe_collected(rp, col, &n);
    cr_assert_eq(n, 2);
    cr_assert_eq(cf_coro_state(map), CF_CLOSED);
    cr_assert_eq(cf_coro_state(col), CF_CLOSED);
}

static cf_status bad_status(void *arg, cf_value in, cf_value *out)
{
    (void)arg;
    *out = in;
    return (cf_status)7;
}

Test(pipe, map_bad_status_raises, .init = rsetup, .fini = rteardown)
{
    cf_coro *n, *map;
    cf_pipe_null(rp, &n, NULL);
    cf_pipe_map(rp, &map, "weird", bad_status, NULL, n);
    cr_assert_eq(cf_pipe_source_range(rp, 0, 3, 1, map, NULL, NULL), CF_RAISED);
    cr_assert(strstr(err_text(), "ValueError: map 'weird': the function "
                                 "returned 7, not a status")
                  != NULL,
              "%s", err_text());
}

/* Reducers behind a broadcast: the broadcast's close returns None (as a
   Python broadcast generator's would), and each result stays readable. */
Test(pipe, results_behind_broadcast, .init = rsetup, .fini = rteardown)
{
    cf_coro *count, *sum, *max, *b, *fl;
    cf_pipe_count(rp, &count, "count");
    cf_pipe_sum(rp, &sum, "sum");
    cf_pipe_max(rp, &max, "max");
    cf_coro *t[] = {count, sum, max};
    cf_pipe_broadcast(rp, &b, "b", t, 3);
    cf_pipe_printer(rp, &fl, "printer", stderr, NULL);
    cf_value r = cf_int(-1), v;
    cr_assert_eq(cf_pipe_source_range(rp, 0, 10, 1, b, NULL, &r), CF_RETURNED);
    cr_assert(cf_is_none(r));
    cr_assert_eq(cf_pipe_result(rp, count, &v), 0);
    cr_assert_eq(cf_to_int(v), 10);
    cr_assert_eq(cf_pipe_result(rp, sum, &v), 0);
    cr_assert_eq(cf_to_int(v), 45);
    cr_assert_eq(cf_pipe_result(rp, max, &v), 0);
    cr_assert_eq(cf_to_int(v), 9);
    /* Closing the closed count again: None, as Python 3.13's close(). */
    cr_assert_eq(cf_close(count, &v), CF_RETURNED);
    cr_assert(cf_is_none(v));
    cr_assert_eq(cf_pipe_result(rp, count, &v), 0);
    cr_assert_eq(cf_to_int(v), 10);
    /* Errors. */
    cr_assert_eq(cf_pipe_result(rp, b, &v), -ENOTSUP);
    cr_assert_eq(cf_pipe_result(rp, fl, &v), -ENOTSUP);
    cf_pipe *other;
    cf_pipe_new(&other);
    cr_assert_eq(cf_pipe_result(other, count, &v), -ENOENT);
    cf_pipe_free(other);
    cr_assert_eq(cf_pipe_result(NULL, count, &v), -EINVAL);
    cr_assert_eq(cf_pipe_result(rp, count, NULL), -EINVAL);
}

/* ---- several stop signals ---- */

struct kicker {
    int sig;
    unsigned ms;
};

static void *kick(void *arg)
{
    struct kicker *k = arg;
    usleep(k->ms * 1000);
    kill(getpid(), k->sig);
    return NULL;
}

static bool too_long(void *arg)
{
    return ++*(int *)arg > 200; /* 200 polls of 10 ms: the test failed */
}

static void follow_until(int sig)
{
    char path[] = "/tmp/cf_stop_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cf_coro *count;
    cf_pipe_count(rp, &count, NULL);
    int polls = 0;
    struct cf_source_opts o = {.follow = true,
                               .stop = too_long,
                               .stop_arg = &polls,
                               .poll_ms = 10,
                               .stop_signal = SIGINT,
                               .stop_signals = {SIGTERM, SIGUSR1}};
    struct kicker k = {sig, 100};
    pthread_t t;
    pthread_create(&t, NULL, kick, &k);
    cf_value r;
    cr_assert_eq(cf_pipe_source_path(rp, path, count, &o, &r), CF_RETURNED);
    pthread_join(t, NULL);
    cr_assert_lt(polls, 200, "signal %d did not stop the follower", sig);
    /* The handler in place before is back. */
    struct sigaction now;
    sigaction(sig, NULL, &now);
    cr_assert_eq(now.sa_handler, SIG_DFL);
    close(fd);
    unlink(path);
}

Test(pipe, stop_signal_sigint, .init = rsetup, .fini = rteardown, .timeout = 10)
{
    follow_until(SIGINT);
}

Test(pipe, stop_signals_sigterm, .init = rsetup, .fini = rteardown,
     .timeout = 10)
{
    follow_until(SIGTERM);
}

Test(pipe, stop_signals_sigusr1, .init = rsetup, .fini = rteardown,
     .timeout = 10)
{
    follow_until(SIGUSR1);
}

/* ---- the regex stage on ordinary input (issue 15 item 4) ---- */

static char *repeat(const char *unit, size_t times)
{
    size_t u = strlen(unit);
    char *s = malloc(u * times + 1);
    for (size_t i = 0; i < times; i++)
        memcpy(s + i * u, unit, u);
    s[u * times] = '\0';
    return s;
}

/* grep -P '^(a|b)+$' and Python's re.search match these; PCRE2's default
   32 KiB JIT stack ran out at about 1,000 bytes. */
Test(pipe, regex_long_line_matches, .init = rsetup, .fini = rteardown)
{
    char *l1 = repeat("ab", 550), *l2 = repeat("ba", 50000);
    cf_coro *count, *re;
    cf_pipe_count(rp, &count, NULL);
    cr_assert_eq(cf_pipe_regex(rp, &re, "ab", "^(a|b)+$", 0, count), 0);
    const cf_value in[] = {cf_str(l1), cf_str("abc"), cf_str(l2)};
    cf_value r;
    cr_assert_eq(cf_pipe_source_array(rp, in, 3, re, NULL, &r), CF_RETURNED,
                 "%s", err_text());
    cr_assert_eq(cf_to_int(r), 2);
    cr_assert_eq(cf_pipe_warnings(rp), 0);
    free(l1);
    free(l2);
}

struct warned {
    int n;
    char stage[32], msg[256];
};

static void on_warn(void *arg, const char *stage, const char *msg)
{
    struct warned *w = arg;
    w->n++;
    snprintf(w->stage, sizeof w->stage, "%s", stage);
    snprintf(w->msg, sizeof w->msg, "%s", msg);
}

/* Catastrophic backtracking on one value: a warning naming the stage and
   the value, the value dropped, the stream goes on (grep -P). */
Test(pipe, regex_match_limit_warns_and_goes_on, .init = rsetup,
     .fini = rteardown)
{
    char *bad = repeat("a", 40);
    bad[39] = 'b';
    cf_coro *col, *re;
    cf_pipe_collect(rp, &col, NULL);
    cr_assert_eq(cf_pipe_regex(rp, &re, "nested", "(a+)+$", 0, col), 0);
    struct warned w = {0};
    cf_pipe_on_warning(rp, on_warn, &w);
    const cf_value in[] = {cf_str("xa"), cf_str(bad), cf_str("aa")};
    cf_value r;
    cr_assert_eq(cf_pipe_source_array(rp, in, 3, re, NULL, &r), CF_RETURNED);
    cr_assert_eq(cf_to_int(r), 2);
    cr_assert_eq(w.n, 1);
    cr_assert_eq(cf_pipe_warnings(rp), 1);
    cr_assert_str_eq(w.stage, "nested");
    cr_assert(strstr(w.msg, "value 2 (40 bytes) skipped: match limit exceeded")
                  != NULL,
              "%s", w.msg);
    free(bad);
}

/* With no warning function: stderr. */
Test(pipe, regex_warning_to_stderr, .init = rsetup, .fini = rteardown)
{
    char *bad = repeat("a", 40);
    bad[39] = 'b';
    cf_coro *n, *re;
    cf_pipe_null(rp, &n, NULL);
    cf_pipe_regex(rp, &re, "nested", "(a+)+$", 0, n);
    stderr_capture();
    const cf_value in[] = {cf_str(bad)};
    cr_assert_eq(cf_pipe_source_array(rp, in, 1, re, NULL, NULL), CF_RETURNED);
    char *text = stderr_captured();
    cr_assert(strstr(text, "coflow: pipe stage 'nested': value 1 (40 bytes) "
                           "skipped: match limit exceeded")
                  != NULL,
              "%s", text);
    free(bad);
}

/* A lone UTF-8 lead byte, an invalid byte in the middle: no crash, no
   error; they just do not match (PCRE2_MATCH_INVALID_UTF). */
Test(pipe, regex_invalid_utf8, .init = rsetup, .fini = rteardown)
{
    cf_coro *col, *re;
    cf_pipe_collect(rp, &col, NULL);
    cr_assert_eq(cf_pipe_regex(rp, &re, NULL, "\xc3\xa9.", CF_REGEX_UTF, col),
                 0);
    const cf_value in[] = {cf_str("\xc3"),
                           cf_str("ab\xe9"
                                  "cd"),
                           cf_str("\xc3\xa9x"), cf_str("\xc3\xa9\xff"),
                           cf_str("\xff\xc3\xa9\xc3\xa9")};
    cf_value r;
    cr_assert_eq(cf_pipe_source_array(rp, in, 5, re, NULL, &r), CF_RETURNED,
                 "%s", err_text());
    cr_assert_eq(cf_to_int(r), 2); /* "éx" and "\xffé é" */
    cr_assert_eq(cf_pipe_warnings(rp), 0);
}

Test(pipe, regex_invert, .init = rsetup, .fini = rteardown)
{
    cf_coro *count, *re;
    cf_pipe_count(rp, &count, NULL);
    cr_assert_eq(cf_pipe_regex(rp, &re, NULL, "^x", CF_REGEX_INVERT, count), 0);
    const cf_value in[] = {cf_str("x1"), cf_str("y"), cf_str("zx")};
    cf_value r;
    cf_pipe_source_array(rp, in, 3, re, NULL, &r);
    cr_assert_eq(cf_to_int(r), 2);
    cr_assert_eq(cf_pipe_regex(rp, &re, NULL, "x", 0x100, count), -EINVAL);
}

/*
 * A finder for the needle text[at, at + len) against memmem in the
 * haystacks text[from, from + hl): from = 0, `step`, 2 * `step`, ... below
 * `n`; hl every length from 0 up to `hl_max` (and the end of the text), or
 * only the rest of the text when `hl_max` is SIZE_MAX. `tag` is printed
 * with a difference (a round, or -1).
 */
static void finder_vs_memmem(const char *text, size_t n, size_t at, size_t len,
                             size_t step, size_t hl_max, int tag)
{
    cf_finder *f;
    cr_assert_eq(cf_finder_new(&f, text + at, len), 0);
    cr_assert_eq(cf_finder_len(f), len);
    for (size_t from = 0; from < n; from += step)
        for (size_t hl = hl_max == SIZE_MAX ? n - from : 0;
             hl <= hl_max && from + hl <= n; hl++) {
            const char *want = memmem(text + from, hl, text + at, len);
            const char *got = cf_finder_find(f, text + from, hl);
            cr_assert_eq(got, want, "tag %d len %zu at %zu from %zu n %zu", tag,
                         len, at, from, hl);
        }
    cf_finder_free(f);
}

/* The searcher against memmem on every needle position and length. */
Test(pipe, finder_agrees_with_memmem, .init = rsetup, .fini = rteardown)
{
    static const char text[] =
        "GET /ply/ply-2.3.tar.gz HTTP/1.1\" 200 99438 \"-\" \"Mozilla/5.0 "
        "(Macintosh)\"\n30.175.49.176 - - [01/Jan/2008:00:00:01 -0600] "
        "\"GET /favicon.ico HTTP/1.1\" 404 62666 aaaaaaaaaaaaaaaaaaaaaaab";
    size_t n = sizeof text - 1;
    for (size_t len = 0; len <= 24; len++)
        for (size_t at = 0; at + len <= n; at += 3)
            finder_vs_memmem(text, n, at, len, 17, SIZE_MAX, -1);
    cf_finder *f;
    cr_assert_eq(cf_finder_new(&f, "zz", 2), 0);
    cr_assert_null(cf_finder_find(f, text, n));
    cr_assert_null(cf_finder_find(NULL, text, n));
    cf_finder_free(f);
    cf_finder_free(NULL);
    cr_assert_eq(cf_finder_new(NULL, "a", 1), -EINVAL);
    cr_assert_eq(cf_finder_new(&f, NULL, 1), -EINVAL);
}

/*
 * Short haystacks (fewer than 15 start positions: the scalar path with the
 * word-wise verify) against memmem, for every needle length of that path
 * and one past it, with near misses (a run of 'a' ending in 'b').
 */
Test(pipe, finder_short_lines, .init = rsetup, .fini = rteardown)
{
    static const char text[] =
        "python is nice; pythox pytho ython python\n"
        "GET /ply/ply-2.3.tar.gz HTTP/1.1 aaaaaaaaaaaaaaaaab aab ab";
    size_t n = sizeof text - 1;
    for (size_t len = 2; len <= 17; len++)
        for (size_t at = 0; at + len <= n; at += 7)
            finder_vs_memmem(text, n, at, len, 11, 31, -1);
}

/*
 * Haystacks of every length up to 100 over a two-letter alphabet (many
 * candidates, many near misses) against memmem: the vector windows, the
 * last window moved back to end at the last start position, and the
 * scalar scans. A fixed-seed generator: the same texts every run.
 */
Test(pipe, finder_two_letters, .init = rsetup, .fini = rteardown)
{
    char text[101];
    unsigned x = 12345;
    for (int round = 0; round < 40; round++) {
        for (size_t i = 0; i < sizeof text; i++) {
            x = x * 1103515245u + 12345u;
            text[i] = (x >> 16) % 7 == 0 ? 'b' : 'a';
        }
        for (size_t len = 2; len <= 20; len++)
            finder_vs_memmem(text, sizeof text, (x >> 8) % (sizeof text - len),
                             len, sizeof text, sizeof text, round);
    }
}
