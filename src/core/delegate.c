/* SPDX-License-Identifier: MIT */
/*
 * core/delegate.c - yield from (PEP 380).
 *
 * Delegating to a body coroutine links it into a chain: every coroutine in
 * the chain points at the chain's top, and the top records the chain's
 * innermost coroutine (its leaf). A send into any member resumes the leaf
 * directly, and the leaf's yields go straight back to the caller, so a
 * round trip costs the same at any depth (CPython walks the chain on every
 * send). When the leaf finishes, it hands its result to its delegator
 * (cf__finish()), which resumes here within the same call.
 *
 * Delegating to a handler coroutine or a plain C iterator runs the loop of
 * PEP 380's formal semantics instead: those have no stack to switch to.
 */
#include <stdlib.h>

#include "internal.h"

static inline cf_coro *running(void)
{
    cf_coro *co = cf_current();
    if (co == NULL) {
        fputs("coflow: yield from outside a body coroutine\n", stderr);
        abort();
    }
    return co;
}

/* Adds `sub` (a suspended top of its own chain) below `co`. */
static void link(cf_coro *co, cf_coro *sub)
{
    cf_coro *top = co->top;
    cf_coro *leaf = sub->leaf;

    sub->delegator = co;
    co->delegate = sub;
    for (cf_coro *x = sub; x != NULL; x = x->delegate)
        x->top = top;
    sub->leaf = &cf__no_leaf;
    co->pending_leaf = leaf; /* published by the caller: cf__deliver() */
}

/* The caught form: the error, if any, becomes the one being handled. */
static cf_status caught(cf_coro *co, cf_error *e)
{
    cf__error_set_context(e, co->base.exc);
    cf__set_exc(&co->base, e);
    return CF_RAISED;
}

/* Python's _i.send/_i.throw/_i.close for what has no stack of its own. */
struct sub_ops {
    cf_status (*next)(void *sub, cf_value *out);
    cf_status (*send)(void *sub, cf_value v, cf_value *out);
    cf_status (*throw_)(void *sub, cf_error *e, cf_value *out);
    cf_status (*close)(void *sub);
    void *sub;
};

/*
 * PEP 380's expansion of `RESULT = yield from EXPR`, for subiterators that
 * run in this coroutine's context (handlers and plain iterators).
 */
static cf_status delegate_loop(cf_coro *co, const struct sub_ops *ops,
                               cf_value *result)
{
    cf_value y, v;
    cf_status st = ops->next(ops->sub, &y);

    while (st == CF_YIELDED) {
        if (cf_yield_catch(y, &v) == CF_RAISED) {
            cf_error *e = cf_error_take();
            if (cf_error_is(e, &cf_generator_exit) || ops->throw_ == NULL) {
                if (cf_error_is(e, &cf_generator_exit) && ops->close != NULL
                    && ops->close(ops->sub) == CF_RAISED) {
                    cf_error_unref(e);
                    return CF_RAISED; /* the close error is being handled */
                }
                return caught(co, e);
            }
            st = ops->throw_(ops->sub, e, &y);
        } else if (cf_is_none(v)) {
            st = ops->next(ops->sub, &y);
        } else if (ops->send != NULL) {
            st = ops->send(ops->sub, v, &y);
        } else {
            return cf_fail(&cf_attribute_error,
                           "'iterator' object has no attribute 'send'");
        }
    }
    if (st == CF_RETURNED && result != NULL)
        *result = y;
    else if (st == CF_RETURNED)
        cf_value_drop(y);
    return st;
}

static cf_status h_next(void *sub, cf_value *out)
{
    return cf_next(sub, out);
}

static cf_status h_send(void *sub, cf_value v, cf_value *out)
{
    return cf_send(sub, v, out);
}

static cf_status h_throw(void *sub, cf_error *e, cf_value *out)
{
    return cf_throw(sub, e, out);
}

static cf_status h_close(void *sub)
{
    return cf_close(sub, NULL);
}

