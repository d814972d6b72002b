/* SPDX-License-Identifier: MIT */
/*
 * coflow/core.h - generator coroutines: create, send, throw, close, yield.
 *
 * A body coroutine runs a function on its own stack; the caller drives it
 * with cf_send() and the body hands values back with cf_yield(). A handler
 * coroutine is an object - a step function and a state pointer - called in
 * the sender's context with no stack and no switch. Both answer the same
 * calls. The states are those of Python's inspect.getgeneratorstate():
 *
 *     CREATED --send(none)--> RUNNING --cf_yield()--> SUSPENDED
 *     SUSPENDED --send, throw, close--> RUNNING
 *     RUNNING --return, raise, or close--> CLOSED
 *     CREATED --close or throw--> CLOSED
 *
 * Threads: a suspended coroutine may be resumed from any thread, never from
 * two at once; the guard is atomic, and the loser of a race gets
 * ValueError("generator already executing").
 */
#ifndef COFLOW_CORE_H
#define COFLOW_CORE_H

#include <stdbool.h>
#include <stddef.h>

#include "coflow/error.h"
#include "coflow/export.h"
#include "coflow/value.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A coroutine, body or handler. Opaque. */
typedef struct cf_coro cf_coro;

/* The four states of inspect.getgeneratorstate(). */
typedef enum cf_state {
    CF_CREATED = 0, /* not started yet */
    CF_RUNNING,     /* executing: only code it runs or calls can see this */
    CF_SUSPENDED,   /* paused at a yield (or a yield from) */
    CF_CLOSED       /* finished: returned, raised, or closed */
} cf_state;

/* A body: runs on the coroutine's stack; its result is the return value. */
typedef cf_value (*cf_body_fn)(void *arg);

/* Options for creating a coroutine. NULL, or a zero field, means the default. */
struct cf_coro_opts {
    const char *name;  /* for errors and debuggers; copied (up to 47 bytes) */
    size_t stack_size; /* usable bytes of stack; default CF_STACK_DEFAULT */
    bool prime;        /* run to the first yield now (Python's @coroutine) */
    unsigned flags;    /* CF_CORO_FPENV */
};

/* The default and the smallest stack a body coroutine gets, in bytes. */
#define CF_STACK_DEFAULT (64u * 1024u)
#define CF_STACK_MIN     (16u * 1024u)
#define CF_STACK_MAX     ((size_t)1 << 30)

/*
 * The coroutine keeps its own floating-point control state (MXCSR and the x87
 * control word on x86-64, FPCR on aarch64, fcsr on riscv64): changes it makes
 * never leak to its callers, and theirs never reach it. Without this flag a
 * switch does not touch FP state, which keeps it fast.
 */
#define CF_CORO_FPENV 0x1u

/*
 * The coroutine is owned by the delegation it is handed to:
 * cf_yield_from(), cf_yield_from_catch() and cf_yield_from_new() free it
 * (cf_coro_free()) when the delegation ends, however it ends - a return, an
 * error it raises, an error thrown into it, a close of the delegator - after
 * taking its return value, which must therefore not point into its stack.
 * Nothing else may free it once it is handed over. A delegation refused
 * because the coroutine is running or delegated to by another leaves it to
 * its owner. Until it is handed to a delegation, and for every other use,
 * the flag changes nothing: whoever created it frees it, or the layer it is
 * given to (cf_sched_add(), cf_pipe_add()) does.
 */
#define CF_CORO_AUTOFREE 0x4u

/*
 * Creates a body coroutine that will run fn(arg) on its own stack, and stores
 * it in `*out`. Nothing of the body runs unless `opts->prime` is set; then
 * the body runs to its first yield, whose value is discarded, and the new
 * coroutine is SUSPENDED.
 *
 * Returns 0, -EINVAL for a NULL `out` or `fn`, unknown flags, or a stack size
 * outside CF_STACK_MIN..CF_STACK_MAX, -ENOMEM when the stack or the object
 * cannot be had, or -ECANCELED when priming did not reach a yield: the body
 * raised or returned, cf_error_last() says which, and nothing is created.
 * Returns -errno: -EINVAL (bad arguments or options), -ENOMEM, -ECANCELED
 * (priming did not reach a yield).
 */
CF_API int cf_coro_new(cf_coro **out, cf_body_fn fn, void *arg,
                       const struct cf_coro_opts *opts);

