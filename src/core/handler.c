/* SPDX-License-Identifier: MIT */
/*
 * core/handler.c - handler coroutines: a step function and a state pointer,
 * called in the sender's context. There is no stack and no switch; the
 * states, the guard and the outcomes are the same as a body coroutine's.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Misuse and the states in which no step runs; see cf_send(). */
static cf_status not_suspended(cf_coro *co, int s, cf_op op, cf_value v,
                               cf_error *err, cf_value *out)
{
    switch (s) {
    case CF_RUNNING:
        cf_error_unref(err);
        return cf__raise_here(co, &cf_value_error,
                              "generator already executing");
    case CF_CLOSED:
        break;
    case CF_CREATED:
        if (op == CF_OP_THROW) /* closed unstarted: the caller claims it */
            return CF_YIELDED;
        if (!cf_is_none(v))
            return cf__raise_here(co, &cf_type_error,
                                  "can't send non-None value to a "
                                  "just-started generator");
        return CF_YIELDED; /* start it: the caller claims it */
    }
    if (op == CF_OP_THROW) { /* restored as it is: no context */
        cf__set_exc(cf__current_context(), err);
        return CF_RAISED;
    }
    *out = cf_none();
    return CF_RETURNED;
}

/*
 * An error a step function made carries the name of the body it ran in;
 * it came from the handler.
 */
static void name_error(cf_coro *co, cf_error *before, cf__context *cur)
{
    cf_error *e = cur->exc;
    if (e == NULL) {
        cf__set_exc(cur, cf__error_at(&cf_runtime_error, co->name,
                                      "handler '%s' returned CF_RAISED "
                                      "without an error",
                                      co->name));
        return;
    }
    if (e != before
        && strcmp(cf_error_coro(e), cf_coro_name(cf_current())) == 0)
        cf__error_rename(e, co->name);
}

/*
 * The end of a step that did not yield: CLOSED, and a raised error named.
 * Out of line, so that cf__handler_send()'s path for a yield stays short.
 */
__attribute__((noinline)) static cf_status ended(cf_coro *co, cf_status st,
                                                 cf_error *before)
{
    if (st == CF_RAISED)
        name_error(co, before, cf__current_context());
    atomic_store_explicit(&co->state, CF_CLOSED, memory_order_release);
    return st;
}

/*
 * The owner's claim of a SUSPENDED handler (cf__owner_claim() without the
 * flags: a handler's bias has none but CF__BIAS_FREED, which must fail).
 * The bias is looked at once, after the announcement: the look before it
 * in cf__owner_claim() only spares a thread that does not own the handler
 * its two stores to cf__cur, which no taker reads while the bias names
 * another thread (docs/design.md, "The guard"). A thread whose tag is
 * still 0 never matches.
 */
static inline bool handler_claim(cf_coro *co, cf__context *cur)
{
    if (CF__PEEK_STATE(co) != CF_SUSPENDED)
        return false;
    cf__set_cur(&co->base); /* "claiming co", for a taker to see */
    atomic_signal_fence(memory_order_seq_cst);
    /* An atomic load, which the compiler does not hoist above the
     * announcement as it did a plain one (a compare of the bias before
     * it, and a second after). */
    bool mine =
        atomic_load_explicit(&co->bias, memory_order_relaxed) == cf__tag();
    if (CF__LIKELY(mine))
        atomic_store_explicit(&co->state, CF_RUNNING, memory_order_relaxed);
    cf__set_cur(cur);
    return mine;
}

/* Out of line, so that the fast path keeps no registers for it. */
static __attribute__((noinline)) cf_status send_slow(cf_coro *co, cf_value v,
                                                     cf_value *out)
{
    return cf__handler_resume(co, CF_OP_SEND, v, NULL, out);
}

/*
 * The send into a SUSPENDED handler kept short: claim it, call the step,
 * release it. Everything else (starting, misuse, closed) takes
 * cf__handler_resume(), and a step that does not yield ended(). A NULL
 * `out` gets a slot here, as cf__handler_resume() gives it: a value
 * yielded into it is not received, one returned into it is dropped.
 * `before`, the error handled when the step was called, is kept in the
 * object: one register less to keep across the step.
 */
