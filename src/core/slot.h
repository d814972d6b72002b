/* SPDX-License-Identifier: MIT */
/*
 * core/slot.h - the stack pool's slots and the thread's hot list, shared by
 * stack.c and the create and free paths of coro.c, which inline the common
 * case (a slot this thread freed lately) so that a create makes no call
 * and saves no register before priming (issue 18).
 */
#ifndef CF_CORE_SLOT_H
#define CF_CORE_SLOT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define HOT_MAX    32 /* recently freed slots kept per thread */
#define SENTINEL   0x5e57c0f1a5e57c0fULL
#define SENTINEL_N 8 /* words: 64 bytes at the bottom of the top page */

enum guard { G_MADVISE = 1, G_MPROTECT, G_CANARY };

struct cf__meta {
    unsigned vg_id;      /* Valgrind's id for the stack */
    unsigned char guard; /* enum guard */
    unsigned short gen;  /* its coroutine's generation (internal.h) */
};

struct cf__slab {
    struct cf__slab *next; /* every slab, newest first */
    char *base;
    size_t slot_size;
    unsigned nslots;
    _Atomic unsigned carved; /* slots handed out at least once */
    unsigned ready;          /* slots below it are guarded (pool lock) */
    struct cf__meta meta[];
};

struct cf__ref {
    struct cf__slab *slab;
    unsigned slot;
    unsigned kib; /* the hot list's copy of slab->slot_size >> 10 */
};

/* A thread's recently freed slots; given back when the thread ends. */
struct cf__hot {
    unsigned n;
    bool keyed;
    struct cf__ref e[HOT_MAX];
};

extern CF__TLS struct cf__hot cf__hot;
extern _Atomic size_t cf__page_sz; /* 0 until the first slot is made */
/* ASan or Memcheck: reading a sentinel needs unpoison() (stack.c). */
extern bool cf__addr_checked;

/* The room the coroutine object takes at the top of its slot. */
#define CORO_SPACE ((sizeof(cf_coro) + 63) & ~(size_t)63)

static inline char *slot_base(const struct cf__slab *s, unsigned i)
{
    return s->base + (size_t)i * s->slot_size;
}

static inline cf_coro *slot_coro(const struct cf__slab *s, unsigned i)
{
    return (cf_coro *)(void *)(slot_base(s, i) + s->slot_size - CORO_SPACE);
}

/* Two words a step (every free of a slot asks it). */
_Static_assert(SENTINEL_N == 8, "sentinel_intact() reads four pairs");
static inline bool sentinel_intact(const uint64_t *sw)
{
    typedef uint64_t v2 __attribute__((vector_size(16)));
    const v2 want = {SENTINEL, SENTINEL};
    v2 a, b, c, d;
    memcpy(&a, sw, sizeof a);
    memcpy(&b, sw + 2, sizeof b);
    memcpy(&c, sw + 4, sizeof c);
    memcpy(&d, sw + 6, sizeof d);
    v2 x = (a ^ want) | (b ^ want) | (c ^ want) | (d ^ want);
    return (x[0] | x[1]) == 0;
}

/*
 * coro_clear() for the hot path: only what a body leaves behind that no
 * create sets again, in about half the stores (a create is bound by its
 * stores). What it leaves NULL - its error being handled, cleanup records,
 * delegate and delegator, the errors thrown in and raised out - is NULL
 * after every free (cf_coro_free() checks or clears each; CF_DEBUG builds
 * check it here); the sanitizers' fields are ASan's and TSan's, whose
 * builds take slot_ready() or set them at each create; the rest
 * (the context, state, bias, handle, chain, function, slot fields, name)
 * every create sets.
 */