/*
 * Frees `co` (NULL is ignored). A SUSPENDED coroutine is closed first, so its
 * cleanups run; an error from that close is printed to stderr, as Python's
 * "Exception ignored in", and not propagated. Returns 0, or -EBUSY when `co`
 * is RUNNING (it is then left alone). A coroutine another one delegates to
 * must outlive that delegation or be freed first (the delegator then sees it
 * as finished).
 * Returns -errno: -EBUSY (`co` is RUNNING).
 */
CF_API int cf_coro_free(cf_coro *co);

/*
 * cf_coro_new() in one expression: returns the new coroutine, or NULL with
 * errno set to what cf_coro_new() returned (as a positive code) and an
 * error being handled (cf_error_last()): ValueError for EINVAL, MemoryError
 * for ENOMEM, or for ECANCELED the error priming ended with (StopIteration
 * when the body returned); it never raises into the caller.
 *
 *     cf_value r = cf_yield_from(cf_coro_make(sub, arg, &(struct cf_coro_opts){
 *         .flags = CF_CORO_AUTOFREE}));
 *
 * Fails: returns NULL with errno EINVAL, ENOMEM or ECANCELED and an error being
 * handled.
 */
CF_API cf_coro *cf_coro_make(cf_body_fn fn, void *arg,
                             const struct cf_coro_opts *opts);

/*
 * The state of `co`. A delegating coroutine is RUNNING while its chain runs.
 * Fails: never.
 */
CF_API cf_state cf_coro_state(const cf_coro *co);

/*
 * "GEN_CREATED", "GEN_RUNNING", "GEN_SUSPENDED" or "GEN_CLOSED".
 * Fails: never.
 */
CF_API const char *cf_state_name(cf_state s);

/*
 * The name given at creation ("coroutine" or "handler" if none).
 * Fails: never.
 */
CF_API const char *cf_coro_name(const cf_coro *co);

/*
 * True for a handler coroutine, false for a body coroutine.
 * Fails: never.
 */
CF_API bool cf_coro_is_handler(const cf_coro *co);

/*
 * The coroutine `co` delegates to while suspended in a yield from (Python's
 * gi_yieldfrom), else NULL: before it starts, while it runs, after the
 * delegate finishes, and once it is closed.
 * Fails: never.
 */
CF_API cf_coro *cf_coro_delegate(const cf_coro *co);

/*
 * The high-water mark of `co`'s stack: how much of it, from the top down,
 * has been touched while `co` has had it, in bytes rounded up to whole pages
 * (the memory the stack costs). `*size` (may be NULL) gets the usable size,
 * at least the size asked for. 0 and 0 for a handler or NULL. Pages the
 * kernel swapped out are not counted.
 * Fails: never.
 */
CF_API size_t cf_coro_stack_used(const cf_coro *co, size_t *size);

/*
 * Calls fn(co, arg) for every live coroutine (created and not yet freed),
 * body or handler, in no particular order, until fn returns nonzero. fn may
 * create and free coroutines; coroutines other threads free meanwhile may
 * still be visited, so keep them from doing that. Returns 0, fn's nonzero
 * result, -EINVAL for a NULL fn, or -ENOMEM.
 * Returns -errno: -EINVAL (NULL `fn`), -ENOMEM.
 */
CF_API int cf_coro_foreach(int (*fn)(cf_coro *co, void *arg), void *arg);

/*
 * The body coroutine running on this thread now, or NULL outside any.
 * Fails: never.
 */
CF_API cf_coro *cf_current(void);

/*
 * Resumes `co`, delivering `v` as the result of its pending cf_yield().
 *
 * Returns CF_YIELDED or CF_RETURNED with the value in `*out`, or CF_RAISED
 * when the body ended with an error, which is then the error being handled
 * in the caller's context (cf_error_last()). Misuse raises what Python
 * raises: a send into a RUNNING coroutine raises ValueError("generator
 * already executing") and does not disturb it; a first send that is not none
 * raises TypeError("can't send non-None value to a just-started generator")
 * and leaves it CREATED. A CLOSED coroutine answers CF_RETURNED with none.
 *
 * `v` is borrowed for the duration of the call; `out` may be NULL. A send into
 * a coroutine suspended in a yield from goes straight to the innermost
 * delegate, whatever the depth.
 * Returns CF_RAISED: ValueError (`co` is running), TypeError (a first send that
 * is not none), or the error the body raised.
 */
CF_API cf_status cf_send(cf_coro *co, cf_value v, cf_value *out);

