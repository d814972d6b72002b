/* SPDX-License-Identifier: MIT */
/* core/value.c - values: equality, and Python's repr() and str(). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

cf_value cf_str(const char *s)
{
    return s != NULL ? cf_strn(s, strlen(s)) : cf_none();
}

/* An owned string's text follows its box. */
static cf_value own_copy(const char *s, size_t len, uint16_t kind)
{
    if (len > CF_VALUE_MAXLEN)
        len = CF_VALUE_MAXLEN;
    if (s == NULL && len > 0)
        return cf_none();
    struct cf__box *b = cf__fault() ? NULL : malloc(sizeof *b + len + 1);
    if (b == NULL)
        return cf_none();
    __atomic_store_n(&b->refs, 1, __ATOMIC_RELAXED);
    b->dtor = NULL;
    b->p = NULL;
    char *text = (char *)(b + 1);
    if (len > 0)
        memcpy(text, s, len);
    text[len] = '\0'; /* a NUL after the text, for C callers */
    cf_value v = cf_strn(text, len);
    v.kind = kind;
    v.tag = CF__OWNED;
    return v;
}

cf_value cf_strn_own(const char *s, size_t len)
{
    return own_copy(s, len, CF_STR);
}

cf_value cf_bytes_own(const void *s, size_t len)
{
    return own_copy(s, len, CF_BYTES);
}

cf_value cf_str_own(const char *s)
{
    return own_copy(s, s != NULL ? strlen(s) : 0, CF_STR);
}

cf_value cf_ptr_own(void *p, uint16_t tag, void (*dtor)(void *p))
{
    struct cf__box *b = cf__fault() ? NULL : malloc(sizeof *b);
    if (b == NULL) {
        if (dtor != NULL)
            dtor(p);
        return cf_none();
    }
    __atomic_store_n(&b->refs, 1, __ATOMIC_RELAXED);
    b->dtor = dtor;
    b->p = p;
    cf_value v = cf_ptr(b, tag);
    v.len = CF__OWNED;
    return v;
}

static struct cf__box *box_of(cf_value v)
{
    if (v.kind == CF_PTR)
        return v.as.p;
    return (struct cf__box *)(void *)((char *)(uintptr_t)v.as.s
                                      - sizeof(struct cf__box));
}

cf_value cf_value_keep(cf_value v)
{
    if (cf_value_owned(v)) {
        __atomic_fetch_add(&box_of(v)->refs, 1, __ATOMIC_RELAXED);
        return v;
    }
    if (v.kind == CF_STR || v.kind == CF_BYTES)
        return own_copy(v.as.s, v.len, v.kind);
    return v;
}

void cf_value_drop(cf_value v)
{
    if (!cf_value_owned(v))
        return;
    struct cf__box *b = box_of(v);
    if (__atomic_fetch_sub(&b->refs, 1, __ATOMIC_ACQ_REL) != 1)
        return;
    if (b->dtor != NULL)
        b->dtor(b->p);
    free(b);
}

static bool is_number(cf_value v)
{
    return v.kind == CF_INT || v.kind == CF_DOUBLE || v.kind == CF_BOOL;
}

static double as_double(cf_value v)
{
    if (v.kind == CF_DOUBLE)
        return v.as.d;
    if (v.kind == CF_BOOL)
        return v.as.b ? 1.0 : 0.0;
    return (double)v.as.i;
}

bool cf_value_eq(cf_value a, cf_value b)
{
    if (a.kind != b.kind) {
        if (is_number(a) && is_number(b))
            return as_double(a) == as_double(b);
        return false;
    }
    switch ((cf_kind)a.kind) {
    case CF_NONE:
        return true;
    case CF_BOOL:
        return a.as.b == b.as.b;
    case CF_INT:
        return a.as.i == b.as.i;
    case CF_DOUBLE:
        return a.as.d == b.as.d;
    case CF_STR:
    case CF_BYTES:
        return a.len == b.len
               && (a.len == 0 || memcmp(a.as.s, b.as.s, a.len) == 0);
    case CF_PTR:
        return cf_to_ptr(a, a.tag) == cf_to_ptr(b, b.tag) && a.tag == b.tag;
    }
    return false;
}


/* An output buffer that counts what it could not hold, like snprintf. */
struct out {
    char *buf;
    size_t n;
    size_t len;
};

static void put(struct out *o, const char *s, size_t len)
{
    if (o->len < o->n) {
        size_t room = o->n - o->len;
        memcpy(o->buf + o->len, s, len < room ? len : room);
    }
    o->len += len;
}