static inline void coro_reset(cf_coro *co)
{
#ifdef CF_DEBUG
    if (co->base.exc != NULL || co->base.cleanups != NULL
        || co->delegate != NULL || co->delegator != NULL || co->in_err != NULL
        || co->out_err != NULL) {
        fprintf(stderr, "coflow: a freed slot held coroutine '%s''s state\n",
                co->name);
        abort();
    }
#endif
    typedef uint64_t v2 __attribute__((vector_size(16)));
    const v2 z = {0, 0};
    co->kind = CF__BODY;
    co->op = CF__OP_SEND;
    co->outk = CF__OUT_YIELDED;
    co->slow = 0;
    memcpy(&co->in, &z, sizeof z);
    memcpy(&co->out, &z, sizeof z);
    memcpy(&co->outp, &z, sizeof z);    /* outp, in_err */
    memcpy(&co->out_err, &z, sizeof z); /* out_err, caller */
    memcpy(&co->entry, &z, sizeof z);   /* entry, primed */
    co->trace_open = false; /* autofree, between them, is set by alloc() */
    co->trace_id = 0;
    memcpy(&co->done, &z, sizeof z); /* done, pending_leaf */
    memset(&co->env, 0, sizeof co->env);
    memset(&co->caller_env, 0, sizeof co->caller_env);
}
_Static_assert(
    offsetof(cf_coro, in_err) == offsetof(cf_coro, outp) + 8
        && offsetof(cf_coro, caller) == offsetof(cf_coro, out_err) + 8
        && offsetof(cf_coro, primed) == offsetof(cf_coro, entry) + 8
        && offsetof(cf_coro, pending_leaf) == offsetof(cf_coro, done) + 8
        && offsetof(cf_coro, out_err) == offsetof(cf_coro, in_err) + 8
        && offsetof(cf_coro, entry) == offsetof(cf_coro, caller) + 8,
    "coro_reset() clears these in pairs");

/*
 * cf__stack_coro()'s common case: the slot this thread freed last is of
 * `size`, guarded by a guard page (no canary), no tool checks addresses,
 * and its address can carry a handle. Returns its coroutine, made as
 * cf__stack_coro() makes it, or NULL (nothing done) for cf__stack_coro(),
 * which also looks further down the hot list.
 */
static inline __attribute__((always_inline)) cf_coro *
cf__stack_hot_take(size_t size)
{
    unsigned n = cf__hot.n;
    if (n == 0)
        return NULL;
    /* A slot on the list: the page size is known. */
    size_t page = atomic_load_explicit(&cf__page_sz, memory_order_relaxed);
    size_t slot_size = ((size + page - 1) & ~(page - 1)) + 2 * page;
    struct cf__ref r = cf__hot.e[n - 1];
    if (r.kib != (unsigned)(slot_size >> 10))
        return NULL;
    struct cf__slab *s = r.slab;
    struct cf__meta *m = &s->meta[r.slot];
    char *base = slot_base(s, r.slot);
    cf_coro *co = (cf_coro *)(void *)(base + slot_size - CORO_SPACE);
    if (CF__UNLIKELY(cf__addr_checked || m->guard == G_CANARY
                     || ((uintptr_t)co & CF__GEN_BITS_MASK) != 0))
        return NULL;
    cf__hot.n = n - 1;
    coro_reset(co);
    /* Its slab, slot and stack bounds are still those of its last life
     * (only a create writes them, and the hot list holds slots freed by
     * this thread since): each store counts in a create (issue 18). */
#ifdef CF_DEBUG
    if (co->slab != s || co->slot != r.slot || co->base.stack_lo != base + page
        || co->base.stack_size != slot_size - CORO_SPACE - page) {
        fprintf(stderr, "coflow: a slot on the hot list lost its bounds\n");
        abort();
    }
#endif
    co->stack_req = size;
    co->magic = CF__LIVE;
    (void)cf__handle_set(co, m->gen); /* gen: 1 and up; checked above */
    return co;
}

/*
 * cf__stack_free()'s common case: a guard page (no canary), a coroutine
 * that stayed in its top page (the sentinel is intact), room on the hot
 * list. False, with nothing done, for cf__stack_free() to do it all.
 */
static inline __attribute__((always_inline)) bool
cf__stack_hot_give(cf_coro *co)
{
    struct cf__slab *s = co->slab;
    unsigned i = co->slot;
    /* Known since the slot was made: no sysconf() call to plan for. */
    size_t page = atomic_load_explicit(&cf__page_sz, memory_order_relaxed);
    uint64_t *sw = (uint64_t *)(void *)((char *)co + CORO_SPACE - page);

    if (CF__UNLIKELY(cf__addr_checked || s->meta[i].guard == G_CANARY
                     || !sentinel_intact(sw) || !cf__hot.keyed
                     || cf__hot.n == HOT_MAX))
        return false;
    co->magic = 0;
    s->meta[i].gen = (unsigned short)cf__gen_next(s->meta[i].gen);
    struct cf__ref *e = &cf__hot.e[cf__hot.n++];
    e->slab = s;
    e->slot = i;
    e->kib = (unsigned)(s->slot_size >> 10);
    return true;
}

#endif
