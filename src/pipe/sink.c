/* SPDX-License-Identifier: MIT */
/*
 * pipe/sink.c - sinks and reducers: printer, collect, count, sum, min, max
 * and null. A reducer yields its running result after each value and
 * returns its result when closed (SEMANTICS item 64, pipe_minmax).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *cf__pipe_kind_name(cf_value v)
{
    static const char *const names[] = {"NoneType", "bool",  "int", "float",
                                        "str",      "bytes", "ptr"};
    return v.kind < sizeof names / sizeof names[0] ? names[v.kind] : "?";
}

static bool is_number(cf_value v)
{
    return v.kind == CF_BOOL || v.kind == CF_INT || v.kind == CF_DOUBLE;
}

static double as_double(cf_value v)
{
    return v.kind == CF_DOUBLE ? v.as.d
           : v.kind == CF_INT  ? (double)v.as.i
                               : (double)v.as.b;
}

static int64_t as_int(cf_value v)
{
    return v.kind == CF_INT ? v.as.i : (int64_t)v.as.b;
}

cf_status cf__value_cmp(cf_value a, cf_value b, int *cmp)
{
    if (is_number(a) && is_number(b)) {
        if (a.kind != CF_DOUBLE && b.kind != CF_DOUBLE) {
            int64_t x = as_int(a), y = as_int(b);
            *cmp = (x > y) - (x < y);
        } else {
            double x = as_double(a), y = as_double(b);
            *cmp = (x > y) - (x < y);
        }
        return CF_RETURNED;
    }
    if ((a.kind == CF_STR || a.kind == CF_BYTES) && a.kind == b.kind) {
        size_t n = a.len < b.len ? a.len : b.len;
        int c = n > 0 ? memcmp(a.as.s, b.as.s, n) : 0;
        if (c == 0)
            c = (a.len > b.len) - (a.len < b.len);
        *cmp = (c > 0) - (c < 0);
        return CF_RETURNED;
    }
    return cf_fail(&cf_type_error,
                   "'<' not supported between instances of '%s' and '%s'",
                   cf__pipe_kind_name(a), cf__pipe_kind_name(b));
}

/* The first send, from priming, carries no item. */
static inline bool priming(cf__stage *st, cf_value *out)
{
    if (CF__LIKELY(st->started))
        return false;
    st->started = true;
    *out = cf_none();
    return true;
}

/* ---- printer ---- */

struct printer {
    cf__stage base;
    FILE *f;
    char *prefix;
};

static cf_status printer_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    struct printer *pr = self;
    if (CF__UNLIKELY(op == CF_OP_THROW))
        return cf__stage_thrown(&pr->base, out);
    if (priming(&pr->base, out))
        return CF_YIELDED;
    cf__pipe_event(&pr->base, CF_PIPE_RECV, in);
    *out = cf_none();
    bool ok = true;
    if (pr->prefix != NULL)
        ok = fputs(pr->prefix, pr->f) >= 0;
    if (in.kind == CF_STR || in.kind == CF_BYTES) {
        if (in.len > 0)
            ok = ok && fwrite(in.as.s, 1, in.len, pr->f) == in.len;
    } else {
        char small[64];
        size_t n = cf_value_str(in, small, sizeof small);
        if (n < sizeof small) {
            ok = ok && fwrite(small, 1, n, pr->f) == n;
        } else {
            char *big = malloc(n + 1);
            if (big == NULL)
                return cf_fail(&cf_memory_error, NULL);
            cf_value_str(in, big, n + 1);
            ok = ok && fwrite(big, 1, n, pr->f) == n;
            free(big);
        }
    }
    ok = ok && fputc('\n', pr->f) != EOF;
    if (!ok) {
        if (errno == 0)
            errno = EIO;
        return cf__pipe_os_error(NULL);
    }
    return CF_YIELDED;
}

static void printer_fini(cf__stage *st)
{
    free(((struct printer *)st)->prefix);
}

