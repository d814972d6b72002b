/* SPDX-License-Identifier: MIT */
/*
 * gen_reentrant: resuming a running coroutine raises ValueError("generator
 * already executing") at the call site; a send cycle hits the same guard.
 * Mirrors tests/cases/py/gen_reentrant.py (SEMANTICS items 45, 46).
 */
#include "cases/cases.h"

static FILE *out;
static cf_coro *me, *ping_g, *pong_g;

static cf_value selfish(void *arg)
{
    static const char *ops[] = {"next", "send", "throw", "close"};
    for (int i = 0; i < 4; i++) {
        cf_status st;
        switch (i) {
        case 0:
            st = cf_next(me, NULL);
            break;
        case 1:
            st = cf_send(me, cf_int(1), NULL);
            break;
        case 2:
            st = cf_throw_new(me, &cf_value_error, "x", NULL);
            break;
        default:
            st = cf_close(me, NULL);
            break;
        }
        if (st == CF_RAISED) {
            if (!cf_error_is(cf_error_last(), &cf_value_error))
                cf_reraise();
            fprintf(out, "%s on self: error %s\n", ops[i], err_text());
            cf_error_clear();
        }
    }
    fprintf(out, "inside: state %s\n", state_of(me));
    cf_yield(cf_str("still fine"));
    return cf_none();
}

/* `target.send(v)` as a statement: an error it raises goes on unwinding. */
static void send_or_raise(cf_coro *target, cf_value v)
{
    if (cf_send(target, v, NULL) == CF_RAISED)
        cf_reraise();
}

static cf_value ping(void *arg)
{
    for (;;) {
        cf_value x = cf_yield(cf_none());
        fprintf(out, "ping recv %s\n", str_of(x));
        send_or_raise(pong_g, cf_int(cf_to_int(x) + 1));
    }
    return cf_none();
}

static void pong_finally(void *arg)
{
    fprintf(out, "pong finally\n");
}

static cf_value pong(void *arg)
{
    cf_cleanup fin;
    cf_cleanup_push(&fin, pong_finally, NULL);
    for (;;) {
        cf_value x = cf_yield(cf_none());
        fprintf(out, "pong recv %s\n", str_of(x));
        send_or_raise(ping_g, cf_int(cf_to_int(x) + 1));
    }
    return cf_none(); /* not reached: the loop ends only by raising */
}

static cf_value pong_careful(void *arg)
{
    for (;;) {
        cf_value x = cf_yield(cf_none());
        fprintf(out, "pong recv %s\n", str_of(x));
        if (cf_send(ping_g, cf_int(cf_to_int(x) + 1), NULL) == CF_RAISED) {
            if (!cf_error_is(cf_error_last(), &cf_value_error))
                cf_reraise();
            fprintf(out, "pong caught %s\n", err_text());
            cf_error_clear();
        }
    }
    return cf_none();
}

void case_gen_reentrant(FILE *o)
{
    cf_value v;
    out = o;

    fprintf(out, "-- resuming itself\n");
    me = new_coro(selfish, NULL, "selfish", false);
    cf_next(me, &v);
    fprintf(out, "yielded %s\n", str_of(v));
    fprintf(out, "state %s\n", state_of(me));

    fprintf(out, "-- send cycle, error propagates\n");
    ping_g = new_coro(ping, NULL, "ping", false);
    cf_next(ping_g, NULL);
    pong_g = new_coro(pong, NULL, "pong", false);
    cf_next(pong_g, NULL);
    if (cf_send(ping_g, cf_int(1), NULL) == CF_RAISED
        && cf_error_is(cf_error_last(), &cf_value_error))
        fprintf(out, "error %s\n", err_text());
    cf_error_clear();
    fprintf(out, "ping state %s\n", state_of(ping_g));
    fprintf(out, "pong state %s\n", state_of(pong_g));
    cf_coro_free(ping_g);
    cf_coro_free(pong_g);

    fprintf(out, "-- send cycle, error caught\n");
    ping_g = new_coro(ping, NULL, "ping", false);
    cf_next(ping_g, NULL);
    pong_g = new_coro(pong_careful, NULL, "pong_careful", false);
    cf_next(pong_g, NULL);
    cf_send(ping_g, cf_int(10), &v);
    fprintf(out, "send returned %s\n", str_of(v));
    fprintf(out, "ping state %s\n", state_of(ping_g));
    fprintf(out, "pong state %s\n", state_of(pong_g));

    cf_coro_free(me);
    cf_coro_free(ping_g);
    cf_coro_free(pong_g);
    me = ping_g = pong_g = NULL;
}
