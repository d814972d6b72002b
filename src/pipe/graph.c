/* SPDX-License-Identifier: MIT */
/*
 * pipe/graph.c - the graph: the stages it owns and their targets, the
 * machinery every built-in stage shares (creation, closing its targets,
 * tagging an error on its way up), traces, and the Graphviz picture.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const cf_error_type cf_os_error = {"OSError", &cf_exception};

/* ---- the trace (coflow/trace.h, docs/trace.md) ---- */

/* The track of the stage or source called `name` in `p`. */
static long stage_track(const cf_pipe *p, const char *name)
{
    for (const cf__stage *st = p->head; st != NULL; st = st->next)
        if (strcmp(st->name, name) == 0) {
            if (st->co != NULL)
                return cf_trace_track(st->co, NULL);
            break;
        }
    char track[CF__NAME_MAX + 8];
    snprintf(track, sizeof track, "source %s", name);
    return cf_trace_track(NULL, track);
}

/*
 * The graph's events, as instants on their stage's track: what a source
 * sends, what a filter passes and drops, a reducer's updates and result, a
 * close (a stage's "recv" is its slice). A graph created while a trace is
 * being written reports them until cf_pipe_trace() replaces this.
 */
static void trace_event(void *arg, const char *stage, cf_pipe_event ev,
                        cf_value v)
{
    if (ev == CF_PIPE_RECV)
        return;
    char d[96];
    cf_value_repr(v, d, sizeof d);
    cf_trace_instant(stage_track(arg, stage), "pipe", cf_pipe_event_name(ev),
                     d);
}

/*
 * A built-in stage's step while traced: a slice on the stage's track for
 * each value it takes (named "recv", the value its detail) or close, which
 * nests the slices of the stages it sends to in time.
 */
static cf_status traced_step(void *self, cf_op op, cf_value v, cf_value *out)
{
    cf__stage *st = self;
    if (st->co == NULL || !cf_trace_enabled()) /* priming, or no trace */
        return st->traced(self, op, v, out);
    long track = cf_trace_track(st->co, NULL);
    char d[96] = "";
    const char *what = "close";
    if (op == CF_OP_SEND) {
        what = "recv";
        cf_value_repr(v, d, sizeof d);
    } else if (!cf_error_is(cf_error_last(), &cf_generator_exit)) {
        what = "throw";
    }
    cf_trace_begin(track, "pipe", what, d[0] != '\0' ? d : NULL);
    cf_status s = st->traced(self, op, v, out);
    cf_trace_end(track);
    return s;
}

int cf_pipe_new(cf_pipe **out)
{
    if (out == NULL)
        return -EINVAL;
    *out = calloc(1, sizeof **out);
    if (*out == NULL)
        return -ENOMEM;
    if (cf_trace_enabled()) {
        (*out)->trace = trace_event;
        (*out)->trace_arg = *out;
    }
    return 0;
}

static void link_node(cf_pipe *p, cf__stage *st)
{
    if (p->tail != NULL)
        p->tail->next = st;
    else
        p->head = st;
    p->tail = st;
}

static void free_node(cf__stage *st)
{
    if (st->fini != NULL)
        st->fini(st);
    free(st->targets);
    free(st);
}

/*
 * The last created is freed first: pipelines are built sink first, so
 * upstream stages go before the stages they send to. `freeing` makes the
 * built-in stages' close a no-op, so nothing runs into a freed target.
 */
void cf_pipe_free(cf_pipe *p)
{
    if (p == NULL)
        return;
    p->freeing = true;
    size_t n = 0;
    for (cf__stage *st = p->head; st != NULL; st = st->next)
        n++;
    cf__stage **all = n > 0 ? malloc(n * sizeof *all) : NULL;
    if (all != NULL) {
        size_t i = 0;
        for (cf__stage *st = p->head; st != NULL; st = st->next)
            all[i++] = st;
        while (i-- > 0) {
            cf_coro_free(all[i]->co);
            free_node(all[i]);
        }
        free(all);
    } else {
        /* No memory for the order: creation order is still safe. */
        cf__stage *st = p->head;
        while (st != NULL) {
            cf__stage *next = st->next;
            cf_coro_free(st->co);
            free_node(st);
            st = next;
        }
    }
    free(p);
}

