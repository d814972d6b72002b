/* SPDX-License-Identifier: MIT */
/*
 * tests/sax/events.c - the events a sax source sends (SEMANTICS item 67):
 * cosax.py's ('start', (name, attrs)), ('text', text), ('end', name), text
 * delivered whole whatever the chunking (buses2.py's text_collector done
 * by the source), a target that finishes or raises stops the parse
 * (items 61, 66), and the push parser's misuse.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <coflow/sax.h>

#include "support.h"

static void teardown(void)
{
    cf_error_clear();
}

TestSuite(sax, .init = trace_reset, .fini = teardown);

/*
 * A sink that writes each event to the trace as cosax.py's printer()
 * prints it, roughly: "start a{k=v};text 'x';end a;", and "close;" when
 * closed. It raises ValueError at a start tag named "boom", and returns
 * (finishes) with 42 at a start tag named "stop".
 */
static cf_status recorder(void *self, cf_op op, cf_value in, cf_value *out)
{
    (void)self;
    *out = cf_none();
    if (op == CF_OP_THROW) {
        if (cf_error_is(cf_error_last(), &cf_generator_exit)) {
            tracef("close;");
            *out = cf_str("closed");
            return CF_RETURNED;
        }
        return CF_RAISED;
    }
    const cf_sax_event *ev = cf_sax_event_of(in);
    if (ev == NULL)
        return CF_YIELDED; /* the priming next() */
    switch (ev->kind) {
    case CF_SAX_START:
        tracef("start %s", ev->name);
        if (ev->nattrs > 0) {
            tracef("{");
            for (size_t i = 0; i < ev->nattrs; i++)
                tracef("%s%s=%s", i > 0 ? "," : "", ev->attrs[2 * i],
                       ev->attrs[2 * i + 1]);
            tracef("}");
        }
        tracef(";");
        cr_assert_null(ev->attrs[2 * ev->nattrs]);
        if (strcmp(ev->name, "boom") == 0)
            return cf_fail(&cf_value_error, "boom");
        if (strcmp(ev->name, "stop") == 0) {
            *out = cf_int(42);
            return CF_RETURNED;
        }
        break;
    case CF_SAX_TEXT:
        cr_assert_eq(strlen(ev->text), ev->len, "text is NUL-terminated");
        tracef("text %s;", repr_of(cf_strn(ev->text, ev->len)));
        break;
    case CF_SAX_END:
        tracef("end %s;", ev->name);
        break;
    }
    return CF_YIELDED;
}

static cf_coro *sink;

static cf_coro *new_sink(void)
{
    sink = new_handler(recorder, NULL, "recorder", true);
    return sink;
}

static void free_sink(void)
{
    cf_coro_free(sink);
    sink = NULL;
}

static cf_status parse(const char *xml, const struct cf_sax_opts *o,
                       cf_value *out)
{
    return cf_sax_source_buffer(NULL, xml, strlen(xml), new_sink(), o, out);
}

/* cosax.py: each SAX callback becomes one event, in document order. */
Test(sax, events_in_order)
{
    cf_value r;
    cr_assert_eq(parse("<?xml version='1.0'?>\n<a x='1' y=\"two\">hi<b/>"
                       "there<!-- c --><c>&amp;&#65;<![CDATA[<raw>]]></c>"
                       "</a>\n",
                       NULL, &r),
                 CF_RETURNED);
    assert_trace("start a{x=1,y=two};text 'hi';start b;end b;"
                 "text 'there';start c;text '&A<raw>';end c;end a;close;");
    /* The close's result comes back, as the pipe sources hand it back. */
    cr_assert_str_eq(str_of(r), "closed");
    cr_assert_eq(cf_coro_state(sink), CF_CLOSED);
    free_sink();
}

Test(sax, kind_names_and_attr)
{
    cr_assert_str_eq(cf_sax_kind_name(CF_SAX_START), "start");
    cr_assert_str_eq(cf_sax_kind_name(CF_SAX_TEXT), "text");
    cr_assert_str_eq(cf_sax_kind_name(CF_SAX_END), "end");
    cr_assert_str_eq(cf_sax_kind_name((cf_sax_kind)7), "?");
    const char *attrs[] = {"id", "1831", "route", "22", NULL};
    cf_sax_event ev = {CF_SAX_START, "bus", attrs, 2, NULL, 0};
    cr_assert_str_eq(cf_sax_attr(&ev, "route"), "22");
    cr_assert_null(cf_sax_attr(&ev, "x"));
    ev.kind = CF_SAX_END;
    cr_assert_null(cf_sax_attr(&ev, "route"));
    cr_assert_null(cf_sax_event_of(cf_ptr(&ev, 1)));
    cr_assert_eq(cf_sax_event_of(cf_ptr(&ev, CF_SAX_EVENT)), &ev);
}