/*
 * cf_send(co, cf_none(), out): Python's next().
 * Returns CF_RAISED: ValueError (`co` is running), or the error the body
 * raised.
 */
CF_API cf_status cf_next(cf_coro *co, cf_value *out);

/*
 * Python's built-in next(co) for code that may raise (a body, or inside
 * cf_try() or CF_TRY): returns the value `co` yields. When `co` returns,
 * raises StopIteration carrying the return value (cf_error_value()), as
 * next() does; when `co` raises, raises that error again here. A closed
 * `co` raises StopIteration carrying none. Misuse raises as cf_send().
 * Unwinds: StopIteration (`co` returned), the error `co` raised, ValueError
 * (`co` is running), TypeError (NULL `co`).
 */
CF_API cf_value cf_next_in(cf_coro *co);

/*
 * Python's co.send(v) for code that may raise; otherwise as cf_next_in().
 * Unwinds: StopIteration (`co` returned), the error `co` raised, ValueError
 * (`co` is running), TypeError (NULL `co`, or a first send that is not none).
 */
CF_API cf_value cf_send_in(cf_coro *co, cf_value v);

/*
 * Raises `err` inside `co` at its pending yield, taking over the caller's
 * reference to it. If the body catches it and yields, CF_YIELDED; if it
 * returns, CF_RETURNED; otherwise the error (or the one the body raised
 * instead) comes out as CF_RAISED. A CREATED coroutine is closed with no code
 * run and `err` comes straight out; so does it from a CLOSED one. A RUNNING
 * one raises ValueError, as cf_send() does. GeneratorExit thrown into a
 * coroutine in a yield from first closes the delegates, innermost first.
 * A NULL `err` is Python's g.throw(None): TypeError raised at the caller,
 * the coroutine left as it was (in a yield from, the TypeError comes out of
 * the innermost delegator's yield from).
 * Returns CF_RAISED: the error thrown or the one the body raised instead,
 * ValueError (`co` is running), TypeError (NULL `err`).
 */
CF_API cf_status cf_throw(cf_coro *co, cf_error *err, cf_value *out);

/*
 * cf_throw() of a new error of type `t` with message `msg` (may be NULL).
 * Returns CF_RAISED: the new error or the one the body raised instead,
 * ValueError (`co` is running).
 */
CF_API cf_status cf_throw_new(cf_coro *co, const cf_error_type *t,
                              const char *msg, cf_value *out);

/*
 * Closes `co` as Python 3.13's generator.close() does: a SUSPENDED coroutine
 * gets GeneratorExit at its yield. Returns CF_RETURNED with none when the
 * GeneratorExit came back out or `co` was CREATED or CLOSED, CF_RETURNED with
 * the body's return value when it caught GeneratorExit and returned, or
 * CF_RAISED: RuntimeError("generator ignored GeneratorExit") when the body
 * yielded instead (it is then left SUSPENDED there), ValueError when `co` is
 * RUNNING, or whatever other error the body raised. `out` may be NULL.
 * Returns CF_RAISED: RuntimeError (the body ignored GeneratorExit), ValueError
 * (`co` is running), or the error the body raised.
 */
CF_API cf_status cf_close(cf_coro *co, cf_value *out);

/*
 * Inside a body: hands `v` to the caller of the send that resumed this
 * coroutine and suspends until the next resume. Returns the value sent in
 * (none for a next). An error thrown in - GeneratorExit from a close
 * included - is raised here, and unwinds the body unless a protected call
 * catches it. Calling it outside a body coroutine is a broken invariant and
 * aborts with a message.
 * Unwinds: the error thrown in; GeneratorExit when closed.
 */
CF_API cf_value cf_yield(cf_value v);

/*
 * cf_yield() is called with a jump, not a `call`, where the compiler allows
 * (docs/design.md, "The yield and the return-stack buffer"): the body's
 * return address is pushed by hand, so the processor's return-stack buffer
 * keeps only the senders' calls, and every `ret` after a round trip - in a
 * handler that sent into a body, in the function that called cf_send() -
 * is predicted right. It behaves as the call does. Opt-in: define
 * CF_INLINE_YIELD before including the header (a debugger cannot unwind a
 * suspended body past the inline jump yet). Not under ThreadSanitizer, and
 * only on x86-64 with gcc or clang.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(CF_BUILDING)          \
    && defined(CF_INLINE_YIELD)
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CF__YIELD_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define CF__YIELD_TSAN 1
#endif
#ifndef CF__YIELD_TSAN
/* Internal: cf_yield() entered by the jump below; not to be called. */
cf_value cf__yield_jump(cf_value v);

