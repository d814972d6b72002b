/* SPDX-License-Identifier: MIT */
/*
 * core/internal.h - the coroutine object and what the files of core/ share.
 *
 * A "context" is anywhere code runs: a body coroutine's stack, or a thread's
 * own stack outside every coroutine. Each has a saved machine context (used
 * only while it is not running), the error it is handling, and its stack of
 * cleanup records. cf__cur is the running context of this thread.
 */
#ifndef CF_CORE_INTERNAL_H
#define CF_CORE_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coflow/version.h"
#include "coflow/core.h"
#include "../arch/switch.h"
#include "../common.h"
#include "layer.h"

/*
 * The fast protocol (x86-64 without sanitizers): senders tail-call the
 * switch and the coroutine side finishes their half of the work; see
 * core/resume.c.
 */
#if defined(CF__ARCH_FAST) && !CF_ASAN && !CF_TSAN
#define CF__FAST 1
#else
#define CF__FAST 0
#endif

#define CF__FALLTHROUGH __attribute__((fallthrough))
#define CF__TLS         __thread __attribute__((tls_model("initial-exec")))

typedef struct cf__context {
    struct cf__ctx ctx;    /* saved registers, while not running */
    cf_error *exc;         /* the error being handled (sys.exception()) */
    cf_cleanup *cleanups;  /* innermost cleanup or cf_try record */
    unsigned char is_coro; /* 0 a thread's base context, else a cf_coro:
                              CF__CORO_SLOW if its `slow` is nonzero */
    const void *stack_lo;  /* for sanitizers: this context's stack */
    size_t stack_size;
    void *asan_fake;     /* ASan's fake stack, saved across a switch */
    void *tsan_fiber;    /* TSan's fiber for this context */
    const void *peer_lo; /* for ASan: the stack we last came from */
    size_t peer_size;
} cf__context;

#define CF__CORO_PLAIN 1
#define CF__CORO_SLOW  2

/*
 * How a coroutine was last resumed; read by the code it resumes in. At
 * rest it is CF__OP_SEND: whoever consumes a THROW or a SUB_DONE (the
 * resume point that reads it) puts SEND back, so that cf_send()'s fast
 * path need not store it.
 */
enum cf__op {
    CF__OP_SEND,     /* `in` */
    CF__OP_THROW,    /* `in_err` */
    CF__OP_SUB_DONE, /* its delegate finished: see `done` */
};

/* How a coroutine last switched out; read by whoever it switched to. */
enum cf__out {
    CF__OUT_YIELDED,  /* `out` */
    CF__OUT_RETURNED, /* `out`; the coroutine is finished */
    CF__OUT_RAISED,   /* `out_err`; the coroutine is finished */
    CF__OUT_DELEGATED /* `out`, yielded by entering a yield from */
};

enum cf__kind { CF__BODY, CF__HANDLER };

/*
 * The bits of cf_coro.slow: each makes every resume and yield of the
 * coroutine take the slow path, which acts on it; while the byte is nonzero
 * its bias carries CF__BIAS_SLOW and its context's is_coro is
 * CF__CORO_SLOW, which is what the fast paths (cf_send()'s claim,
 * cf_yield()'s test) see, so the bits cost the others nothing.
 */
#define CF__SLOW_FPENV 1u /* CF_CORO_FPENV: the FP environment is swapped */
#define CF__SLOW_TRACE 2u /* trace.c: resumes and yields are traced */

/* Slow-path flags in the low bits of cf_coro.bias: each sends every claim
 * to the slow path at no cost to the fast one, which compares the whole
 * word with its thread's tag. */
#define CF__BIAS_SLOW  1u /* its `slow` byte is nonzero */
#define CF__BIAS_FREED 2u /* freed: no owner, every entry checks it */
#define CF__BIAS_FLAGS 7u /* all of them (a tag is 8-aligned) */

