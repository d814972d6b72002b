/* SPDX-License-Identifier: MIT */
/*
 * core/resume.c - send, next, throw and close from the caller's side; yield
 * and finishing from the coroutine's side.
 *
 * A round trip is: the caller claims the target with one compare-and-swap
 * (SUSPENDED -> RUNNING: the "already executing" guard, atomic so two threads
 * cannot both win), stores what it sends, and switches; the coroutine stores
 * what it yields and switches back; the caller marks it SUSPENDED again.
 * The state is released by the caller, after the switch, because only then
 * is the coroutine's stack no longer in use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#undef cf_send /* coflow/core.h's inline half: the function is defined here */

/*
 * What a coroutine with a CF__SLOW_* bit does at each switch: a
 * CF_CORO_FPENV coroutine swaps its own FP control state in and out, a
 * traced one opens and closes its slice. The fast paths test the same byte
 * they always did, so neither costs the others anything.
 */
static inline void slow_enter(cf_coro *t)
{
    if (t->slow & CF__SLOW_FPENV) {
        cf__fpenv_save(&t->caller_env);
        cf__fpenv_load(&t->env);
    }
    if (CF__UNLIKELY(t->slow & CF__SLOW_TRACE))
        cf__trace_resume(t);
}

static inline void slow_leave(cf_coro *co, const char *how)
{
    if (CF__UNLIKELY(co->slow & CF__SLOW_TRACE))
        cf__trace_leave(co, how);
    if (co->slow & CF__SLOW_FPENV) {
        cf__fpenv_save(&co->env);
        cf__fpenv_load(&co->caller_env);
    }
}

static inline void fp_enter(cf_coro *t)
{
    if (CF__UNLIKELY(t->slow))
        slow_enter(t);
}

static inline void fp_leave(cf_coro *co, const char *how)
{
    if (CF__UNLIKELY(co->slow))
        slow_leave(co, how);
}

#ifdef CF_DEBUG
/* Debug builds: a coroutine without the option must not change FP state. */
void cf__fpenv_resumed(cf_coro *co)
{
    if (!(co->slow & CF__SLOW_FPENV))
        cf__fpenv_save(&co->env);
}

static void fp_check(cf_coro *co)
{
    struct cf__fpenv now;
    char was[96], is[96];

    if (co->slow & CF__SLOW_FPENV)
        return;
    cf__fpenv_save(&now);
    if (cf__fpenv_eq(&now, &co->env))
        return;
    cf__fpenv_describe(&co->env, was, sizeof was);
    cf__fpenv_describe(&now, is, sizeof is);
    fprintf(stderr,
            "coflow: coroutine '%s' changed the FP control state across a "
            "yield (%s -> %s) without CF_CORO_FPENV\n",
            co->name, was, is);
    co->env = now; /* report each change once */
}
#else
static inline void fp_check(cf_coro *co)
{
    (void)co;
}
#endif

/*
 * What every resume of `t` records before the switch: who addressed it,
 * where its yield goes, what it receives; `t` becomes the running context.
 */
static inline cf__context *prepare(cf_coro *entry, cf_coro *t, cf_value v,
                                   int op, cf_value *out)
{
    cf__context *cur = cf__current_context();
    t->entry = entry;
    t->caller = cur;
    t->outp = out != NULL ? out : &t->out;
    t->in = v;
    t->op = (unsigned char)op;
    fp_enter(t);
    cf__fpenv_resumed(t);
    cf__set_cur(&t->base);
    return cur;
}

#if CF__FAST
/* arch/x86_64/switch.S stores the state at this offset. */
_Static_assert(offsetof(cf_coro, state) == 0x50, "CF__STATE_OFF in switch.S");
_Static_assert(offsetof(cf_coro, in) == 0x60, "CF__IN_OFF in switch.S");
_Static_assert(offsetof(cf_coro, base.is_coro) == 0x18
                   && offsetof(cf_coro, outp) == 0x80
                   && offsetof(cf_coro, caller) == 0x98
                   && offsetof(cf_coro, env) == 0x100
                   && offsetof(struct cf__fpenv, x87cw) == 4
                   && offsetof(cf__context, ctx) == 0 && CF__CORO_PLAIN == 1
                   && CF__MXCSR_CONTROL == 0xffc0u,
               "cf__yield_jump's offsets in switch.S");