/* Waits, suspended, for the delegate to finish; see cf__finish(). */
static cf_status await_delegate(cf_coro *co, cf_value first, cf_value *result)
{
    co->out = first;
    co->outk = CF__OUT_DELEGATED;
    cf__suspend(co);
    switch ((enum cf__op)co->op) {
    case CF__OP_SUB_DONE: {
        cf_coro *x = co->done;
        co->done = NULL;
        if (x->outk == CF__OUT_RETURNED) {
            if (result != NULL)
                *result = x->out;
            else
                cf_value_drop(x->out);
            x->out = cf_none();
            cf__reap(x);
            return CF_RETURNED;
        }
        cf_error *e = x->out_err;
        x->out_err = NULL;
        cf__reap(x);
        return caught(co, e);
    }
    case CF__OP_THROW: {
        cf_error *e = co->in_err;
        co->in_err = NULL;
        return caught(co, e);
    }
    case CF__OP_SEND:
        /* The delegate was closed or freed from outside: like a send into
         * a finished generator, its StopIteration carries None. */
        if (result != NULL)
            *result = cf_none();
        return CF_RETURNED;
    }
    abort();
}

static cf_status delegate_to(cf_coro *co, cf_coro *sub, cf_value *result)
{
    cf_value y;

    if (sub->kind == CF__HANDLER) {
        struct sub_ops ops = {h_next, h_send, h_throw, h_close, sub};
        return delegate_loop(co, &ops, result);
    }
    if (sub->delegator != NULL && cf_coro_state(sub) != CF_CLOSED)
        return cf_fail(&cf_value_error,
                       "coroutine '%s' is already delegated to by '%s'",
                       sub->name, sub->delegator->name);
    cf_status st = cf_next(sub, &y); /* PEP 380: next(), never send() */
    if (st != CF_YIELDED) {
        if (st == CF_RETURNED && result != NULL)
            *result = y;
        else if (st == CF_RETURNED)
            cf_value_drop(y);
        return st;
    }
    link(co, sub);
    return await_delegate(co, y, result);
}

cf_status cf_yield_from_catch(cf_coro *sub, cf_value *result)
{
    cf_coro *co = running();

    if (sub == NULL)
        return cf_fail(&cf_type_error, "yield from a NULL coroutine");
    cf__check(sub, "cf_yield_from");
    /* CF_CORO_AUTOFREE: the delegation owns `sub` unless it is refused for
     * being in use (running, or delegated to by another). */
    if (CF__LIKELY(!sub->autofree) || cf__state(sub) == CF_RUNNING
        || (sub->delegator != NULL && cf__state(sub) != CF_CLOSED))
        return delegate_to(co, sub, result);
    /* A record names the owned delegate while the delegation runs, so a
     * delegator abandoned in the middle of it still frees it. */
    cf_cleanup own;
    cf_cleanup_push(&own, cf__free_owned, sub);
    cf_status st = delegate_to(co, sub, result);
    cf_cleanup_pop(&own, true);
    return st;
}

cf_value cf_yield_from(cf_coro *sub)
{
    cf_value r = cf_none();
    if (cf_yield_from_catch(sub, &r) == CF_RAISED)
        cf_reraise();
    return r;
}

struct iter {
    cf_iter_fn next;
    void *state;
};

static cf_status i_next(void *sub, cf_value *out)
{
    struct iter *it = sub;
    return it->next(it->state, out);
}

cf_value cf_yield_from_iter(cf_iter_fn next, void *state)
{
    cf_coro *co = running();
    struct iter it = {next, state};
    struct sub_ops ops = {i_next, NULL, NULL, NULL, &it};
    cf_value r = cf_none();

    if (next == NULL)
        cf_raise(&cf_type_error, "yield from a NULL iterator");
    if (delegate_loop(co, &ops, &r) == CF_RAISED)
        cf_reraise();
    return r;
}
