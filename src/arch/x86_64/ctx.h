/* SPDX-License-Identifier: MIT */
/* x86_64/ctx.h - the saved context and FP control state of x86-64 SysV. */
#ifndef CF_ARCH_CTX_H
#define CF_ARCH_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CF__ARCH_NAME "x86_64"

/* A suspended context is its stack pointer; the registers are on the stack. */
struct cf__ctx {
    void *sp;
};

/* MXCSR's control bits and the x87 control word (both callee-saved). */
struct cf__fpenv {
    uint32_t mxcsr;
    uint16_t x87cw;
};

/* The status flags of MXCSR (bits 0-5) are not control state. */
#define CF__MXCSR_CONTROL 0xffc0u

void cf__start(void);

/*
 * The fast protocol of core/resume.c: a sender's switch that carries the
 * value, a yield that resumes at a stub, and a way to make a suspended
 * sender resume at a trampoline instead. See switch.S.
 */
#define CF__ARCH_FAST 1
/* switch.S defines cf__yield_jump, the inline cf_yield()'s entry. */
#define CF__ARCH_YIELD_JUMP 1
struct cf_value;
void cf__deliver_tramp(void);

/*
 * Makes the context saved in `ctx` resume at `tramp` instead of where it
 * would; returns where it would have resumed.
 */
/* Where a coroutine suspended in cf_yield() resumes (switch.S), and the
 * same for one suspended in the inline cf_yield() (cf__yield_jump). */
void cf__yield_resume(void);
void cf__yield_throw(void); /* the same place, for a throw */
void cf__yield_resume_inline(void);
void cf__yield_throw_inline(void);

/* Whether the context saved in `ctx` is a coroutine at rest in cf_yield(). */
static inline bool cf__ctx_in_yield(const struct cf__ctx *ctx)
{
    void *const *frame = (void *const *)ctx->sp;
    return frame[6] == (void *)(uintptr_t)cf__yield_resume
           || frame[6] == (void *)(uintptr_t)cf__yield_resume_inline;
}

/*
 * Makes a coroutine at rest in cf_yield() (cf__ctx_in_yield()) raise at
 * its yield when resumed: cf__raise_thrown(), entered from the frame its
 * yield left.
 */
static inline void cf__ctx_throw_at_yield(struct cf__ctx *ctx)
{
    void **frame = (void **)ctx->sp;
    frame[6] = frame[6] == (void *)(uintptr_t)cf__yield_resume
                   ? (void *)(uintptr_t)cf__yield_throw
                   : (void *)(uintptr_t)cf__yield_throw_inline;
}

static inline void *cf__ctx_redirect(struct cf__ctx *ctx, void (*tramp)(void))
{
    void **frame = (void **)ctx->sp;
    void *was = frame[6];
    frame[6] = (void *)(uintptr_t)tramp;
    return was;
}

/*
 * The first switch to `ctx` pops six registers (r12 holds `entry`) and
 * jumps to cf__start with rsp 16-byte aligned, which calls entry(arg). Only
 * r12 and the resume address are written: the other five are callee-saved
 * registers of a context that has no caller to give them back to (cf__start
 * zeroes rbp itself), and each store counts in a create (issue 18).
 */
static inline void cf__ctx_make(struct cf__ctx *ctx, void *lo, size_t size,
                                void (*entry)(void *))
{
    uintptr_t top = ((uintptr_t)lo + size) & ~(uintptr_t)15;
    void **sp = (void **)top;

    /* sp[-1], sp[-2]: padding, cf__start runs with rsp = top - 16 */
    sp[-3] = (void *)(uintptr_t)cf__start;
    /* sp[-4], sp[-5]: rbp, rbx */
    sp[-6] = (void *)(uintptr_t)entry; /* r12 */
    /* sp[-7] ... sp[-9]: r13, r14, r15 */
    ctx->sp = &sp[-9];
}

static inline void cf__fpenv_save(struct cf__fpenv *env)
{
    __asm__ volatile("stmxcsr %0\n\tfnstcw %1"
                     : "=m"(env->mxcsr), "=m"(env->x87cw));
}

static inline void cf__fpenv_load(const struct cf__fpenv *env)
{
    __asm__ volatile("ldmxcsr %0\n\tfldcw %1"
                     :
                     : "m"(env->mxcsr), "m"(env->x87cw));
}

static inline bool cf__fpenv_eq(const struct cf__fpenv *a,
                                const struct cf__fpenv *b)
{
    return ((a->mxcsr ^ b->mxcsr) & CF__MXCSR_CONTROL) == 0
           && a->x87cw == b->x87cw;
}

static inline int cf__fpenv_describe(const struct cf__fpenv *env, char *buf,
                                     size_t n)
{
    return snprintf(buf, n, "MXCSR 0x%04x, x87 control word 0x%04x",
                    (unsigned)(env->mxcsr & CF__MXCSR_CONTROL),
                    (unsigned)env->x87cw);
}

#endif