/*
 * The fast protocol. The sender tail-calls the switch, so the switch saves
 * the resume address of the sender's own caller, and whatever the coroutine
 * does next decides what that caller gets:
 *
 *   - a yield stores the value in `*outp`, restores cf__cur, and switches
 *     back with CF_YIELDED as the sender's result, marking itself SUSPENDED
 *     in the switch once its registers are saved (cf__yield_switch);
 *   - anything else (returning, raising, entering a yield from) redirects
 *     the sender to cf__deliver_tramp, which runs cf__deliver_end() on the
 *     sender's stack to finish the sender's half there.
 *
 * A plain cf_yield() also tail-calls its switch, and resumes at
 * cf__yield_resume, which returns the sent value straight into the body: no
 * `ret` runs after a switch on either side, so none is mispredicted.
 */
static inline cf_status resume(cf_coro *entry, cf_coro *t, cf_value v, int op,
                               cf_value *out)
{
    cf__context *cur = prepare(entry, t, v, op, out);
    /* cf__yield_resume only returns the value: a throw lands elsewhere. */
    if (op == CF__OP_THROW && cf__ctx_in_yield(&t->base.ctx))
        cf__ctx_throw_at_yield(&t->base.ctx);
    return cf__send_switch(&cur->ctx, v, &t->base.ctx, t, op);
}

static cf_value pack(cf_coro *y, void *ret)
{
    void *words[2] = {y, ret};
    cf_value v;
    memcpy(&v, words, sizeof v);
    return v;
}

/*
 * The first resume of a body being created with opts->prime, tail-called by
 * cf_coro_new(): its first yield returns CF_YIELDED, which is 0, straight
 * to cf_coro_new()'s caller, so no `ret` runs after the switch on our side
 * (each would be mispredicted, as the new stack's calls have filled the
 * return-stack buffer). Nothing else can hold a coroutine being created, so
 * a plain store claims it. `entry` stays NULL this round: if the body ends
 * (or enters a yield from) instead, cf__deliver_end() sees that and gives
 * the creator cf_coro_new()'s result. cf_coro_new() made no context for
 * it (cf__ctx_make): cf__prime_switch() enters cf__body_entry() directly.
 */
int cf__prime(cf_coro *t)
{
    cf__context *cur = cf__current_context();
    atomic_store_explicit(&t->state, CF_RUNNING, memory_order_relaxed);
    /* Created this instant: `entry` is NULL, `in` None and `op` SEND
     * already (stack.c clears them), which saves their stores. */
    t->caller = cur;
    t->outp = &t->out;
    fp_enter(t);
    cf__fpenv_resumed(t);
    cf__set_cur(&t->base);
    /* Its stack is empty: cf__prime_switch starts the body there with a
     * direct call, with no frame made for a first switch to pop. */
    uintptr_t top =
        ((uintptr_t)t->base.stack_lo + t->base.stack_size) & ~(uintptr_t)15;
    return cf__prime_switch(&cur->ctx, t, (void *)(top - 16));
}

/* Sends the sender to cf__deliver_end() for an outcome other than a yield. */
static void leave_to_deliver(cf_coro *co, bool dying)
{
    cf__context *to = co->caller;
    void *ret = cf__ctx_redirect(&to->ctx, cf__deliver_tramp);
    cf__set_cur(to);
    (void)dying;
    cf__send_switch(&co->base.ctx, pack(co, ret), &to->ctx, co, 0);
}