struct cf_coro {
    cf__context base;       /* first: a cf_coro is a context */
    _Atomic int state;      /* a cf_state; RUNNING is the guard */
    unsigned char kind;     /* enum cf__kind */
    unsigned char op;       /* enum cf__op */
    unsigned char outk;     /* enum cf__out */
    unsigned char slow;     /* CF__SLOW_* bits (set with cf__slow_set()) */
    _Atomic uintptr_t bias; /* owner thread's tag | CF__BIAS_* flags */
    cf_value in;            /* sent in */
    cf_value out;           /* yielded or returned */
    cf_value *outp;      /* the sender's `out` (or &out): the fast protocol */
    cf_error *in_err;    /* thrown in (owned until raised) */
    cf_error *out_err;   /* raised out (owned until delivered) */
    cf__context *caller; /* where a yield goes: who resumed this round */
    cf_coro *entry;      /* the coroutine the caller addressed this round;
                            NULL while being primed (cf__prime) */
    cf_coro **primed;    /* cf__prime: the creator's `out` */
    bool trace_open;     /* trace.c: its resume slice is open */
    bool autofree;       /* CF_CORO_AUTOFREE: a delegation frees it */
    unsigned trace_id;   /* trace.c: its track in the trace (0: none yet) */

    uintptr_t handle; /* what its users hold (cf__handle_set); 0 once freed */

    /* yield from: a chain top -> ... -> leaf of delegating coroutines */
    cf_coro *leaf;         /* a chain's top: its innermost; else cf__no_leaf */
    cf_coro *top;          /* the chain's top (itself when not delegated to) */
    cf_coro *delegate;     /* the coroutine this one yields from, or NULL */
    cf_coro *delegator;    /* the coroutine yielding from this one, or NULL */
    cf_coro *done;         /* CF__OP_SUB_DONE: the delegate that finished */
    cf_coro *pending_leaf; /* CF__OUT_DELEGATED: the leaf to publish */

    /* body coroutines */
    cf_body_fn fn;
    void *arg;
    struct cf__fpenv env;        /* CF_CORO_FPENV: this coroutine's own */
    struct cf__fpenv caller_env; /* CF_CORO_FPENV: the caller's, to give back */
    struct cf__slab *slab;       /* the pool slab its stack (and it) live in */
    unsigned slot;               /* its slot in the slab */
    unsigned magic;              /* CF__LIVE while it exists (registry) */
    size_t stack_req;            /* the stack size asked for */

    /* handler coroutines */
    cf_coro *reg_prev, *reg_next; /* the registry's list of handlers */

    cf_step_fn step;
    void *self;
    cf_error *before; /* the error handled when the step was called */

    char name[CF__NAME_MAX]; /* last: a reused object is cleared up to it */
};

/*
 * The `leaf` of what is not a chain's top (a delegate, a handler): a
 * coroutine no thread's tag matches, so that cf_send()'s fast path needs no
 * NULL test to send those to the slow path.
 */
extern cf_coro cf__no_leaf;

/*
 * The running context of this thread; &cf__nowhere (a context that is no
 * coroutine) until the thread first needs one, so that cf_yield() needs
 * no NULL test.
 * Only its thread writes it, with cf__set_cur(), but a thread taking a
 * coroutine over reads it (cf__take_bias), so writes are atomic (plain
 * stores on x86-64) and release (so that a new context seen there implies
 * the claim made before it).
 */
/* struct cf__tls (coflow/core.h: the inline send reads it): cur is
 * cf__cur, me is cf__tag(). */
extern CF__TLS struct cf__tls cf__tls; /* one block: one TLS offset for both */
extern cf__context cf__nowhere;        /* never written: is_coro is 0 */
#define cf__cur (cf__tls.cur)

static inline void cf__set_cur(cf__context *c)
{
    __atomic_store_n(&cf__tls.cur, c, __ATOMIC_RELEASE);
}

/*
 * This thread's tag: its entry in the list of threads (switch.c), 0 until
 * it first uses coflow, so that a bias never matches a thread that has not
 * set up its context (a bias is never 0: a freed coroutine's is
 * CF__BIAS_FREED).
 */
static inline uintptr_t cf__tag(void)
{
    return cf__tls.me;
}

/* This thread's base context (created on first use). */
cf__context *cf__thread_base(void);

static inline cf__context *cf__current_context(void)
{
    cf__context *c = cf__cur;
    return CF__LIKELY(c != &cf__nowhere) ? c : cf__thread_base();
}

/* Makes sure this thread has its context and its tag. */
static inline void cf__registered(void)
{
    if (CF__UNLIKELY(cf__tls.me == 0 || cf__tls.cur == &cf__nowhere))
        cf__thread_base();
}

