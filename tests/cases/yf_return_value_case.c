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

static cf_value summer(void *arg)
{
    int n = (int)(intptr_t)arg;
    volatile int64_t total = 0; /* read after the try: the setjmp rule */
    CF_TRY
    {
        cf_value x;
        while (!cf_is_none(x = cf_yield(cf_none()))) {
            fprintf(out, "summer%d recv %s\n", n, str_of(x));
            total += cf_to_int(x);
        }
        fprintf(out, "summer%d returning %lld\n", n, (long long)total);
    }
    CF_FINALLY
    {
        fprintf(out, "summer%d finally\n", n);
    }
    CF_END_TRY;
    return cf_int(total);
}

static cf_value collector(void *arg)
{
    CF_TRY
    {
        for (int n = 1;; n++) {
            fprintf(out, "collector starts summer%d\n", n);
            cf_value total =
                cf_yield_from_new(summer, (void *)(intptr_t)n,
                                  &(struct cf_coro_opts){.name = "summer"});
            fprintf(out, "collector got %s\n", str_of(total));
        }
    }
    CF_FINALLY
    {
        fprintf(out, "collector finally\n");
    }
    CF_END_TRY;
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
