/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/sax_fuzz.c - libFuzzer target for the sax source: random
 * bytes, fed whole or pushed in random pieces, into a handler or a body
 * coroutine that checks every event and may raise or finish part way.
 * Whatever the input, the source must return CF_RETURNED or CF_RAISED
 * with a sensible error, never crash, leak or send a malformed event.
 *
 * The first two bytes choose the options; the rest is the document, which
 * is copied to the end of a guarded page (tests/guarded.h) so that a read
 * past it faults. `make check-sax-fuzz` runs it for a short time (part of
 * `make test`); `make fuzz` for minutes (FUZZ_SECONDS).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <coflow.h>
#include <coflow/sax.h>

#include "../guarded.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(c)                                                               \
    do {                                                                       \
        if (!(c)) {                                                            \
            fprintf(stderr, "sax_fuzz: %s:%d: %s\n", __FILE__, __LINE__, #c);  \
            abort();                                                           \
        }                                                                      \
    } while (0)

struct sink {
    unsigned long events, stop_at; /* 0: never */
    bool raise;                    /* at stop_at: raise, else finish */
    int depth;
    char open[64][32]; /* the names of the open elements (truncated) */
    bool closed;
};

/* Checks one event; returns CF_YIELDED, or raises / finishes at stop_at. */
static cf_status take(struct sink *s, cf_value in, cf_value *out)
{
    *out = cf_none();
    const cf_sax_event *ev = cf_sax_event_of(in);
    if (ev == NULL) {
        check(cf_is_none(in)); /* the priming next() */
        return CF_YIELDED;
    }
    s->events++;
    switch (ev->kind) {
    case CF_SAX_START:
        check(ev->name != NULL && ev->attrs != NULL && ev->text == NULL);
        for (size_t i = 0; i < 2 * ev->nattrs; i++)
            check(ev->attrs[i] != NULL);
        check(ev->attrs[2 * ev->nattrs] == NULL);
        if (s->depth < 64)
            snprintf(s->open[s->depth], sizeof s->open[0], "%s", ev->name);
        s->depth++;
        break;
    case CF_SAX_TEXT:
        check(ev->name == NULL && ev->text != NULL && ev->len > 0);
        check(strlen(ev->text) == ev->len);
        check(s->depth > 0);
        break;
    case CF_SAX_END:
        check(ev->name != NULL && s->depth > 0);
        s->depth--;
        if (s->depth < 64)
            check(strncmp(s->open[s->depth], ev->name, sizeof s->open[0] - 1)
                  == 0);
        break;
    default:
        check(0);
    }
    if (s->events == s->stop_at) {
        if (s->raise)
            return cf_fail(&cf_value_error, "stop at %lu", s->stop_at);
        *out = cf_int(7);
        return CF_RETURNED;
    }
    return CF_YIELDED;
}

static cf_status step(void *self, cf_op op, cf_value in, cf_value *out)
{
    struct sink *s = self;
    if (op == CF_OP_THROW) {
        *out = cf_none();
        if (!cf_error_is(cf_error_last(), &cf_generator_exit))
            return CF_RAISED;
        s->closed = true;
        *out = cf_int((int64_t)s->events);
        return CF_RETURNED;
    }
    return take(s, in, out);
}

static cf_value body(void *arg)
{
    struct sink *s = arg;
    cf_value in = cf_none(), out;
    for (;;) {
        cf_status st = take(s, in, &out);
        if (st == CF_RAISED)
            cf_reraise();
        if (st == CF_RETURNED)
            return out;
        if (cf_yield_catch(cf_none(), &in) == CF_RAISED) {
            if (!cf_error_is(cf_error_last(), &cf_generator_exit))
                cf_reraise();
            cf_error_clear();
            s->closed = true;
            return cf_int((int64_t)s->events);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t a = data[0], b = data[1];
    data += 2;
    size -= 2;
    guarded g;
    data = guarded_copy(&g, data, size);
    check(data != NULL);
    struct sink s;
    memset(&s, 0, sizeof s);
    s.stop_at = (a & 0x08) ? b % 32 + 1 : 0;
    s.raise = (a & 0x10) != 0;
    struct cf_sax_opts o = {
        .split_text = (a & 0x02) != 0,
        .no_close = (a & 0x04) != 0,
        .max_text = (a & 0x20) ? (size_t)(b % 16) + 1 : 0,
        .chunk_size = (size_t)(b % 7) + 1,
    };
    if (a & 0x80) { /* small limits, and an encoding given */
        o.max_token = (size_t)b * 8 + 1;
        o.max_depth = (size_t)(b % 8) + 1;
        o.encoding = (b & 0x40)   ? "Shift_JIS"
                     : (b & 0x80) ? "windows-1250"
                                  : NULL;
    }
    cf_coro *co;
    int rc =
        (a & 0x01)
            ? cf_coro_new(&co, body, &s,
                          &(struct cf_coro_opts){.name = "body", .prime = true})
            : cf_handler_new(
                &co, step, &s,
                &(struct cf_coro_opts){.name = "handler", .prime = true});
    check(rc == 0);

    cf_value r = cf_none();
    cf_status st;
    if (a & 0x40) {
        st = cf_sax_source_buffer(NULL, data, size, co, &o, &r);
    } else {
        /* Pushed in pieces of 1..8 bytes, sizes taken from the document. */
        cf_sax *p;
        check(cf_sax_new(&p, NULL, co, &o) == 0);
        size_t at = 0;
        st = CF_YIELDED;
        while (st == CF_YIELDED && at < size) {
            size_t n = (size_t)(data[at] % 8) + 1;
            if (n > size - at)
                n = size - at;
            st = cf_sax_push(p, data + at, n, &r);
            at += n;
        }
        if (st == CF_YIELDED)
            st = cf_sax_end(p, &r);
        check(st != CF_YIELDED);
        check(cf_sax_push(p, "x", 1, NULL) == CF_RAISED); /* finished */
        check(cf_error_is(cf_error_last(), &cf_value_error));
        cf_sax_free(p);
    }

    check(st == CF_RETURNED || st == CF_RAISED);
    if (st == CF_RAISED) {
        const cf_error *e = cf_error_last();
        check(e != NULL);
        if (cf_error_is(e, &cf_sax_error)) {
            check(strstr(cf_error_message(e), ": line ") != NULL);
            check(strstr(cf_error_message(e), ", column ") != NULL);
            check(s.closed != o.no_close);
        } else if (!(a & 0x40)) {
            check(cf_error_is(e, &cf_value_error)); /* our stop, or push */
        } else {
            check(cf_error_is(e, &cf_value_error)
                  && strncmp(cf_error_message(e), "stop at ", 8) == 0);
        }
    } else if (s.stop_at == 0 || s.events < s.stop_at) {
        /* A whole document: every element ended, the target closed. */
        check(s.depth == 0);
        check(s.closed != o.no_close);
    }
    cf_error_clear();
    cf_coro_free(co);
    guarded_free(&g);
    return 0;
}
