/* SPDX-License-Identifier: MIT */
/*
 * tests/core/handles.c - handles that cannot be confused: a NULL or freed
 * coroutine given to a public entry aborts with a message naming the call
 * (and the coroutine it was), a double free included, rather than driving
 * whatever now lives at that address. Each case runs in a child whose
 * stderr is checked.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

static cf_value echo(void *arg)
{
    cf_value v = cf_none();
    for (;;)
        v = cf_yield(v);
    return v;
}

static cf_status echo_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    if (op == CF_OP_THROW)
        return CF_RAISED;
    *out = in;
    return CF_YIELDED;
}

/* Runs `fn` in a child; returns its stderr, and its signal in *sig. */
static const char *in_child(void (*fn)(void), int *sig)
{
    stderr_capture();
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        fn();
        _exit(0);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    *sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    return stderr_captured();
}

#define EXPECT_ABORT(fn, want)                                                 \
    do {                                                                       \
        int sig_;                                                              \
        const char *err_ = in_child(fn, &sig_);                                \
        cr_assert_eq(sig_, SIGABRT, "signal %d; stderr: %s", sig_, err_);      \
        cr_assert(strstr(err_, want) != NULL, "stderr: %s", err_);             \
    } while (0)

static cf_coro *freed_body(void)
{
    cf_coro *co = new_coro(echo, NULL, "gone", true);
    cr_assert_eq(cf_coro_free(co), 0);
    return co;
}

static cf_coro *freed_handler(void)
{
    cf_coro *h;
    cr_assert_eq(
        cf_handler_new(&h, echo_step, NULL,
                       &(struct cf_coro_opts){.name = "gone-h", .prime = true}),
        0);
    cr_assert_eq(cf_coro_free(h), 0);
    return h;
}

static void send_freed(void)
{
    cf_send(freed_body(), cf_int(1), NULL);
}

static void next_freed(void)
{
    cf_next(freed_body(), NULL);
}

static void throw_freed(void)
{
    cf_throw_new(freed_body(), &cf_value_error, "x", NULL);
}

static void close_freed(void)
{
    cf_close(freed_body(), NULL);
}

static void free_twice(void)
{
    cf_coro_free(freed_body());
}

static void state_freed(void)
{
    cf_coro_state(freed_body());
}

static void send_freed_handler(void)
{
    cf_send(freed_handler(), cf_int(1), NULL);
}

static void send_null(void)
{
    cf_send(NULL, cf_int(1), NULL);
}

static void next_null(void)
{
    cf_next(NULL, NULL);
}

static void throw_null(void)
{
    cf_throw_new(NULL, &cf_value_error, "x", NULL);
}

static void close_null(void)
{
    cf_close(NULL, NULL);
}

static void state_null(void)
{
    cf_coro_state(NULL);
}

#define FREED "of a freed coroutine (it was 'gone')"

Test(handles, freed_coroutines_are_caught_on_every_entry)
{
    EXPECT_ABORT(send_freed, "coflow: cf_send() " FREED);
    EXPECT_ABORT(next_freed, "coflow: cf_send() " FREED);
    EXPECT_ABORT(throw_freed, "coflow: cf_throw_new() " FREED);
    EXPECT_ABORT(close_freed, "coflow: cf_close() " FREED);
    EXPECT_ABORT(state_freed, "coflow: cf_coro_state() " FREED);
}

#ifndef __has_feature
#define __has_feature(x) 0
#endif

/*
 * A freed handler's memory went back to malloc: until it is reused, the
 * check sees it; under ASan, ASan reports the use after free first.
 */
Test(handles, freed_handler_is_caught)
{
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
    int sig;
    const char *err = in_child(send_freed_handler, &sig);
    cr_assert(strstr(err, "AddressSanitizer: heap-use-after-free") != NULL,
              "stderr: %s", err);
#else
    EXPECT_ABORT(send_freed_handler,
                 "coflow: cf_send() of a freed coroutine (it was 'gone-h')");
#endif
}

Test(handles, double_free_is_caught)
{
    EXPECT_ABORT(free_twice, "coflow: cf_coro_free() " FREED);
}

Test(handles, null_coroutines_are_caught)
{
    EXPECT_ABORT(send_null, "coflow: cf_send() of a NULL coroutine");
    EXPECT_ABORT(next_null, "coflow: cf_send() of a NULL coroutine");
    EXPECT_ABORT(throw_null, "coflow: cf_throw_new() of a NULL coroutine");
    EXPECT_ABORT(close_null, "coflow: cf_close() of a NULL coroutine");
    EXPECT_ABORT(state_null, "coflow: cf_coro_state() of a NULL coroutine");
}

/* Freeing NULL is allowed, as free(NULL) is; so are NULL accessors. */
Test(handles, null_is_fine_where_documented)
{
    cr_assert_eq(cf_coro_free(NULL), 0);
    cr_assert_str_eq(cf_coro_name(NULL), "");
    cr_assert(!cf_coro_is_handler(NULL));
    cr_assert_null(cf_coro_delegate(NULL));
}

static cf_value delegator(void *arg)
{
    return cf_yield_from(arg);
}

/*
 * The freed top of a yield from chain: its stale leaf pointer must not send
 * the call on to the delegate (closed with it, and still allocated).
 */
static void send_freed_top(void)
{
    cf_coro *sub = new_coro(echo, NULL, "sub", false);
    cf_coro *top = new_coro(delegator, sub, "gone", true);
    cf_coro_free(top);
    cf_send(top, cf_int(1), NULL);
}

Test(handles, freed_top_of_a_chain)
{
    EXPECT_ABORT(send_freed_top, "coflow: cf_send() " FREED);
}
