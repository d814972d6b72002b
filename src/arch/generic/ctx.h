/* SPDX-License-Identifier: MIT */
/*
 * generic/ctx.h - the portable context: ucontext, for any CPU glibc
 * supports (make ARCH=generic). swapcontext() makes a system call to save
 * the signal mask, so this is about 100 times slower than the assembly.
 */
#ifndef CF_ARCH_CTX_H
#define CF_ARCH_CTX_H

#include <fenv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <ucontext.h>

#define CF__ARCH_NAME "generic"

struct cf__ctx {
    ucontext_t uc;
    fenv_t env;               /* the switcher's FP environment, passed on */
    void *arg;                /* what the switch into this context passed */
    void (*entry)(void *arg); /* for a fresh context */
};

/* The rounding mode and the enabled exception traps. */
struct cf__fpenv {
    int round;
    int traps;
};

void cf__ctx_make(struct cf__ctx *ctx, void *lo, size_t size,
                  void (*entry)(void *));

static inline void cf__fpenv_save(struct cf__fpenv *env)
{
    env->round = fegetround();
    env->traps = fegetexcept();
}

static inline void cf__fpenv_load(const struct cf__fpenv *env)
{
    fesetround(env->round);
    fedisableexcept(FE_ALL_EXCEPT & ~env->traps);
    if (env->traps != 0)
        feenableexcept(env->traps);
}

static inline bool cf__fpenv_eq(const struct cf__fpenv *a,
                                const struct cf__fpenv *b)
{
    return a->round == b->round && a->traps == b->traps;
}

static inline int cf__fpenv_describe(const struct cf__fpenv *env, char *buf,
                                     size_t n)
{
    return snprintf(buf, n, "rounding mode 0x%x, traps 0x%x",
                    (unsigned)env->round, (unsigned)env->traps);
}

#endif
