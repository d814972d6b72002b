/* SPDX-License-Identifier: MIT */
/*
 * tests/bridge/frame.c - hostile error frames (issue 15, item 1): the
 * frame decoder and the error it rebuilds, with every input at the end of
 * a guarded page so that a read past the message faults. The via chain is
 * a field of the frame and of the error: a message that looks like a chain
 * (" (via ')") is only a message.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../../src/bridge/internal.h"
#include "guarded.h"
#include "support.h"

TestSuite(bridge_frame, .fini = cf_error_clear);

/* [2, type, msg, "g"] or, with `nvia` names, [2, type, msg, "g", [via]]. */
static size_t error_frame(unsigned char *b, const char *type, const char *msg,
                          size_t nvia, const char *const *via)
{
    size_t n = 0;
    b[n++] = (unsigned char)(nvia > 0 ? 0x95 : 0x94);
    b[n++] = 0x02;
    const char *s[3] = {type, msg, "g"};
    for (int i = 0; i < 3; i++) {
        size_t len = strlen(s[i]);
        b[n++] = 0xd9;
        b[n++] = (unsigned char)len;
        memcpy(b + n, s[i], len);
        n += len;
    }
    if (nvia > 0) {
        b[n++] = (unsigned char)(0x90 | nvia);
        for (size_t i = 0; i < nvia; i++) {
            size_t len = strlen(via[i]);
            b[n++] = (unsigned char)(0xa0 | len);
            memcpy(b + n, via[i], len);
            n += len;
        }
    }
    return n;
}

/* Decodes the frame b[0..n) from a guarded page; 1, 0 or -1. */
static int decode_guarded(const unsigned char *b, size_t n, cf__frame *f,
                          guarded *g)
{
    const char *at = guarded_copy(g, b, n);
    cr_assert_not_null(at);
    cf__decoder d;
    cf__decoder_init(&d);
    size_t off = 0;
    int rc = cf__frame_decode(&d, at, n, &off, f);
    if (rc == 1) {
        cr_assert_eq(off, n);
        cf__bridge_raise_frame(f, "S");
    }
    cf__decoder_fini(&d);
    return rc;
}

/*
 * Messages shaped like the chain the message once carried: each comes back
 * as it was sent, whole, with the stage in the chain; the text printed is
 * the message then " (via 'S')". The first one read past the message (the
 * chain's length became (size_t)-1) and crashed at a page end.
 */
Test(bridge_frame, message_shaped_like_a_chain_is_only_a_message)
{
    static const char *msgs[] = {
        " (via ')",
        " (via '",
        "')",
        " (via '')",
        "x (via 'a' <- ')",
        "(via ')",
        "",
        " (via",
        "boom (via 'a' <- 'b')",
    };
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
        unsigned char b[256];
        size_t n = error_frame(b, "ValueError", msgs[i], 0, NULL);
        guarded g;
        cf__frame f;
        cr_assert_eq(decode_guarded(b, n, &f, &g), 1, "%s", msgs[i]);
        guarded_free(&g);
        const cf_error *e = cf_error_last();
        cr_assert(cf_error_is(e, &cf_value_error));
        cr_assert_str_eq(cf_error_message(e), msgs[i]);
        cr_assert_str_eq(cf_error_coro(e), "g");
        cr_assert_eq(cf_error_via_count(e), 1);
        cr_assert_str_eq(cf_error_via(e, 0), "S");
        char want[300];
        snprintf(want, sizeof want, "ValueError:%s%s (via 'S')",
                 msgs[i][0] != '\0' ? " " : "", msgs[i]);
        assert_error(want);
        cf_error_clear();
    }
}

/* The chain travels as an array of names; the stage is added after it. */
Test(bridge_frame, chain_is_a_field_of_the_frame)
{
    static const char *const via[] = {"a", "b' <- 'c", ""};
    unsigned char b[256];
    size_t n = error_frame(b, "TypeError", "boom", 3, via);
    guarded g;
    cf__frame f;
    cr_assert_eq(decode_guarded(b, n, &f, &g), 1);
    guarded_free(&g);
    const cf_error *e = cf_error_last();
    cr_assert_eq(cf_error_via_count(e), 4);
    cr_assert_str_eq(cf_error_via(e, 1), "b' <- 'c");
    cr_assert_str_eq(cf_error_via(e, 2), "");
    cr_assert_null(cf_error_via(e, 4));
    cr_assert_str_eq(cf_error_message(e), "boom");
    assert_error("TypeError: boom (via 'a' <- 'b' <- 'c' <- '' <- 'S')");

    /* Written back, it reads the same (no stage added: as it is). */
    cf__wbuf w = {0};
    cr_assert_eq(cf__frame_put_error(&w, e), CF_YIELDED);
    cf__decoder d;
    cf__decoder_init(&d);
    size_t off = 0;
    const char *at = guarded_copy(&g, w.data, w.len);
    cr_assert_eq(cf__frame_decode(&d, at, w.len, &off, &f), 1);
    cr_assert_eq(f.nvia, 4);
    cf_error_clear();
    cf__bridge_raise_frame(&f, NULL);
    assert_error("TypeError: boom (via 'a' <- 'b' <- 'c' <- '' <- 'S')");
    cf__decoder_fini(&d);
    guarded_free(&g);
    cf__wbuf_free(&w);
}

