/* SPDX-License-Identifier: MIT */
/*
 * tests/sax/encodings.c - XML in any encoding pyexpat reads (issue 19):
 * real documents in windows-1250, ISO-8859-2 and Shift_JIS, declared or
 * given as an option (pyexpat's ParserCreate(encoding=...)), parsed from
 * tests/data/encodings/ and printed event by event; the text must be
 * byte for byte pyexpat's events, which tests/data/encodings/make.py
 * wrote (Python 3.11's pyexpat; for Shift_JIS, which pyexpat refuses as
 * multibyte, its events on the document decoded by Python's codec).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <coflow/sax.h>

#include "support.h"

#define DIR "tests/data/encodings/"

TestSuite(sax_encodings, .fini = cf_error_clear);

static void put_esc(FILE *f, const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '\\')
            fputs("\\\\", f);
        else if (*s == '\n')
            fputs("\\n", f);
        else if (*s == '\t')
            fputs("\\t", f);
        else
            fputc(*s, f);
    }
}

/* Prints each event as make.py prints pyexpat's. */
static cf_status dump(void *self, cf_op op, cf_value in, cf_value *out)
{
    FILE *f = self;
    *out = cf_none();
    if (op == CF_OP_THROW)
        return cf_error_is(cf_error_last(), &cf_generator_exit) ? CF_RETURNED
                                                                : CF_RAISED;
    const cf_sax_event *ev = cf_sax_event_of(in);
    if (ev == NULL)
        return CF_YIELDED;
    fputs(cf_sax_kind_name(ev->kind), f);
    fputc(' ', f);
    if (ev->kind == CF_SAX_TEXT) {
        put_esc(f, ev->text);
    } else {
        put_esc(f, ev->name);
        for (size_t i = 0; i < 2 * ev->nattrs; i += 2) {
            fputc(' ', f);
            put_esc(f, ev->attrs[i]);
            fputc('=', f);
            put_esc(f, ev->attrs[i + 1]);
        }
    }
    fputc('\n', f);
    return CF_YIELDED;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    char *buf = NULL;
    size_t cap = 0;
    FILE *m = open_memstream(&buf, &cap);
    int c;
    while ((c = fgetc(f)) != EOF)
        fputc(c, m);
    fclose(f);
    fclose(m);
    *len = cap;
    return buf;
}

/* Parses DIR/name.xml (in chunks of `chunk` bytes) and compares. */
static void check_doc(const char *name, const char *encoding, size_t chunk)
{
    char path[256], want_path[256];
    snprintf(path, sizeof path, DIR "%s.xml", name);
    snprintf(want_path, sizeof want_path, DIR "%s.events", name);
    char *got = NULL;
    size_t got_len = 0;
    FILE *f = open_memstream(&got, &got_len);
    cf_coro *co;
    cr_assert_eq(
        cf_handler_new(&co, dump, f, &(struct cf_coro_opts){.prime = true}), 0);
    struct cf_sax_opts o = {.encoding = encoding, .chunk_size = chunk};
    cf_status st = cf_sax_source_path(NULL, path, co, &o, NULL);
    fclose(f);
    cr_assert_eq(st, CF_RETURNED, "%s: %s", name, err_text());
    size_t want_len;
    char *want = slurp(want_path, &want_len);
    cr_assert(got_len == want_len && memcmp(got, want, got_len) == 0,
              "%s (chunks of %zu): events differ from pyexpat's\n--- "
              "pyexpat\n%s--- coflow\n%s",
              name, chunk, want, got);
    free(got);
    free(want);
    cf_coro_free(co);
}

/* A single-byte encoding expat does not know, declared: the map alone. */
Test(sax_encodings, windows_1250)
{
    check_doc("czech-windows-1250", NULL, 0);
    check_doc("czech-windows-1250", NULL, 7);
}

Test(sax_encodings, iso_8859_2)
{
    check_doc("czech-iso-8859-2", NULL, 0);
    check_doc("polish-iso-8859-2", NULL, 1);
}

/* Multibyte: lead bytes in the map, each sequence through iconv. */
Test(sax_encodings, shift_jis)
{
    check_doc("japanese-shift_jis", NULL, 0);
    check_doc("japanese-shift_jis", NULL, 3); /* sequences cut by chunks */
}

/*
 * No declaration: the encoding option says what it is (pyexpat's
 * ParserCreate(encoding="windows-1250")); without it the bytes are not
 * UTF-8, which is an error at the first one.
 */
Test(sax_encodings, encoding_option)
{
    check_doc("polish-windows-1250-undeclared", "windows-1250", 0);
    cf_coro *co;
    FILE *devnull = fopen("/dev/null", "w");
    cr_assert_eq(cf_handler_new(&co, dump, devnull,
                                &(struct cf_coro_opts){.prime = true}),
                 0);
    cr_assert_eq(cf_sax_source_path(NULL,
                                    DIR "polish-windows-1250-undeclared.xml",
                                    co, NULL, NULL),
                 CF_RAISED);
    assert_error("ExpatError: not well-formed (invalid token): line 2, "
                 "column 17"); /* pyexpat's words and place */
    cf_coro_free(co);
    /* The option overrides a declaration, as in pyexpat. */
    const char doc[] = "<?xml version='1.0' encoding='ISO-8859-2'?>"
                       "<a b='\x9a'/>";
    cr_assert_eq(cf_handler_new(&co, dump, devnull,
                                &(struct cf_coro_opts){.prime = true}),
                 0);
    cr_assert_eq(cf_sax_source_buffer(
                     NULL, doc, sizeof doc - 1, co,
                     &(struct cf_sax_opts){.encoding = "windows-1250"}, NULL),
                 CF_RETURNED, "%s", err_text());
    cf_coro_free(co);
    fclose(devnull);
}

/*
 * An encoding neither expat nor iconv knows: expat's error (pyexpat says
 * "unknown encoding: x-no-such", its codec lookup's LookupError).
 */
Test(sax_encodings, unknown_encoding)
{
    FILE *devnull = fopen("/dev/null", "w");
    cf_coro *co;
    cr_assert_eq(cf_handler_new(&co, dump, devnull,
                                &(struct cf_coro_opts){.prime = true}),
                 0);
    const char doc[] = "<?xml version='1.0' encoding='x-no-such'?><a/>";
    cr_assert_eq(
        cf_sax_source_buffer(NULL, doc, sizeof doc - 1, co, NULL, NULL),
        CF_RAISED);
    assert_error("ExpatError: unknown encoding: line 1, column 30");
    cf_coro_free(co);
    fclose(devnull);
}
