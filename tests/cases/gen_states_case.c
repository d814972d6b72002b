/* SPDX-License-Identifier: MIT */
/*
 * gen_states: the state after every step, seen from outside and inside.
 * Mirrors tests/cases/py/gen_states.py (SEMANTICS items 2, 3).
 */
#include "cases/cases.h"

static FILE *out;
static cf_coro *w;

static cf_value worker(void *arg)
{
    fprintf(out, "inside: state %s\n", state_of(w));
    cf_value x = cf_yield(cf_int(1));
    fprintf(out, "recv %s\n", str_of(x));
    fprintf(out, "inside: state %s\n", state_of(w));
    x = cf_yield(cf_int(2));
    fprintf(out, "recv %s\n", str_of(x));
    return cf_str("done");
}

static cf_value failing(void *arg)
{
    cf_yield(cf_int(1));
    cf_raise(&cf_value_error, "broken");
}

void case_gen_states(FILE *o)
{
    cf_value v;
    out = o;

    fprintf(out, "-- run to completion\n");
    w = new_coro(worker, NULL, "worker", false);
    fprintf(out, "state %s\n", state_of(w));
    cf_next(w, &v);
    fprintf(out, "yielded %s\n", str_of(v));
    fprintf(out, "state %s\n", state_of(w));
    cf_send(w, cf_str("a"), &v);
    fprintf(out, "yielded %s\n", str_of(v));
    fprintf(out, "state %s\n", state_of(w));
    if (cf_send(w, cf_str("b"), &v) == CF_RETURNED)
        fprintf(out, "stop %s\n", str_of(v));
    fprintf(out, "state %s\n", state_of(w));
    cf_coro_free(w);

    fprintf(out, "-- close before start\n");
    w = new_coro(worker, NULL, "worker", false);
    fprintf(out, "state %s\n", state_of(w));
    cf_close(w, NULL);
    fprintf(out, "state %s\n", state_of(w));
    cf_coro_free(w);

    fprintf(out, "-- close while suspended\n");
    w = new_coro(worker, NULL, "worker", false);
    cf_next(w, NULL);
    fprintf(out, "state %s\n", state_of(w));
    cf_close(w, NULL);
    fprintf(out, "state %s\n", state_of(w));
    cf_coro_free(w);
    w = NULL;

    fprintf(out, "-- exception escapes\n");
    cf_coro *f = new_coro(failing, NULL, "failing", false);
    fprintf(out, "state %s\n", state_of(f));
    cf_next(f, &v);
    fprintf(out, "yielded %s\n", str_of(v));
    fprintf(out, "state %s\n", state_of(f));
    if (cf_next(f, &v) == CF_RAISED
        && cf_error_is(cf_error_last(), &cf_value_error))
        fprintf(out, "error %s\n", err_text());
    cf_error_clear();
    fprintf(out, "state %s\n", state_of(f));
    cf_coro_free(f);
}
