/* SPDX-License-Identifier: MIT */
/*
 * tests/sax/hostile.c - hostile XML (issue 15, item 5): one large token
 * is fed to expat in doubling pieces, so expat 2.5 (which rescans an
 * unfinished token at every piece) is called a logarithmic number of
 * times, not once per piece; every kind of token has a limit (max_token)
 * and so has nesting (max_depth), each an ExpatError naming the option,
 * the source and the place, after which the target is closed.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/sax/internal.h"
#include "support.h"

TestSuite(sax_hostile, .fini = cf_error_clear);

struct seen {
    size_t attr_len, starts, depth, most, texts;
    bool attr_ok, closed;
};

static cf_status watch(void *self, cf_op op, cf_value in, cf_value *out)
{
    struct seen *w = self;
    *out = cf_none();
    if (op == CF_OP_THROW) {
        if (!cf_error_is(cf_error_last(), &cf_generator_exit))
            return CF_RAISED;
        w->closed = true;
        return CF_RETURNED;
    }
    const cf_sax_event *ev = cf_sax_event_of(in);
    if (ev == NULL)
        return CF_YIELDED;
    if (ev->kind == CF_SAX_START) {
        w->starts++;
        if (++w->depth > w->most)
            w->most = w->depth;
        const char *v = cf_sax_attr(ev, "b");
        if (v != NULL) {
            w->attr_len = strlen(v);
            w->attr_ok =
                w->attr_len > 0 && v[0] == 'x' && v[w->attr_len - 1] == 'y';
        }
    } else if (ev->kind == CF_SAX_END) {
        w->depth--;
    } else {
        w->texts++;
    }
    return CF_YIELDED;
}

static cf_coro *new_watch(struct seen *w)
{
    memset(w, 0, sizeof *w);
    cf_coro *co;
    cr_assert_eq(
        cf_handler_new(&co, watch, w,
                       &(struct cf_coro_opts){.name = "watch", .prime = true}),
        0);
    return co;
}

#define PIECE ((size_t)64 << 10)

/* Pushes `head`, `n` bytes of `fill` in 64 KiB pieces, then `tail`. */
static cf_status push_token(cf_sax *s, const char *head, size_t n, char fill,
                            const char *tail)
{
    char *piece = malloc(PIECE);
    memset(piece, fill, PIECE);
    piece[0] = 'x';
    cf_status st = cf_sax_push(s, head, strlen(head), NULL);
    for (size_t sent = 0; st == CF_YIELDED && sent < n; sent += PIECE) {
        size_t k = n - sent < PIECE ? n - sent : PIECE;
        if (sent + k == n)
            piece[k - 1] = 'y';
        st = cf_sax_push(s, piece, k, NULL);
        piece[0] = fill;
    }
    if (st == CF_YIELDED)
        st = cf_sax_push(s, tail, strlen(tail), NULL);
    if (st == CF_YIELDED)
        st = cf_sax_end(s, NULL);
    free(piece);
    return st;
}

/*
 * A 16 MiB attribute pushed in 256 pieces of 64 KiB: delivered whole, with
 * expat called a handful of times while inside it (the pieces gathered
 * into doubling runs), not 256 times, each rescanning the whole token
 * (0.55 / 1.5 / 7.6 s for 4 / 8 / 16 MiB before).
 */
Test(sax_hostile, big_attribute_costs_few_rescans)
{
    struct seen w;
    cf_coro *co = new_watch(&w);
    cf_sax *s;
    cr_assert_eq(cf_sax_new(&s, NULL, co, NULL), 0);
    cr_assert_eq(
        push_token(s, "<r>\n<a b=\"", (size_t)16 << 20, 'z', "\"/></r>"),
        CF_RETURNED, "%s", err_text());
    cr_assert_eq(w.attr_len, (size_t)16 << 20);
    cr_assert(w.attr_ok);
    cr_assert(w.closed);
    cr_assert_lt(s->parses, 24, "expat called %lu times", s->parses);
    cf_sax_free(s);
    cf_coro_free(co);
}

/*
 * Each kind of token over max_token: an attribute, a comment, a processing
 * instruction, a name. The error names the option and the source; the
 * place is the token's start; the target is closed.
 */