#if defined(__AVX512F__)
#define CF__YIELD_CLOBBER_AVX512                                               \
    , "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23",  \
        "xmm24", "xmm25", "xmm26", "xmm27", "xmm28", "xmm29", "xmm30",         \
        "xmm31", "k1", "k2", "k3", "k4", "k5", "k6", "k7"
#else
#define CF__YIELD_CLOBBER_AVX512
#endif

static inline __attribute__((always_inline)) cf_value
cf__yield_inline(cf_value v)
{
    union {
        cf_value v;
        unsigned long long w[2];
    } u;
    u.v = v;
    unsigned long long lo = u.w[0], hi = u.w[1];
    /* What a `call` does but the return-stack buffer's push: past the red
     * zone (136 bytes down, then 8 up where that leaves rsp 16-aligned, so
     * that the return address lands as a call's would), the old rsp kept
     * below the return address, which is pushed by hand, and a jump. The
     * callee saves what the ABI says a callee saves; the rest is clobbered.
     * The value goes in rdi:rsi and comes back in rax:rdx, as a call's. */
    __asm__ __volatile__("movq %%rsp, %%rax\n\t"
                         "leaq -136(%%rsp), %%rsp\n\t"
                         "orq $8, %%rsp\n\t"
                         "pushq %%rax\n\t"
                         "leaq 1f(%%rip), %%rax\n\t"
                         "pushq %%rax\n\t"
                         "jmp cf__yield_jump\n"
                         "1:\n\t"
                         "popq %%rsp"
                         : "=a"(u.w[0]), "=d"(u.w[1]), "+D"(lo), "+S"(hi)
                         :
                         : "rcx", "r8", "r9", "r10", "r11", "xmm0", "xmm1",
                           "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
                           "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
                           "xmm14", "xmm15", "st", "st(1)", "st(2)", "st(3)",
                           "st(4)", "st(5)", "st(6)", "st(7)", "memory", "cc",
                           "fpsr" CF__YIELD_CLOBBER_AVX512);
    return u.v;
}

#define cf_yield(v) cf__yield_inline(v)
#endif
#endif

/*
 * The catching form of cf_yield(), Python's `try: x = yield v / except`:
 * returns CF_YIELDED with the value sent in stored in `*in` (may be NULL), or
 * CF_RAISED when an error was thrown in; that error is then the error being
 * handled (cf_error_last()), and the body decides what to do with it.
 * Returns CF_RAISED: the error thrown in; GeneratorExit when closed.
 */
CF_API cf_status cf_yield_catch(cf_value v, cf_value *in);

/*
 * Inside a body: Python's `r = yield from sub`. Runs `sub` (a body or handler
 * coroutine) as a delegate until it finishes and returns its return value;
 * its yields go straight out to this coroutine's caller and sends, throws
 * and closes go straight to it, as PEP 380 says. An error from `sub` is
 * raised here. Delegating to a coroutine that is running - this one, or one
 * of its delegators - raises ValueError("generator already executing").
 * Unwinds: the error `sub` raised or that was thrown in, GeneratorExit when
 * closed, ValueError (`sub` is running or delegated to by another), TypeError
 * (NULL `sub`).
 */
CF_API cf_value cf_yield_from(cf_coro *sub);

/*
 * Inside a body: Python's `r = yield from fn(arg)`. Creates a body coroutine
 * running fn(arg) with `opts` (NULL for the defaults) and CF_CORO_AUTOFREE,
 * delegates to it as cf_yield_from() does, and frees it however the
 * delegation ends. Returns its return value, which must not point into its
 * stack. Raises what the delegate raises, or, when it cannot be created,
 * ValueError (bad options), MemoryError, or the error priming it ended with.
 * Unwinds: the error the delegate raised or that was thrown in, GeneratorExit
 * when closed, ValueError (bad options), MemoryError, or the error priming
 * ended with.
 */
CF_API cf_value cf_yield_from_new(cf_body_fn fn, void *arg,
                                  const struct cf_coro_opts *opts);

/*
 * The catching form of cf_yield_from(): CF_RETURNED with sub's return value
 * in `*result` (may be NULL), or CF_RAISED with the error being handled.
 * Returns CF_RAISED: the error `sub` raised or that was thrown in,
 * GeneratorExit when closed, ValueError (`sub` is running or delegated to by
 * another), TypeError (NULL `sub`).
 */
