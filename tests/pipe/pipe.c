/* SPDX-License-Identifier: MIT */
/*
 * tests/pipe/pipe.c - the pipe layer: close and error propagation through
 * broadcast and dispatch, a graph that sends into itself, sources on bad
 * input, and a count checked against grep -c (SEMANTICS group J).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <coflow/pipe.h>

#include "support.h"

static cf_pipe *p;

static void setup(void)
{
    cr_assert_eq(cf_pipe_new(&p), 0);
    trace_reset();
}

static void teardown(void)
{
    cf_pipe_free(p);
    cf_error_clear();
}

TestSuite(pipe, .init = setup, .fini = teardown);

static void tracer(void *arg, const char *stage, cf_pipe_event ev, cf_value v)
{
    (void)arg;
    if (ev == CF_PIPE_CLOSE || ev == CF_PIPE_RESULT)
        tracef("%s %s %s;", stage, cf_pipe_event_name(ev), repr_of(v));
}

/* A sink that raises ValueError("boom") on the value "bad". */
static cf_status picky_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    *out = cf_none();
    if (op == CF_OP_THROW)
        return CF_RAISED;
    if (cf_len(in) == 3 && memcmp(cf_to_str(in), "bad", 3) == 0)
        return cf_fail(&cf_value_error, "boom");
    return CF_YIELDED;
}

static cf_coro *picky(const char *name)
{
    cf_coro *co = new_handler(picky_step, NULL, name, true);
    cr_assert_eq(cf_pipe_add(p, co, NULL, 0), 0);
    return co;
}

/* Item 64: close flows down, depth first, in list order; results come back. */
Test(pipe, close_through_broadcast_and_dispatch)
{
    cf_coro *c1, *c2, *c3, *d, *b, *g;
    cf_value r;
    cf_pipe_count(p, &c1, "c1");
    cf_pipe_count(p, &c2, "c2");
    cf_pipe_count(p, &c3, "c3");
    cf_coro *dt[] = {c2, c3};
    cf_pipe_dispatch(p, &d, "d", dt, 2);
    cf_coro *bt[] = {c1, d};
    cf_pipe_broadcast(p, &b, "b", bt, 2);
    cf_pipe_grep(p, &g, "g", "x", b);
    cf_pipe_trace(p, tracer, NULL);
    const cf_value in[] = {cf_str("x1"), cf_str("y"), cf_str("x2"),
                           cf_str("x3")};
    cr_assert_eq(cf_pipe_source_array(p, in, 4, g, NULL, &r), CF_RETURNED);
    assert_trace("source close None;g close None;b close None;c1 close None;"
                 "c1 result 3;"
                 "d close None;c2 close None;c2 result 2;c3 close None;"
                 "c3 result 1;");
    cr_assert_eq(cf_coro_state(c3), CF_CLOSED);
    /* A shared sink closed twice: the second close is a no-op (item 35). */
    cr_assert_eq(cf_close(c1, &r), CF_RETURNED);
    cr_assert(cf_is_none(r));
}

/* Item 66: an error goes up through dispatch and broadcast, naming them. */
Test(pipe, error_through_broadcast_and_dispatch)
{
    cf_coro *ok, *bad, *c, *d, *b;
    cf_pipe_count(p, &ok, "ok");
    bad = picky("picky");
    cf_coro *dt[] = {ok, bad};
    cf_pipe_dispatch(p, &d, "dispatch", dt, 2);
    cf_pipe_count(p, &c, "later");
    cf_coro *bt[] = {d, c};
    cf_pipe_broadcast(p, &b, "broadcast", bt, 2);
    const cf_value in[] = {cf_str("bad"), cf_str("bad"), cf_str("z")};
    cr_assert_eq(cf_pipe_source_array(p, in, 3, b, NULL, NULL), CF_RAISED);
    assert_error("ValueError: boom (via 'dispatch' <- 'broadcast')");
    cr_assert_str_eq(cf_error_coro(cf_error_last()), "picky");
    /* The stages it passed through are closed; those below are not. */
    cr_assert_eq(cf_coro_state(b), CF_CLOSED);
    cr_assert_eq(cf_coro_state(d), CF_CLOSED);
    cr_assert_eq(cf_coro_state(bad), CF_CLOSED);
    cr_assert_eq(cf_coro_state(ok), CF_SUSPENDED);
    /* The later broadcast target got the first value, not the second. */
    cf_value n;
    cr_assert_eq(cf_close(c, &n), CF_RETURNED);
    cr_assert_eq(cf_to_int(n), 1);
}

/* Item 66: a thrown error closes the stage and leaves downstream alone. */
Test(pipe, throw_leaves_downstream)
{
    cf_coro *c, *g;
    cf_pipe_count(p, &c, "count");
    cf_pipe_grep(p, &g, "grep", "a", c);
    cr_assert_eq(cf_throw_new(g, &cf_runtime_error, "stop", NULL), CF_RAISED);
    assert_error("RuntimeError: stop");
    cr_assert_eq(cf_coro_state(g), CF_CLOSED);
    cr_assert_eq(cf_coro_state(c), CF_SUSPENDED);
}

