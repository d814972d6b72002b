/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/frame_fuzz.c - libFuzzer target for the bridge's frame
 * decoder: any bytes either decode to frames or are refused, never read
 * out of bounds or allocate without limit; a decoded value frame encodes
 * and decodes back to the same value; an error frame rebuilds an error.
 *
 *     make check-bridge-fuzz    (a short run; BRIDGE_FUZZ_SECONDS=20)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/bridge/internal.h"
#include "../guarded.h"

static ptrdiff_t enc(void *arg, const void *p, void *buf, size_t cap)
{
    (void)arg;
    size_t n = strlen(p);
    if (n <= cap)
        memcpy(buf, p, n);
    return (ptrdiff_t)n;
}

static int dec(void *arg, const void *data, size_t n, void **out)
{
    (void)arg;
    char *s = malloc(n + 1);
    if (s == NULL)
        return -1;
    memcpy(s, data, n);
    s[n] = '\0';
    *out = s;
    return 0;
}

static void rel(void *arg, void *p)
{
    (void)arg;
    free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int once;
    if (!once) {
        cf_codec c = {enc, dec, rel, NULL};
        cf_codec_register(1, &c);
        once = 1;
    }
    guarded g;
    const uint8_t *in = guarded_copy(&g, data, size);
    if (in == NULL)
        abort();
    data = in;
    cf__decoder d, d2;
    cf__decoder_init(&d);
    cf__decoder_init(&d2);
    size_t off = 0;
    cf__frame f;
    while (cf__frame_decode(&d, (const char *)data, size, &off, &f) == 1) {
        if (f.kind == CF__FRAME_ERROR) {
            cf__bridge_raise_frame(&f, "fuzz");
            const cf_error *e = cf_error_last();
            size_t need = cf_error_format(e, NULL, 0);
            char *text = malloc(need + 1);
            if (text == NULL || cf_error_format(e, text, need + 1) != need
                || strlen(text) != need)
                abort();
            free(text);
            static FILE *sink;
            if (sink == NULL && (sink = fopen("/dev/null", "w")) == NULL)
                abort();
            cf_error_print(e, sink);
            /* Written back and read again: the same chain and message. */
            cf__wbuf w = {0};
            if (cf__frame_put_error(&w, e) == CF_YIELDED) {
                size_t o2 = 0;
                cf__frame g2;
                if (cf__frame_decode(&d2, w.data, w.len, &o2, &g2) != 1
                    || g2.nvia
                           != (cf_error_via_count(e) > CF__VIA_MAX
                                   ? CF__VIA_MAX
                                   : cf_error_via_count(e))
                    || g2.msg_len != strlen(cf_error_message(e)))
                    abort();
            }
            cf__wbuf_free(&w);
            cf_error_clear();
        } else if (f.kind == CF__FRAME_VALUE) {
            cf__wbuf w = {0};
            if (cf__frame_put_value(&w, f.v) == CF_YIELDED) {
                size_t o2 = 0;
                cf__frame g;
                if (cf__frame_decode(&d2, w.data, w.len, &o2, &g) != 1
                    || o2 != w.len || g.v.kind != f.v.kind)
                    abort();
                if (g.v.kind == CF_PTR) {
                    if (strcmp(g.v.as.p, f.v.as.p) != 0)
                        abort();
                } else if (!cf_value_eq(g.v, f.v)
                           && !(g.v.kind == CF_DOUBLE
                                && g.v.as.d != g.v.as.d)) {
                    abort();
                }
                cf__frame_release(&g);
            }
            cf_error_clear();
            cf__wbuf_free(&w);
        }
        cf__frame_release(&f);
    }
    cf__decoder_fini(&d);
    cf__decoder_fini(&d2);
    guarded_free(&g);
    return 0;
}