/*
 * Item 67: "the result does not depend on how the parser splits character
 * data". Pushed one byte at a time - splitting tags, entities and a
 * two-byte UTF-8 character - the events are the same as in one piece.
 */
Test(sax, text_whole_whatever_the_chunks)
{
    static const char xml[] = "<r><t>caf\xc3\xa9 &lt;x&gt; line\nnext</t>"
                              "<t><![CDATA[a]]>b&#x43;</t></r>";
    static const char want[] =
        "start r;start t;text 'caf\xc3\xa9 <x> line\\nnext';end t;"
        "start t;text 'abC';end t;end r;close;";
    cr_assert_eq(parse(xml, NULL, NULL), CF_RETURNED);
    assert_trace(want);
    free_sink();
    for (size_t chunk = 1; chunk <= 7; chunk++) {
        cr_assert_eq(
            parse(xml, &(struct cf_sax_opts){.chunk_size = chunk}, NULL),
            CF_RETURNED);
        assert_trace(want);
        free_sink();
    }
    cf_sax *s;
    cr_assert_eq(cf_sax_new(&s, NULL, new_sink(), NULL), 0);
    for (size_t i = 0; i < sizeof xml - 1; i++)
        cr_assert_eq(cf_sax_push(s, xml + i, 1, NULL), CF_YIELDED);
    cf_value r;
    cr_assert_eq(cf_sax_end(s, &r), CF_RETURNED);
    cr_assert_str_eq(str_of(r), "closed");
    assert_trace(want);
    cf_sax_free(s);
    free_sink();
}

/*
 * Checks each event's unused fields (NULL and 0 for what its kind does not
 * carry) and records the texts' lengths, checking that each text is
 * NUL-terminated and holds the document's pattern of 'x' and newline.
 */
struct text_lengths {
    size_t len[4];
    size_t n;
};

static cf_status lengths(void *self, cf_op op, cf_value in, cf_value *out)
{
    struct text_lengths *t = self;
    *out = cf_none();
    if (op == CF_OP_THROW)
        return cf_error_is(cf_error_last(), &cf_generator_exit) ? CF_RETURNED
                                                                : CF_RAISED;
    const cf_sax_event *ev = cf_sax_event_of(in);
    if (ev == NULL)
        return CF_YIELDED;
    if (ev->kind == CF_SAX_TEXT) {
        cr_assert(ev->name == NULL && ev->attrs == NULL && ev->nattrs == 0);
        cr_assert_eq(strlen(ev->text), ev->len);
        for (size_t i = 0; i < ev->len; i++)
            cr_assert_eq(ev->text[i], i % 64 == 63 ? '\n' : 'x');
        cr_assert_lt(t->n, 4);
        t->len[t->n++] = ev->len;
    } else {
        cr_assert(ev->name != NULL && ev->text == NULL && ev->len == 0);
        if (ev->kind == CF_SAX_END)
            cr_assert(ev->attrs == NULL && ev->nattrs == 0);
        else
            cr_assert(ev->attrs != NULL && ev->attrs[2 * ev->nattrs] == NULL);
    }
    return CF_YIELDED;
}

/*
 * Text is buffered in place until a tag sends it: runs of text around the
 * buffer's first size (4 KiB) and well past it, in pieces (expat splits
 * text at each newline) and in chunks that end anywhere, arrive whole.
 */
Test(sax, long_text_whole)
{
    static const size_t sizes[] = {4094, 4095, 4096, 4097, 20000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k], len = 0;
        char *xml = malloc(n + 64);
        cr_assert_not_null(xml);
        len += (size_t)sprintf(xml, "<r a='1'><t>");
        for (size_t i = 0; i < n; i++)
            xml[len++] = i % 64 == 63 ? '\n' : 'x';
        len += (size_t)sprintf(xml + len, "</t><e/>%s</r>", "xxx");
        for (size_t chunk = 0; chunk <= 4099; chunk += 1366) {
            struct text_lengths t = {{0}, 0};
            cf_coro *c = new_handler(lengths, &t, "lengths", true);
            cr_assert_eq(cf_sax_source_buffer(
                             NULL, xml, len, c,
                             &(struct cf_sax_opts){.chunk_size = chunk}, NULL),
                         CF_RETURNED);
            cr_assert_eq(t.n, 2);
            cr_assert_eq(t.len[0], n);
            cr_assert_eq(t.len[1], 3);
            cf_coro_free(c);
        }
        free(xml);
    }
}

