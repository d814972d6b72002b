/* SPDX-License-Identifier: MIT */
/* aarch64/ctx.h - the saved context and FP control state of AAPCS64. */
#ifndef CF_ARCH_CTX_H
#define CF_ARCH_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CF__ARCH_NAME "aarch64"

/* A suspended context is its stack pointer; the registers are on the stack. */
struct cf__ctx {
    void *sp;
};

/*
 * FPCR: rounding mode, flush-to-zero, default NaN, alternative half
 * precision and the exception trap enables. It is all control state (the
 * status flags live in FPSR) and callee-saved, like MXCSR's control bits.
 */
struct cf__fpenv {
    uint64_t fpcr;
};

void cf__start(void);

/*
 * The first switch to `ctx` loads a 160-byte frame of zeros but for x19
 * (`entry`) and x30 (cf__start), and returns to cf__start with sp = top,
 * which calls entry(arg).
 */
static inline void cf__ctx_make(struct cf__ctx *ctx, void *lo, size_t size,
                                void (*entry)(void *))
{
    uintptr_t top = ((uintptr_t)lo + size) & ~(uintptr_t)15;
    void **sp = (void **)top - 20;

    for (int i = 0; i < 20; i++)
        sp[i] = NULL;                      /* d8-d15, x20-x28, x29 */
    sp[8] = (void *)(uintptr_t)entry;      /* x19 */
    sp[19] = (void *)(uintptr_t)cf__start; /* x30 */
    ctx->sp = sp;
}

static inline void cf__fpenv_save(struct cf__fpenv *env)
{
    __asm__ volatile("mrs %0, fpcr" : "=r"(env->fpcr));
}

/* Writing FPCR can stall the pipeline; it is skipped when nothing changes. */
static inline void cf__fpenv_load(const struct cf__fpenv *env)
{
    uint64_t now;

    __asm__ volatile("mrs %0, fpcr" : "=r"(now));
    if (now != env->fpcr)
        __asm__ volatile("msr fpcr, %0" : : "r"(env->fpcr));
}

static inline bool cf__fpenv_eq(const struct cf__fpenv *a,
                                const struct cf__fpenv *b)
{
    return a->fpcr == b->fpcr;
}

static inline int cf__fpenv_describe(const struct cf__fpenv *env, char *buf,
                                     size_t n)
{
    return snprintf(buf, n, "FPCR 0x%08llx", (unsigned long long)env->fpcr);
}

#endif
