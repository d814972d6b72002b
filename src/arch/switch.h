/* SPDX-License-Identifier: MIT */
/*
 * arch/switch.h - the contract each CPU implements; nothing else in coflow
 * knows which CPU it runs on.
 *
 * Each src/arch/<cpu>/ folder has a ctx.h defining `struct cf__ctx` (a saved
 * machine context), `struct cf__fpenv` (the floating-point control state) and
 * the inline functions below, and a switch.S (or switch.c) defining
 * cf__switch(). The Makefile takes src/arch/$(ARCH)/ when it exists and
 * src/arch/generic/ (ucontext) otherwise, as musl does.
 */
#ifndef CF_ARCH_SWITCH_H
#define CF_ARCH_SWITCH_H

#include <stdbool.h>
#include <stddef.h>

struct cf__ctx;

/*
 * Saves the running context in `from`, resumes `to`, and returns, in `from`
 * when something later switches back to it, the `arg` that switch passed.
 * The first resume of a context made by cf__ctx_make() calls its entry
 * function with `arg` instead. Saves only what the ABI says a call
 * preserves, except the floating-point control state, which the callers
 * handle (see cf__fpenv_save()).
 */
void *cf__switch(struct cf__ctx *from, struct cf__ctx *to, void *arg);

#include "ctx.h"

/*
 * ctx.h provides, for its CPU:
 *
 *   void cf__ctx_make(struct cf__ctx *ctx, void *lo, size_t size,
 *                     void (*entry)(void *arg));
 *       Prepares `ctx` so that the first switch to it runs entry(arg) on the
 *       stack [lo, lo + size). `entry` must never return.
 *
 *   void cf__fpenv_save(struct cf__fpenv *env);
 *   void cf__fpenv_load(const struct cf__fpenv *env);
 *   bool cf__fpenv_eq(const struct cf__fpenv *a, const struct cf__fpenv *b);
 *   int  cf__fpenv_describe(const struct cf__fpenv *env, char *buf, size_t n);
 *       Read, write, compare and print the FP control state (rounding mode,
 *       exception masks, precision control), not the status flags.
 *
 *   #define CF__ARCH_NAME "x86_64"
 */

#endif
