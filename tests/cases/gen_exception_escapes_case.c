/* SPDX-License-Identifier: MIT */
/*
 * gen_exception_escapes: an error raised in the body comes out of the send
 * that resumed it, after its finally ran; the coroutine is then dead: send
 * and next return none, close does nothing, throw raises what it is given.
 * Mirrors tests/cases/py/gen_exception_escapes.py (SEMANTICS items 4, 20).
 */
#include "cases/cases.h"

static FILE *out;

static cf_value checker(void *arg)
{
    CF_TRY
    {
        fprintf(out, "start\n");
        for (;;) {
            cf_value x = cf_yield(cf_str("ok"));
            fprintf(out, "recv %s\n", str_of(x));
            if (cf_to_int(x) < 0)
                cf_raise(&cf_value_error, "negative");
        }
    }
    CF_FINALLY
    {
        fprintf(out, "finally\n");
    }
    CF_END_TRY;
    return cf_none(); /* not reached: the loop ends only by raising */
}

void case_gen_exception_escapes(FILE *o)
{
    cf_value v;
    out = o;

    cf_coro *c = new_coro(checker, NULL, "checker", false);
    cf_next(c, &v);
    fprintf(out, "yielded %s\n", str_of(v));
    cf_send(c, cf_int(3), &v);
    fprintf(out, "yielded %s\n", str_of(v));
    if (cf_send(c, cf_int(-1), &v) == CF_RAISED
        && cf_error_is(cf_error_last(), &cf_value_error))
        fprintf(out, "error %s\n", err_text());
    cf_error_clear();
    fprintf(out, "state %s\n", state_of(c));
    if (cf_send(c, cf_int(5), &v) == CF_RETURNED)
        fprintf(out, "send stop %s\n", str_of(v));
    if (cf_next(c, &v) == CF_RETURNED)
        fprintf(out, "next stop %s\n", str_of(v));
    cf_close(c, &v);
    fprintf(out, "close returned %s\n", str_of(v));
    if (cf_throw_new(c, &cf_type_error, "late", &v) == CF_RAISED
        && cf_error_is(cf_error_last(), &cf_type_error))
        fprintf(out, "throw error %s\n", err_text());
    cf_error_clear();
    fprintf(out, "state %s\n", state_of(c));
    cf_coro_free(c);
}
