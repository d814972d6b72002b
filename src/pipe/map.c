/* SPDX-License-Identifier: MIT */
/* pipe/map.c - the map stage: passes on fn(arg, v) for each value v. */
#include <errno.h>

#include "internal.h"

struct map {
    cf__stage base;
    cf_coro *target;
    cf_map_fn fn;
    void *arg;
};

static cf_status map_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    struct map *m = self;
    if (CF__UNLIKELY(op == CF_OP_THROW))
        return cf__stage_thrown(&m->base, out);
    *out = cf_none();
    if (CF__UNLIKELY(!m->base.started)) {
        m->base.started = true;
        return CF_YIELDED;
    }
    cf__pipe_event(&m->base, CF_PIPE_RECV, in);
    cf_value v;
    switch (m->fn(m->arg, in, &v)) {
    case CF_YIELDED:
        return cf__stage_send(&m->base, m->target, v, out);
    case CF_RETURNED:
        return CF_YIELDED; /* dropped */
    case CF_RAISED:
        break;
    }
    return CF_RAISED;
}

int cf_pipe_map(cf_pipe *p, cf_coro **out, const char *name, cf_map_fn fn,
                void *arg, cf_coro *target)
{
    if (out == NULL || fn == NULL || target == NULL)
        return -EINVAL;
    cf__stage *st;
    int rc = cf__stage_new(p, sizeof(struct map), "map", name, &target, 1,
                           map_step, &st);
    if (rc < 0)
        return rc;
    struct map *m = (struct map *)st;
    m->target = target;
    m->fn = fn;
    m->arg = arg;
    *out = st->co;
    return 0;
}
