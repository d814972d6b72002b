/* SPDX-License-Identifier: MIT */
/*
 * yf_plain_iterator: yield from a plain iterator, which has no send, throw
 * or close: next and send(None) are delegated, close and throw land in the
 * delegator, and a send of anything else raises AttributeError in the
 * delegator, as CPython does.
 * Mirrors tests/cases/py/yf_plain_iterator.py (SEMANTICS items 51, 55, 56, 59).
 */
#include "cases/cases.h"

static FILE *out;

/* iter(list) over integers. */
struct list_iter {
    const int64_t *items;
    size_t n, i;
};

static cf_status list_next(void *state, cf_value *v)
{
    struct list_iter *it = state;
    if (it->i == it->n) {
        *v = cf_none();
        return CF_RETURNED;
    }
    *v = cf_int(it->items[it->i++]);
    return CF_YIELDED;
}

static void g_finally(void *arg)
{
    fprintf(out, "finishing g\n");
}

static cf_value g(void *items)
{
    cf_cleanup fin;
    cf_cleanup_push(&fin, g_finally, NULL);
    fprintf(out, "starting g\n");
    struct list_iter it = *(const struct list_iter *)items;
    cf_value r = cf_yield_from_iter(list_next, &it);
    fprintf(out, "yield from returned %s\n", str_of(r));
    cf_yield(cf_str("g done"));
    cf_cleanup_pop(&fin, true);
    return cf_none();
}

void case_yf_plain_iterator(FILE *o)
{
    static const int64_t range10[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    const struct list_iter three = {range10, 3, 0}, ten = {range10, 10, 0};
    cf_value v;
    cf_status st;
    out = o;

    fprintf(out, "-- next and send(None)\n");
    cf_coro *gi = new_coro(g, &three, "g", false);
    cf_next(gi, &v);
    fprintf(out, "Yielded %s\n", str_of(v));
    cf_send(gi, cf_none(), &v);
    fprintf(out, "Yielded %s\n", str_of(v));
    CF_FOREACH (gi, v, st)
        fprintf(out, "Yielded %s\n", str_of(v));
    cf_coro_free(gi);

    fprintf(out, "-- close\n");
    gi = new_coro(g, &three, "g", false);
    cf_next(gi, NULL);
    if (cf_close(gi, &v) == CF_RETURNED)
        fprintf(out, "close returned %s\n", str_of(v));
    else
        fprintf(out, "close error %s\n", err_text());
    cf_error_clear();
    cf_coro_free(gi);

    fprintf(out, "-- throw\n");
    gi = new_coro(g, &ten, "g", false);
    for (int i = 0; i < 3; i++) {
        cf_next(gi, &v);
        fprintf(out, "Yielded %s\n", str_of(v));
    }
    if (cf_throw_new(gi, &cf_value_error, "tomato ejected", &v) == CF_RAISED
        && cf_error_is(cf_error_last(), &cf_value_error))
        fprintf(out, "error %s\n", err_text());
    cf_error_clear();
    cf_coro_free(gi);

    fprintf(out, "-- send non-None\n");
    gi = new_coro(g, &three, "g", false);
    cf_next(gi, NULL);
    if (cf_send(gi, cf_int(42), &v) == CF_RAISED
        && cf_error_is(cf_error_last(), &cf_attribute_error))
        fprintf(out, "error AttributeError (subiterator has no send)\n");
    else
        fprintf(out, "send non-None gave %s\n", err_text());
    cf_error_clear();
    cf_coro_free(gi);
}
