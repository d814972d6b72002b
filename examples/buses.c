/* SPDX-License-Identifier: MIT */
/*
 * buses - Beazley's bus pipeline (buses.py, coexpat.py; SEMANTICS item 67):
 * expat's events -> buses_to_dicts -> filter_on_field("route", ROUTE) ->
 * filter_on_field("direction", DIRECTION) -> bus_locations, which prints
 * `route,id,"direction",latitude,longitude` for each bus that passes.
 *
 *     buses [-r ROUTE] [-d DIRECTION] [-v] [-H] [-g DOT] [-t TRACE] [FILE]
 *
 * ROUTE defaults to 22, DIRECTION to "North Bound", FILE to the sample
 * examples/data/buses.xml ("-" is stdin); -v prints counts to stderr, -g
 * writes the pipeline's graph to DOT (Graphviz), -t a trace of the run to
 * TRACE (docs/trace.md: open it in ui.perfetto.dev). The Python it
 * mirrors:
 *
 *     expat_parse(open(FILE),
 *         buses_to_dicts(
 *             filter_on_field("route", "22",
 *                 filter_on_field("direction", "North Bound",
 *                     bus_locations()))))
 *
 * buses_to_dicts is a body coroutine, the two-state machine of slide 64:
 * state A waits for <bus>, state B collects the bus's child elements into a
 * record and sends the record on at </bus>. With -H it is a handler
 * instead (no stack, no switch: the state is a variable), which is what
 * bench/bus_xml times as `coflow`. The filters are the pipe layer's filter
 * stage with a predicate; bus_locations is a handler.
 *
 * bench/bus_xml.c times this same pipeline: it defines BUSES_NO_MAIN and
 * includes this file, and calls buses_run().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <coflow.h>
#include <coflow/pipe.h>
#include <coflow/sax.h>

/* The tag of a bus record value: cf_ptr(&record, BUS_RECORD). */
#define BUS_RECORD 0xB05u

/*
 * A bus: Python's dict of the bus's child elements, name -> text. Names and
 * texts live in one arena, reused from bus to bus; fields hold offsets
 * into it, since it may move as it grows. The text being collected (the
 * fragments, joined) lives at the arena's end, so that a field's text is
 * copied once: at the child's end only its name is added after it.
 */
struct bus {
    struct {
        size_t name, value;
    } * at;
    size_t n, cap;
    char *arena;
    size_t used, size;
};

/* Room for `more` bytes in the arena and one more field (the slow path). */
static bool bus_grow(struct bus *b, size_t more)
{
    if (b->used + more > b->size) {
        size_t size = b->size > 0 ? b->size : 1024;
        while (size < b->used + more)
            size *= 2;
        char *a = realloc(b->arena, size);
        if (a == NULL)
            return false;
        b->arena = a;
        b->size = size;
    }
    if (b->n == b->cap) {
        size_t cap = b->cap > 0 ? 2 * b->cap : 16;
        void *at = realloc(b->at, cap * sizeof *b->at);
        if (at == NULL)
            return false;
        b->at = at;
        b->cap = cap;
    }
    return true;
}

/*
 * a == b. The element names compared here are a few bytes long, so a loop
 * the compiler inlines beats a call to strcmp().
 */
static inline bool streq(const char *a, const char *b)
{
    while (*a == *b && *a != '\0') {
        a++;
        b++;
    }
    return *a == *b;
}

/*
 * memcpy(d, p, n). Texts and names here are mostly a few bytes long: up to
 * 32 bytes are copied with two overlapping fixed-size moves (no call).
 */
static inline void copy_short(char *d, const char *p, size_t n)
{
    if (n >= 8) {
        if (n > 32) {
            memcpy(d, p, n);
        } else if (n >= 16) {
            memcpy(d, p, 16);
            memcpy(d + n - 16, p + n - 16, 16);
        } else {
            memcpy(d, p, 8);
            memcpy(d + n - 8, p + n - 8, 8);
        }
    } else if (n >= 4) {
        memcpy(d, p, 4);
        memcpy(d + n - 4, p + n - 4, 4);
    } else if (n > 0) {
        d[0] = p[0];
        d[n / 2] = p[n / 2];
        d[n - 1] = p[n - 1];
    }
}

