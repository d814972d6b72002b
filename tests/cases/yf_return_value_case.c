/* SPDX-License-Identifier: MIT */
/*
 * yf_return_value: a sub-coroutine's return value collected with yield
 * from; the delegator carries on in the same send; closing the delegator
 * closes the active sub-coroutine first.
 * Mirrors tests/cases/py/yf_return_value.py (SEMANTICS items 53, 56).
 */
#include <stdint.h>

#include "cases/cases.h"

static FILE *out;

static void summer_finally(void *arg)
{
    fprintf(out, "summer%d finally\n", (int)(intptr_t)arg);
}

static cf_value summer(void *arg)
{
    int n = (int)(intptr_t)arg;
    int64_t total = 0;
    cf_cleanup fin;
    cf_cleanup_push(&fin, summer_finally, arg);
    for (;;) {
        cf_value x = cf_yield(cf_none());
        if (cf_is_none(x))
            break;
        fprintf(out, "summer%d recv %s\n", n, str_of(x));
        total += cf_to_int(x);
    }
    fprintf(out, "summer%d returning %lld\n", n, (long long)total);
    cf_cleanup_pop(&fin, true);
    return cf_int(total);
}

static void collector_finally(void *arg)
{
    fprintf(out, "collector finally\n");
}

/* Python drops the finished summer; here a cleanup frees it. */
static void free_coro(void *co)
{
    cf_coro_free(co);
}

static cf_value collector(void *arg)
{
    cf_cleanup fin;
    cf_cleanup_push(&fin, collector_finally, NULL);
    for (int n = 1;; n++) {
        fprintf(out, "collector starts summer%d\n", n);
        cf_coro *sub = new_coro(summer, (void *)(intptr_t)n, "summer", false);
        cf_cleanup drop;
        cf_cleanup_push(&drop, free_coro, sub);
        cf_value total = cf_yield_from(sub);
        cf_cleanup_pop(&drop, true);
        fprintf(out, "collector got %s\n", str_of(total));
    }
    return cf_none(); /* not reached: the loop ends only by raising */
}

void case_yf_return_value(FILE *o)
{
    cf_value xs[] = {cf_int(1),  cf_int(2), cf_int(3), cf_none(),
                     cf_int(10), cf_none(), cf_int(7)};
    cf_value r;
    out = o;

    cf_coro *c = new_coro(collector, NULL, "collector", false);
    cf_next(c, NULL);
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        cf_send(c, xs[i], &r);
        fprintf(out, "send %s returned %s\n", str_of(xs[i]), str_of(r));
    }
    if (cf_close(c, &r) == CF_RETURNED)
        fprintf(out, "close returned %s\n", str_of(r));
    else
        fprintf(out, "close error %s\n", err_text());
    cf_error_clear();
    cf_coro_free(c);
}
