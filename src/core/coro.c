/* SPDX-License-Identifier: MIT */
/* core/coro.c - creating and freeing coroutines, and asking their state. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#if CF_TSAN
void *__tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void *fiber);
#endif

static void body_entry(void *arg);

cf_coro cf__no_leaf = {.bias = CF__BIAS_FREED, .state = CF_CLOSED};

/* A zeroed coroutine: a body at the top of its stack, or a handler. */
static int alloc(cf_coro **out, const struct cf_coro_opts *opts,
                 const char *dflt, size_t stack_size)
{
    cf_coro *co;
    int rc = stack_size != 0 ? cf__stack_coro(&co, stack_size)
                             : cf__coro_alloc(&co, 0);
    if (rc < 0)
        return rc;
    co->base.is_coro = CF__CORO_PLAIN;
    atomic_init(&co->state, CF_CREATED);
    co->top = co;
    co->leaf = co;
    co->autofree = opts != NULL && (opts->flags & CF_CORO_AUTOFREE) != 0;
    /* Biased to its creator, which is a registered thread from here on. */
    cf__registered();
    atomic_store_explicit(&co->bias, cf__tag(), memory_order_relaxed);
    const char *name = opts != NULL && opts->name != NULL ? opts->name : dflt;
    size_t len = 0; /* names are short: a loop beats strnlen + memcpy */
    while (len < sizeof co->name - 1 && name[len] != '\0') {
        co->name[len] = name[len];
        len++;
    }
    co->name[len] = '\0';
    *out = co;
    return 0;
}

/* A body's generation comes from its slot (stack.c), a handler's from here:
 * malloc() may give a freed handler's memory to the next one. */
static _Atomic unsigned handler_gens;

static unsigned handler_gen(void)
{
    unsigned n =
        atomic_fetch_add_explicit(&handler_gens, 1, memory_order_relaxed);
    return (n % CF__GEN_BODY_MAX + 1) | CF__GEN_HANDLER;
}

/* What priming's next() gave: 0 for a yield; else the body is freed. */
int cf__prime_failed(cf_coro *co, cf_status st)
{
    switch (st) {
    case CF_YIELDED:
        return 0;
    case CF_RETURNED:
        cf__set_exc(cf__current_context(),
                    cf__error_at(&cf_stop_iteration, co->name,
                                 "coroutine '%s' returned while being primed",
                                 co->name));
        break;
    case CF_RAISED:
        break;
    }
    cf_coro_free(co);
    return -ECANCELED;
}

/* Priming is Python's @coroutine: create, then next() once. */
static int prime(cf_coro *co)
{
    cf_value ignored = cf_none();
    cf_status st = cf_next(co, &ignored);
    cf_value_drop(ignored); /* a return value nobody receives */
    return cf__prime_failed(co, st);
}

/* A new body coroutine, not yet started; NULL and `rc` on failure. */
struct made {
    cf_coro *co;
    int rc;
};

static struct made new_body(cf_body_fn fn, void *arg,
                            const struct cf_coro_opts *opts, size_t size)
{
    struct made m;
    m.rc = alloc(&m.co, opts, "coroutine", size);
    if (m.rc < 0)
        return m;
    cf_coro *co = m.co;
    co->kind = CF__BODY;
    co->fn = fn;
    co->arg = arg;
    co->slow = cf__trace_flags();
    if (opts != NULL && (opts->flags & CF_CORO_FPENV) != 0) {
        co->slow |= CF__SLOW_FPENV;
        cf__fpenv_save(&co->env); /* starts with its creator's */
    }
    if (co->slow != 0) { /* both fast paths send it to the slow one */
        atomic_store_explicit(&co->bias, cf__tag() | CF__BIAS_SLOW,
                              memory_order_relaxed);
        co->base.is_coro = CF__CORO_SLOW;
    }
    cf__ctx_make(&co->base.ctx, (void *)co->base.stack_lo, co->base.stack_size,
                 body_entry);
#if CF_TSAN
    co->base.tsan_fiber = __tsan_create_fiber(0);
#endif
    return m;
}

int cf_coro_new(cf_coro **out, cf_body_fn fn, void *arg,
                const struct cf_coro_opts *opts)
{
    size_t size = CF_STACK_DEFAULT;

    if (out == NULL)
        return -EINVAL;
    *out = NULL;
    if (fn == NULL)
        return -EINVAL;
    if (opts != NULL) {
        if ((opts->flags & ~(CF_CORO_FPENV | CF_CORO_AUTOFREE)) != 0)
            return -EINVAL;
        if (opts->stack_size != 0)
            size = opts->stack_size;
    }
    if (size < CF_STACK_MIN || size > CF_STACK_MAX)
        return -EINVAL;
    struct made m = new_body(fn, arg, opts, size);
    if (m.rc < 0)
        return m.rc;
    *out = cf__handle_of(m.co);
    if (opts == NULL || !opts->prime)
        return 0;
#if CF__FAST
    /* No local's address escapes here, so this is a tail call: the first
     * yield returns 0 straight to our caller (see cf__prime). */
    m.co->primed = out;
    return cf__prime(m.co);
#else
    int rc = prime(m.co);
    if (rc < 0)
        *out = NULL;
    return rc;
#endif
}

