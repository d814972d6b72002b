/* SPDX-License-Identifier: MIT */
/*
 * pipe/map.c - the map stage (passes on fn(arg, v) for each value v, and
 * ends the stream when fn says so) and take (head: the first n values).
 */
#include <errno.h>
#include <stdint.h>

#include "internal.h"

/*
 * The stream ends here, as a generator returns: close the target (it has
 * nothing more coming) and finish with what its close returned.
 */
static cf_status finish(cf__stage *st, cf_coro *target, cf_value *out)
{
    cf__pipe_event(st, CF_PIPE_CLOSE, cf_none());
    cf_value r = cf_none();
    if (cf_close(target, &r) == CF_RAISED)
        return cf__pipe_tag(st->name);
    *out = r;
    return CF_RETURNED;
}

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
    cf_status s = m->fn(m->arg, in, &v);
    if (CF__LIKELY(s == CF_YIELDED))
        return cf__stage_send(&m->base, m->target, v, out);
    if (s == CF_RETURNED)
        return CF_YIELDED; /* dropped */
    if (s == CF_MAP_END)
        return finish(&m->base, m->target, out);
    if (s != CF_RAISED)
        return cf_fail(&cf_value_error,
                       "map '%s': the function returned %d, not a status",
                       m->base.name, (int)s);
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

/* ---- take ---- */

struct take {
    cf__stage base;
    cf_coro *target;
    uint64_t n, passed;
};

static cf_value take_result(cf__stage *st)
{
    return cf_int((int64_t)((struct take *)st)->passed);
}

static cf_status take_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    struct take *t = self;
    if (CF__UNLIKELY(op == CF_OP_THROW))
        return cf__stage_thrown(&t->base, out);
    *out = cf_none();
    if (CF__UNLIKELY(!t->base.started)) {
        t->base.started = true;
        return CF_YIELDED;
    }
    cf__pipe_event(&t->base, CF_PIPE_RECV, in);
    if (t->passed >= t->n) {
        cf__pipe_event(&t->base, CF_PIPE_DROP, in);
        return finish(&t->base, t->target, out);
    }
    t->passed++;
    cf__pipe_event(&t->base, CF_PIPE_PASS, in);
    cf_status s = cf__stage_send(&t->base, t->target, in, out);
    if (s == CF_YIELDED && t->passed == t->n)
        return finish(&t->base, t->target, out);
    return s;
}

int cf_pipe_take(cf_pipe *p, cf_coro **out, const char *name, uint64_t n,
                 cf_coro *target)
{
    if (out == NULL || target == NULL || n > INT64_MAX)
        return -EINVAL;
    cf__stage *st;
    int rc = cf__stage_new(p, sizeof(struct take), "take", name, &target, 1,
                           take_step, &st);
    if (rc < 0)
        return rc;
    struct take *t = (struct take *)st;
    t->target = target;
    t->n = n;
    st->result = take_result;
    *out = st->co;
    return 0;
}