/* Yields `co->out` from a resume point other than cf_yield()'s. */
static void leave_yielded(cf_coro *co)
{
    cf__context *to = co->caller;
    *co->outp = co->out;
    cf__set_cur(to);
    cf__switch_rel(&co->base.ctx, &to->ctx, CF_YIELDED, &co->state);
}

#else
/* The caller's half of a switch into `t`, the leaf that will run. */
static inline cf_status resume(cf_coro *entry, cf_coro *t, cf_value v, int op,
                               cf_value *out)
{
    cf__context *cur = prepare(entry, t, v, op, out);
    cf_coro *y = cf__jump(cur, &t->base, t, false);
    return cf__deliver(cur, y, out);
}
#endif


static cf_status deliver_end(cf__context *cur, cf_coro *y, cf_value *out);

/*
 * The sender's half when the coroutine did not simply yield (fast protocol).
 * It returns what the sender returns: a cf_status, or for cf__prime() what
 * cf_coro_new() returns.
 */
int cf__deliver_end(cf_coro *y)
{
    cf__context *cur = y->caller;
    cf__set_cur(cur);
    if (CF__UNLIKELY(y->entry == NULL)) { /* being primed */
        cf_value ignored = cf_none();
        cf_coro **out = y->primed;
        y->entry = y;
        cf_status st = deliver_end(cur, y, &ignored);
        cf_value_drop(ignored); /* a return value nobody receives */
        int rc = cf__prime_failed(y, st);
        if (rc < 0)
            *out = NULL;
        return rc;
    }
    return (int)deliver_end(cur, y, y->outp);
}

cf_status cf__resume(cf_coro *entry, cf_coro *t, cf_value *out)
{
    return resume(entry, t, t->in, t->op, out);
}


/* Back on the caller's side: `y` is the coroutine that switched to us. */
cf_status cf__deliver(cf__context *cur, cf_coro *y, cf_value *out)
{
    cf__set_cur(cur);
    if (CF__LIKELY(y->outk == CF__OUT_YIELDED)) {
        /* Read before the release: once SUSPENDED, another thread may
         * resume `y` and overwrite its `out`. */
        if (out != NULL)
            *out = y->out;
        atomic_store_explicit(&y->state, CF_SUSPENDED, memory_order_release);
        return CF_YIELDED;
    }
    return deliver_end(cur, y, out);
}

/*
 * A finished coroutine: CLOSED now that nothing runs on its stack. The stack
 * holds the coroutine object itself, so it goes back at cf_coro_free().
 */
static void closed(cf_coro *y)
{
    atomic_store_explicit(&y->state, CF_CLOSED, memory_order_release);
}

static cf_status deliver_end(cf__context *cur, cf_coro *y, cf_value *out)
{
    switch ((enum cf__out)y->outk) {
    case CF__OUT_YIELDED:
        break;
    case CF__OUT_DELEGATED:
        /* `y` entered a yield from: publish its chain's new leaf now that
         * its own context is saved and a send may switch past it. */
        {
            /* What `y` holds is read before the release, as in cf__deliver(). */
            cf_coro *top = y->top, *leaf = y->pending_leaf;
            if (out != NULL)
                *out = y->out;
            y->pending_leaf = NULL;
            y->outk = CF__OUT_YIELDED;
            atomic_store_explicit(&y->state, CF_SUSPENDED,
                                  memory_order_release);
            top->leaf = leaf;
            return CF_YIELDED;
        }
    case CF__OUT_RETURNED:
        if (out != NULL && out != &y->out)
            *out = y->out;
        else /* nobody receives the return value: it is dropped */
            cf_value_drop(y->out);
        y->out = cf_none();
        closed(y);
        return CF_RETURNED;
    case CF__OUT_RAISED:
        cf__set_exc(cur, y->out_err);
        y->out_err = NULL;
        closed(y);
        return CF_RAISED;
    }
    abort();
}

