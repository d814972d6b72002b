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
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

/* echo_body(), echo_step(), in_child(), assert_aborts(): support.h */

static cf_coro *freed_body(void)
{
    cf_coro *co = new_coro(echo_body, NULL, "gone", true);
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
    cf_coro *h = freed_handler();
    misuse_follows(); /* its memory went back to malloc: Valgrind knows */
    cf_send(h, cf_int(1), NULL);
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
    assert_aborts(send_freed, "coflow: cf_send() " FREED);
    assert_aborts(next_freed, "coflow: cf_send() " FREED);
    assert_aborts(throw_freed, "coflow: cf_throw_new() " FREED);
    assert_aborts(close_freed, "coflow: cf_close() " FREED);
    assert_aborts(state_freed, "coflow: cf_coro_state() " FREED);
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
    assert_aborts(send_freed_handler,
                  "coflow: cf_send() of a freed coroutine (it was 'gone-h')");
#endif
}

Test(handles, double_free_is_caught)
{
    assert_aborts(free_twice, "coflow: cf_coro_free() " FREED);
}

Test(handles, null_coroutines_are_caught)
{
    assert_aborts(send_null, "coflow: cf_send() of a NULL coroutine");
    assert_aborts(next_null, "coflow: cf_send() of a NULL coroutine");
    assert_aborts(throw_null, "coflow: cf_throw_new() of a NULL coroutine");
    assert_aborts(close_null, "coflow: cf_close() of a NULL coroutine");
    assert_aborts(state_null, "coflow: cf_coro_state() of a NULL coroutine");
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
    cf_coro *sub = new_coro(echo_body, NULL, "sub", false);
    cf_coro *top = new_coro(delegator, sub, "gone", true);
    cf_coro_free(top);
    cf_send(top, cf_int(1), NULL);
}

Test(handles, freed_top_of_a_chain)
{
    assert_aborts(send_freed_top, "coflow: cf_send() " FREED);
}

/*
 * A stale handle: the coroutine was freed and a new one took its memory
 * (the pool gives the slot just freed to the next cf_coro_new). The
 * handle's generation no longer matches, so every entry aborts, naming the
 * call and the coroutine that lives there now, instead of driving it.
 */
static cf_coro *stale_body(void)
{
    cf_coro *old = new_coro(echo_body, NULL, "old", true);
    cr_assert_eq(cf_coro_free(old), 0);
    cf_coro *now = new_coro(echo_body, NULL, "new", true);
    /* The same memory (the address bits), another handle. */
    cr_assert_eq((uintptr_t)now & 0xffffffffffffu,
                 (uintptr_t)old & 0xffffffffffffu);
    cr_assert_neq(old, now);
    return old;
}

/*
 * The same for a handler: malloc() may give its memory to the next one.
 * Under ASan, a freed handler's memory is quarantined, not reused.
 */
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
#define HANDLES_ASAN 1
#else
#define HANDLES_ASAN 0
#endif
#if !HANDLES_ASAN
static cf_coro *stale_handler(void)
{
    cf_coro *old = NULL, *now = NULL;
    for (int k = 0; k < 64; k++) {
        cr_assert_eq(cf_handler_new(&old, echo_step, NULL,
                                    &(struct cf_coro_opts){.name = "old-h"}),
                     0);
        cr_assert_eq(cf_coro_free(old), 0);
        cr_assert_eq(cf_handler_new(&now, echo_step, NULL,
                                    &(struct cf_coro_opts){.name = "new-h"}),
                     0);
        if (((uintptr_t)now & 0xffffffffffffu)
            == ((uintptr_t)old & 0xffffffffffffu))
            return old; /* reused: what the test needs */
        cr_assert_eq(cf_coro_free(now), 0);
    }
    _exit(3); /* no reuse here: the test checked that there is */
}

/* Whether malloc() gives a freed handler's memory to the next one (not
 * under Valgrind, which holds freed blocks back). */
static bool handler_memory_is_reused(void)
{
    for (int k = 0; k < 64; k++) {
        cf_coro *old = new_handler(echo_step, NULL, "probe", false);
        uintptr_t was = (uintptr_t)old & 0xffffffffffffu;
        cr_assert_eq(cf_coro_free(old), 0);
        cf_coro *now = new_handler(echo_step, NULL, "probe", false);
        bool same = ((uintptr_t)now & 0xffffffffffffu) == was;
        cr_assert_eq(cf_coro_free(now), 0);
        if (same)
            return true;
    }
    return false;
}

#endif

static void send_stale(void)
{
    cf_send(stale_body(), cf_int(1), NULL);
}

static void next_stale(void)
{
    cf_next(stale_body(), NULL);
}

static void send_in_stale(void)
{
    cf_send_in(stale_body(), cf_int(1));
}

static void throw_stale(void)
{
    cf_throw(stale_body(), cf_error_new(&cf_value_error, "x"), NULL);
}

static void throw_new_stale(void)
{
    cf_throw_new(stale_body(), &cf_value_error, "x", NULL);
}

static void close_stale(void)
{
    cf_close(stale_body(), NULL);
}

static void free_stale(void)
{
    cf_coro_free(stale_body());
}

static void state_stale(void)
{
    cf_coro_state(stale_body());
}