int cf_pipe_printer(cf_pipe *p, cf_coro **out, const char *name, FILE *f,
                    const char *prefix)
{
    if (out == NULL || f == NULL)
        return -EINVAL;
    char *copy = NULL;
    if (prefix != NULL && (copy = strdup(prefix)) == NULL)
        return -ENOMEM;
    cf__stage *st;
    int rc = cf__stage_new(p, sizeof(struct printer), "printer", name, NULL, 0,
                           printer_step, &st);
    if (rc < 0) {
        free(copy);
        return rc;
    }
    struct printer *pr = (struct printer *)st;
    pr->f = f;
    pr->prefix = copy;
    st->fini = printer_fini;
    *out = st->co;
    return 0;
}

/* ---- collect ---- */

struct collect {
    cf__stage base;
    cf_value *v;
    size_t n, cap;
};

static cf_value collect_result(cf__stage *st)
{
    return cf_int((int64_t)((struct collect *)st)->n);
}

static cf_status collect_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    struct collect *c = self;
    if (CF__UNLIKELY(op == CF_OP_THROW))
        return cf__stage_thrown(&c->base, out);
    if (priming(&c->base, out))
        return CF_YIELDED;
    cf__pipe_event(&c->base, CF_PIPE_RECV, in);
    if (c->n == c->cap) {
        size_t cap = c->cap > 0 ? 2 * c->cap : 16;
        cf_value *v = realloc(c->v, cap * sizeof *v);
        if (v == NULL)
            return cf_fail(&cf_memory_error, NULL);
        c->v = v;
        c->cap = cap;
    }
    /* A copy of a borrowed string, a reference to an owned value: either
     * way one the stage drops when it is freed. */
    cf_value keep = cf_value_keep(in);
    if ((in.kind == CF_STR || in.kind == CF_BYTES) && cf_is_none(keep))
        return cf_fail(&cf_memory_error, NULL);
    c->v[c->n++] = keep;
    *out = collect_result(&c->base);
    return CF_YIELDED;
}

static void collect_fini(cf__stage *st)
{
    struct collect *c = (struct collect *)st;
    for (size_t i = 0; i < c->n; i++)
        cf_value_drop(c->v[i]);
    free(c->v);
}

int cf_pipe_collect(cf_pipe *p, cf_coro **out, const char *name)
{
    if (out == NULL)
        return -EINVAL;
    cf__stage *st;
    int rc = cf__stage_new(p, sizeof(struct collect), "collect", name, NULL, 0,
                           collect_step, &st);
    if (rc < 0)
        return rc;
    st->result = collect_result;
    st->fini = collect_fini;
    *out = st->co;
    return 0;
}

const cf_value *cf_pipe_collected(const cf_pipe *p, const cf_coro *co,
                                  size_t *n)
{
    cf__stage *st = cf__pipe_find(p, co);
    bool ok = st != NULL && strcmp(st->kind, "collect") == 0;
    struct collect *c = ok ? (struct collect *)st : NULL;
    if (n != NULL)
        *n = c != NULL ? c->n : 0;
    return c != NULL && c->n > 0 ? c->v : NULL;
}

/* ---- count, sum, min, max, null ---- */

struct reducer {
    cf__stage base;
    cf_value acc; /* the running result */
    int sign;     /* min: -1, max: +1 */
    char *buf;    /* min, max: the copy of a string result */
    size_t cap;
};

static cf_value reducer_result(cf__stage *st)
{
    return ((struct reducer *)st)->acc;
}

static void reducer_fini(cf__stage *st)
{
    free(((struct reducer *)st)->buf);
}

static cf_status count_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    struct reducer *r = self;
    if (CF__UNLIKELY(op == CF_OP_THROW))
        return cf__stage_thrown(&r->base, out);
    if (CF__LIKELY(r->base.started)) {
        cf__pipe_event(&r->base, CF_PIPE_RECV, in);
        r->acc.as.i++;
    }
    r->base.started = true;
    *out = r->acc;
    return CF_YIELDED;
}

