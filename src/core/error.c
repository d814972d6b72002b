/* SPDX-License-Identifier: MIT */
/* core/error.c - error types, error objects, and the error being handled. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const cf_error_type cf_base_exception = {"BaseException", NULL};
const cf_error_type cf_generator_exit = {"GeneratorExit", &cf_base_exception};
const cf_error_type cf_exception = {"Exception", &cf_base_exception};
const cf_error_type cf_stop_iteration = {"StopIteration", &cf_exception};
const cf_error_type cf_runtime_error = {"RuntimeError", &cf_exception};
const cf_error_type cf_value_error = {"ValueError", &cf_exception};
const cf_error_type cf_type_error = {"TypeError", &cf_exception};
const cf_error_type cf_memory_error = {"MemoryError", &cf_exception};
const cf_error_type cf_attribute_error = {"AttributeError", &cf_exception};

struct cf_error {
    atomic_long refs; /* < 0: immortal (the shared MemoryError) */
    const cf_error_type *type;
    cf_error *context;
    cf_error *cause;
    char coro[CF__NAME_MAX];
    const char *msg; /* NUL-terminated; usually `text` */
    cf_value value;  /* the argument: StopIteration's value; none if none */
    char **via;      /* the stages passed, one block: nvia pointers, then
                        the names they point at; NULL when none */
    size_t nvia;
    char text[];
};

/* What cf_error_new() hands out when malloc fails: it must not allocate. */
static cf_error oom = {
    .refs = -1, .type = &cf_memory_error, .msg = "out of memory"};

bool cf_type_is(const cf_error_type *t, const cf_error_type *base)
{
    for (; t != NULL; t = t->base)
        if (t == base)
            return true;
    return false;
}

CF_PRINTF(3, 0)
static cf_error *vnew(const cf_error_type *t, const char *coro, const char *fmt,
                      va_list ap)
{
    va_list aq;
    int len = 0;

    if (fmt != NULL && *fmt != '\0') {
        va_copy(aq, ap);
        len = vsnprintf(NULL, 0, fmt, aq);
        va_end(aq);
        if (len < 0)
            len = 0;
    }
    cf_error *e = cf__fault() ? NULL : malloc(sizeof *e + (size_t)len + 1);
    if (e == NULL)
        return &oom;
    atomic_init(&e->refs, 1);
    e->type = t != NULL ? t : &cf_exception;
    e->context = NULL;
    e->cause = NULL;
    e->via = NULL;
    e->nvia = 0;
    snprintf(e->coro, sizeof e->coro, "%s", coro != NULL ? coro : "");
    e->text[0] = '\0';
    e->msg = e->text;
    e->value = cf_none();
    if (len > 0)
        vsnprintf(e->text, (size_t)len + 1, fmt, ap);
    return e;
}

/* The name errors made now carry: the running handler's, else the body's. */
static const char *current_name(void)
{
    cf_coro *co = cf__raw(cf_current());
    return co != NULL ? co->name : "";
}

cf_error *cf_error_new(const cf_error_type *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cf_error *e = vnew(t, current_name(), fmt, ap);
    va_end(ap);
    return e;
}

cf_error *cf_error_new_value(const cf_error_type *t, cf_value v,
                             const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cf_error *e = vnew(t, current_name(), fmt, ap);
    va_end(ap);
    if (e->refs >= 0) /* the shared MemoryError carries none */
        e->value = cf_value_keep(v);
    return e;
}

cf_value cf_error_value(const cf_error *e)
{
    return e != NULL ? e->value : cf_none();
}

cf_error *cf__error_at(const cf_error_type *t, const char *coro,
                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cf_error *e = vnew(t, coro, fmt, ap);
    va_end(ap);
    return e;
}