static void name_stale(void)
{
    cf_coro_name(stale_body());
}

static void is_handler_stale(void)
{
    cf_coro_is_handler(stale_body());
}

static void delegate_stale(void)
{
    cf_coro_delegate(stale_body());
}

static void stack_used_stale(void)
{
    cf_coro_stack_used(stale_body(), NULL);
}

static cf_value yield_from_stale_body(void *arg)
{
    return cf_yield_from(stale_body());
}

static void yield_from_stale(void)
{
    cf_coro *co = new_coro(yield_from_stale_body, NULL, "outer", false);
    cf_next(co, NULL);
}

#if !HANDLES_ASAN
static void send_stale_handler(void)
{
    cf_send(stale_handler(), cf_int(1), NULL);
}

static void throw_stale_handler(void)
{
    cf_throw_new(stale_handler(), &cf_value_error, "x", NULL);
}

static void close_stale_handler(void)
{
    cf_close(stale_handler(), NULL);
}

static void free_stale_handler(void)
{
    cf_coro_free(stale_handler());
}

static void name_stale_handler(void)
{
    cf_coro_name(stale_handler());
}

#endif

#define STALE "of a freed coroutine (a stale handle: its memory now holds "

Test(handles, stale_handles_are_caught_on_every_entry)
{
    assert_aborts(send_stale, "coflow: cf_send() " STALE "coroutine 'new')");
    assert_aborts(next_stale, "coflow: cf_send() " STALE "coroutine 'new')");
    assert_aborts(send_in_stale, "coflow: cf_send() " STALE "coroutine 'new')");
    assert_aborts(throw_stale, "coflow: cf_throw() " STALE "coroutine 'new')");
    assert_aborts(throw_new_stale,
                  "coflow: cf_throw_new() " STALE "coroutine 'new')");
    assert_aborts(close_stale, "coflow: cf_close() " STALE "coroutine 'new')");
    assert_aborts(state_stale,
                  "coflow: cf_coro_state() " STALE "coroutine 'new')");
    assert_aborts(name_stale,
                  "coflow: cf_coro_name() " STALE "coroutine 'new')");
    assert_aborts(is_handler_stale,
                  "coflow: cf_coro_is_handler() " STALE "coroutine 'new')");
    assert_aborts(delegate_stale,
                  "coflow: cf_coro_delegate() " STALE "coroutine 'new')");
    assert_aborts(stack_used_stale,
                  "coflow: cf_coro_stack_used() " STALE "coroutine 'new')");
    assert_aborts(yield_from_stale,
                  "coflow: cf_yield_from() " STALE "coroutine 'new')");
}

Test(handles, double_free_after_reuse_is_caught)
{
    assert_aborts(free_stale,
                  "coflow: cf_coro_free() " STALE "coroutine 'new')");
}

#if !HANDLES_ASAN
Test(handles, stale_handler_handles_are_caught)
{
    if (!handler_memory_is_reused())
        cr_skip_test("malloc() does not reuse a freed handler's memory here");
    assert_aborts(send_stale_handler,
                  "coflow: cf_send() " STALE "coroutine 'new-h')");
    assert_aborts(throw_stale_handler,
                  "coflow: cf_throw_new() " STALE "coroutine 'new-h')");
    assert_aborts(close_stale_handler,
                  "coflow: cf_close() " STALE "coroutine 'new-h')");
    assert_aborts(free_stale_handler,
                  "coflow: cf_coro_free() " STALE "coroutine 'new-h')");
    assert_aborts(name_stale_handler,
                  "coflow: cf_coro_name() " STALE "coroutine 'new-h')");
}
#endif

/* The handle is the same for the coroutine's whole life, wherever it comes
 * from: cf_current(), cf_coro_delegate(), cf_coro_foreach(). */
static cf_value report_self(void *arg)
{
    *(cf_coro **)arg = cf_current();
    return cf_yield(cf_none());
}

static cf_value delegate_to_arg(void *arg)
{
    return cf_yield_from(arg);
}

struct seen {
    cf_coro *want;
    int n;
};

static int look(cf_coro *co, void *arg)
{
    struct seen *s = arg;
    s->n += co == s->want;
    return 0;
}

Test(handles, one_handle_for_a_coroutine)
{
    cf_coro *self = NULL;
    cf_coro *sub = new_coro(report_self, &self, "sub", false);
    cf_coro *top = new_coro(delegate_to_arg, sub, "top", false);
    cr_assert_eq(cf_next(top, NULL), CF_YIELDED);
    cr_assert_eq(self, sub);
    cr_assert_eq(cf_coro_delegate(top), sub);
    struct seen s = {sub, 0};
    cr_assert_eq(cf_coro_foreach(look, &s), 0);
    cr_assert_eq(s.n, 1);
    /* A handle still names its coroutine after many others came and went
     * through the same memory. */
    cr_assert_eq(cf_coro_free(top), 0);
    cr_assert_eq(cf_coro_free(sub), 0);
    for (int k = 0; k < 300; k++) {
        cf_coro *co = new_coro(echo_body, NULL, "churn", true);
        cr_assert_eq(cf_send(co, cf_int(k), NULL), CF_YIELDED);
        cr_assert_eq(cf_coro_free(co), 0);
    }
}
