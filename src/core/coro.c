/* SPDX-License-Identifier: MIT */
/* core/coro.c - creating and freeing coroutines, and asking their state. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "slot.h"

#if CF_VALGRIND
#include <valgrind/valgrind.h>
#endif

#if CF_TSAN
void *__tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void *fiber);
#endif

cf_coro cf__no_leaf = {.bias = CF__BIAS_FREED, .state = CF_CLOSED};

/* Names are copied a word at a time (see name_copy) unless a sanitizer
 * checks every byte read, or on a big-endian target. */
#if !CF_ASAN && !CF_TSAN && defined(__BYTE_ORDER__)                            \
    && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NAME_WORDS 1
#else
#define NAME_WORDS 0
#endif

#if NAME_WORDS && CF_VALGRIND
/*
 * Memcheck reports the word-wise copy's reads past a name's end (it is the
 * tool that preloads vgpreload_memcheck; callgrind and the others check no
 * addresses): under it, names are copied a byte at a time. Asked once.
 */
static _Atomic signed char names_bytewise_ = -1;

static __attribute__((noinline)) bool names_bytewise_ask(void)
{
    const char *pre = getenv("LD_PRELOAD");
    bool b = RUNNING_ON_VALGRIND != 0 && pre != NULL
             && strstr(pre, "memcheck") != NULL;
    atomic_store_explicit(&names_bytewise_, (signed char)b,
                          memory_order_relaxed);
    return b;
}

/* names_bytewise() if it is known already, else -1 (not asked yet). */
static inline int names_known(void)
{
    return atomic_load_explicit(&names_bytewise_, memory_order_relaxed);
}

static inline bool names_bytewise(void)
{
    int b = names_known();
    if (CF__UNLIKELY(b < 0))
        return names_bytewise_ask();
    return b != 0;
}
#else
#if CF__FAST
static inline int names_known(void)
{
    return 0;
}
#endif

static inline bool names_bytewise(void)
{
    return false;
}
#endif

/*
 * Copies a coroutine's name (cut to CF__NAME_MAX - 1 bytes). Eight bytes
 * at a time where it may read up to CF__NAME_MAX bytes: past the name's
 * end, but never past the 4 KiB block it starts in, and no page is
 * smaller. The first zero byte of a word w is the lowest bit set in
 * (w - 0x01..01) & ~w & 0x80..80 (a borrow only runs upwards from a zero
 * byte). The sanitizers, which check every byte read, get the byte loop.
 */
_Static_assert(CF__NAME_MAX % 8 == 0, "names are copied in whole words");
static inline void name_copy_as(char *dst, const char *src, bool bytewise)
{
#if NAME_WORDS
    if (((uintptr_t)src & 4095) <= 4096 - CF__NAME_MAX && !bytewise) {
        const uint64_t ones = 0x0101010101010101ULL, highs = ones << 7;
        for (size_t k = 0;; k += 8) {
            uint64_t w;
            memcpy(&w, src + k, sizeof w);
            uint64_t z = (w - ones) & ~w & highs;
            if (k + 8 == CF__NAME_MAX)
                z |= 1ULL << 63; /* the last byte ends the name */
            if (z != 0) {
                /* The zero byte n has bit 8n + 7: keep the n below it. */
                unsigned bits = (unsigned)__builtin_ctzll(z) - 7;
                w &= (1ULL << bits) - 1;
                memcpy(dst + k, &w, sizeof w);
                return;
            }
            memcpy(dst + k, &w, sizeof w);
        }
    }
#endif
    size_t len = 0;
    while (len < CF__NAME_MAX - 1 && src[len] != '\0') {
        dst[len] = src[len];
        len++;
    }
    dst[len] = '\0';
    (void)bytewise;
}

static inline void name_copy(char *dst, const char *src)
{
    name_copy_as(dst, src, names_bytewise());
}

/* What cf_coro_new() and cf_handler_new() take for NULL options. */
static const struct cf_coro_opts no_opts;

/*
 * A zeroed coroutine: a body at the top of its stack, or a handler.
 * Inlined in both: the body's create makes one call before priming.
 */
static inline __attribute__((always_inline)) int
alloc(cf_coro **out, const struct cf_coro_opts *opts, const char *dflt,
      size_t stack_size)
{
    cf_coro *co = NULL;
    if (stack_size != 0) /* a slot from the hot list needs no call */
        co = cf__stack_hot_take(stack_size);
    if (co == NULL) {
        int rc = stack_size != 0 ? cf__stack_coro(&co, stack_size)
                                 : cf__coro_alloc(&co, 0);
        if (rc < 0)
            return rc;
    }
    co->base.is_coro = CF__CORO_PLAIN;
    atomic_init(&co->state, CF_CREATED);
    co->top = co;
    co->leaf = co;
    co->autofree = (opts->flags & CF_CORO_AUTOFREE) != 0;
    /* Biased to its creator, which is a registered thread from here on. */
    cf__registered();
    atomic_store_explicit(&co->bias, cf__tag(), memory_order_relaxed);
    name_copy(co->name, opts->name != NULL ? opts->name : dflt);
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

static inline struct made new_body(cf_body_fn fn, void *arg,
                                   const struct cf_coro_opts *opts, size_t size,
                                   bool primed)
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
    if ((opts->flags & CF_CORO_FPENV) != 0) {
        co->slow |= CF__SLOW_FPENV;
        cf__fpenv_save(&co->env); /* starts with its creator's */
    }
    if (co->slow != 0) { /* both fast paths send it to the slow one */
        atomic_store_explicit(&co->bias, cf__tag() | CF__BIAS_SLOW,
                              memory_order_relaxed);
        co->base.is_coro = CF__CORO_SLOW;
    }
    /* A body primed by the fast protocol is entered by cf__prime_switch(),
     * which needs no context made for it. */
    if (!(CF__FAST && primed))
        cf__ctx_make(&co->base.ctx, (void *)co->base.stack_lo,
                     co->base.stack_size, cf__body_entry);
#if CF_TSAN
    co->base.tsan_fiber = __tsan_create_fiber(0);
#endif
    return m;
}