/* busdict.get(name): the text, or NULL. The last one set wins, as a dict. */
static const char *bus_get(const struct bus *b, const char *name)
{
    for (size_t i = b->n; i-- > 0;)
        if (streq(b->arena + b->at[i].name, name))
            return b->arena + b->at[i].value;
    return NULL;
}

/* ---- buses_to_dicts: a body coroutine ---- */

/*
 * The fragments (Python's list, joined as it goes) are `flen` bytes at the
 * arena's end, after `pre` bytes at `pre_at`: a child's end leaves its
 * text in the list, which the next start empties, but text that comes
 * before another start (the parent's own, after a nested child) joins it.
 */
struct to_dicts {
    cf_coro *target;
    struct bus bus;
    size_t flen;        /* fragments at bus.arena + bus.used */
    size_t pre_at, pre; /* the fragments' head: the last field's text */
    long buses;         /* records sent */
    bool in_bus;        /* the handler's state: B, else A */
};

/* fragments = [] */
static inline void frag_clear(struct to_dicts *d)
{
    d->flen = 0;
    d->pre = 0;
}

/* fragments.append(text) */
static inline bool frag_add(struct to_dicts *d, const char *s, size_t len)
{
    struct bus *b = &d->bus;
    size_t at = b->used + d->flen;
    if (at + len > b->size && !bus_grow(b, d->flen + len))
        return false;
    copy_short(b->arena + at, s, len);
    d->flen += len;
    return true;
}

/* busdict[name] = "".join(fragments): the text is already in place; the
   name goes after it. */
static bool bus_set(struct to_dicts *d, const char *name)
{
    struct bus *b = &d->bus;
    size_t nlen = strlen(name), pre = d->pre, len = pre + d->flen;
    size_t more = len + nlen + 2;
    if ((b->used + more > b->size || b->n == b->cap) && !bus_grow(b, more))
        return false;
    char *v = b->arena + b->used;
    if (pre > 0) { /* the head, from the last field */
        memmove(v + pre, v, d->flen);
        memcpy(v, b->arena + d->pre_at, pre);
    }
    v[len] = '\0';
    copy_short(v + len + 1, name, nlen + 1);
    b->at[b->n].value = b->used;
    b->at[b->n].name = b->used + len + 1;
    b->n++;
    d->pre_at = b->used; /* the list still holds this text */
    d->pre = len;
    d->flen = 0;
    b->used += more;
    return true;
}

/*
 * The next event, or NULL when an error was thrown in (a close's
 * GeneratorExit included: it is then the error being handled).
 */
static const cf_sax_event *next_event(void)
{
    cf_value v;
    if (cf_yield_catch(cf_none(), &v) == CF_RAISED)
        return NULL;
    return cf_sax_event_of(v);
}

static cf_value buses_to_dicts(void *arg)
{
    struct to_dicts *d = arg;
    const cf_sax_event *ev;
    for (;;) {
        if ((ev = next_event()) == NULL)
            break;
        if (ev->kind != CF_SAX_START || !streq(ev->name, "bus"))
            continue; /* state A */
        d->bus.n = d->bus.used = 0;
        frag_clear(d);
        for (;;) { /* state B */
            if ((ev = next_event()) == NULL)
                goto thrown;
            if (ev->kind == CF_SAX_START) {
                frag_clear(d);
            } else if (ev->kind == CF_SAX_TEXT) {
                if (!frag_add(d, ev->text, ev->len))
                    cf_raise(&cf_memory_error, NULL);
            } else if (!streq(ev->name, "bus")) {
                if (!bus_set(d, ev->name))
                    cf_raise(&cf_memory_error, NULL);
            } else {
                d->buses++;
                cf_value r;
                cf_status st =
                    cf_send(d->target, cf_ptr(&d->bus, BUS_RECORD), &r);
                if (st == CF_RAISED)
                    cf_reraise();
                if (st == CF_RETURNED)
                    return r; /* the rest of the pipeline has finished */
                break;
            }
        }
    }
thrown:
    /* except GeneratorExit: target.close() */
    if (!cf_error_is(cf_error_last(), &cf_generator_exit))
        cf_reraise();
    cf_error_clear();
    cf_value r;
    if (cf_close(d->target, &r) == CF_RAISED)
        cf_reraise();
    return r;
}

/* The end of a bus in the handler: target.send(busdict), back to state A. */
static cf_status bus_done(struct to_dicts *d, cf_value *out)
{
    d->in_bus = false;
    d->buses++;
    cf_status st = cf_send(d->target, cf_ptr(&d->bus, BUS_RECORD), out);
    if (st == CF_YIELDED)
        *out = cf_none();
    return st;
}

