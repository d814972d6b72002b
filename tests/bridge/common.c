/* SPDX-License-Identifier: MIT */
/* tests/bridge/common.c - see common.h. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/valgrind.h>

#include "support.h"

#include "bridge/common.h"

int64_t bridge_n(void)
{
    return RUNNING_ON_VALGRIND ? 20000 : 1000000;
}

static cf_status checker_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    checker *c = self;
    *out = cf_none();
    if (op == CF_OP_THROW) {
        if (!cf_error_is(cf_error_last(), &cf_generator_exit))
            return CF_RAISED;
        *out = cf_int(c->sum);
        return CF_RETURNED;
    }
    if (cf_is_none(in))
        return CF_YIELDED;
    int64_t v = cf_to_int(in);
    int64_t who = c->stride > 1 ? v % c->stride : 0;
    int64_t i = c->stride > 1 ? v / c->stride : v;
    /* One producer: exactly the next number. Several (each got a share
       of the numbers): each one's numbers rise. */
    bool ok = c->stride > 1 ? i >= c->next[who] : i == c->next[who];
    if (in.kind != CF_INT || !ok)
        return cf_fail(&cf_value_error,
                       "producer %lld: expected %s%lld, got %lld",
                       (long long)who, c->stride > 1 ? "at least " : "",
                       (long long)c->next[who], (long long)i);
    c->next[who] = i + 1;
    c->sum += i;
    c->count++;
    return CF_YIELDED;
}

static cf_coro *add(cf_pipe *p, cf_coro *co)
{
    if (p != NULL)
        cr_assert_eq(cf_pipe_add(p, co, NULL, 0), 0);
    return co;
}

cf_coro *checker_new(cf_pipe *p, checker *c, int64_t stride)
{
    memset(c, 0, sizeof *c);
    c->stride = stride;
    return add(p, new_handler(checker_step, c, "check", true));
}

static int64_t raise_at[64];
static int nraisers;

static cf_status raiser_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    int64_t *at = self;
    *out = cf_none();
    if (op == CF_OP_THROW)
        return CF_RAISED;
    if (in.kind == CF_INT && in.as.i == *at)
        return cf_fail(&cf_value_error, "boom at %lld", (long long)*at);
    return CF_YIELDED;
}

cf_coro *raiser_new(cf_pipe *p, int64_t at)
{
    int64_t *slot = &raise_at[nraisers++ % 64];
    *slot = at;
    return add(p, new_handler(raiser_step, slot, "raiser", true));
}

cf_status send_range(cf_coro *co, int64_t n, cf_value *out)
{
    cf_value r;
    for (int64_t i = 0; i < n; i++) {
        cf_status s = cf_send(co, cf_int(i), &r);
        if (s != CF_YIELDED) {
            if (out != NULL)
                *out = r;
            return s;
        }
    }
    return cf_close(co, out);
}

cf_sched *bridge_sched(void)
{
    struct cf_sched_opts o = {.poller = RUNNING_ON_VALGRIND ? "epoll" : NULL};
    cf_sched *s;
    cr_assert_eq(cf_sched_new(&s, &o), 0);
    return s;
}

cf_pipe *bp;

void bridge_setup(void)
{
    cr_assert_eq(cf_pipe_new(&bp), 0);
}

void bridge_teardown(void)
{
    cf_pipe_free(bp);
    cf_error_clear();
}

void bridge_million_in_order(bridge_mk mk, checker *c)
{
    cf_coro *chk = checker_new(bp, c, 1), *t;
    cr_assert_eq(mk(bp, &t, chk, NULL), 0);
    int64_t n = bridge_n();
    cf_value r;
    cr_assert_eq(send_range(t, n, &r), CF_RETURNED, "%s", err_text());
    cr_assert_eq(cf_to_int(r), n * (n - 1) / 2);
    cr_assert_eq(cf_coro_state(t), CF_CLOSED);
}

static bool always(void *arg, cf_value v)
{
    (void)arg;
    (void)v;
    return true;
}

void bridge_error_through_stages(bridge_mk mk, const char *name)
{
    cf_coro *bad = raiser_new(bp, 5), *inner, *t, *outer;
    cr_assert_eq(cf_pipe_filter(bp, &inner, "inner", always, NULL, bad), 0);
    cr_assert_eq(mk(bp, &t, inner, NULL), 0);
    cr_assert_eq(cf_pipe_filter(bp, &outer, "outer", always, NULL, t), 0);
    cf_status s = cf_pipe_source_range(bp, 0, 10, 1, outer, NULL, NULL);
    cr_assert_eq(s, CF_RAISED);
    char want[128];
    snprintf(want, sizeof want,
             "ValueError: boom at 5 (via 'inner' <- '%s' <- 'outer')", name);
    assert_error(want);
}