/* error.c */
void cf__set_exc(cf__context *ctx, cf_error *e); /* takes `e` */
cf_error *cf__handled(const cf__context *c);     /* sys.exception() at c */
/*
 * An error thrown into a coroutine (throw(), close()'s GeneratorExit) meets
 * there `own`, what the coroutine itself handles (NULL: nothing): `own`
 * becomes its context, replacing any it came with, unless that would make
 * a cycle - as CPython 3.11's gen_send_ex2() chains the generator's
 * exception state onto the exception it throws in.
 */
void cf__error_chain_thrown(cf_error *e, cf_error *own);
cf_error *cf__generator_exit(void);
void cf__error_rename(cf_error *e, const char *coro);
cf_status cf__raise_here(cf_coro *co, const cf_error_type *t, const char *msg);
CF_NORETURN void cf__unwind(cf__context *ctx, cf_error *e);
/* builtins.c: the record cf_yield_from_catch() keeps while it owns `sub`
 * (CF_CORO_AUTOFREE); its function frees `sub`. */
void cf__free_owned(void *sub);
/* builtins.c: a coroutine abandoned on its stack (freed after ignoring
 * GeneratorExit): releases what its open records own - the errors of its
 * CF_TRY blocks, the delegates its delegations own - without running its
 * cleanups, as CPython's frame deallocation drops locals but runs no
 * finally. */
void cf__abandon_records(cf__context *ctx);

/* switch.c */
void *cf__jump(cf__context *from, cf__context *to, void *arg, bool dying);
#if CF_ASAN
void cf__jumped(cf__context *self);
void cf__learn_caller(cf_coro *co);
#else
/* Only ASan needs to hear of a switch's end and of the stacks' bounds. */
static inline void cf__jumped(cf__context *self)
{
    (void)self;
}

static inline void cf__learn_caller(cf_coro *co)
{
    (void)co;
}
#endif

/*
 * stack.c: a body coroutine lives at the top of its own stack slot, taken
 * from the pool; a handler is allocated on its own (registry.c).
 */
#define CF__LIVE 0xc0f10a11u
int cf__stack_coro(cf_coro **out, size_t size); /* zeroed, stack set up */
void cf__stack_free(cf_coro *co); /* the slot goes back to the pool */
size_t cf__stack_used(const cf_coro *co);
int cf__stack_each(int (*fn)(cf_coro *co, void *arg), void *arg);
void cf__stack_guard_mode(int mode); /* tests: 1 madvise, 2 mprotect, 3 none */

/* coro.c: cf_coro_state(), inline for the library's own use. */
cf_state cf__chain_state(const cf_coro *co);

static inline cf_state cf__state(const cf_coro *co)
{
    int s = atomic_load_explicit(&co->state, memory_order_acquire);
    if (CF__UNLIKELY(s == CF_SUSPENDED && co->delegate != NULL))
        return cf__chain_state(co);
    return (cf_state)s;
}

/*
 * Handles that cannot be confused (docs/design.md, "Handles"). The pointer
 * a user holds is the object's address with the generation of its memory
 * in bits 48 and up (CF__GEN_BITS of them; the address space of a process
 * that does not ask for more is 47 or 48 bits on every supported target,
 * and aarch64's top byte is left to the hardware: TBI, MTE). Every public
 * entry masks the handle (cf__raw) and compares it with the object's
 * `handle`: a freed coroutine's is 0, a reused slot's has another
 * generation, and either aborts naming the call and the coroutine. The
 * library's own calls may pass the bare address (generation 0, which no
 * handle has): that is checked with the magic number alone.
 */
#if UINTPTR_MAX > 0xffffffffu && defined(__aarch64__)
#define CF__GEN_BITS 8 /* bits 48-55 */
#elif UINTPTR_MAX > 0xffffffffu
#define CF__GEN_BITS 16 /* bits 48-63 */
#else
#define CF__GEN_BITS 0 /* 32-bit: no room; freed handles are still caught */
#endif
#if CF__GEN_BITS
#define CF__GEN_SHIFT     48
#define CF__GEN_MAX       ((1u << CF__GEN_BITS) - 1)
#define CF__GEN_BITS_MASK ((uintptr_t)CF__GEN_MAX << CF__GEN_SHIFT)
#else
#define CF__GEN_MAX       1u
#define CF__GEN_BITS_MASK ((uintptr_t)0)
#endif

/* The object a handle names (the address without its generation). */
static inline cf_coro *cf__raw(const cf_coro *h)
{
    return (cf_coro *)((uintptr_t)h & ~CF__GEN_BITS_MASK);
}

