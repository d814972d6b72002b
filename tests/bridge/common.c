/* SPDX-License-Identifier: MIT */
/* tests/bridge/common.c - see common.h. */
#include <criterion/criterion.h>
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