/*
 * SEMANTICS H through a pipeline: a broadcast whose second target sends
 * back into it. The core raises "already executing"; the error goes up
 * through every stage of the loop (no hang, no recursion).
 */
static cf_coro *loop_back;

static cf_status back_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    *out = cf_none();
    if (op == CF_OP_THROW)
        return CF_RAISED;
    if (cf_is_none(in))
        return CF_YIELDED;
    return cf_send(loop_back, in, NULL) == CF_RAISED ? CF_RAISED : CF_YIELDED;
}

Test(pipe, self_sending_graph_raises, .timeout = 5)
{
    cf_coro *c, *back, *b, *g;
    cf_pipe_count(p, &c, "count");
    back = new_handler(back_step, NULL, "back", true);
    cf_coro *bt[] = {c, back};
    cf_pipe_broadcast(p, &b, "broadcast", bt, 2);
    cf_pipe_add(p, back, &b, 1);
    cf_pipe_grep(p, &g, "grep", "x", b);
    loop_back = g;
    cr_assert_eq(cf_send(g, cf_str("x"), NULL), CF_RAISED);
    assert_error("ValueError: generator already executing "
                 "(via 'broadcast' <- 'grep')");
    cr_assert_eq(cf_coro_state(g), CF_CLOSED);
    cr_assert_eq(cf_coro_state(b), CF_CLOSED);
    cr_assert_eq(cf_coro_state(c), CF_SUSPENDED); /* it got the line */
    cf_value n;
    cf_close(c, &n);
    cr_assert_eq(cf_to_int(n), 1);
}

/* Bad input: a missing file is an OSError with Python's words. */
Test(pipe, missing_file)
{
    cf_coro *c;
    cf_pipe_count(p, &c, NULL);
    cr_assert_eq(cf_pipe_source_path(p, "/nonexistent/log", c, NULL, NULL),
                 CF_RAISED);
    assert_error("OSError: [Errno 2] No such file or directory: "
                 "'/nonexistent/log'");
    cr_assert_eq(cf_coro_state(c), CF_SUSPENDED);
}

/*
 * Issue 15, item 10: a directory opens but cannot be read: an OSError
 * naming the path, as Python's open(path) says it, and the target is
 * closed (it once had no path and left the target open).
 */
Test(pipe, directory_closes_target)
{
    cf_coro *c;
    cf_pipe_count(p, &c, NULL);
    cr_assert_eq(cf_pipe_source_path(p, "/tmp", c, NULL, NULL), CF_RAISED);
    assert_error("OSError: [Errno 21] Is a directory: '/tmp'");
    cr_assert_eq(cf_coro_state(c), CF_CLOSED);
}

/* Bad input: an fd that cannot be read. */
Test(pipe, unreadable_fd)
{
    cf_coro *c;
    cf_pipe_count(p, &c, NULL);
    cr_assert_eq(cf_pipe_source_fd(p, 1000, c, NULL, NULL), CF_RAISED);
    assert_error("OSError: [Errno 9] Bad file descriptor");
    int fd = open("/dev/null", O_WRONLY);
    cr_assert_eq(cf_pipe_source_fd(p, fd, c, NULL, NULL), CF_RAISED);
    assert_error("OSError: [Errno 9] Bad file descriptor");
    close(fd);
}

/* Bad input: an invalid regular expression, with PCRE2's words. */
Test(pipe, invalid_regex)
{
    cf_coro *c, *r;
    cf_pipe_count(p, &c, NULL);
    cr_assert_eq(cf_pipe_regex(p, &r, NULL, "a(b", 0, c), -EINVAL);
    assert_error("ValueError: invalid regular expression 'a(b' at offset 3: "
                 "missing closing parenthesis");
    cr_assert_eq(cf_pipe_regex(p, &r, NULL, "GET /p[a-z]+\\.html", 0, c), 0);
    const cf_value in[] = {cf_str("GET /ply.html"), cf_str("GET /9.html"),
                           cf_str("x GET /python.html")};
    cf_value n;
    cr_assert_eq(cf_pipe_source_array(p, in, 3, r, NULL, &n), CF_RETURNED);
    cr_assert_eq(cf_to_int(n), 2);
}