/* The handle users hold for the object `co` (NULL for NULL). */
static inline cf_coro *cf__handle_of(const cf_coro *co)
{
    return co != NULL ? (cf_coro *)co->handle : NULL;
}

/*
 * The top bit of a 16-bit generation (bit 63 of the handle) tells a
 * handler's handle from a body's, so that coflow/core.h's inline send
 * sends a body's to the library with one test of the sign: a body's
 * generation runs from 1 to CF__GEN_BODY_MAX, a handler's has
 * CF__GEN_HANDLER set. Elsewhere all the bits count the generation.
 */
#if CF__GEN_BITS == 16
#define CF__GEN_HANDLER  0x8000u
#define CF__GEN_BODY_MAX 0x7fffu
#else
#define CF__GEN_HANDLER  0u
#define CF__GEN_BODY_MAX CF__GEN_MAX
#endif

/* The generation after `g`: 1 to CF__GEN_BODY_MAX, never 0 (a bare
 * address). */
static inline unsigned cf__gen_next(unsigned g)
{
    return g >= CF__GEN_BODY_MAX ? 1u : g + 1u;
}

/*
 * Gives a new object its handle for generation `gen` (1 to CF__GEN_MAX);
 * false if its address uses the generation's bits (an address space a
 * program asked to widen), where no handle can be made.
 */
static inline bool cf__handle_set(cf_coro *co, unsigned gen)
{
    if (((uintptr_t)co & CF__GEN_BITS_MASK) != 0)
        return false;
#if CF__GEN_BITS
    co->handle = (uintptr_t)co | ((uintptr_t)gen << CF__GEN_SHIFT);
#else
    (void)gen;
    co->handle = (uintptr_t)co;
#endif
    return true;
}

CF_NORETURN void cf__bad_handle(const cf_coro *h, const char *fn);

/*
 * The object behind the handle `h` given to the public entry `fn`, or an
 * abort naming both if `h` is NULL, freed or stale (its slot reused).
 */
static inline cf_coro *cf__check(const cf_coro *h, const char *fn)
{
    cf_coro *co = cf__raw(h);
    if (CF__UNLIKELY(co == NULL
                     || (co->handle != (uintptr_t)h
                         && (co != h || co->magic != CF__LIVE))))
        cf__bad_handle(h, fn);
    return co;
}

/* registry.c */
int cf__coro_alloc(cf_coro **out, size_t stack_size); /* 0: a handler */
void cf__coro_dispose(cf_coro *co);

/* overflow.c */
void cf__overflow_thread_init(void);
CF_NORETURN void cf__overflow_report(const cf_coro *co);

/* fault.c: cf__fault(), declared in ../common.h for every layer. */

/*
 * trace.c: the trace (docs/trace.md). cf__trace_state holds CF__SLOW_TRACE
 * while a trace is being written and CF__TRACE_READY once COFLOW_TRACE has
 * been read (at the first coroutine created, or the first trace call);
 * cf__trace_flags() is the bit a new body coroutine takes. The two hooks
 * run only for coroutines with that bit.
 */
#define CF__TRACE_READY 0x80u
/* A word: riscv64 has no inline fetch_or on a byte (gcc 12). */
extern _Atomic unsigned cf__trace_state;
void cf__trace_init(void);
static inline unsigned char cf__trace_flags(void)
{
    unsigned s = atomic_load_explicit(&cf__trace_state, memory_order_relaxed);
    if (CF__UNLIKELY(!(s & CF__TRACE_READY))) {
        cf__trace_init();
        s = atomic_load_explicit(&cf__trace_state, memory_order_relaxed);
    }
    return (unsigned char)(s & CF__SLOW_TRACE);
}
void cf__trace_resume(cf_coro *co);                 /* before it runs */
void cf__trace_leave(cf_coro *co, const char *how); /* before it switches out */

/* resume.c */
void cf__suspend(cf_coro *co);
void cf__reap(cf_coro *x);
cf_status cf__resume(cf_coro *co, cf_coro *t, cf_value *out);
cf_status cf__deliver(cf__context *cur, cf_coro *y, cf_value *out);
CF_NORETURN void cf__finish(cf_coro *co, enum cf__out k);
void cf__unlink(cf_coro *co);