/* The innermost coroutine a resume of `co` runs: itself, or its leaf. */
static inline cf_coro *leaf_of(cf_coro *co)
{
    cf_coro *t = co->leaf;
    return t != &cf__no_leaf ? t : co->top->leaf;
}

/*
 * Everything but a send into a SUSPENDED coroutine: handlers, starting,
 * misuse, closed coroutines, and sends into the middle of a chain.
 */
static __attribute__((noinline)) cf_status send_slow(cf_coro *co, cf_value v,
                                                     cf_value *out)
{
    co = cf__check(co, "cf_send");
    if (co->kind == CF__HANDLER)
        return cf__handler_resume(co, CF_OP_SEND, v, NULL, out);
    for (;;) {
        cf_coro *t = leaf_of(co);
        int s = atomic_load_explicit(&t->state, memory_order_acquire);
        switch (s) {
        case CF_SUSPENDED:
            break;
        case CF_RUNNING:
            return cf__raise_here(co, &cf_value_error,
                                  "generator already executing");
        case CF_CLOSED:
            if (out != NULL)
                *out = cf_none();
            return CF_RETURNED;
        case CF_CREATED:
            if (!cf_is_none(v))
                return cf__raise_here(co, &cf_type_error,
                                      "can't send non-None value to a "
                                      "just-started generator");
            break;
        }
        if (cf__claim(t, s, &s))
            return resume(co, t, v, CF__OP_SEND, out);
        if (s == CF_RUNNING)
            return cf__raise_here(co, &cf_value_error,
                                  "generator already executing");
    }
}

/*
 * The fast path, kept free of calls so that it needs no saved registers:
 * anything unusual - handlers, starting, misuse, a chain's middle, FP
 * environments, traced coroutines, a thread's first send - takes
 * send_slow().
 */
cf_status cf_send(cf_coro *h, cf_value v, cf_value *out)
{
    cf_coro *co = cf__raw(h);
    if (CF__UNLIKELY(co == NULL)) /* the masking's flags: no test */
        cf__bad_handle(h, "cf_send");
    cf_coro *t = co->leaf;
    cf__context *cur = cf__cur;
    /* A freed or stale handle (or the library's bare address) matches no
     * `handle`: send_slow() checks it. */
    bool mine = co->handle == (uintptr_t)h;

    /* A bias that matches this thread implies its context is set up; a
     * handler's or a delegate's leaf, cf__no_leaf, matches no thread, nor
     * does a coroutine with a `slow` bit (CF__BIAS_SLOW). */
    if (CF__LIKELY(mine && cf__claim_fast(t, cur))) {
        t->entry = co;
        __asm__("" ::: "memory"); /* two plain stores, not a vector pair */
        t->caller = cur;
        t->outp = out != NULL ? out : &t->out;
        cf__fpenv_resumed(t);
#if CF__FAST
        /* t->op is CF__OP_SEND already (see enum cf__op). */
        /* `v` travels in registers: cf__yield_resume hands it to the body,
         * cf__rel_resume stores it in t->in for the other resume points. */
        return cf__send_fast(h, v, out, t, &cur->ctx);
#else
        t->op = CF__OP_SEND;
        t->in = v;
        cf_coro *y = cf__jump(cur, &t->base, t, false);
        return cf__deliver(cur, y, out);
#endif
    }
    if (co->kind == CF__HANDLER && mine)
        return cf__handler_send_any(co, v, out);
    return send_slow(h, v, out);
}

cf_status cf_next(cf_coro *co, cf_value *out)
{
    return cf_send(co, cf_none(), out);
}

/*
 * The error comes out of the call: it is now the caller's to handle. A
 * thrown error is restored, not raised, so it takes no context (CPython's
 * throw() into a closed or unstarted generator).
 */
static cf_status raise_out(cf_error *err)
{
    cf__context *cur = cf__current_context();
    cf__set_exc(cur, err);
    return CF_RAISED;
}

