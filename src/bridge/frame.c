/* SPDX-License-Identifier: MIT */
/*
 * bridge/frame.c - frames: writing them with msgpack-c's packer, checking
 * and reading them with its unpacker, and rebuilding the errors they carry.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

bool cf__wbuf_reserve(cf__wbuf *b, size_t n)
{
    if (CF__LIKELY(b->cap - b->len >= n))
        return true;
    size_t cap = b->cap != 0 ? b->cap : 256;
    while (cap - b->len < n) {
        if (cap > SIZE_MAX / 2)
            return false;
        cap *= 2;
    }
    char *d = realloc(b->data, cap);
    if (d == NULL)
        return false;
    b->data = d;
    b->cap = cap;
    return true;
}

void cf__wbuf_free(cf__wbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* msgpack-c's packer writes through this. */
static int wbuf_write(void *data, const char *buf, size_t len)
{
    cf__wbuf *b = data;
    if (len == 0)
        return 0;
    if (!cf__wbuf_reserve(b, len))
        return -1;
    memcpy(b->data + b->len, buf, len);
    b->len += len;
    return 0;
}

static cf_status no_memory(void)
{
    return cf_fail(&cf_memory_error, NULL);
}

/* A user pointer: ext 1 of the tag then the codec's bytes. */
static cf_status put_ptr(msgpack_packer *pk, cf_value v)
{
    cf_codec c;
    if (!cf__codec_get(v.tag, &c))
        return cf_fail(&cf_type_error,
                       "cannot send a pointer with tag %u across a bridge: "
                       "no codec registered for it",
                       (unsigned)v.tag);
    char small[256];
    void *p = cf_to_ptr(v, v.tag); /* an owned pointer's own, too */
    ptrdiff_t n = c.encode(c.arg, p, small, sizeof small);
    if (n < 0)
        goto refused;
    const char *bytes = small;
    char *big = NULL;
    if ((size_t)n > sizeof small) {
        big = malloc((size_t)n);
        if (big == NULL)
            return no_memory();
        ptrdiff_t m = c.encode(c.arg, p, big, (size_t)n);
        if (m != n) {
            free(big);
            goto refused;
        }
        bytes = big;
    }
    if ((size_t)n > UINT32_MAX - 2) {
        free(big);
        goto refused;
    }
    unsigned char tag[2] = {(unsigned char)(v.tag >> 8),
                            (unsigned char)(v.tag & 0xff)};
    int rc = msgpack_pack_ext(pk, (size_t)n + 2, CF__EXT_PTR);
    rc |= msgpack_pack_ext_body(pk, tag, 2);
    rc |= msgpack_pack_ext_body(pk, bytes, (size_t)n);
    free(big);
    return rc == 0 ? CF_YIELDED : no_memory();
refused:
    return cf_fail(&cf_value_error, "the codec for tag %u cannot encode %p",
                   (unsigned)v.tag, p);
}

static cf_status put_v(msgpack_packer *pk, cf_value v)
{
    int rc;
    switch ((cf_kind)v.kind) {
    case CF_NONE:
        rc = msgpack_pack_nil(pk);
        break;
    case CF_BOOL:
        rc = v.as.b ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
        break;
    case CF_INT:
        rc = msgpack_pack_int64(pk, v.as.i);
        break;
    case CF_DOUBLE:
        rc = msgpack_pack_double(pk, v.as.d);
        break;
    case CF_STR:
        rc = msgpack_pack_str_with_body(pk, v.as.s, v.len);
        break;
    case CF_BYTES:
        rc = msgpack_pack_bin_with_body(pk, v.as.s, v.len);
        break;
    case CF_PTR:
        return put_ptr(pk, v);
    default:
        return cf_fail(&cf_type_error, "cannot send a value of kind %u",
                       (unsigned)v.kind);
    }
    return rc == 0 ? CF_YIELDED : no_memory();
}

cf_status cf__frame_put_value(cf__wbuf *b, cf_value v)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, b, wbuf_write);
    size_t len = b->len;
    if (msgpack_pack_array(&pk, 2) != 0
        || msgpack_pack_int(&pk, CF__FRAME_VALUE) != 0)
        return no_memory();
    cf_status s = put_v(&pk, v);
    if (s != CF_YIELDED)
        b->len = len; /* nothing half-written stays */
    return s;
}