CF_API cf_status cf_yield_from_catch(cf_coro *sub, cf_value *result);

/*
 * A plain C iterator: stores the next value in `*out` and returns
 * CF_YIELDED, returns CF_RETURNED when exhausted (with its result in `*out`),
 * or CF_RAISED after cf_fail().
 */
typedef cf_status (*cf_iter_fn)(void *state, cf_value *out);

/*
 * Inside a body: `r = yield from it` for a plain iterator, which has no send,
 * throw or close. A none sent in asks for the next value; any other value
 * raises AttributeError("'iterator' object has no attribute 'send'") in
 * this body, as Python's, a thrown error is raised here, and a close
 * abandons the iterator. Returns the iterator's result.
 * Unwinds: the iterator's error, the error thrown in, GeneratorExit when
 * closed, AttributeError (a value other than none sent in), TypeError (NULL
 * `next`).
 */
CF_API cf_value cf_yield_from_iter(cf_iter_fn next, void *state);

/* What a handler's step function is asked to do. */
typedef enum cf_op {
    CF_OP_SEND = 0, /* `in` was sent (none for a next; the first is none) */
    CF_OP_THROW     /* an error was thrown in: cf_error_last() gives it */
} cf_op;

/*
 * A handler's step: one resume of the coroutine. Return CF_YIELDED with the
 * value in `*out`, CF_RETURNED with the result in `*out` (the handler is then
 * CLOSED), or CF_RAISED. For CF_OP_THROW, returning CF_RAISED without
 * raising anything else lets the thrown error through, which is how a close
 * ends a handler; cf_fail() raises another error instead. `out` is never
 * NULL.
 */
typedef cf_status (*cf_step_fn)(void *self, cf_op op, cf_value in,
                                cf_value *out);

/*
 * Creates a handler coroutine: step(self, ...) is called, in the sender's
 * context, for each send, next or throw. It starts CREATED; the first resume
 * must be a none, like a body's; `opts->prime` makes that first call now.
 * `opts->stack_size` and CF_CORO_FPENV are ignored.
 * Returns as cf_coro_new().
 * Returns -errno: -EINVAL (bad arguments or flags), -ENOMEM, -ECANCELED
 * (priming did not reach a yield).
 */
CF_API int cf_handler_new(cf_coro **out, cf_step_fn step, void *self,
                          const struct cf_coro_opts *opts);

/*
 * The inline half of cf_send() (docs/design.md, "The handler fast path"):
 * a send into a SUSPENDED handler that this thread owns calls its step
 * directly, with the checks of the library's own path (the handle and its
 * generation, the state and kind, the owner, the "already executing"
 * guard); everything else calls the library. Internal, not API: the
 * offsets below are checked against the library's layout when it is built
 * (core/internal.h), and are part of its ABI. CF_NO_INLINE_SEND, or a
 * target other than x86-64 with gcc or clang, or ThreadSanitizer, leaves
 * every cf_send() to the library.
 */
#if defined(__GNUC__)
#define CF__EXPORT __attribute__((visibility("default")))
#else
#define CF__EXPORT
#endif

struct cf__context;
struct cf__tls {
    struct cf__context *cur; /* the running context of this thread */
    uintptr_t me;            /* this thread's tag; 0 until it uses coflow */
};

#define CF__TLS_IE __thread __attribute__((tls_model("initial-exec")))
extern CF__EXPORT CF__TLS_IE struct cf__tls cf__tls;

/*
 * Internal (called by the inline send): the end of a handler's step that
 * did not yield - CLOSED, and a raised error named after the handler (the
 * object keeps the error the sender handled when the step was called);
 * `drop`, when not NULL, is the slot the inline send gave the step for a
 * NULL `out`: a value returned into it is dropped, as nobody receives it.
 */
CF__EXPORT cf_status cf__handler_ended(cf_coro *raw, cf_status st,
                                       cf_value *drop);

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CF__TSAN_ON 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define CF__TSAN_ON 1
#endif

#if defined(__x86_64__) && defined(__GNUC__) && !defined(CF_NO_INLINE_SEND)    \
    && !defined(CF__TSAN_ON)
#define CF__INLINE_SEND 1