/* An error thrown into the handler: except GeneratorExit: target.close() */
static cf_status to_dicts_thrown(struct to_dicts *d, cf_value *out)
{
    if (!cf_error_is(cf_error_last(), &cf_generator_exit))
        return CF_RAISED;
    return cf_close(d->target, out);
}

static cf_status no_memory(void)
{
    return cf_fail(&cf_memory_error, NULL);
}

/* A child's end in the handler: busdict[name] = "".join(fragments). */
static cf_status field_done(struct to_dicts *d, const char *name)
{
    return bus_set(d, name) ? CF_YIELDED : no_memory();
}

/* Text the handler's inline path did not take: long, or the arena full. */
static cf_status __attribute__((noinline))
text_slow(struct to_dicts *d, const char *s, size_t len)
{
    return frag_add(d, s, len) ? CF_YIELDED : no_memory();
}

/*
 * The same state machine as a handler (no stack, no switch): the state is
 * a variable instead of a place in the code. `buses -H` uses it. Each case
 * ends in a call or a return, so the common ones need no stack frame.
 */
static cf_status buses_to_dicts_step(void *self, cf_op op, cf_value in,
                                     cf_value *out)
{
    struct to_dicts *d = self;
    *out = cf_none();
    if (op == CF_OP_THROW)
        return to_dicts_thrown(d, out);
    const cf_sax_event *ev = cf_sax_event_of(in);
    if (ev == NULL)
        return CF_YIELDED;
    if (!d->in_bus) { /* state A */
        if (ev->kind == CF_SAX_START && streq(ev->name, "bus")) {
            d->in_bus = true;
            d->bus.n = d->bus.used = 0;
            frag_clear(d);
        }
        return CF_YIELDED;
    }
    switch (ev->kind) { /* state B */
    case CF_SAX_START:
        frag_clear(d);
        return CF_YIELDED;
    case CF_SAX_TEXT: {
        /* fragments.append(text): short text with room for it inline, the
           rest in a call (so that this path needs no stack frame) */
        size_t len = ev->len, at = d->bus.used + d->flen;
        if (len > 32 || at + len > d->bus.size)
            return text_slow(d, ev->text, len);
        copy_short(d->bus.arena + at, ev->text, len);
        d->flen += len;
        return CF_YIELDED;
    }
    case CF_SAX_END:
        if (streq(ev->name, "bus"))
            return bus_done(d, out);
        return field_done(d, ev->name);
    }
    return CF_YIELDED;
}

/* ---- filter_on_field: the pipe layer's filter with a predicate ---- */

struct field_is {
    const char *name, *value;
};

/* d.get(fieldname) == value */
static bool field_is(void *arg, cf_value v)
{
    const struct field_is *f = arg;
    const struct bus *b = cf_to_ptr(v, BUS_RECORD);
    const char *got = b != NULL ? bus_get(b, f->name) : NULL;
    return got != NULL && streq(got, f->value);
}

/* ---- bus_locations: a handler that prints ---- */

struct locations {
    FILE *out;
    long count;
};

static const char *field(const struct bus *b, const char *name)
{
    const char *s = bus_get(b, name);
    return s != NULL ? s : "";
}

static cf_status bus_locations(void *self, cf_op op, cf_value in, cf_value *out)
{
    struct locations *l = self;
    if (op == CF_OP_THROW) {
        if (!cf_error_is(cf_error_last(), &cf_generator_exit))
            return CF_RAISED;
        *out = cf_int(l->count); /* closed: report how many */
        return CF_RETURNED;
    }
    *out = cf_none();
    const struct bus *b = cf_to_ptr(in, BUS_RECORD);
    if (b == NULL)
        return CF_YIELDED; /* the priming next() */
    l->count++;
    if (fprintf(l->out, "%s,%s,\"%s\",%s,%s\n", field(b, "route"),
                field(b, "id"), field(b, "direction"), field(b, "latitude"),
                field(b, "longitude"))
        < 0)
        return cf_fail(&cf_os_error, "write error");
    return CF_YIELDED;
}

/* ---- the pipeline ---- */

/* -g: where buses_run() draws the pipeline (NULL: nowhere). */
static const char *buses_dot;

