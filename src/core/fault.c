/* SPDX-License-Identifier: MIT */
/*
 * core/fault.c - failure injection, compiled only with -DCF_FAULT_INJECTION
 * (make CONFIG=fault): every allocation and mapping coflow makes asks
 * cf__fault() first, and the one armed to fail does, as if out of memory.
 * Tests declare the two calls below themselves; they are not public API.
 */
#include "internal.h"

#ifdef CF_FAULT_INJECTION
static _Atomic long countdown; /* the armed one: 1 = the next; 0 = none */
static _Atomic long seen;      /* allocations asked about since arming */
static _Atomic bool fired;

bool cf__fault(void)
{
    atomic_fetch_add_explicit(&seen, 1, memory_order_relaxed);
    long c = atomic_load_explicit(&countdown, memory_order_relaxed);
    while (c > 0) {
        if (atomic_compare_exchange_weak_explicit(&countdown, &c, c - 1,
                                                  memory_order_relaxed,
                                                  memory_order_relaxed)) {
            if (c == 1) {
                atomic_store_explicit(&fired, true, memory_order_relaxed);
                return true;
            }
            return false;
        }
    }
    return false;
}

/* Makes the nth allocation or mapping from now fail (0: none). */
void cf__fault_arm(long n);
void cf__fault_arm(long n)
{
    atomic_store(&seen, 0);
    atomic_store(&fired, false);
    atomic_store(&countdown, n);
}

/* Whether the armed failure happened; `*n` gets the allocations seen. */
bool cf__fault_fired(long *n);
bool cf__fault_fired(long *n)
{
    if (n != NULL)
        *n = atomic_load(&seen);
    return atomic_load(&fired);
}
#else
typedef int cf__fault_unused; /* an empty translation unit is not C */
#endif