/*
 * GeneratorExit thrown into a coroutine in a yield from (PEP 380, items
 * 56-58): close the delegate first, innermost first, from here; then raise
 * in `co`, at its yield from, GeneratorExit - or the error that closing the
 * delegate raised, RuntimeError if it ignored GeneratorExit included.
 */
static cf_status throw_exit_chain(cf_coro *co, cf_error *err, cf_value *out)
{
    cf__context *cur = cf__current_context();
    cf_coro *sub = co->delegate;
    cf_error *saved = cur->exc;

    cur->exc = NULL;
    if (cf_close(sub, NULL) == CF_RAISED) {
        cf_error_unref(err);
        err = cur->exc;
        cur->exc = NULL;
    }
    cur->exc = saved;
    if (sub->delegator == co) /* it ignored GeneratorExit: still linked */
        cf__unlink(sub);
    return cf_throw(co, err, out);
}

/* Python's message for g.throw(None) (3.11). */
#define NOT_AN_ERROR                                                           \
    "exceptions must be classes or instances deriving from BaseException, "    \
    "not NoneType"

/*
 * cf_throw(co, NULL) is Python's g.throw(None): a TypeError raised at the
 * caller, the coroutine left as it was. In a yield from chain it is the
 * innermost generator's throw that fails, so the TypeError comes out of its
 * delegator's yield from, and the innermost is left suspended, detached.
 */
static cf_status throw_null(cf_coro *co, cf_value *out)
{
    if (co->kind == CF__BODY && co->delegate != NULL
        && cf__state(co) == CF_SUSPENDED) {
        cf_coro *leaf = co->top->leaf;
        cf__unlink(leaf);
        return cf_throw(
            co, cf__error_at(&cf_type_error, leaf->name, "%s", NOT_AN_ERROR),
            out);
    }
    return cf__raise_here(co, &cf_type_error, NOT_AN_ERROR);
}

cf_status cf_throw(cf_coro *co, cf_error *err, cf_value *out)
{
    co = cf__check(co, "cf_throw");
    if (err == NULL)
        return throw_null(co, out);
    if (co->kind == CF__HANDLER)
        return cf__handler_resume(co, CF_OP_THROW, cf_none(), err, out);
    if (co->delegate != NULL && cf_error_is(err, &cf_generator_exit)
        && cf_coro_state(co) == CF_SUSPENDED)
        return throw_exit_chain(co, err, out);
    for (;;) {
        cf_coro *t = leaf_of(co);
        int s = atomic_load_explicit(&t->state, memory_order_acquire);
        switch (s) {
        case CF_RUNNING:
            cf_error_unref(err);
            return cf__raise_here(co, &cf_value_error,
                                  "generator already executing");
        case CF_CLOSED:
            return raise_out(err);
        case CF_CREATED:
            /* Raised "at the start of the body": no code runs. */
            if (!cf__claim(t, s, &s))
                continue;
            closed(t);
            return raise_out(err);
        case CF_SUSPENDED:
            if (!cf__claim(t, s, &s))
                continue;
            t->in_err = err;
            return resume(co, t, cf_none(), CF__OP_THROW, out);
        }
    }
}

cf_status cf_throw_new(cf_coro *co, const cf_error_type *t, const char *msg,
                       cf_value *out)
{
    cf__check(co, "cf_throw_new");
    return cf_throw(co, cf__error_at(t, "", "%s", msg != NULL ? msg : ""), out);
}

/*
 * close() of a coroutine at rest in a plain cf_yield() with no cleanup and
 * no cf_try() frame registered: GeneratorExit raised there would meet
 * nothing that could run or catch it, and the coroutine would finish with
 * it, which close() then swallows. So it finishes here, without a switch
 * (CPython 3.12's gen_close() takes the same shortcut when no exception
 * handler is active at the yield). cf_yield_catch() and the other resume
 * points return to the body, so they take the throw.
 */
