/* SPDX-License-Identifier: MIT */
/*
 * bridge/internal.h - what the files of bridge/ share: the wire format
 * (frames of MessagePack, frame.c), the value codec (codec.c), and
 * rebuilding an error that crossed, tagged with the stages it passed.
 *
 * A frame is one MessagePack array whose first element is its kind:
 *
 *     [0, value]                       a value
 *     [1] or [1, value]                close (with the close's result)
 *     [2, type, message, coroutine]    an error (three strings)
 *     [2, type, message, coroutine, via]
 *                                      an error that passed stages: `via`
 *                                      is an array of their names (strings,
 *                                      at most CF__VIA_MAX), nearest first
 *
 * A value is nil, a bool, an int, a float, a str, a bin, or, for a user
 * pointer, an ext of type 1 whose payload is the tag (2 bytes, big endian)
 * then the codec's bytes. Nothing else is a frame: maps, nested arrays and
 * other ext types are malformed, and the decoder checks the whole frame's
 * shape and lengths before MessagePack builds anything.
 */
#ifndef CF_BRIDGE_INTERNAL_H
#define CF_BRIDGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "coflow/core.h"
#include "coflow/sched.h"
#include "coflow/bridge.h"
#include "../common.h"
#include "../core/layer.h"
#include "../pipe/layer.h"

#define CF__EXT_PTR 1
/* The longest via chain an error frame carries (longer: malformed). */
#define CF__VIA_MAX 1024

enum cf__frame_kind {
    CF__FRAME_VALUE = 0,
    CF__FRAME_CLOSE = 1,
    CF__FRAME_ERROR = 2
};

/* A growing byte buffer frames are written into. */
typedef struct cf__wbuf {
    char *data;
    size_t len, cap;
} cf__wbuf;

/* Makes room for `n` more bytes; false when memory runs out. */
bool cf__wbuf_reserve(cf__wbuf *b, size_t n);
void cf__wbuf_free(cf__wbuf *b);

/*
 * Appends a frame to `b`. Each returns CF_YIELDED, or CF_RAISED with the
 * error being handled set: TypeError for a pointer whose tag has no codec,
 * ValueError when the codec refuses it, MemoryError.
 */
cf_status cf__frame_put_value(cf__wbuf *b, cf_value v);
cf_status cf__frame_put_close(cf__wbuf *b, const cf_value *result);
cf_status cf__frame_put_error(cf__wbuf *b, const cf_error *e);

/* A decoded frame. Strings point into the decoded buffer. */
typedef struct cf__frame {
    int kind;
    bool has_value;
    cf_value v; /* the value, or the close's result */
    const char *type, *msg, *coro;
    size_t type_len, msg_len, coro_len;
    const msgpack_object *via; /* an error's via chain: nvia strings */
    size_t nvia;
} cf__frame;

/* What decodes frames: a MessagePack zone reused frame after frame. */
typedef struct cf__decoder {
    msgpack_zone zone;
} cf__decoder;

void cf__decoder_init(cf__decoder *d);
void cf__decoder_fini(cf__decoder *d);

/*
 * Decodes the frame at buf[*off..len): returns 1 and advances `*off` past
 * it, 0 when the bytes end there (no frame, or a frame cut short), or -1
 * when they are not a frame (`*off` is then unchanged). A decoded pointer
 * value must be given back to cf__frame_release() after its use.
 */
int cf__frame_decode(cf__decoder *d, const char *buf, size_t len, size_t *off,
                     cf__frame *f);
void cf__frame_release(cf__frame *f);

/* codec.c: the codec for `tag`, or false. */
bool cf__codec_get(uint16_t tag, cf_codec *out);

/*
 * frame.c: makes the error being handled a copy of `e` (which the caller
 * keeps) that passed through stage `stage`: the name ends its via chain.
 * Returns CF_RAISED.
 */
cf_status cf__bridge_pass(const cf_error *e, const char *stage);

/* The error being handled, passed through `stage`: as cf__bridge_pass(). */
cf_status cf__bridge_tag(const char *stage);

/* Raises the error an error frame carries, passed through `stage` (NULL:
   as it is). */
cf_status cf__bridge_raise_frame(const cf__frame *f, const char *stage);

/* The error type named `name` (see cf_bridge_error_type_register()). */
const cf_error_type *cf__error_type_named(const char *name, size_t len);

/*
 * Copies a string or bytes result that crossed into memory that stays valid
 * until the next call on this thread; other values are returned as they
 * are. A copy that cannot be made gives none.
 */
cf_value cf__bridge_keep(cf_value v);

/* Copies `name` (NULL: `dflt`) into `dst` of CF__NAME_MAX bytes. */
void cf__bridge_name(char *dst, const char *name, const char *dflt);

#endif