Test(sax_hostile, every_token_kind_has_a_limit)
{
    static const struct {
        const char *head, *tail, *want;
    } cases[] = {
        {"<r>\n<a b=\"", "\"/></r>",
         "ExpatError: token longer than 1048576 bytes (max_token) in sax "
         "source 'big': line 2, column 0"},
        {"<r>\n  <!--", "--></r>",
         "ExpatError: token longer than 1048576 bytes (max_token) in sax "
         "source 'big': line 2, column 2"},
        {"<r><?pi ", "?></r>",
         "ExpatError: token longer than 1048576 bytes (max_token) in sax "
         "source 'big': line 1, column 3"},
        {"<r><n", "/></r>",
         "ExpatError: token longer than 1048576 bytes (max_token) in sax "
         "source 'big': line 1, column 3"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct seen w;
        cf_coro *co = new_watch(&w);
        cf_sax *s;
        cr_assert_eq(cf_sax_new(&s, NULL, co,
                                &(struct cf_sax_opts){.name = "big",
                                                      .max_token = 1 << 20}),
                     0);
        cr_assert_eq(
            push_token(s, cases[i].head, (size_t)3 << 20, 'z', cases[i].tail),
            CF_RAISED);
        assert_error(cases[i].want);
        cr_assert(w.closed, "case %zu", i);
        cr_assert_eq(w.starts, 1);
        cf_sax_free(s);
        cf_coro_free(co);
    }
    /* Under the limit, the same tokens are fine. */
    struct seen w;
    cf_coro *co = new_watch(&w);
    cf_sax *s;
    cr_assert_eq(
        cf_sax_new(&s, NULL, co, &(struct cf_sax_opts){.max_token = 4 << 20}),
        0);
    cr_assert_eq(push_token(s, "<r>\n  <!--", (size_t)3 << 20, 'z', "--></r>"),
                 CF_RETURNED);
    cf_sax_free(s);
    cf_coro_free(co);
}

/* The same from a file source: read in doubling runs, refused alike. */
Test(sax_hostile, token_limit_in_a_file_source)
{
    FILE *f = tmpfile();
    fputs("<r>\n<a b=\"", f);
    static char zs[1024];
    memset(zs, 'z', sizeof zs);
    for (int i = 0; i < 3 << 10; i++)
        fwrite(zs, 1, sizeof zs, f);
    fputs("\"/></r>", f);
    rewind(f);
    struct seen w;
    cf_coro *co = new_watch(&w);
    cr_assert_eq(cf_sax_source_file(NULL, f, co,
                                    &(struct cf_sax_opts){.max_token = 1 << 20,
                                                          .chunk_size = 4096},
                                    NULL),
                 CF_RAISED);
    assert_error("ExpatError: token longer than 1048576 bytes (max_token) in "
                 "sax source 'sax': line 2, column 0");
    cr_assert(w.closed);
    rewind(f);
    cf_coro_free(co);
    co = new_watch(&w);
    cr_assert_eq(cf_sax_source_file(NULL, f, co,
                                    &(struct cf_sax_opts){.chunk_size = 4096},
                                    NULL),
                 CF_RETURNED, "%s", err_text());
    cr_assert_eq(w.attr_len, (size_t)3 << 20);
    cr_assert(w.closed);
    cf_coro_free(co);
    fclose(f);
}

/* `n` nested <e> elements in one document. */
static char *nested(size_t n, size_t *len)
{
    char *d = malloc(7 * n + 1);
    size_t at = 0;
    for (size_t i = 0; i < n; i++)
        at += (size_t)sprintf(d + at, "<e>");
    for (size_t i = 0; i < n; i++)
        at += (size_t)sprintf(d + at, "</e>");
    *len = at;
    return d;
}

/*
 * Nesting: 10,000 deep is fine by default, 10,001 is refused at the start
 * tag that goes past (1M deep once cost 142 MB); the option changes it.
 */
Test(sax_hostile, depth_limit)
{
    size_t len;
    char *d = nested(10001, &len);
    struct seen w;
    cf_coro *co = new_watch(&w);
    cr_assert_eq(cf_sax_source_buffer(NULL, d + 3, len - 7, co, NULL, NULL),
                 CF_RETURNED, "%s", err_text());
    cr_assert_eq(w.most, 10000);
    cf_coro_free(co);
    co = new_watch(&w);
    cr_assert_eq(cf_sax_source_buffer(NULL, d, len, co, NULL, NULL), CF_RAISED);
    assert_error("ExpatError: elements nested deeper than 10000 (max_depth) "
                 "in sax source 'sax': line 1, column 30000");
    cr_assert_eq(w.most, 10000);
    cr_assert(w.closed);
    cf_coro_free(co);
    co = new_watch(&w);
    cr_assert_eq(cf_sax_source_buffer(
                     NULL, d, len, co,
                     &(struct cf_sax_opts){.max_depth = 3, .name = "deep"},
                     NULL),
                 CF_RAISED);
    assert_error("ExpatError: elements nested deeper than 3 (max_depth) in "
                 "sax source 'deep': line 1, column 9");
    cr_assert_eq(w.most, 3);
    cf_coro_free(co);
    free(d);
}

/*
 * Inputs that held up before (issue 15), kept as tests: billion laughs is
 * refused by expat's amplification limit; an external entity (XXE) is
 * never loaded, its reference skipped.
 */
Test(sax_hostile, billion_laughs_and_xxe)
{
    char doc[2048] = "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY l0 'lol'>";
    for (int i = 1; i < 10; i++)
        snprintf(doc + strlen(doc), sizeof doc - strlen(doc),
                 "<!ENTITY l%d '&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;"
                 "&l%d;'>",
                 i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
                 i - 1, i - 1);
    strcat(doc, "]><lolz>&l9;</lolz>");
    struct seen w;
    cf_coro *co = new_watch(&w);
    cr_assert_eq(cf_sax_source_buffer(NULL, doc, strlen(doc), co, NULL, NULL),
                 CF_RAISED);
    cr_assert(cf_error_is(cf_error_last(), &cf_sax_error));
    cr_assert_not_null(strstr(err_text(), "amplification"), "%s", err_text());
    cr_assert(w.closed);
    cf_coro_free(co);

    static const char xxe[] =
        "<?xml version='1.0'?><!DOCTYPE r [<!ENTITY x SYSTEM "
        "'file:///etc/passwd'>]><r>&x;</r>";
    co = new_watch(&w);
    cr_assert_eq(
        cf_sax_source_buffer(NULL, xxe, sizeof xxe - 1, co, NULL, NULL),
        CF_RETURNED, "%s", err_text());
    cr_assert_eq(w.starts, 1); /* <r>, and no text from the file */
    cr_assert_eq(w.texts, 0);
    cf_coro_free(co);
}