cf_status cf__frame_put_close(cf__wbuf *b, const cf_value *result)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, b, wbuf_write);
    size_t len = b->len;
    if (msgpack_pack_array(&pk, result != NULL ? 2 : 1) != 0
        || msgpack_pack_int(&pk, CF__FRAME_CLOSE) != 0)
        return no_memory();
    cf_status s = result != NULL ? put_v(&pk, *result) : CF_YIELDED;
    if (s != CF_YIELDED)
        b->len = len;
    return s;
}

cf_status cf__frame_put_error(cf__wbuf *b, const cf_error *e)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, b, wbuf_write);
    const cf_error_type *t = cf_error_type_of(e);
    const char *strs[3] = {t != NULL ? t->name : "Exception",
                           cf_error_message(e), cf_error_coro(e)};
    size_t nvia = cf_error_via_count(e);
    size_t len = b->len;
    int rc = msgpack_pack_array(&pk, nvia > 0 ? 5 : 4);
    rc |= msgpack_pack_int(&pk, CF__FRAME_ERROR);
    for (int i = 0; i < 3; i++)
        rc |= msgpack_pack_str_with_body(&pk, strs[i], strlen(strs[i]));
    if (nvia > 0) {
        if (nvia > CF__VIA_MAX)
            nvia = CF__VIA_MAX; /* the nearest stages are kept */
        rc |= msgpack_pack_array(&pk, nvia);
        for (size_t i = 0; i < nvia; i++) {
            const char *v = cf_error_via(e, i);
            rc |= msgpack_pack_str_with_body(&pk, v, strlen(v));
        }
    }
    if (rc != 0) {
        b->len = len;
        return no_memory();
    }
    return CF_YIELDED;
}

/* ---- reading ---- */

void cf__decoder_init(cf__decoder *d)
{
    msgpack_zone_init(&d->zone, 1024);
}

void cf__decoder_fini(cf__decoder *d)
{
    msgpack_zone_destroy(&d->zone);
}

static uint64_t be(const unsigned char *p, size_t n)
{
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x = x << 8 | p[i];
    return x;
}

#define BAD ((size_t)-1)

/*
 * The length of the scalar at p[0..n): 0 when it is cut short, BAD when it
 * is not a scalar a frame may hold (maps, arrays, the unused byte, another
 * ext type). `*type` gets
 * 's' for a string, 'x' for an ext of the pointer type, 'v' otherwise.
 */
static size_t scalar_len(const unsigned char *p, size_t n, char *type)
{
    if (n == 0)
        return 0;
    unsigned c = p[0];
    size_t head, body;
    *type = 'v';
    if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3)
        return 1;
    if (c >= 0xa0 && c <= 0xbf) {
        *type = 's';
        head = 1;
        body = c & 0x1f;
    } else {
        switch (c) {
        case 0xcc:
        case 0xd0:
            return n >= 2 ? 2 : 0;
        case 0xcd:
        case 0xd1:
            return n >= 3 ? 3 : 0;
        case 0xce:
        case 0xd2:
        case 0xca:
            return n >= 5 ? 5 : 0;
        case 0xcf:
        case 0xd3:
        case 0xcb:
            return n >= 9 ? 9 : 0;
        case 0xd9:
        case 0xda:
        case 0xdb:
        case 0xc4:
        case 0xc5:
        case 0xc6: {
            if (c >= 0xd9)
                *type = 's';
            size_t w = (size_t)1 << ((c - (c >= 0xd9 ? 0xd9 : 0xc4)) & 3);
            if (n < 1 + w)
                return 0;
            head = 1 + w;
            body = (size_t)be(p + 1, w);
            break;
        }
        case 0xc7:
        case 0xc8:
        case 0xc9: {
            size_t w = (size_t)1 << (c - 0xc7);
            if (n < 2 + w)
                return 0;
            head = 2 + w;
            body = (size_t)be(p + 1, w);
            if ((signed char)p[1 + w] != CF__EXT_PTR || body < 2)
                return BAD;
            *type = 'x';
            break;
        }
        case 0xd4:
        case 0xd5:
        case 0xd6:
        case 0xd7:
        case 0xd8:
            head = 2;
            body = (size_t)1 << (c - 0xd4);
            if (n < 2)
                return 0;
            if ((signed char)p[1] != CF__EXT_PTR || body < 2)
                return BAD;
            *type = 'x';
            break;
        default:
            return BAD; /* maps, arrays, 0xc1 */
        }
    }
    if (body > n - head)
        return 0;
    return head + body;
}