static cf__stage *node_new(cf_pipe *p, size_t size, const char *kind,
                           const char *name, cf_coro *const *targets, size_t n)
{
    cf__stage *st = calloc(1, size);
    if (st == NULL)
        return NULL;
    st->pipe = p;
    st->kind = kind;
    snprintf(st->name, sizeof st->name, "%s", name != NULL ? name : kind);
    if (n > 0) {
        st->targets = malloc(n * sizeof *st->targets);
        if (st->targets == NULL) {
            free(st);
            return NULL;
        }
        memcpy(st->targets, targets, n * sizeof *st->targets);
        st->ntargets = n;
    }
    return st;
}

int cf__stage_new(cf_pipe *p, size_t size, const char *kind, const char *name,
                  cf_coro *const *targets, size_t n, cf_step_fn step,
                  cf__stage **out)
{
    if (p == NULL || (n > 0 && targets == NULL))
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if (targets[i] == NULL)
            return -EINVAL;
    cf__stage *st = node_new(p, size, kind, name, targets, n);
    if (st == NULL)
        return -ENOMEM;
    if (cf_trace_enabled()) {
        st->traced = step;
        step = traced_step;
    }
    int rc =
        cf_handler_new(&st->co, step, st,
                       &(struct cf_coro_opts){.name = st->name, .prime = true});
    if (rc < 0) {
        free(st->targets);
        free(st);
        return rc;
    }
    link_node(p, st);
    *out = st;
    return 0;
}

cf__stage *cf__pipe_node(cf_pipe *p, const char *kind, const char *name,
                         cf_coro *target)
{
    cf__stage *st =
        node_new(p, sizeof *st, kind, name, &target, target != NULL ? 1 : 0);
    if (st != NULL)
        link_node(p, st);
    return st;
}

int cf_pipe_add(cf_pipe *p, cf_coro *co, cf_coro *const *targets, size_t n)
{
    /* `co` is taken over whatever the outcome: freed when this fails. */
    if (p == NULL || co == NULL || (n > 0 && targets == NULL)) {
        cf_coro_free(co);
        return -EINVAL;
    }
    cf__stage *st =
        node_new(p, sizeof *st, "stage", cf_coro_name(co), targets, n);
    if (st == NULL) {
        cf_coro_free(co);
        return -ENOMEM;
    }
    st->co = co;
    link_node(p, st);
    return 0;
}

const cf_pipe_trace_fn *cf__pipe_trace_hook(const cf_pipe *p)
{
    return &p->trace;
}

void cf__pipe_emit(const cf__stage *st, cf_pipe_event ev, cf_value v)
{
    cf__pipe_event(st, ev, v);
}

cf__stage *cf__pipe_find(const cf_pipe *p, const cf_coro *co)
{
    if (p == NULL || co == NULL)
        return NULL;
    for (cf__stage *st = p->head; st != NULL; st = st->next)
        if (st->co == co)
            return st;
    return NULL;
}

size_t cf_pipe_targets(const cf_pipe *p, const cf_coro *co,
                       cf_coro *const **targets)
{
    cf__stage *st = cf__pipe_find(p, co);
    if (targets != NULL)
        *targets = st != NULL ? st->targets : NULL;
    return st != NULL ? st->ntargets : 0;
}

void cf_pipe_trace(cf_pipe *p, cf_pipe_trace_fn fn, void *arg)
{
    if (p == NULL)
        return;
    p->trace = fn;
    p->trace_arg = arg;
}

void cf_pipe_on_warning(cf_pipe *p, cf_pipe_warn_fn fn, void *arg)
{
    if (p == NULL)
        return;
    p->warn = fn;
    p->warn_arg = arg;
}

uint64_t cf_pipe_warnings(const cf_pipe *p)
{
    return p != NULL ? p->warnings : 0;
}

void cf__pipe_warn(cf__stage *st, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cf_pipe *p = st->pipe;
    if (p != NULL)
        p->warnings++;
    if (p != NULL && p->warn != NULL)
        p->warn(p->warn_arg, st->name, msg);
    else
        fprintf(stderr, "coflow: pipe stage '%s': %s\n", st->name, msg);
}

