/* SPDX-License-Identifier: MIT */
/*
 * core/builtins.c - Python's conveniences over the core: next() and send()
 * that raise StopIteration with the value, try/except/else/finally as a
 * statement, and delegation that owns its delegate.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

cf_value cf_send_in(cf_coro *co, cf_value v)
{
    cf_value out = cf_none();

    if (co == NULL)
        cf_raise(&cf_type_error, "send to a NULL coroutine");
    switch (cf_send(co, v, &out)) {
    case CF_YIELDED:
        break;
    case CF_RETURNED: {
        cf_error *e = cf_error_new_value(&cf_stop_iteration, out, NULL);
        cf_value_drop(out); /* handed over to us; the error keeps its own */
        cf_raise_error(e);
    }
    case CF_RAISED:
        cf_reraise();
    }
    return out;
}

cf_value cf_next_in(cf_coro *co)
{
    return cf_send_in(co, cf_none());
}

/* ---- try/except/else/finally as a statement (CF_TRY) ---- */

#define BLOCK_MAGIC 0x7e1c0de5u

enum { START = 0, DONE = 5 };

/* The innermost try block: the innermost record while a clause is chosen. */
static cf_try_block *innermost(cf__context *ctx, const char *what)
{
    cf_cleanup *c = ctx->cleanups;
    if (c == NULL || c->frame == NULL || c->arg != c->frame
        || ((cf_try_block *)c->frame)->magic != BLOCK_MAGIC) {
        fprintf(stderr,
                "coflow: %s outside a CF_TRY block, or with a cleanup still "
                "registered in its clause, in %s '%s'\n",
                what, ctx->is_coro ? "coroutine" : "thread",
                ctx->is_coro ? ((cf_coro *)ctx)->name : "base");
        abort();
    }
    return c->frame;
}

void cf_try_begin(cf_try_block *b)
{
    cf__context *ctx = cf__current_context();
    b->err = NULL;
    b->rec.prev = ctx->cleanups;
    b->rec.fn = NULL;
    b->rec.arg = b;
    b->rec.frame = b;
    b->outer = NULL;
    b->caught = NULL;
    b->pending = NULL;
    b->magic = BLOCK_MAGIC;
    b->phase = START;
    b->once = 0;
    b->matched = 0;
    b->landed = 0;
    ctx->cleanups = &b->rec;
}

static void next_phase(cf_try_block *b, int phase)
{
    b->phase = (unsigned char)phase;
    b->once = 1;
}

/* Ends the try: unregistered, the outer error handled again if it landed. */
static cf_error *finish(cf__context *ctx, cf_try_block *b)
{
    cf_error *e = b->pending;
    ctx->cleanups = b->rec.prev;
    b->magic = 0;
    b->phase = DONE;
    b->pending = NULL;
    cf_error_unref(b->caught);
    b->caught = NULL;
    if (b->landed) {
        /* The error being handled is again the one before the try. */
        cf__set_exc(ctx, b->outer);
    } else {
        cf_error_unref(b->outer);
    }
    b->outer = NULL;
    return e;
}

/* An error landed in the block: what the try does with it. */
static int landed(cf__context *ctx, cf_try_block *b, cf_error *e)
{
    b->landed = 1; /* the end restores the error handled before the try */
    switch (b->phase) {
    case CF_TRY_BODY:
        b->caught = e;
        b->matched = 0;
        cf__set_exc(ctx, cf_error_ref(e));
        next_phase(b, CF_TRY_EXCEPT);
        return 1;
    case CF_TRY_EXCEPT:
    case CF_TRY_ELSE:
        cf_error_unref(b->caught);
        b->caught = NULL;
        b->pending = e;
        cf__set_exc(ctx, cf_error_ref(e));
        next_phase(b, CF_TRY_FINALLY);
        return 1;
    default: /* the finally clause raised: its error replaces the pending */
        cf_error_unref(b->pending);
        b->pending = e;
        break;
    }
    e = finish(ctx, b);
    cf__unwind(ctx, e);
}

