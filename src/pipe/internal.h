/* SPDX-License-Identifier: MIT */
/*
 * pipe/internal.h - what the files of pipe/ share: the graph, the stage
 * header every built-in stage starts with, and the send and close helpers
 * that carry errors upstream and closes downstream.
 */
#ifndef CF_PIPE_INTERNAL_H
#define CF_PIPE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coflow/pipe.h"
#include "coflow/trace.h"
#include "../common.h"
#include "../core/layer.h"
#include "layer.h"

/*
 * A node of the graph: a built-in stage (`step` set: `co` is its handler and
 * the node is the handler's state), a user stage (cf_pipe_add()), or a
 * source that has run (`co` NULL).
 */
struct cf__stage {
    cf__stage *next; /* the graph's list, in creation order */
    cf_pipe *pipe;
    cf_coro *co;
    const char *kind; /* "grep", "broadcast", ..., "stage", "source" */
    char name[CF__NAME_MAX];
    cf_coro **targets;
    size_t ntargets;
    bool started; /* the priming send has been seen */
    /* Built-in stages only: the result a close reports (NULL: none), and
       what to free with the node. */
    cf_value (*result)(cf__stage *st);
    void (*fini)(cf__stage *st);
    /* Built-in stages created while a trace was being written: the step
       the handler's tracing step calls (graph.c). */
    cf_step_fn traced;
};

struct cf_pipe {
    cf__stage *head, *tail;
    cf_pipe_trace_fn trace;
    void *trace_arg;
    cf_pipe_warn_fn warn;
    void *warn_arg;
    uint64_t warnings;
    bool freeing; /* cf_pipe_free(): closes no longer propagate */
};

/* Emits an event if the graph is traced. */
static inline void cf__pipe_event(const cf__stage *st, cf_pipe_event ev,
                                  cf_value v)
{
    cf_pipe *p = st->pipe;
    if (CF__UNLIKELY(p != NULL && p->trace != NULL))
        p->trace(p->trace_arg, st->name, ev, v);
}

/* Gives a warning for stage `st` (printf-style message); counted. */
void cf__pipe_warn(cf__stage *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Allocates a built-in stage of `size` bytes (the header first), copies
 * the targets, creates its handler with `step` and primes it, and links it
 * into `p`. Returns 0 or -errno; on failure nothing is left behind.
 */
int cf__stage_new(cf_pipe *p, size_t size, const char *kind, const char *name,
                  cf_coro *const *targets, size_t n, cf_step_fn step,
                  cf__stage **out);

/* Links a node made by the caller (a source); NULL when out of memory. */
cf__stage *cf__pipe_node(cf_pipe *p, const char *kind, const char *name,
                         cf_coro *target);

/*
 * Sends `v` to `target` for stage `st`: CF_YIELDED when it took it,
 * CF_RETURNED (with its result in `*out`) when it has finished, CF_RAISED
 * with the error tagged with `st`'s name.
 */
static inline cf_status cf__stage_send(cf__stage *st, cf_coro *target,
                                       cf_value v, cf_value *out)
{
    cf_value r;
    cf_status s = cf_send(target, v, &r);
    if (CF__LIKELY(s == CF_YIELDED)) {
        *out = cf_none();
        return CF_YIELDED;
    }
    if (s == CF_RETURNED) {
        *out = r;
        return CF_RETURNED;
    }
    return cf__pipe_tag(st->name);
}

/*
 * What a built-in stage's step does with a throw: a GeneratorExit closes
 * the targets in order and returns the result (CF_RETURNED), or the first
 * error a target's close raised (tagged); any other error goes through and
 * ends the stage (CF_RAISED), downstream untouched.
 */
cf_status cf__stage_thrown(cf__stage *st, cf_value *out);

/* The stage that owns handler `co` in `p`, or NULL. */
cf__stage *cf__pipe_find(const cf_pipe *p, const cf_coro *co);

/* Python's type name for the kind of `v`: "int", "str", "NoneType"... */
const char *cf__pipe_kind_name(cf_value v);

/* Python's min()/max() order: <0, 0, >0; CF_RAISED (TypeError) if none. */
cf_status cf__value_cmp(cf_value a, cf_value b, int *cmp);

#endif