/*
 * close() throws a GeneratorExit with an empty message. One is kept for it:
 * whoever finds it held by nobody else (its own reference only) takes it,
 * unlinked as its last holder left it (gexit_unref()), and saves a malloc
 * and the formatting; nested closes, and closes on other threads
 * meanwhile, get a new one.
 */
static cf_error gexit = {.refs = 1, .type = &cf_generator_exit, .msg = ""};

cf_error *cf__generator_exit(void)
{
    long one = 1;
    if (atomic_compare_exchange_strong_explicit(
            &gexit.refs, &one, 2, memory_order_acquire, memory_order_relaxed)) {
        return &gexit;
    }
    return cf__error_at(&cf_generator_exit, "", NULL);
}

cf_error *cf_error_ref(cf_error *e)
{
    if (e != NULL && atomic_load_explicit(&e->refs, memory_order_relaxed) >= 0)
        atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
    return e;
}

/*
 * Drops a reference to the kept GeneratorExit. The last one out (it sees
 * 2: nobody else holds it, so nobody can take or add one meanwhile) lets
 * go of what the close linked to it - the error handled at the call, a
 * cause - before handing it back, so that none of that is kept alive, or
 * seen, after the close that raised it.
 */
static void gexit_unref(void)
{
    long r = atomic_load_explicit(&gexit.refs, memory_order_acquire);
    for (;;) {
        if (r == 2) {
            cf_error *context = gexit.context, *cause = gexit.cause;
            gexit.context = NULL;
            gexit.cause = NULL;
            gexit.coro[0] = '\0';
            atomic_store_explicit(&gexit.refs, 1, memory_order_release);
            cf_error_unref(context);
            cf_error_unref(cause);
            return;
        }
        if (atomic_compare_exchange_weak_explicit(&gexit.refs, &r, r - 1,
                                                  memory_order_acq_rel,
                                                  memory_order_acquire))
            return;
    }
}

void cf_error_unref(cf_error *e)
{
    while (e != NULL) {
        if (atomic_load_explicit(&e->refs, memory_order_relaxed) < 0)
            return;
        if (CF__UNLIKELY(e == &gexit)) {
            gexit_unref();
            return;
        }
        if (atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) != 1)
            return;
        cf_error *context = e->context;
        cf_error_unref(e->cause);
        cf_value_drop(e->value);
        free(e->via);
        free(e);
        e = context; /* iterate: context chains can be long */
    }
}

const cf_error_type *cf_error_type_of(const cf_error *e)
{
    return e != NULL ? e->type : NULL;
}

const char *cf_error_message(const cf_error *e)
{
    return e != NULL ? e->msg : "";
}

const char *cf_error_coro(const cf_error *e)
{
    return e != NULL ? e->coro : "";
}

const cf_error *cf_error_context(const cf_error *e)
{
    return e != NULL ? e->context : NULL;
}

const cf_error *cf_error_cause(const cf_error *e)
{
    return e != NULL ? e->cause : NULL;
}

size_t cf_error_via_count(const cf_error *e)
{
    return e != NULL ? e->nvia : 0;
}

const char *cf_error_via(const cf_error *e, size_t i)
{
    return e != NULL && i < e->nvia ? e->via[i] : NULL;
}

cf_error *cf_error_via_add(const cf_error *e, size_t n,
                           const char *const *names)
{
    if (e == NULL)
        return NULL;
    if (e->refs < 0)
        return (cf_error *)e; /* the shared MemoryError: no room for it */
    size_t total = e->nvia + n, bytes = 0;
    for (size_t i = 0; i < e->nvia; i++)
        bytes += strlen(e->via[i]) + 1;
    for (size_t i = 0; i < n; i++)
        bytes += strlen(names[i]) + 1;
    cf_error *c = cf__error_at(e->type, e->coro, "%s", e->msg);
    if (c->refs < 0)
        return c;
    if (total > 0) {
        c->via = cf__fault() || total > (SIZE_MAX - bytes) / sizeof(char *)
                     ? NULL
                     : malloc(total * sizeof(char *) + bytes);
        if (c->via == NULL) {
            free(c);
            return &oom;
        }
        char *at = (char *)(c->via + total);
        for (size_t i = 0; i < total; i++) {
            const char *name = i < e->nvia ? e->via[i] : names[i - e->nvia];
            size_t len = strlen(name) + 1;
            memcpy(at, name, len);
            c->via[i] = at;
            at += len;
        }
        c->nvia = total;
    }
    c->context = cf_error_ref(e->context);
    c->cause = cf_error_ref(e->cause);
    c->value = cf_value_keep(e->value); /* the copy carries the value too */
    return c;
}

