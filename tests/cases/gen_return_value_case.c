/* SPDX-License-Identifier: MIT */
/*
 * gen_return_value: a body's return value comes out once, as the result of
 * the resume that ran it; a finally runs before it is delivered.
 * Mirrors tests/cases/py/gen_return_value.py (SEMANTICS items 17-19).
 */
#include "cases/cases.h"

static FILE *out;

static cf_value g(void *arg)
{
    cf_value r = *(const cf_value *)arg;
    fprintf(out, "g starting\n");
    cf_value x = cf_yield(cf_none());
    fprintf(out, "g received %s\n", str_of(x));
    fprintf(out, "g returning %s\n", str_of(r));
    return r;
}

static cf_value with_finally(void *arg)
{
    CF_TRY
    {
        cf_yield(cf_int(1));
    }
    CF_FINALLY
    {
        fprintf(out, "finally runs before StopIteration\n");
    }
    CF_END_TRY;
    return cf_int(42);
}

static cf_value plain(void *arg)
{
    cf_yield(cf_int(1));
    return cf_none();
}

void case_gen_return_value(FILE *o)
{
    cf_value rs[] = {cf_none(), cf_int(1), cf_str("spam")};
    cf_value v;
    out = o;

    for (size_t i = 0; i < sizeof rs / sizeof rs[0]; i++) {
        cf_coro *gi = new_coro(g, &rs[i], "g", false);
        cf_next(gi, NULL);
        fprintf(out, "f sending ham to g\n");
        if (cf_send(gi, cf_str("ham"), &v) == CF_RETURNED)
            fprintf(out, "stop %s\n", str_of(v));
        else
            fprintf(out, "f SHOULD NOT BE HERE\n");
        if (cf_next(gi, &v) == CF_RETURNED)
            fprintf(out, "again stop %s\n", str_of(v));
        cf_coro_free(gi);
    }

    fprintf(out, "-- return inside try/finally\n");
    cf_coro *w = new_coro(with_finally, NULL, "with_finally", false);
    cf_next(w, &v);
    fprintf(out, "yielded %s\n", str_of(v));
    if (cf_next(w, &v) == CF_RETURNED)
        fprintf(out, "stop %s\n", str_of(v));
    cf_coro_free(w);

    fprintf(out, "-- falling off the end\n");
    cf_coro *p = new_coro(plain, NULL, "plain", false);
    cf_next(p, NULL);
    if (cf_next(p, &v) == CF_RETURNED)
        fprintf(out, "stop %s\n", str_of(v));
    cf_coro_free(p);
}