#if CF__FAST
/* arch/x86_64/switch.S */
cf_status cf__send_switch(struct cf__ctx *from, cf_value v, struct cf__ctx *to,
                          cf_coro *t, int op);
cf_status cf__send_fast(cf_coro *co, cf_value v, cf_value *out, cf_coro *t,
                        struct cf__ctx *from);
cf_value cf__yield_switch(cf_value v, cf_coro *co, struct cf__ctx *to);
void cf__yield_to_switch(cf_value v, cf_coro *co, cf_coro *t);
void cf__switch_rel(struct cf__ctx *from, struct cf__ctx *to, long status,
                    _Atomic int *state);
/* The fast protocol's first resume of a body, for opts->prime. */
int cf__prime(cf_coro *co);
/* Its switch: saves `from` and calls cf__body_entry(t) on the stack `top`. */
int cf__prime_switch(struct cf__ctx *from, cf_coro *t, void *top);
#endif
CF_NORETURN void cf__raise_thrown(cf_coro *co);
int cf__deliver_end(cf_coro *y);

/* coro.c: a body that ended while being primed is freed; -ECANCELED. */
int cf__prime_failed(cf_coro *co, cf_status st);
/* coro.c: the base of every body's stack, entered with the coroutine. */
CF_NORETURN void cf__body_entry(void *arg);

/*
 * The guard without a locked instruction (docs/design.md, "The guard").
 * A coroutine is biased to the thread that last claimed it (its `bias`
 * holds that thread's tag); that thread claims it with plain loads and
 * stores in an asymmetric Dekker handshake with cf__take_bias(), which
 * any other thread runs first and which pays an asymmetric fence
 * (membarrier) instead. The owner's half: announce the claim in cf__cur,
 * then check that the bias is still ours, then mark it RUNNING.
 */
enum { CF__CLAIMED = -1, CF__MOVED = -2 };

/* Switch.c: moves t's bias to this thread; false if another runs it. */
bool cf__take_bias(cf_coro *t);

/*
 * Switch.c: sets t's `slow` byte to `slow`, and its CF__BIAS_SLOW bit and
 * its is_coro to match, under cf__take_bias()'s lock so that no takeover
 * in flight puts an old bias back. For a coroutine other threads may see;
 * a new one sets the three itself.
 */
void cf__slow_set(cf_coro *t, unsigned char slow);

/*
 * The owner's claim of `t` in state `s` (SUSPENDED, or CREATED to start
 * it), with `cur` this thread's non-NULL running context: CF__CLAIMED and
 * t is RUNNING (cf__cur is back to `cur`), CF__MOVED if t is not biased to
 * this thread (anymore), or the state t was in instead.
 */
static inline int cf__owner_claim(cf_coro *t, cf__context *cur, int s)
{
    uintptr_t me = cf__tag();
    if ((atomic_load_explicit(&t->bias, memory_order_relaxed)
         & ~(uintptr_t)CF__BIAS_FLAGS)
        != me)
        return CF__MOVED;
    int now = atomic_load_explicit(&t->state, memory_order_acquire);
    if (now != s)
        return now;
    cf__set_cur(&t->base); /* "claiming t", for a taker to see */
    atomic_signal_fence(memory_order_seq_cst);
    if ((atomic_load_explicit(&t->bias, memory_order_relaxed)
         & ~(uintptr_t)CF__BIAS_FLAGS)
        != me) {
        cf__set_cur(cur);
        return CF__MOVED;
    }
    atomic_store_explicit(&t->state, CF_RUNNING, memory_order_relaxed);
    cf__set_cur(cur);
    return CF__CLAIMED;
}

/*
 * Loads of the bias and the state in the fast claims. On x86-64 without a
 * sanitizer they are plain loads (which every load is there: an acquire),
 * which the compiler may fold into a compare, as it does not with
 * atomic_load; the compiler barrier in the claim makes the second load of
 * the bias a fresh one. Elsewhere they are what they say.
 */
#if CF__FAST
#define CF__PEEK_BIAS(t)  (*(const uintptr_t *)(const void *)&(t)->bias)
#define CF__PEEK_STATE(t) (*(const int *)(const void *)&(t)->state)
#else
#define CF__PEEK_BIAS(t) atomic_load_explicit(&(t)->bias, memory_order_relaxed)
#define CF__PEEK_STATE(t)                                                      \
    atomic_load_explicit(&(t)->state, memory_order_acquire)
#endif