/* split_text: the pieces as expat reports them (stages join them). */
Test(sax, split_text)
{
    cf_sax *s;
    cr_assert_eq(
        cf_sax_new(&s, NULL, new_sink(),
                   &(struct cf_sax_opts){.split_text = true, .max_text = 2}),
        0);
    cr_assert_eq(cf_sax_push(s, "<a>abc", 6, NULL), CF_YIELDED);
    cr_assert_eq(cf_sax_push(s, "def&amp;</a>", 12, NULL), CF_YIELDED);
    cr_assert_eq(cf_sax_end(s, NULL), CF_RETURNED);
    assert_trace("start a;text 'abc';text 'def';text '&';end a;close;");
    cf_sax_free(s);
    free_sink();
}

/* Item 61: a target that finishes stops the source, which returns its result. */
Test(sax, target_finishes)
{
    cf_value r;
    cr_assert_eq(parse("<a>x<stop/><after/>y</a>", NULL, &r), CF_RETURNED);
    cr_assert_eq(cf_to_int(r), 42);
    assert_trace("start a;text 'x';start stop;");
    cr_assert_eq(cf_coro_state(sink), CF_CLOSED);
    free_sink();
}

/*
 * Item 66: a target that raises stops the parse; its error comes back to
 * the caller, with its type and origin, and nothing more is sent. This
 * holds even when the rest of the document is malformed.
 */
Test(sax, target_raises)
{
    cr_assert_eq(parse("<a>x<boom/><after/></b>", NULL, NULL), CF_RAISED);
    assert_error("ValueError: boom");
    cr_assert_str_eq(cf_error_coro(cf_error_last()), "recorder");
    assert_trace("start a;text 'x';start boom;");
    free_sink();
}

/* A target that is a body coroutine raising: the same, through a switch. */
static cf_value raising_body(void *arg)
{
    (void)arg;
    for (int n = 0;; n++) {
        cf_yield(cf_none());
        if (n == 2)
            cf_raise(&cf_runtime_error, "third event");
    }
}

Test(sax, body_target_raises)
{
    cf_coro *co = new_coro(raising_body, NULL, "body", true);
    cf_sax *s;
    cr_assert_eq(cf_sax_new(&s, NULL, co, NULL), 0);
    cr_assert_eq(cf_sax_push(s, "<a><b>", 6, NULL), CF_YIELDED);
    cr_assert_eq(cf_sax_push(s, "</b></a>", 8, NULL), CF_RAISED);
    assert_error("RuntimeError: third event");
    cr_assert_str_eq(cf_error_coro(cf_error_last()), "body");
    /* The parser has finished: later calls are misuse. */
    cr_assert_eq(cf_sax_push(s, "x", 1, NULL), CF_RAISED);
    assert_error("ValueError: sax parser 'sax' has finished");
    cr_assert_eq(cf_sax_end(s, NULL), CF_RAISED);
    assert_error("ValueError: sax parser 'sax' has finished");
    cf_sax_free(s);
    cf_coro_free(co);
}

/* A target that pushes into the parser that is sending to it. */
static cf_sax *reentered;

static cf_status reenter(void *self, cf_op op, cf_value in, cf_value *out)
{
    (void)self;
    *out = cf_none();
    if (op == CF_OP_THROW)
        return CF_RAISED;
    if (cf_sax_event_of(in) == NULL)
        return CF_YIELDED;
    if (cf_sax_push(reentered, "<x/>", 4, NULL) == CF_RAISED)
        return CF_RAISED;
    return CF_YIELDED;
}

Test(sax, push_from_the_target)
{
    cf_coro *co = new_handler(reenter, NULL, "reenter", true);
    cr_assert_eq(cf_sax_new(&reentered, NULL, co,
                            &(struct cf_sax_opts){.name = "inner"}),
                 0);
    cr_assert_eq(cf_sax_push(reentered, "<a>", 3, NULL), CF_RAISED);
    assert_error("ValueError: sax parser 'inner' already parsing");
    cf_sax_free(reentered);
    cf_coro_free(co);
}