bool cf_error_is(const cf_error *e, const cf_error_type *t)
{
    return e != NULL && cf_type_is(e->type, t);
}

/* The shared MemoryError has no room for links: it stays unlinked. */
void cf__error_set_context(cf_error *e, cf_error *ctx)
{
    if (e == NULL || e == ctx || e->refs < 0 || e->context != NULL)
        return;
    for (cf_error *c = ctx; c != NULL; c = c->context)
        if (c == e)
            return; /* would make a cycle */
    e->context = cf_error_ref(ctx);
}

void cf__error_chain_thrown(cf_error *e, cf_error *own)
{
    if (own == NULL || e == NULL || e == own || e->refs < 0
        || e->context == own)
        return;
    for (cf_error *c = own; c != NULL; c = c->context)
        if (c == e)
            return; /* would make a cycle */
    cf_error *old = e->context;
    e->context = cf_error_ref(own);
    cf_error_unref(old);
}

void cf__error_set_cause(cf_error *e, cf_error *cause)
{
    if (e == NULL || e->refs < 0) {
        cf_error_unref(cause);
        return;
    }
    cf_error_unref(e->cause);
    e->cause = cause;
}

void cf__error_rename(cf_error *e, const char *coro)
{
    if (e != NULL && e->refs >= 0)
        snprintf(e->coro, sizeof e->coro, "%s", coro);
}

/* Appends to buf[*len..n) as snprintf() would, counting what is cut. */
CF_PRINTF(4, 5)
static void put(char *buf, size_t n, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(*len < n ? buf + *len : NULL, *len < n ? n - *len : 0,
                      fmt, ap);
    va_end(ap);
    if (k > 0)
        *len += (size_t)k;
}

/* "Type: message (via 'a' <- 'b')", as cf_error_format() describes it. */
static size_t text_of(const cf_error *e, char *buf, size_t n)
{
    size_t len = 0;
    if (n > 0)
        buf[0] = '\0';
    put(buf, n, &len, "%s", e->type->name);
    if (e->msg[0] == '\0' && !cf_is_none(e->value)) {
        /* "Type: str(value)", as Python prints an error whose one
         * argument is it */
        put(buf, n, &len, ": ");
        len += cf_value_str(e->value, len < n ? buf + len : NULL,
                            len < n ? n - len : 0);
    } else if (e->msg[0] != '\0' || e->nvia > 0) {
        put(buf, n, &len, ":%s%s", e->msg[0] != '\0' ? " " : "", e->msg);
    }
    for (size_t i = 0; i < e->nvia; i++)
        put(buf, n, &len, "%s'%s'", i == 0 ? " (via " : " <- ", e->via[i]);
    if (e->nvia > 0)
        put(buf, n, &len, ")");
    return len;
}

size_t cf_error_format(const cf_error *e, char *buf, size_t n)
{
    if (e == NULL) {
        int len = snprintf(buf, n, "None");
        return len < 0 ? 0 : (size_t)len;
    }
    return text_of(e, buf, n);
}