static inline __attribute__((always_inline)) cf_status
send_step(cf_coro *co, cf_value v, cf_value *out)
{
    cf__context *cur = cf__cur;
    if (CF__UNLIKELY(!handler_claim(co, cur)))
        return send_slow(co, v, out);
    cf_value tmp;
    co->before = cur->exc;
    cf_status st = co->step(co->self, CF_OP_SEND, v, out != NULL ? out : &tmp);
    /* (each caller tests `out` first, so that the slot costs a non-NULL
     * `out` nothing) */
    if (CF__LIKELY(st == CF_YIELDED)) {
        atomic_store_explicit(&co->state, CF_SUSPENDED, memory_order_release);
        return st;
    }
    st = ended(co, st, co->before);
    if (out == NULL && st == CF_RETURNED) /* nobody receives it */
        cf_value_drop(tmp);
    return st;
}

/* A send with a NULL `out`: its slot lives here, not in the frame of the
 * common case. */
static __attribute__((noinline)) cf_status send_null(cf_coro *co, cf_value v)
{
    return send_step(co, v, NULL);
}

/* What the sax layer calls per event (layer.h): `out` is not NULL. */
cf_status cf__handler_send(cf_coro *h, cf_value v, cf_value *out)
{
    cf_coro *co = cf__raw(h);
    if (CF__UNLIKELY(co->handle != (uintptr_t)h)) /* freed: it aborts */
        return cf__handler_resume(h, CF_OP_SEND, v, NULL, out);
    if (CF__LIKELY(out != NULL))
        return send_step(co, v, out);
    return send_null(co, v);
}

/* coflow/core.h's inline send: its step did not yield. It kept `before` in
 * the object, as send_step() does; `drop` is the slot it gave the step for
 * a NULL `out`. */
cf_status cf__handler_ended(cf_coro *co, cf_status st, cf_value *drop)
{
    st = ended(co, st, co->before);
    if (drop != NULL && st == CF_RETURNED) /* nobody receives it */
        cf_value_drop(*drop);
    return st;
}

bool cf__handler_hold(cf_coro *h, struct cf__handler_run *run)
{
    run->step = NULL;
    cf_coro *co = cf__raw(h);
    int s;
    if (co == NULL || co->handle != (uintptr_t)h || co->kind != CF__HANDLER
        || !cf__claim(co, CF_SUSPENDED, &s))
        return false;
    co->before = cf__current_context()->exc;
    run->step = co->step;
    run->self = co->self;
    run->raw = co;
    return true;
}

void cf__handler_let_go(struct cf__handler_run *run)
{
    if (run->step != NULL)
        atomic_store_explicit(&run->raw->state, CF_SUSPENDED,
                              memory_order_release);
    run->step = NULL;
}

/* cf_send() into a handler. */
cf_status cf__handler_send_any(cf_coro *co, cf_value v, cf_value *out)
{
    if (CF__LIKELY(out != NULL))
        return send_step(co, v, out);
    return send_null(co, v);
}

cf_status cf__handler_resume(cf_coro *co, cf_op op, cf_value v, cf_error *err,
                             cf_value *out)
{
    cf_value tmp;
    int s;

    co = cf__check(co, op == CF_OP_THROW ? "cf_throw" : "cf_send");
    if (out == NULL)
        out = &tmp;
    for (;;) {
        if (cf__claim(co, CF_SUSPENDED, &s))
            break;
        cf_status st = not_suspended(co, s, op, v, err, out);
        if (s != CF_CREATED || st != CF_YIELDED)
            return st;
        if (!cf__claim(co, CF_CREATED, &s))
            continue;
        if (op != CF_OP_THROW)
            break;
        /* Thrown into before it started: closed, and the error comes out
         * as it is (no context). */
        atomic_store_explicit(&co->state, CF_CLOSED, memory_order_release);
        cf__set_exc(cf__current_context(), err);
        return CF_RAISED;
    }
    cf__context *cur = cf__current_context();
    cf_error *saved = NULL;
    if (op == CF_OP_THROW) {
        saved = cur->exc;
        cur->exc = err; /* what the step sees as being handled */
    }
    cf_error *before = cur->exc;
    cf_status st = co->step(co->self, op, v, out);
    switch (st) {
    case CF_YIELDED:
        atomic_store_explicit(&co->state, CF_SUSPENDED, memory_order_release);
        break;
    case CF_RETURNED:
        atomic_store_explicit(&co->state, CF_CLOSED, memory_order_release);
        break;
    case CF_RAISED:
        name_error(co, before, cur);
        atomic_store_explicit(&co->state, CF_CLOSED, memory_order_release);
        cf_error_unref(saved);
        return CF_RAISED;
    }
    if (op == CF_OP_THROW) /* caught: the caller's own error is back */
        cf__set_exc(cur, saved);
    if (st == CF_RETURNED && out == &tmp) /* nobody receives it */
        cf_value_drop(tmp);
    return st;
}
