/* SPDX-License-Identifier: MIT */
/*
 * tests/sax/malformed.c - malformed XML: truncated, bad nesting, invalid
 * bytes, a 100 MB text node. Each stops the source with Python's
 * ExpatError text and its position ("mismatched tag: line 1, column 8",
 * as xml.parsers.expat words it), after every earlier event was delivered,
 * and closes the target (SEMANTICS item 67; pyexpat's Parse()).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <coflow/sax.h>

#include "support.h"

static void teardown(void)
{
    cf_error_clear();
}

TestSuite(sax_malformed, .init = trace_reset, .fini = teardown);

/* Records events and the close; counts text bytes without tracing them. */
struct rec {
    size_t text_bytes;
    bool raise_on_close;
};

static cf_status recorder(void *self, cf_op op, cf_value in, cf_value *out)
{
    struct rec *r = self;
    *out = cf_none();
    if (op == CF_OP_THROW) {
        if (!cf_error_is(cf_error_last(), &cf_generator_exit))
            return CF_RAISED;
        tracef("close;");
        if (r->raise_on_close)
            return cf_fail(&cf_runtime_error, "close failed");
        return CF_RETURNED;
    }
    const cf_sax_event *ev = cf_sax_event_of(in);
    if (ev == NULL)
        return CF_YIELDED;
    if (ev->kind == CF_SAX_TEXT) {
        r->text_bytes += ev->len;
        if (ev->len < 40)
            tracef("text %s;", repr_of(cf_strn(ev->text, ev->len)));
        else
            tracef("text (%zu bytes);", ev->len);
    } else {
        tracef("%s %s;", cf_sax_kind_name(ev->kind), ev->name);
    }
    return CF_YIELDED;
}

static struct rec rec;
static cf_coro *sink;

static cf_status parse(const char *xml, size_t len)
{
    memset(&rec, 0, sizeof rec);
    sink = new_handler(recorder, &rec, "recorder", true);
    return cf_sax_source_buffer(NULL, xml, len, sink, NULL, NULL);
}

static void done(void)
{
    cr_assert_eq(cf_coro_state(sink), CF_CLOSED, "the target is closed");
    cf_coro_free(sink);
}

/*
 * Truncated documents: pyexpat says "no element found" at the end of the
 * input when the root is not closed, "unclosed token" inside a tag.
 */
Test(sax_malformed, truncated)
{
    static const char xml[] = "<a>\n  <b>one</b>\n  <b>tw";
    cr_assert_eq(parse(xml, sizeof xml - 1), CF_RAISED);
    assert_error("ExpatError: no element found: line 3, column 7");
    cr_assert(cf_error_is(cf_error_last(), &cf_sax_error));
    cr_assert(cf_error_is(cf_error_last(), &cf_exception));
    /* Every event before the error; the unfinished text is not one. */
    assert_trace("start a;text '\\n  ';start b;text 'one';end b;"
                 "text '\\n  ';start b;close;");
    done();

    cr_assert_eq(parse("<a><b x='1", 10), CF_RAISED);
    assert_error("ExpatError: unclosed token: line 1, column 3");
    assert_trace("start a;close;");
    done();

    cr_assert_eq(parse("", 0), CF_RAISED);
    assert_error("ExpatError: no element found: line 1, column 0");
    assert_trace("close;");
    done();
}

/* The push parser: the end of a truncated document is the error. */
Test(sax_malformed, truncated_push)
{
    cf_sax *s;
    memset(&rec, 0, sizeof rec);
    sink = new_handler(recorder, &rec, "recorder", true);
    cr_assert_eq(cf_sax_new(&s, NULL, sink, NULL), 0);
    cr_assert_eq(cf_sax_push(s, "<a><b>x</b>", 11, NULL), CF_YIELDED);
    cr_assert_eq(cf_sax_end(s, NULL), CF_RAISED);
    assert_error("ExpatError: no element found: line 1, column 11");
    assert_trace("start a;start b;text 'x';end b;close;");
    cf_sax_free(s);
    done();
}

/* Bad nesting: "mismatched tag" where the wrong end tag starts. */
Test(sax_malformed, bad_nesting)
{
    static const char xml[] = "<buses>\n<bus><id>1</bus></id>\n</buses>";
    cr_assert_eq(parse(xml, sizeof xml - 1), CF_RAISED);
    assert_error("ExpatError: mismatched tag: line 2, column 12");
    assert_trace("start buses;text '\\n';start bus;start id;close;");
    done();

    cr_assert_eq(parse("<a/><b/>", 8), CF_RAISED);
    assert_error("ExpatError: junk after document element: line 1, column 4");
    assert_trace("start a;end a;close;");
    done();
}

/* Invalid bytes: a control character, a NUL, broken UTF-8. */
Test(sax_malformed, invalid_bytes)
{
    cr_assert_eq(parse("<a>ok\x01</a>", 10), CF_RAISED);
    assert_error("ExpatError: not well-formed (invalid token): line 1, "
                 "column 5");
    assert_trace("start a;close;");
    done();

    cr_assert_eq(parse("<a>\n\n  x\0y</a>", 14), CF_RAISED);
    assert_error("ExpatError: not well-formed (invalid token): line 3, "
                 "column 3");
    done();

    cr_assert_eq(parse("<a>\xff\xfe</a>", 9), CF_RAISED);
    assert_error("ExpatError: not well-formed (invalid token): line 1, "
                 "column 3");
    done();

    cr_assert_eq(parse("<a>caf\xc3</a>", 11), CF_RAISED);
    assert_error("ExpatError: not well-formed (invalid token): line 1, "
                 "column 6");
    trace_reset();
    done();

    cr_assert_eq(parse("<\xc3\xa9 =>", 7), CF_RAISED);
    cr_assert(cf_error_is(cf_error_last(), &cf_sax_error));
    cr_assert(strstr(err_text(), ": line 1, column ") != NULL, "%s",
              err_text());
    done();
}

