/* SPDX-License-Identifier: MIT */
/* riscv64/ctx.h - the saved context and FP control state of LP64D. */
#ifndef CF_ARCH_CTX_H
#define CF_ARCH_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CF__ARCH_NAME "riscv64"

/* A suspended context is its stack pointer; the registers are on the stack. */
struct cf__ctx {
    void *sp;
};

/*
 * fcsr's control state is its rounding mode, `frm` (bits 5-7); the rest is
 * the accrued exception flags `fflags`, which are status, and RISC-V has no
 * exception traps. The psABI makes frm callee-saved ("preserved across
 * calls"), like the control bits of MXCSR.
 */
struct cf__fpenv {
    uint32_t frm;
};

void cf__start(void);

/*
 * The first switch to `ctx` loads a 208-byte frame of zeros but for s1
 * (`entry`) and the resume address (cf__start), and jumps to cf__start with
 * sp = top, which calls entry(arg).
 */
static inline void cf__ctx_make(struct cf__ctx *ctx, void *lo, size_t size,
                                void (*entry)(void *))
{
    uintptr_t top = ((uintptr_t)lo + size) & ~(uintptr_t)15;
    void **sp = (void **)top - 26;

    for (int i = 0; i < 26; i++)
        sp[i] = NULL;                     /* s0, s2-s11, fs0-fs11, pad */
    sp[0] = (void *)(uintptr_t)cf__start; /* resume address */
    sp[2] = (void *)(uintptr_t)entry;     /* s1 */
    ctx->sp = sp;
}

static inline void cf__fpenv_save(struct cf__fpenv *env)
{
    __asm__ volatile("frrm %0" : "=r"(env->frm));
}

static inline void cf__fpenv_load(const struct cf__fpenv *env)
{
    __asm__ volatile("fsrm %0" : : "r"(env->frm));
}

static inline bool cf__fpenv_eq(const struct cf__fpenv *a,
                                const struct cf__fpenv *b)
{
    return a->frm == b->frm;
}

static inline int cf__fpenv_describe(const struct cf__fpenv *env, char *buf,
                                     size_t n)
{
    static const char *const names[8] = {"rne", "rtz", "rdn", "rup",
                                         "rmm", "5?",  "6?",  "7?"};
    return snprintf(buf, n, "frm %u (%s)", (unsigned)env->frm,
                    names[env->frm & 7u]);
}

#endif
