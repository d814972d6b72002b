/* SPDX-License-Identifier: MIT */
/*
 * pipe/broadcast.c - broadcast: each value to every target, in order
 * (SEMANTICS item 62); closing it closes them in order (item 64).
 */
#include <errno.h>

#include "internal.h"

static cf_status broadcast_step(void *self, cf_op op, cf_value in,
                                cf_value *out)
{
    cf__stage *st = self;
    if (CF__UNLIKELY(op == CF_OP_THROW))
        return cf__stage_thrown(st, out);
    *out = cf_none();
    if (CF__UNLIKELY(!st->started)) {
        st->started = true;
        return CF_YIELDED;
    }
    cf__pipe_event(st, CF_PIPE_RECV, in);
    size_t finished = 0;
    cf_value r = cf_none();
    for (size_t i = 0; i < st->ntargets; i++) {
        switch (cf__stage_send(st, st->targets[i], in, &r)) {
        case CF_YIELDED:
            break;
        case CF_RETURNED:
            finished++;
            break;
        case CF_RAISED:
            return CF_RAISED;
        }
    }
    if (finished == st->ntargets) { /* every target has finished */
        *out = r;
        return CF_RETURNED;
    }
    return CF_YIELDED;
}

int cf_pipe_broadcast(cf_pipe *p, cf_coro **out, const char *name,
                      cf_coro *const *targets, size_t n)
{
    if (out == NULL || n == 0 || targets == NULL)
        return -EINVAL;
    cf__stage *st;
    int rc = cf__stage_new(p, sizeof *st, "broadcast", name, targets, n,
                           broadcast_step, &st);
    if (rc < 0)
        return rc;
    *out = st->co;
    return 0;
}