/*
 * The length of the via array at p[0..n) (an array of at most CF__VIA_MAX
 * strings): 0 when it is cut short, BAD when it is not one.
 */
static size_t via_len(const unsigned char *p, size_t n)
{
    if (n == 0)
        return 0;
    size_t count, off;
    if (p[0] >= 0x90 && p[0] <= 0x9f) {
        count = p[0] & 0x0f;
        off = 1;
    } else if (p[0] == 0xdc || p[0] == 0xdd) {
        size_t w = p[0] == 0xdc ? 2 : 4;
        if (n < 1 + w)
            return 0;
        count = (size_t)be(p + 1, w);
        off = 1 + w;
    } else {
        return BAD;
    }
    if (count > CF__VIA_MAX)
        return BAD;
    for (size_t i = 0; i < count; i++) {
        char type;
        size_t l = scalar_len(p + off, n - off, &type);
        if (l == 0 || l == BAD)
            return l;
        if (type != 's')
            return BAD;
        off += l;
    }
    return off;
}

/*
 * Checks the shape of the frame at p[0..n): returns its length, 0 when it
 * is cut short, or BAD when it is not a frame.
 */
static size_t frame_len(const unsigned char *p, size_t n)
{
    if (n == 0)
        return 0;
    if (p[0] < 0x91 || p[0] > 0x95)
        return BAD;
    size_t count = p[0] & 0x0f, off = 1;
    char types[5];
    for (size_t i = 0; i < count; i++) {
        size_t l;
        if (i == 4) { /* only an error frame has a fifth: its via chain */
            l = via_len(p + off, n - off);
            types[i] = 'a';
        } else {
            l = scalar_len(p + off, n - off, &types[i]);
        }
        if (l == 0 || l == BAD)
            return l;
        off += l;
    }
    unsigned kind = p[1];
    switch (kind) {
    case CF__FRAME_VALUE:
        return count == 2 ? off : BAD;
    case CF__FRAME_CLOSE:
        return count <= 2 ? off : BAD;
    case CF__FRAME_ERROR:
        return count >= 4 && types[1] == 's' && types[2] == 's'
                       && types[3] == 's'
                   ? off
                   : BAD;
    default:
        return BAD;
    }
}

/* A value from MessagePack's object: 0, or -1 for one no value is. */
static int value_of(const msgpack_object *o, cf_value *v)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        *v = cf_none();
        return 0;
    case MSGPACK_OBJECT_BOOLEAN:
        *v = cf_bool(o->via.boolean);
        return 0;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        if (o->via.u64 > INT64_MAX)
            return -1;
        *v = cf_int((int64_t)o->via.u64);
        return 0;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        *v = cf_int(o->via.i64);
        return 0;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        *v = cf_double(o->via.f64);
        return 0;
    case MSGPACK_OBJECT_STR:
        *v = cf_strn(o->via.str.ptr, o->via.str.size);
        return 0;
    case MSGPACK_OBJECT_BIN:
        *v = cf_bytes(o->via.bin.ptr, o->via.bin.size);
        return 0;
    case MSGPACK_OBJECT_EXT: {
        if (o->via.ext.type != CF__EXT_PTR || o->via.ext.size < 2)
            return -1;
        const unsigned char *d = (const unsigned char *)o->via.ext.ptr;
        uint16_t tag = (uint16_t)(d[0] << 8 | d[1]);
        cf_codec c;
        void *p = NULL;
        if (!cf__codec_get(tag, &c)
            || c.decode(c.arg, d + 2, o->via.ext.size - 2, &p) < 0)
            return -1;
        *v = cf_ptr(p, tag);
        return 0;
    }
    default:
        return -1;
    }
}