static void print_one(const cf_error *e, FILE *f, int depth)
{
    if (depth > 64)
        return;
    if (e->cause != NULL) {
        print_one(e->cause, f, depth + 1);
        fputs("\nThe above exception was the direct cause of the following "
              "exception:\n\n",
              f);
    } else if (e->context != NULL) {
        print_one(e->context, f, depth + 1);
        fputs("\nDuring handling of the above exception, another exception "
              "occurred:\n\n",
              f);
    }
    char small[256];
    size_t len = text_of(e, small, sizeof small);
    char *big = len < sizeof small ? NULL : malloc(len + 1);
    if (big != NULL)
        text_of(e, big, len + 1);
    fputs(big != NULL ? big : small, f);
    free(big);
    if (e->coro[0] != '\0')
        fprintf(f, " (in coroutine '%s')", e->coro);
    fputc('\n', f);
}

void cf_error_print(const cf_error *e, FILE *f)
{
    if (e == NULL || f == NULL)
        return;
    print_one(e, f, 0);
}

void cf__set_exc(cf__context *ctx, cf_error *e)
{
    cf_error *old = ctx->exc;
    ctx->exc = e;
    cf_error_unref(old);
}

/*
 * A running coroutine that handles no error of its own sees the one its
 * delegators handle, and then its resumer's: CPython chains the exception
 * state of the frames it resumes, so sys.exception() inside a generator, and
 * the context of what it raises, come from the code that resumed it.
 */
cf_error *cf__handled(const cf__context *c)
{
    while (c->exc == NULL && c->is_coro) {
        const cf_coro *co = (const cf_coro *)(const void *)c;
        for (const cf_coro *d = co->delegator; d != NULL; d = d->delegator)
            if (d->base.exc != NULL)
                return d->base.exc;
        if (co->caller == NULL || co->caller == c)
            return NULL;
        c = co->caller;
    }
    return c->exc;
}

const cf_error *cf_error_last(void)
{
    return cf__handled(cf__current_context());
}

cf_error *cf_error_take(void)
{
    cf__context *ctx = cf__current_context();
    cf_error *e = ctx->exc;
    ctx->exc = NULL;
    return e;
}

void cf__error_restore(cf_error *e)
{
    cf__set_exc(cf__current_context(), e);
}

void cf_error_clear(void)
{
    cf__set_exc(cf__current_context(), NULL);
}

cf_status cf__raise_here(cf_coro *co, const cf_error_type *t, const char *msg)
{
    cf__context *ctx = cf__current_context();
    cf_error *e = cf__error_at(t, co != NULL ? co->name : "", "%s", msg);
    cf__error_set_context(e, cf__handled(ctx));
    cf__set_exc(ctx, e);
    return CF_RAISED;
}

cf_status cf_fail(const cf_error_type *t, const char *fmt, ...)
{
    cf__context *ctx = cf__current_context();
    va_list ap;
    va_start(ap, fmt);
    cf_error *e = vnew(t, current_name(), fmt, ap);
    va_end(ap);
    cf__error_set_context(e, cf__handled(ctx));
    cf__set_exc(ctx, e);
    return CF_RAISED;
}

void cf_raise(const cf_error_type *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cf_error *e = vnew(t, current_name(), fmt, ap);
    va_end(ap);
    cf_raise_error(e);
}

void cf_raise_error(cf_error *e)
{
    cf__context *ctx = cf__current_context();
    if (e == NULL)
        e = cf_error_new(&cf_type_error, "cf_raise_error() of a NULL error");
    cf__error_set_context(e, cf__handled(ctx));
    cf__unwind(ctx, e);
}

void cf_reraise(void)
{
    cf__context *ctx = cf__current_context();
    cf_error *e = cf__handled(ctx);
    if (e == NULL)
        cf_raise(&cf_runtime_error, "No active exception to reraise");
    cf__unwind(ctx, cf_error_ref(e));
}

const char *cf_strerror(int rc)
{
    if (rc == 0)
        return "Success";
    return strerror(rc < 0 ? -rc : rc);
}

int cf_version(void)
{
    return CF_VERSION_NUM;
}