static char *write_temp(const char *data, size_t len)
{
    char *path = strdup("/tmp/cf_pipe_XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
    return path;
}

/* Lines longer than the buffer, and NUL bytes, arrive whole and exact. */
Test(pipe, long_lines_and_nul_bytes)
{
    size_t big = 100000;
    char *data = malloc(big + 64);
    size_t len = 0;
    memcpy(data, "a\0b\n", 4);
    len = 4;
    memset(data + len, 'x', big);
    len += big;
    data[len++] = '\n';
    memcpy(data + len, "\n\0\n", 3);
    len += 3;
    memcpy(data + len, "tail", 4); /* no final newline */
    len += 4;
    char *path = write_temp(data, len);
    cf_coro *col;
    cf_pipe_collect(p, &col, NULL);
    cf_value n;
    struct cf_source_opts o = {.block_size = 16};
    cr_assert_eq(cf_pipe_source_path(p, path, col, &o, &n), CF_RETURNED);
    cr_assert_eq(cf_to_int(n), 5);
    size_t k;
    const cf_value *v = cf_pipe_collected(p, col, &k);
    cr_assert_eq(k, 5);
    cr_assert_eq(cf_len(v[0]), 3);
    cr_assert_eq(memcmp(cf_to_str(v[0]), "a\0b", 3), 0);
    cr_assert_eq(cf_len(v[1]), big);
    for (size_t i = 0; i < big; i++)
        cr_assert_eq(cf_to_str(v[1])[i], 'x');
    cr_assert_eq(cf_len(v[2]), 0);
    cr_assert_eq(cf_len(v[3]), 1);
    cr_assert_eq(cf_to_str(v[3])[0], '\0');
    cr_assert_eq(cf_len(v[4]), 4);
    unlink(path);
    free(path);
    free(data);
}

/* The count agrees with grep -c on a generated log, for several buffers. */
Test(pipe, count_matches_grep_c, .timeout = 60)
{
    char path[] = "/tmp/cf_pipe_logXXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    unsigned s = 12345;
    for (int i = 0; i < 20000; i++) {
        s = s * 1103515245u + 12345u;
        int len = (int)(s >> 16) % 300;
        fprintf(f, "%d ", i);
        for (int j = 0; j < len; j++) {
            if (j == (int)(s % 301))
                fputs((s >> 9) % 2 ? "python" : "pyth\0on", f);
            fputc("abcdefghij pytho ply\0"[(s >> (j % 16)) % 21], f);
        }
        fputc('\n', f);
    }
    fclose(f);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "LC_ALL=C grep -a -F -c python %s", path);
    FILE *g = popen(cmd, "r");
    long want = -1;
    cr_assert_eq(fscanf(g, "%ld", &want), 1);
    pclose(g);
    cr_assert(want > 0);
    size_t blocks[] = {0, 7, 4096};
    for (size_t i = 0; i < 3; i++) {
        cf_coro *c, *gr;
        cf_value n;
        cf_pipe_count(p, &c, NULL);
        cf_pipe_grep(p, &gr, NULL, "python", c);
        struct cf_source_opts o = {.block_size = blocks[i]};
        cr_assert_eq(cf_pipe_source_path(p, path, gr, &o, &n), CF_RETURNED);
        cr_assert_eq(cf_to_int(n), want, "block %zu: %lld, grep -c %ld",
                     blocks[i], (long long)cf_to_int(n), want);
    }
    unlink(path);
}

/* Item 61: a generator source and a plain iterator; the graph as DOT. */
static cf_value gen_body(void *arg)
{
    for (int i = 1; i <= 3; i++)
        cf_yield(cf_int(i * 10));
    return cf_none();
}

Test(pipe, generator_source_and_dot)
{
    cf_coro *s, *g;
    cf_value r;
    cf_pipe_sum(p, &s, "total");
    g = new_coro(gen_body, NULL, "gen", false);
    cr_assert_eq(cf_pipe_source_coro(p, g, s, NULL, &r), CF_RETURNED);
    cr_assert_eq(cf_to_int(r), 60);
    cf_coro_free(g);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_eq(cf_pipe_write_dot(p, f), 0);
    fclose(f);
    cr_assert(strstr(buf, "n0 [label=\"total\\n(sum)\"];") != NULL, "%s", buf);
    cr_assert(strstr(buf, "n1 -> n0;") != NULL, "%s", buf);
    free(buf);
}

/* A stage whose target finished finishes too; the source stops early. */
static cf_status take2_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    int *n = self;
    *out = cf_none();
    if (op == CF_OP_THROW)
        return CF_RAISED;
    if (cf_is_none(in))
        return CF_YIELDED;
    if (++*n == 2) {
        *out = cf_str("enough");
        return CF_RETURNED;
    }
    return CF_YIELDED;
}

static bool always(void *arg, cf_value v)
{
    return true;
}

Test(pipe, end_of_stream_flows_up)
{
    static int n;
    cf_coro *t = new_handler(take2_step, &n, "take2", true), *g;
    cf_pipe_add(p, t, NULL, 0);
    cf_pipe_filter(p, &g, NULL, always, NULL, t);
    cf_value r;
    cr_assert_eq(cf_pipe_source_range(p, 0, 1000000, 1, g, NULL, &r),
                 CF_RETURNED);
    cr_assert_str_eq(str_of(r), "enough");
    cr_assert_eq(n, 2);
}

/* min/max compare as Python does: mixed kinds raise TypeError. */
Test(pipe, minmax_type_error)
{
    cf_coro *m;
    cf_pipe_max(p, &m, "max");
    cr_assert_eq(cf_send(m, cf_int(1), NULL), CF_YIELDED);
    cr_assert_eq(cf_send(m, cf_str("a"), NULL), CF_RAISED);
    assert_error("TypeError: '<' not supported between instances of 'str' "
                 "and 'int'");
}