static bool close_at_rest(cf_coro *co)
{
#if CF__FAST
    int s;
    if (co->kind != CF__BODY || !cf__claim(co, CF_SUSPENDED, &s))
        return false;
    /* Claimed: what it left suspended stays as it is while we look. */
    if (co->base.cleanups != NULL || co->delegate != NULL
        || co->delegator != NULL || !cf__ctx_in_yield(&co->base.ctx)) {
        atomic_store_explicit(&co->state, CF_SUSPENDED, memory_order_release);
        return false;
    }
    if (co->base.exc != NULL)
        cf__set_exc(&co->base, NULL); /* as finishing with an error does */
    closed(co);
    return true;
#else
    (void)co;
    return false;
#endif
}

/*
 * close_at_rest()'s common case, before anything else: a body biased to
 * this thread (claimed as a send claims it, with no locked instruction),
 * at rest in a plain cf_yield(), holding nothing. Anything else - a bad
 * handle included - takes the general path, which checks it.
 */
static inline bool close_fast(cf_coro *h)
{
#if CF__FAST
    cf_coro *co = cf__raw(h);
    cf__context *cur = cf__cur;
    if (co == NULL || co->handle != (uintptr_t)h || co->kind != CF__BODY
        || !cf__claim_fast(co, cur))
        return false;
    cf__set_cur(cur); /* claimed: nothing runs it */
    if (co->base.cleanups == NULL && co->delegate == NULL
        && co->delegator == NULL && co->base.exc == NULL
        && cf__ctx_in_yield(&co->base.ctx)) {
        closed(co);
        return true;
    }
    atomic_store_explicit(&co->state, CF_SUSPENDED, memory_order_release);
    return false;
#else
    (void)h;
    return false;
#endif
}

/* close() as PEP 342's pseudo-code, with Python 3.13's return value. */
static __attribute__((noinline)) cf_status close_slow(cf_coro *co,
                                                      cf_value *out)
{
    cf_value r = cf_none();
    int s;

    co = cf__check(co, "cf_close");
    switch (cf__state(co)) {
    case CF_RUNNING:
        return cf__raise_here(co, &cf_value_error,
                              "generator already executing");
    case CF_CREATED:
        if (cf__claim(co, CF_CREATED, &s))
            closed(co);
        CF__FALLTHROUGH;
    case CF_CLOSED:
        if (out != NULL)
            *out = cf_none();
        return CF_RETURNED;
    case CF_SUSPENDED:
        if (close_at_rest(co)) {
            if (out != NULL)
                *out = cf_none();
            return CF_RETURNED;
        }
        break;
    }
    cf__context *cur = cf__current_context();
    cf_error *ge = cf__generator_exit();
    cf__error_set_context(ge, cf__handled(cur)); /* raised at the call */
    cf_error *saved = cur->exc;
    cur->exc = NULL;
    switch (cf_throw(co, ge, &r)) {
    case CF_RAISED:
        if (!cf_error_is(cur->exc, &cf_generator_exit)) {
            cf_error_unref(saved);
            return CF_RAISED;
        }
        r = cf_none();
        CF__FALLTHROUGH;
    case CF_RETURNED:
        cf__set_exc(cur, saved);
        if (out != NULL)
            *out = r;
        else
            cf_value_drop(r);
        return CF_RETURNED;
    case CF_YIELDED:
        break;
    }
    cf__set_exc(cur, saved);
    return cf__raise_here(co, &cf_runtime_error,
                          "generator ignored GeneratorExit");
}

cf_status cf_close(cf_coro *co, cf_value *out)
{
    if (CF__LIKELY(close_fast(co))) {
        if (out != NULL)
            *out = cf_none();
        return CF_RETURNED;
    }
    return close_slow(co, out);
}


/* ---- the coroutine's side ---- */

static inline cf_coro *running(const char *what)
{
    cf__context *c = cf__cur;
    if (CF__UNLIKELY(c == NULL || !c->is_coro)) {
        fprintf(stderr, "coflow: %s() called outside a body coroutine\n", what);
        abort();
    }
    return (cf_coro *)c;
}