int cf__frame_decode(cf__decoder *d, const char *buf, size_t len, size_t *off,
                     cf__frame *f)
{
    if (*off >= len)
        return 0;
    size_t n = frame_len((const unsigned char *)buf + *off, len - *off);
    if (n == 0)
        return 0;
    if (n == BAD)
        return -1;
    msgpack_zone_clear(&d->zone);
    msgpack_object o;
    size_t pos = *off;
    if (msgpack_unpack(buf, *off + n, &pos, &d->zone, &o)
            != MSGPACK_UNPACK_SUCCESS
        || pos != *off + n || o.type != MSGPACK_OBJECT_ARRAY)
        return -1;
    const msgpack_object *e = o.via.array.ptr;
    memset(f, 0, sizeof *f);
    f->kind = (int)e[0].via.u64;
    f->v = cf_none();
    if (f->kind == CF__FRAME_ERROR) {
        f->type = e[1].via.str.ptr;
        f->type_len = e[1].via.str.size;
        f->msg = e[2].via.str.ptr;
        f->msg_len = e[2].via.str.size;
        f->coro = e[3].via.str.ptr;
        f->coro_len = e[3].via.str.size;
        if (o.via.array.size == 5) {
            f->via = e[4].via.array.ptr;
            f->nvia = e[4].via.array.size;
        }
    } else if (o.via.array.size == 2) {
        if (value_of(&e[1], &f->v) != 0)
            return -1;
        f->has_value = true;
    }
    *off += n;
    return 1;
}

void cf__frame_release(cf__frame *f)
{
    if (f->v.kind != CF_PTR)
        return;
    cf_codec c;
    if (cf__codec_get(f->v.tag, &c) && c.release != NULL)
        c.release(c.arg, f->v.as.p);
    f->v = cf_none();
}

/* ---- errors that crossed ---- */

cf_status cf__bridge_pass(const cf_error *e, const char *stage)
{
    cf__error_restore(cf_error_via_add(e, 1, &stage));
    return CF_RAISED;
}

cf_status cf__bridge_tag(const char *stage)
{
    return cf__pipe_tag(stage);
}

/*
 * The error a frame carries: its strings are the frame's (not
 * NUL-terminated), copied into one block with the stage's name after them.
 */
cf_status cf__bridge_raise_frame(const cf__frame *f, const char *stage)
{
    char coro[64];
    snprintf(coro, sizeof coro, "%.*s", (int)f->coro_len, f->coro);
    cf_error *base = cf__error_at(cf__error_type_named(f->type, f->type_len),
                                  coro, "%.*s", (int)f->msg_len, f->msg);
    size_t n = f->nvia + (stage != NULL ? 1 : 0), bytes = 0;
    for (size_t i = 0; i < f->nvia; i++)
        bytes += f->via[i].via.str.size + 1;
    const char **names = n > 0 ? malloc(n * sizeof *names + bytes) : NULL;
    if (n > 0 && names == NULL) {
        cf_error_unref(base);
        return cf_fail(&cf_memory_error, NULL);
    }
    char *at = names != NULL ? (char *)(names + n) : NULL;
    for (size_t i = 0; i < f->nvia; i++) {
        size_t len = f->via[i].via.str.size;
        memcpy(at, f->via[i].via.str.ptr, len);
        at[len] = '\0';
        names[i] = at;
        at += len + 1;
    }
    if (stage != NULL)
        names[n - 1] = stage;
    cf_error *e = cf_error_via_add(base, n, names);
    free(names);
    cf_error_unref(base);
    cf__error_restore(e);
    return CF_RAISED;
}

/* ---- results that crossed ---- */

static pthread_key_t keep_key;
static pthread_once_t keep_once = PTHREAD_ONCE_INIT;

static void keep_init(void)
{
    (void)pthread_key_create(&keep_key, free);
}

cf_value cf__bridge_keep(cf_value v)
{
    if (v.kind != CF_STR && v.kind != CF_BYTES)
        return v;
    pthread_once(&keep_once, keep_init);
    char *old = pthread_getspecific(keep_key);
    char *copy = malloc((size_t)v.len + 1);
    if (copy == NULL)
        return cf_none();
    memcpy(copy, v.as.s, v.len);
    copy[v.len] = '\0';
    free(old);
    (void)pthread_setspecific(keep_key, copy);
    v.as.s = copy;
    v.tag = 0; /* borrowed from this thread's copy */
    return v;
}

void cf__bridge_name(char *dst, const char *name, const char *dflt)
{
    snprintf(dst, CF__NAME_MAX, "%s", name != NULL ? name : dflt);
}