/*
 * A handler target is held (RUNNING) for each buffer expat parses and sent
 * each event by a call of its step; it is SUSPENDED again between pushes.
 * Held or not, it answers as a generator does: a send into itself from its
 * step is "already executing", and the events after it still arrive.
 */
static cf_coro *held;
static int held_events;

static cf_status held_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    (void)self;
    *out = cf_none();
    if (op == CF_OP_THROW)
        return CF_RAISED;
    const cf_sax_event *ev = cf_sax_event_of(in);
    if (ev == NULL)
        return CF_YIELDED;
    held_events++;
    cr_assert_eq(cf_coro_state(held), CF_RUNNING);
    if (ev->kind == CF_SAX_START && strcmp(ev->name, "self") == 0) {
        cf_value v;
        cr_assert_eq(cf_send(held, cf_none(), &v), CF_RAISED);
        assert_error("ValueError: generator already executing");
        cf_error_clear();
    }
    return CF_YIELDED;
}

Test(sax, handler_target_held_per_buffer)
{
    held = new_handler(held_step, NULL, "held", true);
    held_events = 0;
    cf_sax *s;
    cr_assert_eq(cf_sax_new(&s, NULL, held, NULL), 0);
    cr_assert_eq(cf_sax_push(s, "<a><self/>", 10, NULL), CF_YIELDED);
    cr_assert_eq(cf_coro_state(held), CF_SUSPENDED, "let go after the push");
    cr_assert_eq(held_events, 3, "start a, start self, end self");
    /* Sent to between pushes, as any handler. */
    cf_value v;
    cr_assert_eq(cf_send(held, cf_none(), &v), CF_YIELDED);
    cr_assert_eq(cf_sax_push(s, "<b/></a>", 8, NULL), CF_YIELDED);
    cr_assert_eq(held_events, 3 + 3, "start b, end b, end a");
    cf_value r;
    cr_assert_eq(cf_sax_end(s, &r), CF_RETURNED);
    cr_assert_eq(cf_coro_state(held), CF_CLOSED);
    cf_sax_free(s);
    cf_coro_free(held);
}

/* A handler target closed between pushes is not held (it is not
 * SUSPENDED): the next event is sent to it one by one, and a closed
 * generator answers a send as finished, with none (StopIteration). */
Test(sax, handler_target_closed_between_pushes)
{
    held = new_handler(held_step, NULL, "held", true);
    held_events = 0;
    cf_sax *s;
    cr_assert_eq(cf_sax_new(&s, NULL, held, NULL), 0);
    cr_assert_eq(cf_sax_push(s, "<a>", 3, NULL), CF_YIELDED);
    cr_assert_eq(cf_close(held, NULL), CF_RETURNED);
    cf_value r = cf_int(7);
    cr_assert_eq(cf_sax_push(s, "<b/>", 4, &r), CF_RETURNED);
    cr_assert(cf_is_none(r));
    cr_assert_eq(held_events, 1, "only start a reached the step");
    cf_sax_free(s);
    cf_coro_free(held);
}

Test(sax, bad_arguments)
{
    cf_sax *s;
    cr_assert_eq(cf_sax_new(NULL, NULL, new_sink(), NULL), -EINVAL);
    cr_assert_eq(cf_sax_new(&s, NULL, NULL, NULL), -EINVAL);
    cr_assert_eq(cf_sax_source_buffer(NULL, "<a/>", 4, NULL, NULL, NULL),
                 CF_RAISED);
    assert_error("ValueError: sax source: no target");
    cr_assert_eq(cf_sax_source_buffer(NULL, NULL, 4, sink, NULL, NULL),
                 CF_RAISED);
    assert_error("ValueError: sax source: no data");
    cr_assert_eq(
        cf_sax_source_path(NULL, "/nonexistent/x.xml", sink, NULL, NULL),
        CF_RAISED);
    assert_error("OSError: [Errno 2] No such file or directory: "
                 "'/nonexistent/x.xml'");
    cr_assert_eq(cf_sax_source_file(NULL, NULL, sink, NULL, NULL), CF_RAISED);
    assert_error("ValueError: sax source: no file");
    cr_assert_eq(cf_sax_push(NULL, "x", 1, NULL), CF_RAISED);
    cf_sax_free(NULL);
    /* None of that touched the target. */
    cr_assert_eq(cf_coro_state(sink), CF_SUSPENDED);
    assert_trace("");
    free_sink();
}