/* Hands `co->out` to its caller and waits to be resumed. */
void cf__suspend(cf_coro *co)
{
    fp_check(co);
    fp_leave(co, co->outk == CF__OUT_DELEGATED ? "yield from" : "yield");
#if CF__FAST
    if (co->outk == CF__OUT_YIELDED)
        leave_yielded(co);
    else
        leave_to_deliver(co, false);
#else
    cf__jump(&co->base, co->caller, co, false);
    cf__learn_caller(co);
#endif
}

/*
 * A resume that was a throw: the error is raised here, at the yield. Its
 * context is what this coroutine itself handles there, never its resumer's
 * (CPython restores a thrown error rather than raising it anew).
 */
void cf__raise_thrown(cf_coro *co)
{
    co->op = CF__OP_SEND; /* at rest it is SEND: see enum cf__op */
    cf_error *e = co->in_err;
    co->in_err = NULL;
    cf__error_chain_thrown(e, co->base.exc);
    cf__unwind(&co->base, e);
}

#if CF__FAST
static inline cf_value yield_switch(cf_coro *co, cf_value v)
{
    *co->outp = v;
    /* co->outk is CF__OUT_YIELDED already: only finishing and entering a
     * yield from change it, and deliver_end() puts the latter back. */
    cf__context *to = co->caller;
    cf__set_cur(to);
    return cf__yield_switch(v, co, &to->ctx);
}

/*
 * A traced yield, one step further out than yield_slow(), so that that one
 * makes no call and a CF_CORO_FPENV yield stays short.
 */
static __attribute__((noinline)) cf_value yield_traced(cf_coro *co, cf_value v)
{
    slow_leave(co, "yield");
    return yield_switch(co, v);
}

/*
 * cf_yield() outside a body, or from one with a CF__SLOW_* bit (its is_coro
 * is CF__CORO_SLOW), out of line so that the fast one needs no frame.
 */
static __attribute__((noinline)) cf_value yield_slow(cf_value v)
{
    cf_coro *co = running("cf_yield");
    fp_check(co);
    if (co->slow & CF__SLOW_TRACE)
        return yield_traced(co, v);
    if (co->slow & CF__SLOW_FPENV) {
        cf__fpenv_save(&co->env);
        cf__fpenv_load(&co->caller_env);
    }
    return yield_switch(co, v);
}
#endif

cf_value cf_yield(cf_value v)
{
#if CF__FAST
    cf__context *c = cf__cur;
    if (CF__UNLIKELY(c->is_coro != CF__CORO_PLAIN)) /* cf__nowhere's is 0 */
        return yield_slow(v);
    cf_coro *co = (cf_coro *)c;
    fp_check(co);
    return yield_switch(co, v);
#else
    cf_coro *co = running("cf_yield");
    co->out = v;
    co->outk = CF__OUT_YIELDED;
    cf__suspend(co);
    if (CF__UNLIKELY(co->op != CF__OP_SEND))
        cf__raise_thrown(co);
    return co->in;
#endif
}

#ifdef CF__ARCH_YIELD_JUMP
/*
 * The inline cf_yield()'s path into the library (arch/x86_64/switch.S's
 * cf__yield_jump, which calls it on its own frame): everything but the
 * fast path, which cf__yield_jump runs itself.
 */
cf_value cf__yield_jump_slow(cf_value v);
cf_value cf__yield_jump_slow(cf_value v)
{
    return (cf_yield)(v);
}
#else
/* Where no arch provides it (nothing inlines a jump to it there): a call. */
cf_value cf__yield_jump(cf_value v)
{
    return (cf_yield)(v);
}
#endif