/* cf_coro_new()'s failures: *out is NULL (stored here only, not first). */
static int new_failed(cf_coro **out, int rc)
{
    *out = NULL;
    return rc;
}

static int new_general(cf_coro **out, cf_body_fn fn, void *arg,
                       const struct cf_coro_opts *opts, size_t size);

int cf_coro_new(cf_coro **out, cf_body_fn fn, void *arg,
                const struct cf_coro_opts *opts)
{
    if (out == NULL)
        return -EINVAL;
    if (fn == NULL)
        return new_failed(out, -EINVAL);
    if (opts == NULL)
        opts = &no_opts;
    if ((opts->flags & ~(CF_CORO_FPENV | CF_CORO_AUTOFREE)) != 0)
        return new_failed(out, -EINVAL);
    size_t size = opts->stack_size != 0 ? opts->stack_size : CF_STACK_DEFAULT;
    if (size < CF_STACK_MIN || size > CF_STACK_MAX)
        return new_failed(out, -EINVAL);
#if CF__FAST
    /*
     * The common case makes no call before its switch into the body: a
     * primed body of a registered thread, no trace being written, no
     * CF_CORO_FPENV, a slot from the hot list (slot.h). It is alloc() and
     * new_body() with what cannot happen left out (the reset made kind
     * BODY and slow 0); anything else, and any failure, is new_general()'s.
     */
    unsigned ts = atomic_load_explicit(&cf__trace_state, memory_order_relaxed);
    int bytewise = names_known();
    if (CF__LIKELY(opts->prime && (opts->flags & CF_CORO_FPENV) == 0
                   && (ts & (CF__TRACE_READY | CF__SLOW_TRACE))
                          == CF__TRACE_READY
                   && cf__tls.me != 0 && cf__tls.cur != &cf__nowhere
                   && bytewise >= 0)) {
        cf_coro *co = cf__stack_hot_take(size);
        if (CF__LIKELY(co != NULL)) {
            co->base.is_coro = CF__CORO_PLAIN;
            co->top = co;
            co->leaf = co;
            co->autofree = (opts->flags & CF_CORO_AUTOFREE) != 0;
            atomic_store_explicit(&co->bias, cf__tag(), memory_order_relaxed);
            name_copy_as(co->name,
                         opts->name != NULL ? opts->name : "coroutine",
                         bytewise != 0);
            co->fn = fn;
            co->arg = arg;
            *out = cf__handle_of(co);
            co->primed = out;
            /* Not CREATED first: it is RUNNING from here on. */
            return cf__prime_plain(co, cf__tls.cur);
        }
    }
#endif
    return new_general(out, fn, arg, opts, size);
}

/* cf_coro_new() after its checks: a body made the general way. */
static __attribute__((noinline)) int
new_general(cf_coro **out, cf_body_fn fn, void *arg,
            const struct cf_coro_opts *opts, size_t size)
{
    struct made m = new_body(fn, arg, opts, size, opts->prime);
    if (m.rc < 0)
        return new_failed(out, m.rc);
    *out = cf__handle_of(m.co);
    if (!opts->prime)
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
    if (opts == NULL)
        opts = &no_opts;
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
    if (opts->prime && (rc = prime(co)) < 0)
        return rc;
    *out = cf__handle_of(co);
    return 0;
}

/*
 * The base of every body coroutine's stack. A cleanup record lives in the
 * frame that pushed it, so a body that returns with one still registered has
 * left it dangling: that is a broken invariant, reported by name.
 */
void cf__body_entry(void *arg)
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

/* cf_coro_free() of all but a body at rest that holds nothing. */
static __attribute__((noinline)) int free_slow(cf_coro *co)
{
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
    co->in_err = NULL; /* a slot's next create does not clear them */
    co->out_err = NULL;
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

/*
 * A body at rest (never started, or finished) that holds nothing - no
 * delegate or delegator, no cleanup, no error - needs none of free_slow()'s
 * steps: only what makes a stale handle abort, and its slot back.
 */
int cf_coro_free(cf_coro *co)
{
    if (co == NULL)
        return 0;
    co = cf__check(co, "cf_coro_free");
    int s = atomic_load_explicit(&co->state, memory_order_acquire);
    uintptr_t held = (uintptr_t)co->delegate | (uintptr_t)co->delegator
                     | (uintptr_t)co->base.cleanups | (uintptr_t)co->base.exc
                     | (uintptr_t)co->in_err | (uintptr_t)co->out_err;
    if (CF_TSAN || (s != CF_CLOSED && s != CF_CREATED) || co->slab == NULL
        || held != 0 || co->leaf != co)
        return free_slow(co);
    co->handle = 0;
    atomic_store_explicit(&co->bias, CF__BIAS_FREED, memory_order_relaxed);
    /* Its own leaf already: a body with no delegate and no delegator. On
     * the hot list (slot.h), or stack.c's general path. */
    if (CF__UNLIKELY(!cf__stack_hot_give(co)))
        cf__stack_free(co);
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