/* Every prefix of a frame is "cut short", never a read past its end. */
Test(bridge_frame, every_prefix_is_cut_short)
{
    static const char *const via[] = {"inner", "thread"};
    unsigned char b[256];
    size_t n = error_frame(b, "ValueError", " (via ')", 2, via);
    for (size_t k = 0; k < n; k++) {
        guarded g;
        cf__frame f;
        cr_assert_eq(decode_guarded(b, k, &f, &g), 0, "prefix of %zu", k);
        guarded_free(&g);
    }
}

/* A via that is not an array of at most 1024 strings: not a frame. */
Test(bridge_frame, malformed_chains_are_refused)
{
    static const unsigned char bad[][16] = {
        {0x95, 0x02, 0xa1, 'T', 0xa0, 0xa0, 0xa0},       /* a str */
        {0x95, 0x02, 0xa1, 'T', 0xa0, 0xa0, 0x91, 0x01}, /* an int in it */
        {0x95, 0x02, 0xa1, 'T', 0xa0, 0xa0, 0x91, 0x91}, /* an array in it */
        {0x95, 0x02, 0xa1, 'T', 0xa0, 0xa0, 0xdd, 0xff, 0xff, 0xff,
         0xff},                                     /* 4 G names */
        {0x95, 0x00, 0x01, 0x90, 0x90, 0x90},       /* a value frame of 5 */
        {0x96, 0x02, 0xa0, 0xa0, 0xa0, 0x90, 0xa0}, /* 6 elements */
    };
    static const size_t len[] = {7, 8, 8, 11, 6, 7};
    for (size_t i = 0; i < sizeof len / sizeof len[0]; i++) {
        guarded g;
        cf__frame f;
        cr_assert_eq(decode_guarded(bad[i], len[i], &f, &g), -1, "case %zu", i);
        guarded_free(&g);
    }
    /* 1025 names is one too many; 1024 is fine. */
    static unsigned char big[9 + 1025];
    memcpy(big, "\x95\x02\xa1T\xa0\xa0\xdc\x04", 8);
    for (unsigned names = 1024; names <= 1025; names++) {
        big[7] = (unsigned char)(names & 0xff);
        big[6] = 0xdc;
        unsigned char hdr[3] = {0xdc, (unsigned char)(names >> 8),
                                (unsigned char)(names & 0xff)};
        memcpy(big + 6, hdr, 3);
        memset(big + 9, 0xa0, names);
        guarded g;
        cf__frame f;
        cr_assert_eq(decode_guarded(big, 9 + names, &f, &g),
                     names == 1024 ? 1 : -1);
        guarded_free(&g);
        if (names == 1024)
            cr_assert_eq(cf_error_via_count(cf_error_last()), 1025);
    }
}

/*
 * The message itself as the last bytes before the guard page, handed to
 * the error rebuilding as a decoded frame points at it: the old parsing
 * of " (via ')" read on from here.
 */
Test(bridge_frame, message_at_the_page_end)
{
    static const char *msgs[] = {" (via ')", " (via '", "')", "x"};
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
        guarded g;
        cf__frame f;
        memset(&f, 0, sizeof f);
        f.kind = CF__FRAME_ERROR;
        f.type = "ValueError";
        f.type_len = 10;
        f.coro = "g";
        f.coro_len = 1;
        f.msg_len = strlen(msgs[i]);
        f.msg = guarded_copy(&g, msgs[i], f.msg_len);
        cf__bridge_raise_frame(&f, "S");
        guarded_free(&g);
        cr_assert_str_eq(cf_error_message(cf_error_last()), msgs[i]);
        cr_assert_eq(cf_error_via_count(cf_error_last()), 1);
        cf_error_clear();
    }
}