/*
 * Issue 15, item 10: input that opens but cannot be read - a directory, an
 * fd that is not open - is an OSError naming the path, as Python's
 * open(path).read() says it, and the target is closed, as for malformed
 * XML. (The directory once gave "[Errno 21] Is a directory" with no path
 * and left the target open.)
 */
Test(sax, unreadable_input_closes_target)
{
    cr_assert_eq(cf_sax_source_path(NULL, "/tmp", new_sink(), NULL, NULL),
                 CF_RAISED);
    assert_error("OSError: [Errno 21] Is a directory: '/tmp'");
    assert_trace("close;");
    cr_assert_eq(cf_coro_state(sink), CF_CLOSED);
    free_sink();
    cr_assert_eq(cf_sax_source_fd(NULL, 1000, new_sink(), NULL, NULL),
                 CF_RAISED);
    assert_error("OSError: [Errno 9] Bad file descriptor");
    assert_trace("close;");
    free_sink();
    /* no_close: the target is left as it is. */
    cr_assert_eq(cf_sax_source_path(NULL, "/tmp", new_sink(),
                                    &(struct cf_sax_opts){.no_close = true},
                                    NULL),
                 CF_RAISED);
    assert_error("OSError: [Errno 21] Is a directory: '/tmp'");
    assert_trace("");
    cr_assert_eq(cf_coro_state(sink), CF_SUSPENDED);
    free_sink();
}

/* The file sources: a FILE*, a path, an fd (a pipe, read in small chunks). */
Test(sax, file_sources)
{
    static const char xml[] = "<a><b>one</b><b>two</b></a>";
    const char *want = "start a;start b;text 'one';end b;start b;"
                       "text 'two';end b;end a;close;";
    FILE *f = tmpfile();
    fputs(xml, f);
    rewind(f);
    cr_assert_eq(cf_sax_source_file(NULL, f, new_sink(), NULL, NULL),
                 CF_RETURNED);
    assert_trace(want);
    free_sink();

    char path[] = "/tmp/cf_sax_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_eq(write(fd, xml, sizeof xml - 1), (ssize_t)sizeof xml - 1);
    close(fd);
    cr_assert_eq(cf_sax_source_path(NULL, path, new_sink(), NULL, NULL),
                 CF_RETURNED);
    assert_trace(want);
    free_sink();
    unlink(path);

    int pfd[2];
    cr_assert_eq(pipe(pfd), 0);
    cr_assert_eq(write(pfd[1], xml, sizeof xml - 1), (ssize_t)sizeof xml - 1);
    close(pfd[1]);
    cr_assert_eq(cf_sax_source_fd(NULL, pfd[0], new_sink(),
                                  &(struct cf_sax_opts){.chunk_size = 3}, NULL),
                 CF_RETURNED);
    assert_trace(want);
    free_sink();
    close(pfd[0]);
    fclose(f);
}

/* In a graph: the source is traced and drawn as a node named by `name`. */
static void tracer(void *arg, const char *stage, cf_pipe_event ev, cf_value v)
{
    (void)arg;
    const cf_sax_event *e = cf_sax_event_of(v);
    tracef("%s %s %s;", stage, cf_pipe_event_name(ev),
           e != NULL ? cf_sax_kind_name(e->kind) : repr_of(v));
}

Test(sax, traced_in_a_graph)
{
    cf_pipe *p;
    cf_coro *count;
    cf_value r;
    cr_assert_eq(cf_pipe_new(&p), 0);
    cr_assert_eq(cf_pipe_count(p, &count, "count"), 0);
    cf_pipe_trace(p, tracer, NULL);
    cr_assert_eq(cf_sax_source_buffer(p, "<a>x</a>", 8, count,
                                      &(struct cf_sax_opts){.name = "xml"}, &r),
                 CF_RETURNED);
    cr_assert_eq(cf_to_int(r), 3);
    assert_trace("xml send start;count recv start;xml send text;"
                 "count recv text;xml send end;count recv end;xml close None;"
                 "count close None;count result 3;");
    char *dot = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&dot, &len);
    cr_assert_eq(cf_pipe_write_dot(p, f), 0);
    fclose(f);
    cr_assert(strstr(dot, "xml\\n(sax)") != NULL, "%s", dot);
    free(dot);
    cf_pipe_free(p);
}