/* A cf_coro's fields, by offset (x86-64). */
#define CF__OFF_STATE  0x50  /* int state */
#define CF__OFF_BIAS   0x58  /* the owner thread's tag | flags */
#define CF__OFF_HANDLE 0xb8  /* the handle, with its generation */
#define CF__OFF_STEP   0x138 /* a handler's step function */
#define CF__OFF_SELF   0x140 /* and its state pointer */
#define CF__OFF_BEFORE 0x148 /* the error handled when the step was called */
#define CF__OFF_EXC    0x8   /* a context's error being handled */

typedef unsigned long long __attribute__((may_alias)) cf__word;
typedef int __attribute__((may_alias)) cf__int;
typedef void *__attribute__((may_alias)) cf__ptr;

static inline cf_status cf__send_inline(cf_coro *co, cf_value v, cf_value *out)
    __attribute__((always_inline));

static inline cf_status cf__send_inline(cf_coro *co, cf_value v, cf_value *out)
{
    /* A handler's handle has the top bit of its generation set (bit 63):
     * bodies, NULL and a library-made bare address go to the library. */
    if (__builtin_expect((intptr_t)co >= 0, 0))
        return (cf_send)(co, v, out);
    char *raw = (char *)((uintptr_t)co & 0xffffffffffffull);
    /* Freed or stale (it aborts), or not SUSPENDED: the library. The
     * handle's bit 63 and its match say "a handler" (no body's handle has
     * it); a slow bit shows in the bias, which the claim compares whole.
     * The state is read with the 4 bytes it is written with: an 8-byte
     * load of a word whose state the last send stored with 4 bytes cannot
     * take the value from the store buffer, and waits for the store to
     * retire (about 4 ns a send). */
    if (__builtin_expect(*(cf__word *)(void *)(raw + CF__OFF_HANDLE)
                                 != (unsigned long long)(uintptr_t)co
                             || *(cf__int *)(void *)(raw + CF__OFF_STATE)
                                    != CF_SUSPENDED,
                         0))
        return (cf_send)(co, v, out);
    /* The owner's claim: announce it, then check that we own it (a
     * thread's first send, another thread's handler: the library). */
    struct cf__context *cur = cf__tls.cur;
    cf__tls.cur = (struct cf__context *)(void *)raw;
    __asm__ __volatile__("" ::: "memory");
    if (__builtin_expect(*(volatile cf__word *)(void *)(raw + CF__OFF_BIAS)
                             != cf__tls.me,
                         0)) {
        cf__tls.cur = cur;
        return (cf_send)(co, v, out);
    }
    *(volatile cf__int *)(void *)(raw + CF__OFF_STATE) = CF_RUNNING;
    /* RUNNING before the announcement is taken back (a release). */
    __asm__ __volatile__("" ::: "memory");
    cf__tls.cur = cur;
    /* The error handled when the step is called, for naming one it raises:
     * kept in the object, not in a register across the call. */
    *(cf__ptr *)(void *)(raw + CF__OFF_BEFORE) =
        *(cf__ptr *)(void *)((char *)cur + CF__OFF_EXC);
    cf_step_fn step = *(cf_step_fn *)(void *)(raw + CF__OFF_STEP);
    /* A NULL `out`: the step gets a slot here (it never sees NULL). */
    cf_value slot;
    cf_status st = step(*(cf__ptr *)(void *)(raw + CF__OFF_SELF), CF_OP_SEND, v,
                        out != 0 ? out : &slot);
    if (__builtin_expect(st == CF_YIELDED, 1)) {
        __asm__ __volatile__("" ::: "memory"); /* a release, on x86-64 */
        *(volatile cf__int *)(void *)(raw + CF__OFF_STATE) = CF_SUSPENDED;
        return CF_YIELDED;
    }
    return cf__handler_ended((cf_coro *)(void *)raw, st,
                             out != 0 ? (cf_value *)0 : &slot);
}

#define cf_send(co, v, out) cf__send_inline((co), (v), (out))
#endif

/*
 * Iterates over the values `co` yields: `v` is a cf_value, `st` a cf_status.
 * After the loop `st` is CF_RETURNED (finished; `v` holds the return value)
 * or CF_RAISED (`cf_error_last()` says why).
 *
 *     cf_value v; cf_status st;
 *     CF_FOREACH (co, v, st) { ... }
 */
#define CF_FOREACH(co, v, st)                                                  \
    for ((st) = cf_next((co), &(v)); (st) == CF_YIELDED;                       \
         (st) = cf_next((co), &(v)))

#ifdef __cplusplus
}
#endif

#endif
