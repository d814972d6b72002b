/* SPDX-License-Identifier: MIT */
/*
 * pipe/dispatch.c - round-robin dispatch over N targets (SEMANTICS item
 * 65); closing it closes the targets in order.
 */
#include <errno.h>

#include "internal.h"

struct dispatch {
    cf__stage base;
    size_t next; /* the target that gets the next value */
};

static cf_status dispatch_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    struct dispatch *d = self;
    cf__stage *st = &d->base;
    if (CF__UNLIKELY(op == CF_OP_THROW))
        return cf__stage_thrown(st, out);
    *out = cf_none();
    if (CF__UNLIKELY(!st->started)) {
        st->started = true;
        return CF_YIELDED;
    }
    cf__pipe_event(st, CF_PIPE_RECV, in);
    /* A target that has finished is skipped: the value goes to the next. */
    for (size_t tries = 0; tries < st->ntargets; tries++) {
        cf_coro *t = st->targets[d->next];
        d->next = (d->next + 1) % st->ntargets;
        cf_status s = cf__stage_send(st, t, in, out);
        if (s != CF_RETURNED)
            return s;
    }
    return CF_RETURNED; /* all of them have finished */
}

int cf_pipe_dispatch(cf_pipe *p, cf_coro **out, const char *name,
                     cf_coro *const *targets, size_t n)
{
    if (out == NULL || n == 0 || targets == NULL)
        return -EINVAL;
    cf__stage *st;
    int rc = cf__stage_new(p, sizeof(struct dispatch), "dispatch", name,
                           targets, n, dispatch_step, &st);
    if (rc < 0)
        return rc;
    *out = st->co;
    return 0;
}