/* A close that raises after malformed XML: its error comes back instead. */
Test(sax_malformed, close_raises)
{
    memset(&rec, 0, sizeof rec);
    rec.raise_on_close = true;
    sink = new_handler(recorder, &rec, "recorder", true);
    cr_assert_eq(cf_sax_source_buffer(NULL, "<a></b>", 7, sink, NULL, NULL),
                 CF_RAISED);
    assert_error("RuntimeError: close failed");
    /*
     * As Python's `except ExpatError: target.close(); raise` gives it: the
     * close's error, raised while handling the GeneratorExit of the close.
     */
    cr_assert(
        cf_error_is(cf_error_context(cf_error_last()), &cf_generator_exit));
    assert_trace("start a;close;");
    cf_coro_free(sink);
}

/* no_close: the target is left alone after malformed XML. */
Test(sax_malformed, no_close)
{
    memset(&rec, 0, sizeof rec);
    sink = new_handler(recorder, &rec, "recorder", true);
    cr_assert_eq(cf_sax_source_buffer(NULL, "<a></b>", 7, sink,
                                      &(struct cf_sax_opts){.no_close = true},
                                      NULL),
                 CF_RAISED);
    assert_error("ExpatError: mismatched tag: line 1, column 5");
    assert_trace("start a;");
    cr_assert_eq(cf_coro_state(sink), CF_SUSPENDED);
    cf_coro_free(sink);
}

/*
 * A 100 MB text node, generated in pieces and pushed: the source stops it
 * at max_text (CF_SAX_TEXT_MAX, 16 MiB, by default) with an error naming
 * the position, so memory stays bounded and the run short; with
 * split_text it is streamed whole, 100 MB through a bounded buffer.
 */
#define BIG_TEXT  ((size_t)100 << 20)
#define BIG_PIECE ((size_t)1 << 20)

static cf_status push_big(cf_sax *s)
{
    char *piece = malloc(BIG_PIECE);
    memset(piece, 'x', BIG_PIECE);
    for (size_t i = 0; i < BIG_PIECE; i += 80)
        piece[i] = '\n';
    cf_status st = cf_sax_push(s, "<big>", 5, NULL);
    for (size_t sent = 0; st == CF_YIELDED && sent < BIG_TEXT;
         sent += BIG_PIECE)
        st = cf_sax_push(s, piece, BIG_PIECE, NULL);
    if (st == CF_YIELDED)
        st = cf_sax_push(s, "</big>", 6, NULL);
    if (st == CF_YIELDED)
        st = cf_sax_end(s, NULL);
    free(piece);
    return st;
}

Test(sax_malformed, text_node_100mb, .timeout = 60)
{
    cf_sax *s;
    memset(&rec, 0, sizeof rec);
    sink = new_handler(recorder, &rec, "recorder", true);
    cr_assert_eq(cf_sax_new(&s, NULL, sink, NULL), 0);
    clock_t t0 = clock();
    cr_assert_eq(push_big(s), CF_RAISED);
    cr_assert(cf_error_is(cf_error_last(), &cf_sax_error));
    /*
     * Text byte 16777216 (from 0), the first past the limit, is the '\n'
     * that starts the 17th piece: line 1 + 16 * 13108 (the newlines of 16
     * pieces), column 15 (its line began after the newline 16 bytes
     * before the end of the 16th piece).
     */
    assert_error("ExpatError: text longer than 16777216 bytes: "
                 "line 209729, column 15");
    assert_trace("start big;close;");
    cr_assert_eq(rec.text_bytes, 0);
    cr_assert_lt((double)(clock() - t0) / CLOCKS_PER_SEC, 20.0);
    cf_sax_free(s);
    done();
}

Test(sax_malformed, text_node_100mb_streamed, .timeout = 60)
{
    cf_sax *s;
    memset(&rec, 0, sizeof rec);
    sink = new_handler(recorder, &rec, "recorder", true);
    cr_assert_eq(
        cf_sax_new(&s, NULL, sink, &(struct cf_sax_opts){.split_text = true}),
        0);
    cr_assert_eq(push_big(s), CF_RETURNED);
    cr_assert_eq(rec.text_bytes, BIG_TEXT);
    cf_sax_free(s);
    done();
}

/* A smaller limit, and text over it in a document read from a file. */
Test(sax_malformed, max_text_option)
{
    memset(&rec, 0, sizeof rec);
    sink = new_handler(recorder, &rec, "recorder", true);
    FILE *f = tmpfile();
    fputs("<a>\n<b>0123456789</b><b>0123456789X</b></a>", f);
    rewind(f);
    cr_assert_eq(cf_sax_source_file(NULL, f, sink,
                                    &(struct cf_sax_opts){.max_text = 10},
                                    NULL),
                 CF_RAISED);
    /* The position of the piece of text that went past the limit. */
    assert_error("ExpatError: text longer than 10 bytes: line 2, column 20");
    assert_trace("start a;text '\\n';start b;text '0123456789';end b;"
                 "start b;close;");
    fclose(f);
    done();
}