static void putc_(struct out *o, char c)
{
    put(o, &c, 1);
}

static size_t finish(struct out *o)
{
    if (o->n > 0)
        o->buf[o->len < o->n ? o->len : o->n - 1] = '\0';
    return o->len;
}

/*
 * Python's float repr: the shortest digits that read back as the same
 * double, in positional form for exponents -4..15 and in exponent form
 * (at least two exponent digits) otherwise.
 */
static void put_double(struct out *o, double d)
{
    char tmp[40], digits[24];
    int exp, nd = 0;

    if (isnan(d)) {
        put(o, "nan", 3);
        return;
    }
    if (isinf(d)) {
        put(o, d < 0 ? "-inf" : "inf", d < 0 ? 4 : 3);
        return;
    }
    for (int p = 1; p <= 17; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    const char *s = tmp;
    if (*s == '-') {
        putc_(o, '-');
        s++;
    }
    for (; *s != 'e'; s++)
        if (*s != '.')
            digits[nd++] = *s;
    exp = atoi(s + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    if (exp >= -4 && exp < 16) {
        if (exp < 0) {
            put(o, "0.", 2);
            for (int i = -1; i > exp; i--)
                putc_(o, '0');
            put(o, digits, (size_t)nd);
        } else {
            for (int i = 0; i <= exp; i++)
                putc_(o, i < nd ? digits[i] : '0');
            putc_(o, '.');
            if (nd > exp + 1)
                put(o, digits + exp + 1, (size_t)(nd - exp - 1));
            else
                putc_(o, '0');
        }
        return;
    }
    putc_(o, digits[0]);
    if (nd > 1) {
        putc_(o, '.');
        put(o, digits + 1, (size_t)(nd - 1));
    }
    snprintf(tmp, sizeof tmp, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
    put(o, tmp, strlen(tmp));
}

/* Python's quoting: single quotes unless the text has ' and no ". */
static void put_quoted(struct out *o, const char *s, size_t len, bool bytes)
{
    static const char hex[] = "0123456789abcdef";
    char q = '\'';

    if (memchr(s, '\'', len) != NULL && memchr(s, '"', len) == NULL)
        q = '"';
    if (bytes)
        putc_(o, 'b');
    putc_(o, q);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
        if (c == '\\' || c == (unsigned char)q) {
            putc_(o, '\\');
            putc_(o, (char)c);
        } else if (c == '\n') {
            put(o, "\\n", 2);
        } else if (c == '\r') {
            put(o, "\\r", 2);
        } else if (c == '\t') {
            put(o, "\\t", 2);
        } else if (c < 0x20 || c == 0x7f || (bytes && c > 0x7f)) {
            put(o, esc, 4);
        } else {
            putc_(o, (char)c);
        }
    }
    putc_(o, q);
}

static void put_value(struct out *o, cf_value v, bool quote)
{
    char tmp[64];

    switch ((cf_kind)v.kind) {
    case CF_NONE:
        put(o, "None", 4);
        return;
    case CF_BOOL:
        put(o, v.as.b ? "True" : "False", v.as.b ? 4 : 5);
        return;
    case CF_INT:
        snprintf(tmp, sizeof tmp, "%lld", (long long)v.as.i);
        put(o, tmp, strlen(tmp));
        return;
    case CF_DOUBLE:
        put_double(o, v.as.d);
        return;
    case CF_STR:
        if (quote)
            put_quoted(o, v.as.s, v.len, false);
        else
            put(o, v.as.s, v.len);
        return;
    case CF_BYTES:
        put_quoted(o, v.as.s, v.len, true);
        return;
    case CF_PTR:
        snprintf(tmp, sizeof tmp, "<ptr tag=%u at %p>", (unsigned)v.tag,
                 cf_to_ptr(v, v.tag));
        put(o, tmp, strlen(tmp));
        return;
    }
    snprintf(tmp, sizeof tmp, "<invalid value kind %u>", (unsigned)v.kind);
    put(o, tmp, strlen(tmp));
}

size_t cf_value_repr(cf_value v, char *buf, size_t n)
{
    struct out o = {buf, n, 0};
    put_value(&o, v, true);
    return finish(&o);
}

size_t cf_value_str(cf_value v, char *buf, size_t n)
{
    struct out o = {buf, n, 0};
    put_value(&o, v, false);
    return finish(&o);
}
