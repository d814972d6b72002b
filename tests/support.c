/* SPDX-License-Identifier: MIT */
/* tests/support.c - trace helpers shared by the tests and the case runner. */
#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "support.h"

/* Valgrind's client requests (the valgrind package, tools/deps.sh's test
   group): without the header, misuse_follows() does nothing. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define HAVE_VALGRIND_H 1
#endif
#endif

/* The expected traces (CPython's output), relative to the repository's root,
 * where make runs the tests; $COFLOW_CASES names another directory. */
#ifndef CF_CASES_DIR
#define CF_CASES_DIR "tests/cases/expected"
#endif

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n + 4096 > cap) {
            cap = (cap + 4096) * 2;
            buf = realloc(buf, cap);
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    *len = n;
    return buf;
}

bool run_case(const char *name, case_fn fn)
{
    const char *dir = getenv("COFLOW_CASES");
    char path[4096];
    char *got = NULL;
    size_t got_len = 0, want_len = 0;

    snprintf(path, sizeof path, "%s/%s.expected",
             dir != NULL ? dir : CF_CASES_DIR, name);
    char *want = read_file(path, &want_len);
    if (want == NULL) {
        fprintf(stderr, "case %s: cannot read %s\n", name, path);
        return false;
    }
    FILE *out = open_memstream(&got, &got_len);
    fn(out);
    fclose(out);
    bool same = got_len == want_len && memcmp(got, want, got_len) == 0;
    if (!same)
        fprintf(stderr,
                "case %s differs from %s\n--- expected\n%.*s--- got\n%.*s---\n",
                name, path, (int)want_len, want, (int)got_len, got);
    free(got);
    free(want);
    return same;
}

static char *slot(void)
{
    static char bufs[8][512];
    static int next;
    return bufs[next++ % 8];
}

const char *err_text(void)
{
    char *b = slot();
    cf_error_format(cf_error_last(), b, 512);
    return b;
}

const char *str_of(cf_value v)
{
    char *b = slot();
    cf_value_str(v, b, 512);
    return b;
}

const char *repr_of(cf_value v)
{
    char *b = slot();
    cf_value_repr(v, b, 512);
    return b;
}

const char *state_of(const cf_coro *co)
{
    return cf_state_name(cf_coro_state(co));
}

cf_coro *new_coro(cf_body_fn fn, const void *arg, const char *name, bool prime)
{
    cf_coro *co;
    int rc = cf_coro_new(&co, fn, (void *)(uintptr_t)arg,
                         &(struct cf_coro_opts){.name = name, .prime = prime});
    if (rc != 0) {
        fprintf(stderr, "cf_coro_new(%s): %s\n", name, cf_strerror(rc));
        abort();
    }
    return co;
}

cf_coro *new_handler(cf_step_fn fn, const void *self, const char *name,
                     bool prime)
{
    cf_coro *co;
    int rc =
        cf_handler_new(&co, fn, (void *)(uintptr_t)self,
                       &(struct cf_coro_opts){.name = name, .prime = prime});
    if (rc != 0) {
        fprintf(stderr, "cf_handler_new(%s): %s\n", name, cf_strerror(rc));
        abort();
    }
    return co;
}

static char trace_buf[8192];
static size_t trace_len;

void trace_reset(void)
{
    trace_len = 0;
    trace_buf[0] = '\0';
}

void tracef(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n =
        vsnprintf(trace_buf + trace_len, sizeof trace_buf - trace_len, fmt, ap);
    va_end(ap);
    if (n > 0)
        trace_len += (size_t)n;
    if (trace_len >= sizeof trace_buf)
        trace_len = sizeof trace_buf - 1;
}

const char *trace_text(void)
{
    return trace_buf;
}

static int saved_stderr = -1;
static FILE *capture;

void stderr_capture(void)
{
    fflush(stderr);
    capture = tmpfile();
    saved_stderr = dup(2);
    dup2(fileno(capture), 2);
}

char *stderr_captured(void)
{
    static char text[4096];
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    rewind(capture);
    size_t n = fread(text, 1, sizeof text - 1, capture);
    text[n] = '\0';
    fclose(capture);
    return text;
}

const char *in_child(void (*fn)(void), int *sig)
{
    stderr_capture();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        fn();
        _exit(0);
    }
    int status = 0;
    if (pid == -1 || waitpid(pid, &status, 0) != pid) {
        (void)stderr_captured();
        *sig = -1;
        return "in_child: fork or waitpid failed";
    }
    *sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    return stderr_captured();
}

#ifdef HAVE_VALGRIND_H
/* The child's abort: reports back on (Valgrind warns of a thread that ends
   with them off), then the abort as it was. */
static void abort_reporting_on(int sig)
{
    VALGRIND_ENABLE_ERROR_REPORTING;
    signal(sig, SIG_DFL);
    raise(sig);
}
#endif

void misuse_follows(void)
{
#ifdef HAVE_VALGRIND_H
    if (RUNNING_ON_VALGRIND) {
        signal(SIGABRT, abort_reporting_on);
        VALGRIND_DISABLE_ERROR_REPORTING;
    }
#endif
}

cf_value echo_body(void *arg)
{
    (void)arg;
    cf_value v = cf_none();
    for (;;)
        v = cf_yield(v);
    return v;
}

cf_status echo_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    (void)self;
    if (op == CF_OP_THROW)
        return CF_RAISED;
    *out = in;
    return CF_YIELDED;
}
