/* SPDX-License-Identifier: MIT */
/*
 * core/switch.c - contexts, and the one place that switches between them,
 * telling AddressSanitizer and ThreadSanitizer about each switch so they
 * follow the program from stack to stack.
 */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

#if CF_ASAN
#include <sanitizer/common_interface_defs.h>
#endif
#if CF_TSAN
void *__tsan_get_current_fiber(void);
void __tsan_switch_to_fiber(void *fiber, unsigned flags);
#endif

CF__TLS cf__context *cf__cur;
static CF__TLS cf__context thread_base;

cf__context *cf__thread_base(void)
{
    cf__context *b = &thread_base;
#if CF_TSAN
    if (b->tsan_fiber == NULL)
        b->tsan_fiber = __tsan_get_current_fiber();
#endif
    if (cf__cur == NULL) {
        cf__overflow_thread_init();
        cf__cur = b;
    }
    return b;
}

cf_coro *cf_current(void)
{
    cf__context *c = cf__cur;
    return c != NULL && c->is_coro ? (cf_coro *)c : NULL;
}

/*
 * `dying` says that `from` will never run again (its coroutine finished), so
 * ASan can drop its fake stack instead of keeping it for a later resume.
 */
void *cf__jump(cf__context *from, cf__context *to, void *arg, bool dying)
{
#if CF_ASAN
    __sanitizer_start_switch_fiber(dying ? NULL : &from->asan_fake,
                                   to->stack_lo, to->stack_size);
#else
    (void)dying;
#endif
#if CF_TSAN
    __tsan_switch_to_fiber(to->tsan_fiber, 0);
#endif
    void *r = cf__switch(&from->ctx, &to->ctx, arg);
    cf__jumped(from);
    return r;
}

#if CF_ASAN
/*
 * Completes a switch on the side that now runs, and keeps the bounds of the
 * stack we came from: the first switch away from a thread's base context is
 * the only way to learn that stack's bounds, which ASan needs to switch back.
 */
void cf__jumped(cf__context *self)
{
    __sanitizer_finish_switch_fiber(self->asan_fake, &self->peer_lo,
                                    &self->peer_size);
}

void cf__learn_caller(cf_coro *co)
{
    cf__context *c = co->caller;
    if (c != NULL && c->stack_lo == NULL) {
        c->stack_lo = co->base.peer_lo;
        c->stack_size = co->base.peer_size;
    }
}
#endif
