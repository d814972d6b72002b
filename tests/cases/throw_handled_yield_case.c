/* SPDX-License-Identifier: MIT */
/*
 * throw_handled_yield: a body that catches the thrown error and yields makes
 * throw return that value; one that catches it and returns makes throw
 * return its result.
 * Mirrors tests/cases/py/throw_handled_yield.py (SEMANTICS items 23-25).
 */
#include "cases/cases.h"

static FILE *out;

static cf_value resilient(void *arg)
{
    char msg[32];
    cf_value x;
    for (int n = 0;; n++) {
        snprintf(msg, sizeof msg, "ready %d", n);
        if (cf_yield_catch(cf_str(msg), &x) == CF_YIELDED) {
            fprintf(out, "recv %s\n", str_of(x));
        } else {
            if (!cf_error_is(cf_error_last(), &cf_value_error))
                cf_reraise();
            fprintf(out, "caught %s\n", err_text());
            cf_error_clear();
        }
    }
    return cf_none();
}

static cf_value returns_on_error(void *arg)
{
    if (cf_yield_catch(cf_int(1), NULL) == CF_RAISED) {
        if (!cf_error_is(cf_error_last(), &cf_value_error))
            cf_reraise();
        fprintf(out, "caught %s, returning\n", err_text());
        cf_error_clear();
        return cf_str("recovered");
    }
    return cf_none();
}

void case_throw_handled_yield(FILE *o)
{
    cf_value v;
    out = o;

    cf_coro *r = new_coro(resilient, NULL, "resilient", false);
    cf_next(r, &v);
    fprintf(out, "yielded %s\n", str_of(v));
    cf_throw_new(r, &cf_value_error, "xyz", &v);
    fprintf(out, "throw returned %s\n", str_of(v));
    fprintf(out, "state %s\n", state_of(r));
    cf_send(r, cf_str("hello"), &v);
    fprintf(out, "send returned %s\n", str_of(v));
    cf_throw_new(r, &cf_value_error, NULL, &v);
    fprintf(out, "throw returned %s\n", str_of(v));
    cf_next(r, &v);
    fprintf(out, "next returned %s\n", str_of(v));
    if (cf_throw_new(r, &cf_type_error, "not handled", &v) == CF_RAISED
        && cf_error_is(cf_error_last(), &cf_type_error))
        fprintf(out, "error %s\n", err_text());
    cf_error_clear();
    fprintf(out, "state %s\n", state_of(r));
    cf_coro_free(r);

    fprintf(out, "-- caught then return\n");
    cf_coro *g = new_coro(returns_on_error, NULL, "returns_on_error", false);
    cf_next(g, NULL);
    if (cf_throw_new(g, &cf_value_error, "stop please", &v) == CF_RETURNED)
        fprintf(out, "stop %s\n", str_of(v));
    fprintf(out, "state %s\n", state_of(g));
    cf_coro_free(g);
}