int cf_pipe_result(const cf_pipe *p, const cf_coro *co, cf_value *out)
{
    if (p == NULL || co == NULL || out == NULL)
        return -EINVAL;
    cf__stage *st = cf__pipe_find(p, co);
    if (st == NULL)
        return -ENOENT;
    if (st->result == NULL)
        return -ENOTSUP;
    *out = st->result(st);
    return 0;
}

const char *cf_pipe_event_name(cf_pipe_event ev)
{
    static const char *const names[] = {"send",   "recv",  "pass",  "drop",
                                        "update", "close", "result"};
    return (unsigned)ev < sizeof names / sizeof names[0] ? names[ev] : "?";
}

/*
 * The error is replaced by a copy whose via chain ends with `name`: errors
 * are immutable once raised (someone may hold a reference). The copy keeps
 * the type, the message, the coroutine it came from, the context and the
 * cause; the chain is data (cf_error_via()), never parsed out of the text.
 */
cf_status cf__pipe_tag(const char *name)
{
    cf_error *e = cf_error_take();
    if (e == NULL)
        return CF_RAISED;
    cf_error *n = cf_error_via_add(e, 1, &name);
    if (n == e
        || (cf_error_is(n, &cf_memory_error)
            && !cf_error_is(e, &cf_memory_error))) {
        /* Out of memory: the shared MemoryError; keep the original. */
        cf_error_unref(n);
        cf__error_restore(e);
        return CF_RAISED;
    }
    cf__error_restore(n);
    cf_error_unref(e);
    return CF_RAISED;
}

cf_status cf__stage_thrown(cf__stage *st, cf_value *out)
{
    if (!cf_error_is(cf_error_last(), &cf_generator_exit))
        return CF_RAISED; /* through, as an uncaught exception */
    *out = cf_none();
    if (st->pipe->freeing)
        return CF_RETURNED;
    cf__pipe_event(st, CF_PIPE_CLOSE, cf_none());
    cf_error *first = NULL;
    cf_value r = cf_none();
    for (size_t i = 0; i < st->ntargets; i++) {
        if (cf_close(st->targets[i], &r) != CF_RAISED)
            continue;
        cf__pipe_tag(st->name);
        cf_error *e = cf_error_take();
        if (first == NULL)
            first = e;
        else
            cf_error_unref(e);
    }
    if (first != NULL) {
        cf__error_restore(first);
        return CF_RAISED;
    }
    if (st->result != NULL && st->ntargets == 0) { /* a reducer */
        *out = st->result(st);
        cf__pipe_event(st, CF_PIPE_RESULT, *out);
    } else if (st->ntargets == 1) {
        *out = r; /* a chain reports what its end reports */
    }
    return CF_RETURNED;
}

/* A DOT string: quotes and backslashes escaped, a newline as \n. */
static void dot_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s != '\0'; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static long node_index(const cf_pipe *p, const cf_coro *co)
{
    long i = 0;
    for (cf__stage *st = p->head; st != NULL; st = st->next, i++)
        if (st->co == co)
            return i;
    return -1;
}

int cf_pipe_write_dot(const cf_pipe *p, FILE *f)
{
    if (p == NULL || f == NULL)
        return -EINVAL;
    long i = 0, extra = 0;
    fputs("digraph pipe {\n    rankdir=LR;\n"
          "    node [shape=box, style=rounded, fontname=\"Helvetica\"];\n",
          f);
    for (cf__stage *st = p->head; st != NULL; st = st->next, i++) {
        char label[2 * CF__NAME_MAX + 8];
        snprintf(label, sizeof label, "%s\n(%s)", st->name, st->kind);
        fprintf(f, "    n%ld [label=", i);
        dot_str(f, label);
        fputs(st->co == NULL ? ", shape=ellipse];\n" : "];\n", f);
    }
    i = 0;
    for (cf__stage *st = p->head; st != NULL; st = st->next, i++) {
        for (size_t t = 0; t < st->ntargets; t++) {
            long j = node_index(p, st->targets[t]);
            if (j >= 0) {
                fprintf(f, "    n%ld -> n%ld;\n", i, j);
                continue;
            }
            fprintf(f, "    x%ld [label=", extra);
            dot_str(f, cf_coro_name(st->targets[t]));
            fprintf(f, ", style=dashed];\n    n%ld -> x%ld;\n", i, extra);
            extra++;
        }
    }
    fputs("}\n", f);
    return ferror(f) ? -EIO : 0;
}
