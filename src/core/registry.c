/* SPDX-License-Identifier: MIT */
/*
 * core/registry.c - where coroutine objects come from, and the list of the
 * live ones. A body coroutine lives in its stack slot, so the pool's slabs
 * are its registry (core/stack.c); handlers, which have no stack, are kept
 * on a list of their own.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "internal.h"

static pthread_mutex_t handlers_lock = PTHREAD_MUTEX_INITIALIZER;
cf_coro *cf__handlers; /* for debuggers too */

int cf__coro_alloc(cf_coro **out, size_t stack_size)
{
    if (stack_size != 0)
        return cf__stack_coro(out, stack_size);
    cf_coro *co = cf__fault() ? NULL : calloc(1, sizeof *co);
    if (co == NULL)
        return -ENOMEM;
    co->magic = CF__LIVE;
    pthread_mutex_lock(&handlers_lock);
    co->reg_next = cf__handlers;
    if (cf__handlers != NULL)
        cf__handlers->reg_prev = co;
    cf__handlers = co;
    pthread_mutex_unlock(&handlers_lock);
    *out = co;
    return 0;
}

void cf__coro_dispose(cf_coro *co)
{
    if (co->slab != NULL) {
        cf__stack_free(co);
        return;
    }
    pthread_mutex_lock(&handlers_lock);
    if (co->reg_prev != NULL)
        co->reg_prev->reg_next = co->reg_next;
    else
        cf__handlers = co->reg_next;
    if (co->reg_next != NULL)
        co->reg_next->reg_prev = co->reg_prev;
    pthread_mutex_unlock(&handlers_lock);
    /* Kept (not a dead store before free()) so that a stale handle is
     * recognised while the memory is not reused. */
    *(volatile unsigned *)&co->magic = 0;
    free(co);
}

/* cf_coro_foreach() gives each coroutine's handle, not its address. */
struct each {
    int (*fn)(cf_coro *co, void *arg);
    void *arg;
};

static int each_handle(cf_coro *co, void *arg)
{
    struct each *e = arg;
    return e->fn(cf__handle_of(co), e->arg);
}

int cf_coro_foreach(int (*fn)(cf_coro *co, void *arg), void *arg)
{
    if (fn == NULL)
        return -EINVAL;
    struct each e = {fn, arg};
    int rc = cf__stack_each(each_handle, &e);
    if (rc != 0)
        return rc;
    /* Handlers: a snapshot, so that fn may create and free coroutines. */
    size_t n = 0, cap = 0;
    pthread_mutex_lock(&handlers_lock);
    for (cf_coro *co = cf__handlers; co != NULL; co = co->reg_next)
        cap++;
    cf_coro **all = cap > 0 ? malloc(cap * sizeof *all) : NULL;
    if (cap > 0 && all == NULL) {
        pthread_mutex_unlock(&handlers_lock);
        return -ENOMEM;
    }
    for (cf_coro *co = cf__handlers; co != NULL; co = co->reg_next)
        all[n++] = co;
    pthread_mutex_unlock(&handlers_lock);
    for (size_t k = 0; k < n && rc == 0; k++)
        rc = fn(cf__handle_of(all[k]), arg);
    free(all);
    return rc;
}

size_t cf_coro_stack_used(const cf_coro *co, size_t *size)
{
    if (co != NULL)
        co = cf__check(co, "cf_coro_stack_used");
    if (co == NULL || co->slab == NULL) {
        if (size != NULL)
            *size = 0;
        return 0;
    }
    if (size != NULL)
        *size = co->base.stack_size;
    return cf__stack_used(co);
}
