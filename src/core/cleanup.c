/* SPDX-License-Identifier: MIT */
/*
 * core/cleanup.c - raising: cleanups (finally), protected calls (try/except)
 * and unwinding.
 *
 * Each context keeps one stack of records, innermost first: cleanups, and
 * the frames of protected calls. An error unwinds by calling the cleanups
 * above the innermost frame one by one - still deep in the stack where they
 * were registered, so a cleanup may even yield - and then longjmp()s to that
 * frame. With no frame left in a coroutine, the coroutine finishes with the
 * error; its stack is simply left behind, as nothing on it runs again.
 */
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

/* A cf_try() frame; a CF_TRY block (cf_try_block) begins the same way. */
struct try_frame {
    jmp_buf jb;
    cf_error *err;
};
_Static_assert(offsetof(cf_try_block, jb) == offsetof(struct try_frame, jb)
                   && offsetof(cf_try_block, err)
                          == offsetof(struct try_frame, err),
               "a CF_TRY block must begin as a cf_try() frame does");

void cf_cleanup_push(cf_cleanup *c, void (*fn)(void *), void *arg)
{
    cf__context *ctx = cf__current_context();
    c->fn = fn;
    c->arg = arg;
    c->frame = NULL;
    c->prev = ctx->cleanups;
    ctx->cleanups = c;
}

void cf_cleanup_pop(cf_cleanup *c, bool run)
{
    cf__context *ctx = cf__current_context();
    if (ctx->cleanups != c) {
        fprintf(stderr,
                "coflow: cf_cleanup_pop() of a record that is not the "
                "innermost in %s '%s'\n",
                ctx->is_coro ? "coroutine" : "thread",
                ctx->is_coro ? ((cf_coro *)ctx)->name : "base");
        abort();
    }
    ctx->cleanups = c->prev;
    if (run)
        c->fn(c->arg);
}

static void drop_error(void *e)
{
    cf_error_unref(e);
}

/*
 * Runs one cleanup while `e` unwinds. `e` is the error being handled while
 * it runs (a new error it raises gets `e` as its context); a guard record
 * under it drops our reference to `e` if the cleanup raises and unwinds past.
 */
static void run_one(cf__context *ctx, cf_cleanup *c, cf_error *e)
{
    cf_cleanup guard;
    cf_cleanup_push(&guard, drop_error, e);
    cf__set_exc(ctx, cf_error_ref(e));
    c->fn(c->arg);
    cf_cleanup_pop(&guard, false);
}

static CF_NORETURN void finish_raised(cf_coro *co, cf_error *e)
{
    /* PEP 479: a StopIteration must not escape a generator's body. */
    if (cf_error_is(e, &cf_stop_iteration)) {
        cf_error *r = cf__error_at(&cf_runtime_error, co->name,
                                   "generator raised StopIteration");
        cf__error_set_context(r, e);
        cf__error_set_cause(r, e);
        e = r;
    }
    cf__set_exc(&co->base, NULL);
    co->out_err = e;
    cf__finish(co, CF__OUT_RAISED);
}

void cf__unwind(cf__context *ctx, cf_error *e)
{
    cf_cleanup *c;

    while ((c = ctx->cleanups) != NULL) {
        ctx->cleanups = c->prev;
        if (c->frame != NULL) {
            struct try_frame *f = c->frame;
            if (c->arg == c->frame) /* a CF_TRY block: stays registered */
                ctx->cleanups = c;
            f->err = e;
            longjmp(f->jb, 1);
        }
        run_one(ctx, c, e);
    }
    if (ctx->is_coro)
        finish_raised((cf_coro *)ctx, e);
    fputs("coflow: error raised outside any coroutine or cf_try(), with "
          "nothing to catch it:\n",
          stderr);
    cf_error_print(e, stderr);
    abort();
}

cf_status cf_try(cf_try_fn fn, void *arg, cf_value *out)
{
    cf__context *ctx = cf__current_context();
    struct try_frame f;
    cf_cleanup rec = {ctx->cleanups, NULL, NULL, &f};

    f.err = NULL;
    ctx->cleanups = &rec;
    if (setjmp(f.jb) == 0) {
        cf_value r = fn(arg);
        ctx = cf__current_context();
        ctx->cleanups = rec.prev;
        if (out != NULL)
            *out = r;
        return CF_RETURNED;
    }
    /* Unwound here: the record is already popped. */
    cf__set_exc(cf__current_context(), f.err);
    return CF_RAISED;
}