int cf_try_next(void)
{
    cf__context *ctx = cf__current_context();
    cf_try_block *b = innermost(ctx, "CF_TRY");

    if (b->err != NULL) {
        cf_error *e = b->err;
        b->err = NULL;
        return landed(ctx, b, e);
    }
    switch (b->phase) {
    case START:
        /* The error handled now is the one to restore after an except. */
        b->outer = cf_error_ref(ctx->exc);
        next_phase(b, CF_TRY_BODY);
        return 1;
    case CF_TRY_BODY:
        next_phase(b, CF_TRY_ELSE);
        return 1;
    case CF_TRY_EXCEPT:
        if (b->matched) {
            cf_error_unref(b->caught);
            cf__set_exc(ctx, cf_error_ref(b->outer));
        } else {
            b->pending = b->caught; /* still the error being handled */
        }
        b->caught = NULL;
        next_phase(b, CF_TRY_FINALLY);
        return 1;
    case CF_TRY_ELSE:
        next_phase(b, CF_TRY_FINALLY);
        return 1;
    default: {
        cf_error *e = finish(ctx, b);
        if (e != NULL)
            cf__unwind(ctx, e);
        return 0;
    }
    }
}

bool cf_try_clause(int phase, const cf_error_type *t)
{
    cf_try_block *b = innermost(cf__current_context(), "CF_EXCEPT");
    if (b->phase != phase)
        return false;
    if (phase != CF_TRY_EXCEPT)
        return true;
    if (b->matched || !cf_error_is(b->caught, t))
        return false;
    b->matched = 1;
    return true;
}

bool cf_try_once(const void *unused)
{
    cf_try_block *b = innermost(cf__current_context(), "CF_TRY");
    (void)unused;
    if (!b->once)
        return false;
    b->once = 0;
    return true;
}

void cf_try_leave(void)
{
    cf__context *ctx = cf__current_context();
    cf_try_block *b = innermost(ctx, "CF_FINALLY_RETURN");
    if (b->phase != CF_TRY_FINALLY) {
        fprintf(stderr, "coflow: CF_FINALLY_RETURN outside a finally clause\n");
        abort();
    }
    cf_error_unref(finish(ctx, b));
}

/* A coroutine abandoned inside try blocks: their errors are released. */
static void abandon_block(cf_try_block *b)
{
    cf_error_unref(b->err);
    cf_error_unref(b->outer);
    cf_error_unref(b->caught);
    cf_error_unref(b->pending);
    b->err = b->outer = b->caught = b->pending = NULL;
    b->magic = 0;
    b->phase = DONE;
}

void cf__free_owned(void *sub)
{
    cf_coro_free(sub);
}

void cf__abandon_records(cf__context *ctx)
{
    cf_cleanup *c = ctx->cleanups;

    ctx->cleanups = NULL; /* none of them runs */
    while (c != NULL) {
        cf_cleanup *prev = c->prev;
        if (c->frame != NULL && c->arg == c->frame
            && ((cf_try_block *)c->frame)->magic == BLOCK_MAGIC)
            abandon_block(c->frame);
        else if (c->frame == NULL && c->fn == cf__free_owned)
            cf_coro_free(c->arg); /* runs on its own stack, or here */
        c = prev;
    }
}

/* ---- creating in one expression; delegation that owns its delegate ---- */

cf_coro *cf_coro_make(cf_body_fn fn, void *arg, const struct cf_coro_opts *opts)
{
    cf_coro *co;
    int rc = cf_coro_new(&co, fn, arg, opts);
    if (rc == 0)
        return co;
    const char *name =
        opts != NULL && opts->name != NULL ? opts->name : "coroutine";
    cf__context *ctx = cf__current_context();
    cf_error *e = NULL;
    if (rc == -ENOMEM)
        e = cf__error_at(&cf_memory_error, name,
                         "cannot create coroutine '%s': %s", name,
                         cf_strerror(rc));
    else if (rc != -ECANCELED)
        e = cf__error_at(&cf_value_error, name,
                         "cannot create coroutine '%s': %s", name,
                         cf_strerror(rc));
    if (e != NULL) {
        cf__error_set_context(e, cf__handled(ctx));
        cf__set_exc(ctx, e);
    }
    errno = -rc;
    return NULL;
}

cf_value cf_yield_from_new(cf_body_fn fn, void *arg,
                           const struct cf_coro_opts *opts)
{
    struct cf_coro_opts o = {0};
    if (opts != NULL)
        o = *opts;
    o.flags |= CF_CORO_AUTOFREE;
    cf_coro *sub = cf_coro_make(fn, arg, &o);
    if (sub == NULL)
        cf_reraise();
    return cf_yield_from(sub);
}