int cf_handler_new(cf_coro **out, cf_step_fn step, void *self,
                   const struct cf_coro_opts *opts)
{
    if (out == NULL)
        return -EINVAL;
    *out = NULL;
    if (step == NULL)
        return -EINVAL;
    cf_coro *co;
    int rc = alloc(&co, opts, "handler", 0);
    if (rc < 0)
        return rc;
    co->kind = CF__HANDLER;
    if (!cf__handle_set(co, handler_gen())) {
        cf__coro_dispose(co);
        return -ENOMEM;
    }
    co->leaf = &cf__no_leaf; /* sends take the handler path, no switch */
    co->step = step;
    co->self = self;
    if (opts != NULL && opts->prime && (rc = prime(co)) < 0)
        return rc;
    *out = cf__handle_of(co);
    return 0;
}

/*
 * The base of every body coroutine's stack. A cleanup record lives in the
 * frame that pushed it, so a body that returns with one still registered has
 * left it dangling: that is a broken invariant, reported by name.
 */
static void body_entry(void *arg)
{
    cf_coro *co = arg;

    cf__jumped(&co->base);
    cf__learn_caller(co);
    cf__fpenv_resumed(co);
    cf_value r = co->fn(co->arg);
    if (co->base.cleanups != NULL) {
        fprintf(stderr,
                "coflow: coroutine '%s' returned with a cleanup still "
                "registered; pop it (cf_cleanup_pop) before returning\n",
                co->name);
        abort();
    }
    cf__set_exc(&co->base, NULL);
    co->out = r;
    cf__finish(co, CF__OUT_RETURNED);
}

void cf__bad_handle(const cf_coro *h, const char *fn)
{
    const cf_coro *co = cf__raw(h);
    if (co == NULL)
        fprintf(stderr, "coflow: %s() of a NULL coroutine\n", fn);
    else if (co->magic == CF__LIVE && co->handle != 0)
        /* Its memory holds a new coroutine: the old name is gone. */
        fprintf(stderr,
                "coflow: %s() of a freed coroutine (a stale handle: its "
                "memory now holds coroutine '%.*s'); a coroutine may not "
                "be used after cf_coro_free()\n",
                fn, CF__NAME_MAX - 1, co->name);
    else
        fprintf(stderr,
                "coflow: %s() of a freed coroutine (it was '%.*s'); a "
                "coroutine may not be used after cf_coro_free()\n",
                fn, CF__NAME_MAX - 1, co->name);
    abort();
}

int cf_coro_free(cf_coro *co)
{
    if (co == NULL)
        return 0;
    co = cf__check(co, "cf_coro_free");
    cf_state s = cf__state(co);
    if (s == CF_RUNNING)
        return -EBUSY;
    if (s == CF_SUSPENDED) {
        cf__context *cur = cf__current_context();
        cf_error *saved = cur->exc;
        cur->exc = NULL;
        if (cf_close(co, NULL) == CF_RAISED) {
            fprintf(stderr, "Exception ignored in: coroutine '%s'\n", co->name);
            cf_error_print(cur->exc, stderr);
        }
        cf__set_exc(cur, saved);
    }
    /* Still suspended: it ignored GeneratorExit, and is abandoned. */
    if (co->delegate != NULL) /* abandoned while delegating */
        cf__unlink(co->delegate);
    if (co->delegator != NULL)
        cf__unlink(co);
    /* They live on the abandoned stack: none runs, but the errors and the
     * delegates they own are released. */
    if (co->base.cleanups != NULL)
        cf__abandon_records(&co->base);
    if (co->base.exc != NULL)
        cf__set_exc(&co->base, NULL);
    if (co->in_err != NULL)
        cf_error_unref(co->in_err);
    if (co->out_err != NULL)
        cf_error_unref(co->out_err);
#if CF_TSAN
    if (co->base.tsan_fiber != NULL)
        __tsan_destroy_fiber(co->base.tsan_fiber);
#endif
    /* No handle matches, and unbiased and its own leaf: a stale cf_send()
     * takes the slow path, which aborts. */
    co->handle = 0;
    atomic_store_explicit(&co->bias, CF__BIAS_FREED, memory_order_relaxed);
    if (co->kind == CF__BODY)
        co->leaf = co;
    if (co->slab != NULL)
        cf__stack_free(co);
    else
        cf__coro_dispose(co);
    return 0;
}

/* A delegating coroutine runs while the innermost of its chain does. */
cf_state cf__chain_state(const cf_coro *co)
{
    const cf_coro *leaf = co->delegate;
    while (leaf->delegate != NULL)
        leaf = leaf->delegate;
    if (atomic_load_explicit(&leaf->state, memory_order_acquire) == CF_RUNNING)
        return CF_RUNNING;
    return CF_SUSPENDED;
}

cf_state cf_coro_state(const cf_coro *co)
{
    co = cf__check(co, "cf_coro_state");
    return cf__state(co);
}

const char *cf_state_name(cf_state s)
{
    switch (s) {
    case CF_CREATED:
        return "GEN_CREATED";
    case CF_RUNNING:
        return "GEN_RUNNING";
    case CF_SUSPENDED:
        return "GEN_SUSPENDED";
    case CF_CLOSED:
        return "GEN_CLOSED";
    }
    return "GEN_UNKNOWN";
}

const char *cf_coro_name(const cf_coro *co)
{
    if (co == NULL)
        return "";
    co = cf__check(co, "cf_coro_name");
    return co->name;
}

bool cf_coro_is_handler(const cf_coro *co)
{
    if (co == NULL)
        return false;
    co = cf__check(co, "cf_coro_is_handler");
    return co->kind == CF__HANDLER;
}

cf_coro *cf_coro_delegate(const cf_coro *co)
{
    if (co == NULL)
        return NULL;
    co = cf__check(co, "cf_coro_delegate");
    if (co->delegate == NULL)
        return NULL;
    return cf__state(co) == CF_RUNNING ? NULL : cf__handle_of(co->delegate);
}