/*
 * The direct switch (core/layer.h): the running body suspends as in
 * cf_yield(), and instead of going back to its caller it resumes `h` in
 * its place, as a cf_send() from that caller would: `h` answers the
 * caller's pending send. Only when the body runs for a send to `from` (its
 * `entry`), on the fast path, both ends plain (no trace,
 * no FP environment, `h` SUSPENDED and biased to this thread): otherwise
 * nothing happens and *switched says so. *switched is written before the
 * switch, as nothing runs here after it.
 */
void cf__yield_to(cf_value v, cf_coro *from, cf_coro *h, bool *switched)
{
#if CF__FAST
    cf__context *c = cf__cur;
    cf_coro *co = cf__raw(h);
    if (CF__LIKELY(c->is_coro == CF__CORO_PLAIN && co != NULL
                   && ((cf_coro *)c)->entry == cf__raw(from)
                   && co->handle == (uintptr_t)h)) {
        cf_coro *me = (cf_coro *)c;
        cf_coro *t = co->leaf;
        /* The guard, as cf_send() takes it: t is RUNNING, cf__cur is t. */
        if (CF__LIKELY(cf__claim_fast(t, c))) {
            fp_check(me);
            t->entry = co;
            __asm__("" ::: "memory"); /* as in cf_send() */
            t->caller = me->caller;
            t->outp = me->outp;
            cf__fpenv_resumed(t);
            *switched = true;
            cf__yield_to_switch(v, me, t);
            return;
        }
    }
#else
    (void)from;
    (void)h;
    (void)v;
#endif
    *switched = false;
}

cf_status cf_yield_catch(cf_value v, cf_value *in)
{
    cf_coro *co = running("cf_yield_catch");
    co->out = v;
    co->outk = CF__OUT_YIELDED;
    cf__suspend(co);
    if (co->op == CF__OP_THROW) {
        co->op = CF__OP_SEND; /* at rest it is SEND: see enum cf__op */
        cf_error *e = co->in_err;
        co->in_err = NULL;
        cf__error_chain_thrown(e, co->base.exc);
        cf__set_exc(&co->base, e);
        return CF_RAISED;
    }
    if (in != NULL)
        *in = co->in;
    return CF_YIELDED;
}

/*
 * Unlinks a finished (or abandoned) delegate from its delegator, which
 * becomes its chain's leaf again and will see the delegate as finished.
 */
void cf__unlink(cf_coro *co)
{
    cf_coro *d = co->delegator;
    cf_coro *top = co->top;

    d->delegate = NULL;
    co->delegator = NULL;
    for (cf_coro *x = co; x != NULL; x = x->delegate)
        x->top = co;
    cf_coro *leaf = co;
    while (leaf->delegate != NULL)
        leaf = leaf->delegate;
    co->leaf = leaf;
    top->leaf = d;
}

/*
 * The end of a body coroutine, on its own stack: the outcome goes to the
 * caller, or - when this coroutine is a delegate and the caller addressed
 * one of its delegators - to its delegator, which resumes within the same
 * call (PEP 380: the yield from evaluates to the result).
 */
void cf__finish(cf_coro *co, enum cf__out k)
{
    co->outk = (unsigned char)k;
    fp_leave(co, k == CF__OUT_RETURNED ? "return" : "raise");
    cf_coro *d = co->delegator;
    if (d != NULL && co->entry != co) {
        atomic_store_explicit(&d->state, CF_RUNNING, memory_order_relaxed);
        cf__unlink(co);
        d->caller = co->caller;
        d->entry = co->entry;
        d->outp = co->outp;
        d->op = CF__OP_SUB_DONE;
        d->done = co;
        fp_enter(d);
        cf__set_cur(&d->base);
        cf__jump(&co->base, &d->base, co, true);
    } else {
        if (d != NULL)
            cf__unlink(co);
#if CF__FAST
        leave_to_deliver(co, true);
#else
        cf__jump(&co->base, co->caller, co, true);
#endif
    }
    abort(); /* a finished coroutine is never resumed */
}

/* The delegator's half of a delegate finishing: see cf__finish(). */
void cf__reap(cf_coro *x)
{
    closed(x);
}
