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
    struct cf__ctx ctx;   /* saved registers, while not running */
    cf_error *exc;        /* the error being handled (sys.exception()) */
    cf_cleanup *cleanups; /* innermost cleanup or cf_try record */
    bool is_coro;         /* a cf_coro, or a thread's base context */
    const void *stack_lo; /* for sanitizers: this context's stack */
    size_t stack_size;
    void *asan_fake;     /* ASan's fake stack, saved across a switch */
    void *tsan_fiber;    /* TSan's fiber for this context */
    const void *peer_lo; /* for ASan: the stack we last came from */
    size_t peer_size;
} cf__context;

/* How a coroutine was last resumed; read by the code it resumes in. */
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
 * The bits of cf_coro.slow. The fast paths (cf_send(), cf_yield()) already
 * test this byte, so anything that must see every resume and yield of a
 * coroutine sets a bit here and costs nothing to the others.
 */
#define CF__SLOW_FPENV 1u /* CF_CORO_FPENV: the FP environment is swapped */
#define CF__SLOW_TRACE 2u /* trace.c: resumes and yields are traced */

struct cf_coro {
    cf__context base;    /* first: a cf_coro is a context */
    _Atomic int state;   /* a cf_state; CAS SUSPENDED->RUNNING guards */
    unsigned char kind;  /* enum cf__kind */
    unsigned char op;    /* enum cf__op */
    unsigned char outk;  /* enum cf__out */
    unsigned char slow;  /* CF__SLOW_* bits: nonzero sends resumes slow */
    bool local;          /* CF_CORO_LOCAL: a plain guard */
    bool trace_open;     /* trace.c: its resume slice is open */
    bool autofree;       /* CF_CORO_AUTOFREE: a delegation frees it */
    unsigned trace_id;   /* trace.c: its track in the trace (0: none yet) */
    const void *owner;   /* CF_CORO_LOCAL: its thread (cf__thread_tag()) */
    cf_value in;         /* sent in */
    cf_value out;        /* yielded or returned */
    cf_value *outp;      /* the sender's `out` (or &out): the fast protocol */
    cf_error *in_err;    /* thrown in (owned until raised) */
    cf_error *out_err;   /* raised out (owned until delivered) */
    cf__context *caller; /* where a yield goes: who resumed this round */
    cf_coro *entry;      /* the coroutine the caller addressed this round;
                            NULL while being primed (cf__prime) */
    cf_coro **primed;    /* cf__prime: the creator's `out` */

    /* yield from: a chain top -> ... -> leaf of delegating coroutines */
    cf_coro *leaf;         /* at a chain's top: its innermost; else NULL */
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

    char name[CF__NAME_MAX]; /* last: a reused object is cleared up to it */
};

/* The running context of this thread; NULL until the thread first needs it. */
extern CF__TLS cf__context *cf__cur;

/* This thread's base context (created on first use). */
cf__context *cf__thread_base(void);

static inline cf__context *cf__current_context(void)
{
    cf__context *c = cf__cur;
    return CF__LIKELY(c != NULL) ? c : cf__thread_base();
}

/* error.c */
void cf__set_exc(cf__context *ctx, cf_error *e); /* takes `e` */
cf_error *cf__handled(const cf__context *c);     /* sys.exception() at c */
cf_error *cf__generator_exit(void);
void cf__error_rename(cf_error *e, const char *coro);
cf_status cf__raise_here(cf_coro *co, const cf_error_type *t, const char *msg);
CF_NORETURN void cf__unwind(cf__context *ctx, cf_error *e);

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

/* registry.c */
int cf__coro_alloc(cf_coro **out, size_t stack_size); /* 0: a handler */
void cf__coro_dispose(cf_coro *co);

/* overflow.c */
void cf__overflow_thread_init(void);
CF_NORETURN void cf__overflow_report(const cf_coro *co);

/* fault.c: -DCF_FAULT_INJECTION makes the Nth allocation or mapping fail. */
#ifdef CF_FAULT_INJECTION
bool cf__fault(void);
#else
static inline bool cf__fault(void)
{
    return false;
}
#endif

/*
 * trace.c: the trace (docs/trace.md). cf__trace_state holds CF__SLOW_TRACE
 * while a trace is being written and CF__TRACE_READY once COFLOW_TRACE has
 * been read (at the first coroutine created, or the first trace call);
 * cf__trace_flags() is the bit a new body coroutine takes. The two hooks
 * run only for coroutines with that bit.
 */
#define CF__TRACE_READY 0x80u
extern _Atomic unsigned char cf__trace_state;
void cf__trace_init(void);
static inline unsigned char cf__trace_flags(void)
{
    unsigned char s =
        atomic_load_explicit(&cf__trace_state, memory_order_relaxed);
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
cf_status cf__send_switch(struct cf__ctx *from, struct cf__ctx *to, cf_value v,
                          cf_coro *t, int op);
cf_value cf__yield_switch(struct cf__ctx *from, struct cf__ctx *to, long status,
                          _Atomic int *state);
void cf__switch_rel(struct cf__ctx *from, struct cf__ctx *to, long status,
                    _Atomic int *state);
/* The fast protocol's first resume of a body, for opts->prime. */
int cf__prime(cf_coro *co);
#endif
CF_NORETURN void cf__raise_thrown(cf_coro *co);
int cf__deliver_end(cf_coro *y);

/* coro.c: a body that ended while being primed is freed; -ECANCELED. */
int cf__prime_failed(cf_coro *co, cf_status st);

/* An address unique to the calling thread. */
const void *cf__thread_tag(void);
CF_NORETURN void cf__wrong_thread(const cf_coro *co);

/* Debug builds: a CF_CORO_LOCAL coroutine must stay on its thread. */
static inline void cf__check_thread(const cf_coro *t)
{
#ifdef CF_DEBUG
    if (t->local && t->owner != cf__thread_tag())
        cf__wrong_thread(t);
#else
    (void)t;
#endif
}

/*
 * Claims a SUSPENDED coroutine for a resume: the "already executing" guard.
 * One compare-and-swap, so that two threads cannot both win; a
 * CF_CORO_LOCAL coroutine, confined to its thread, needs no atomic
 * read-modify-write.
 */
static inline bool cf__claim(cf_coro *t)
{
    int s = CF_SUSPENDED;
    if (t->local) {
        cf__check_thread(t);
        if (atomic_load_explicit(&t->state, memory_order_relaxed) != s)
            return false;
        atomic_store_explicit(&t->state, CF_RUNNING, memory_order_relaxed);
        return true;
    }
    return atomic_compare_exchange_strong_explicit(
        &t->state, &s, CF_RUNNING, memory_order_acquire, memory_order_relaxed);
}

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

#endif