/*
 * The fast claim of a SUSPENDED `t` by the thread it is biased to, with no
 * slow-path flag set: on success t is RUNNING and cf__cur is &t->base, as
 * a send into it needs. Anything else is left to cf__claim_from().
 */
static inline bool cf__claim_fast(cf_coro *t, cf__context *cur)
{
    uintptr_t me = cf__tag();
    /* The bias is looked at once, after the announcement: a thread that
     * does not own `t` may announce it, as no taker reads its cf__cur
     * while the bias names another thread (docs/design.md, "The guard"). */
    if (CF__PEEK_STATE(t) != CF_SUSPENDED)
        return false;
    cf__set_cur(&t->base);
    atomic_signal_fence(memory_order_seq_cst);
    if (CF__UNLIKELY(CF__PEEK_BIAS(t) != me)) {
        cf__set_cur(cur);
        return false;
    }
    atomic_store_explicit(&t->state, CF_RUNNING, memory_order_relaxed);
    return true;
}

/*
 * Claims `t` in state `s` from any thread, taking its bias over when
 * another thread holds it: true and t is RUNNING; false with the state it
 * was in instead in *seen (CF_RUNNING when another thread runs it).
 */
bool cf__claim_from(cf_coro *t, int s, int *seen);

/* cf__claim_from(), with the owner's claim inline. */
static inline bool cf__claim(cf_coro *t, int s, int *seen)
{
    cf__context *cur = cf__cur;
    if (CF__LIKELY(cur != &cf__nowhere)) {
        int r = cf__owner_claim(t, cur, s);
        if (CF__LIKELY(r == CF__CLAIMED))
            return true;
        if (r != CF__MOVED) {
            *seen = r;
            return false;
        }
    }
    return cf__claim_from(t, s, seen);
}

#ifdef CF__INLINE_SEND
/* The layout cf_send()'s inline half reads (coflow/core.h): a field moved
 * here must be moved there too (and the ABI changes). */
_Static_assert(offsetof(cf_coro, state) == CF__OFF_STATE,
               "CF__OFF_STATE in coflow/core.h");
_Static_assert(offsetof(cf_coro, bias) == CF__OFF_BIAS,
               "CF__OFF_BIAS in coflow/core.h");
_Static_assert(offsetof(cf_coro, handle) == CF__OFF_HANDLE,
               "CF__OFF_HANDLE in coflow/core.h");
_Static_assert(offsetof(cf_coro, step) == CF__OFF_STEP,
               "CF__OFF_STEP in coflow/core.h");
_Static_assert(offsetof(cf_coro, self) == CF__OFF_SELF,
               "CF__OFF_SELF in coflow/core.h");
_Static_assert(offsetof(cf_coro, before) == CF__OFF_BEFORE,
               "CF__OFF_BEFORE in coflow/core.h");
_Static_assert(offsetof(cf__context, exc) == CF__OFF_EXC,
               "CF__OFF_EXC in coflow/core.h");
_Static_assert(offsetof(cf_coro, base) == 0, "the inline send's cf__cur");
#endif

/* handler.c (and cf__handler_send(), layer.h) */
cf_status cf__handler_resume(cf_coro *co, cf_op op, cf_value v, cf_error *err,
                             cf_value *out);
cf_status cf__handler_send_any(cf_coro *co, cf_value v, cf_value *out);

/* Debug builds remember the FP state a coroutine was resumed with. */
#ifdef CF_DEBUG
void cf__fpenv_resumed(cf_coro *co);
#else
static inline void cf__fpenv_resumed(cf_coro *co)
{
    (void)co;
}
#endif

#if CF__FAST
/*
 * cf__prime() of a body with no slow-path bit (t->slow is 0) on a thread
 * whose running context `cur` exists: what cf_coro_new()'s common case
 * inlines, so that it makes no call before the switch.
 */
static inline int cf__prime_plain(cf_coro *t, cf__context *cur)
{
    atomic_store_explicit(&t->state, CF_RUNNING, memory_order_relaxed);
    t->caller = cur;
    t->outp = &t->out;
    cf__fpenv_resumed(t);
    cf__set_cur(&t->base);
    uintptr_t top =
        ((uintptr_t)t->base.stack_lo + t->base.stack_size) & ~(uintptr_t)15;
    return cf__prime_switch(&cur->ctx, t, (void *)(top - 16));
}
#endif

#endif
