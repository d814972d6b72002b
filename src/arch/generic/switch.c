/* SPDX-License-Identifier: MIT */
/* generic/switch.c - cf__switch() on ucontext, for any CPU (ARCH=generic). */
#include <stdint.h>
#include <stdlib.h>

#include "../switch.h"

/*
 * swapcontext() saves and restores the FP environment with the registers,
 * but the contract is that a switch leaves FP state alone (coroutines that
 * own one swap it themselves): so the environment the switcher had is
 * handed over and put back on the other side.
 */
void *cf__switch(struct cf__ctx *from, struct cf__ctx *to, void *arg)
{
    to->arg = arg;
    fegetenv(&to->env);
    if (swapcontext(&from->uc, &to->uc) != 0)
        abort(); /* only fails for a corrupt context */
    fesetenv(&from->env);
    return from->arg;
}

/* makecontext() passes int arguments: the context travels in two halves. */
static void start(unsigned hi, unsigned lo)
{
    struct cf__ctx *ctx =
        (struct cf__ctx *)(((uintptr_t)hi << 16 << 16) | (uintptr_t)lo);
    fesetenv(&ctx->env);
    ctx->entry(ctx->arg);
    abort(); /* entry functions never return */
}

void cf__ctx_make(struct cf__ctx *ctx, void *lo, size_t size,
                  void (*entry)(void *))
{
    uintptr_t p = (uintptr_t)ctx;

    if (getcontext(&ctx->uc) != 0)
        abort();
    ctx->uc.uc_stack.ss_sp = lo;
    ctx->uc.uc_stack.ss_size = size;
    ctx->uc.uc_link = NULL;
    ctx->entry = entry;
    makecontext(&ctx->uc, (void (*)(void))start, 2, (unsigned)(p >> 16 >> 16),
                (unsigned)(p & 0xffffffffu));
}