struct buses_stats {
    long buses;   /* bus records seen */
    long printed; /* lines printed */
};

/*
 * Runs the pipeline on `path` (NULL: the `len` bytes at `data`), printing
 * to `out`. Returns 0, or 1 after printing the error to stderr.
 */
static int buses_run(const char *path, const void *data, size_t len,
                     const char *route, const char *direction, bool handler,
                     FILE *out, struct buses_stats *stats)
{
    cf_pipe *p;
    cf_coro *locations, *by_direction, *by_route, *to_dicts;
    struct locations loc = {out, 0};
    struct to_dicts d;
    struct field_is want_route = {"route", route};
    struct field_is want_direction = {"direction", direction};
    cf_value r;
    cf_status st = CF_RAISED;

    memset(&d, 0, sizeof d);
    if (cf_pipe_new(&p) < 0)
        return 1;
    if (cf_handler_new(
            &locations, bus_locations, &loc,
            &(struct cf_coro_opts){.name = "bus_locations", .prime = true})
            < 0
        || cf_pipe_add(p, locations, NULL, 0) < 0
        || cf_pipe_filter(p, &by_direction, "filter_on_field direction",
                          field_is, &want_direction, locations)
               < 0
        || cf_pipe_filter(p, &by_route, "filter_on_field route", field_is,
                          &want_route, by_direction)
               < 0)
        goto done;
    d.target = by_route;
    const struct cf_coro_opts o = {.name = "buses_to_dicts", .prime = true};
    if ((handler ? cf_handler_new(&to_dicts, buses_to_dicts_step, &d, &o)
                 : cf_coro_new(&to_dicts, buses_to_dicts, &d, &o))
            < 0
        || cf_pipe_add(p, to_dicts, &by_route, 1) < 0)
        goto done;
    if (path != NULL)
        st = cf_sax_source_path(p, path, to_dicts, NULL, &r);
    else
        st = cf_sax_source_buffer(p, data, len, to_dicts, NULL, &r);
done:
    if (st == CF_RAISED) {
        if (cf_error_last() != NULL)
            cf_error_print(cf_error_last(), stderr);
        else
            fprintf(stderr, "buses: cannot build the pipeline\n");
        cf_error_clear();
    }
    if (stats != NULL) {
        stats->buses = d.buses;
        stats->printed = loc.count;
    }
    if (buses_dot != NULL) {
        FILE *f = fopen(buses_dot, "w");
        if (f == NULL || cf_pipe_write_dot(p, f) < 0 || fclose(f) != 0) {
            perror(buses_dot);
            st = CF_RAISED;
        }
    }
    cf_pipe_free(p);
    free(d.bus.at);
    free(d.bus.arena);
    return st == CF_RAISED;
}

#ifndef BUSES_NO_MAIN
int main(int argc, char **argv)
{
    const char *route = "22", *direction = "North Bound";
    const char *path = "examples/data/buses.xml";
    const char *trace = NULL;
    bool verbose = false, handler = false;
    int c;
    while ((c = getopt(argc, argv, "r:d:vHg:t:")) != -1) {
        switch (c) {
        case 'r':
            route = optarg;
            break;
        case 'd':
            direction = optarg;
            break;
        case 'v':
            verbose = true;
            break;
        case 'H':
            handler = true;
            break;
        case 'g':
            buses_dot = optarg;
            break;
        case 't':
            trace = optarg;
            break;
        default:
            fprintf(stderr, "usage: buses [-r ROUTE] [-d DIRECTION] [-v] [-H] "
                            "[-g DOT] [-t TRACE] [FILE]\n");
            return 2;
        }
    }
    if (optind < argc)
        path = argv[optind];
    int trc = trace != NULL ? cf_trace_start(trace) : 0;
    if (trc < 0) {
        fprintf(stderr, "buses: %s: %s\n", trace, strerror(-trc));
        return 1;
    }
    struct buses_stats stats = {0, 0};
    int rc =
        buses_run(path, NULL, 0, route, direction, handler, stdout, &stats);
    if (verbose)
        fprintf(stderr, "buses: %ld buses, %ld on route %s %s\n", stats.buses,
                stats.printed, route, direction);
    if (trace != NULL && (trc = cf_trace_stop()) < 0) {
        fprintf(stderr, "buses: %s: %s\n", trace, strerror(-trc));
        return 1;
    }
    return rc;
}
#endif