static cf_status sum_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    struct reducer *r = self;
    if (CF__UNLIKELY(op == CF_OP_THROW))
        return cf__stage_thrown(&r->base, out);
    if (priming(&r->base, out)) {
        *out = r->acc;
        return CF_YIELDED;
    }
    cf__pipe_event(&r->base, CF_PIPE_RECV, in);
    if (!is_number(in))
        return cf_fail(&cf_type_error,
                       "unsupported operand type(s) for +: '%s' and '%s'",
                       cf__pipe_kind_name(r->acc), cf__pipe_kind_name(in));
    int64_t s;
    if (r->acc.kind == CF_INT && in.kind != CF_DOUBLE
        && !__builtin_add_overflow(r->acc.as.i, as_int(in), &s))
        r->acc = cf_int(s);
    else
        r->acc = cf_double(as_double(r->acc) + as_double(in));
    *out = r->acc;
    return CF_YIELDED;
}

/* min and max: keep `in` if it beats the result (the first of equals). */
static cf_status minmax_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    struct reducer *r = self;
    if (CF__UNLIKELY(op == CF_OP_THROW))
        return cf__stage_thrown(&r->base, out);
    if (priming(&r->base, out))
        return CF_YIELDED;
    cf__pipe_event(&r->base, CF_PIPE_RECV, in);
    int c = 0;
    if (!cf_is_none(r->acc) && cf__value_cmp(in, r->acc, &c) == CF_RAISED)
        return CF_RAISED;
    if (cf_is_none(r->acc) || c * r->sign > 0) {
        cf_value keep = in;
        if ((in.kind == CF_STR || in.kind == CF_BYTES) && in.as.s != r->buf) {
            if (in.len > r->cap) {
                char *b = realloc(r->buf, in.len);
                if (b == NULL)
                    return cf_fail(&cf_memory_error, NULL);
                r->buf = b;
                r->cap = in.len;
            }
            if (in.len > 0)
                memcpy(r->buf, in.as.s, in.len);
            keep.as.s = r->buf;
            keep.tag = 0; /* the stage's own copy: borrowed from it */
        }
        r->acc = keep;
        cf__pipe_event(&r->base, CF_PIPE_UPDATE, r->acc);
    }
    *out = r->acc;
    return CF_YIELDED;
}

static cf_status null_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    (void)in;
    if (CF__UNLIKELY(op == CF_OP_THROW))
        return cf__stage_thrown(self, out);
    *out = cf_none();
    return CF_YIELDED;
}

static int reducer_new(cf_pipe *p, cf_coro **out, const char *kind,
                       const char *name, cf_step_fn step, cf_value acc,
                       int sign)
{
    if (out == NULL)
        return -EINVAL;
    cf__stage *st;
    int rc = cf__stage_new(p, sizeof(struct reducer), kind, name, NULL, 0, step,
                           &st);
    if (rc < 0)
        return rc;
    struct reducer *r = (struct reducer *)st;
    r->acc = acc;
    r->sign = sign;
    st->result = reducer_result;
    st->fini = reducer_fini;
    *out = st->co;
    return 0;
}

int cf_pipe_count(cf_pipe *p, cf_coro **out, const char *name)
{
    return reducer_new(p, out, "count", name, count_step, cf_int(0), 0);
}

int cf_pipe_sum(cf_pipe *p, cf_coro **out, const char *name)
{
    return reducer_new(p, out, "sum", name, sum_step, cf_int(0), 0);
}

int cf_pipe_min(cf_pipe *p, cf_coro **out, const char *name)
{
    return reducer_new(p, out, "min", name, minmax_step, cf_none(), -1);
}

int cf_pipe_max(cf_pipe *p, cf_coro **out, const char *name)
{
    return reducer_new(p, out, "max", name, minmax_step, cf_none(), 1);
}

int cf_pipe_null(cf_pipe *p, cf_coro **out, const char *name)
{
    if (out == NULL)
        return -EINVAL;
    cf__stage *st;
    int rc =
        cf__stage_new(p, sizeof *st, "null", name, NULL, 0, null_step, &st);
    if (rc < 0)
        return rc;
    *out = st->co;
    return 0;
}
