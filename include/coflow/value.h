/* SPDX-License-Identifier: MIT */
/*
 * coflow/value.h - cf_value, the 16-byte tagged value that send and yield
 * carry.
 *
 * A value is passed by value (in two registers on x86-64 and aarch64). It is
 * one of: none, bool, int64, double, string, bytes, or a user pointer with a
 * 16-bit type tag. By default strings, bytes and pointers are borrowed: the
 * pointer must stay valid for as long as the receiver may look at it, which
 * for a send is the duration of the send, and coflow never frees it.
 *
 * A value may also own what it points to (cf_str_own(), cf_bytes_own(),
 * cf_ptr_own(), cf_value_keep()): the text, or the pointer with its
 * destructor, lives in a reference-counted block freed when the last
 * reference is dropped (cf_value_drop()). Ownership rules, the same in
 * every layer:
 *   - Passing a value (send, yield, a stage's input) lends it: the receiver
 *     may look at it during the call, and keeps it past the call with
 *     cf_value_keep() (a reference for an owned value, one copy for a
 *     borrowed string or bytes).
 *   - A body's return value is handed over: whoever receives it from
 *     CF_RETURNED (a send, a close, a yield from) owns its reference and
 *     drops it; when nobody receives it (`out` NULL) coflow drops it.
 *   - An error made with a value keeps its own reference (cf_error_value()).
 * Borrowed values cost nothing; an owned value costs one malloc to make
 * and an atomic increment to keep.
 */
#ifndef COFLOW_VALUE_H
#define COFLOW_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coflow/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The kind of a value. */
typedef enum cf_kind {
    CF_NONE = 0, /* Python's None; the zero value */
    CF_BOOL,     /* `as.b` */
    CF_INT,      /* `as.i`, a signed 64-bit integer */
    CF_DOUBLE,   /* `as.d` */
    CF_STR,      /* `as.s` and `len`: text, usually UTF-8, not NUL-terminated */
    CF_BYTES,    /* `as.s` and `len`: binary data */
    CF_PTR       /* `as.p`, with the user's type tag in `tag` */
} cf_kind;

/*
 * The value itself. Read it through the accessors below; the fields are
 * public only so that the compiler can keep a value in registers.
 */
typedef struct cf_value {
    union {
        int64_t i;
        double d;
        bool b;
        const char *s;
        void *p;
    } as;
    uint32_t len;  /* bytes in a string or bytes value, else 0 */
    uint16_t kind; /* a cf_kind */
    uint16_t tag;  /* the user's type tag of a CF_PTR value, else 0 */
} cf_value;

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(cf_value) == 16, "cf_value must be 16 bytes");
#endif

/* The longest string or bytes value: lengths are kept in 32 bits. */
#define CF_VALUE_MAXLEN UINT32_MAX

/*
 * Constructors. None of them allocate; strings are borrowed, not copied.
 * Fails: never.
 */
static inline cf_value cf_none(void)
{
    cf_value v = {{0}, 0, CF_NONE, 0};
    return v;
}

static inline cf_value cf_bool(bool b)
{
    cf_value v = {{0}, 0, CF_BOOL, 0};
    v.as.b = b;
    return v;
}

static inline cf_value cf_int(int64_t i)
{
    cf_value v = {{0}, 0, CF_INT, 0};
    v.as.i = i;
    return v;
}

static inline cf_value cf_double(double d)
{
    cf_value v = {{0}, 0, CF_DOUBLE, 0};
    v.as.d = d;
    return v;
}

/*
 * A string of `len` bytes at `s`, borrowed. A length above CF_VALUE_MAXLEN is
 * cut to CF_VALUE_MAXLEN; use cf_str_fits() first where that can happen.
 * Fails: never.
 */
static inline cf_value cf_strn(const char *s, size_t len)
{
    cf_value v = {{0}, 0, CF_STR, 0};
    v.as.s = s;
    v.len = len > CF_VALUE_MAXLEN ? CF_VALUE_MAXLEN : (uint32_t)len;
    return v;
}

/*
 * Binary data of `len` bytes at `s`, borrowed; as cf_strn() for the length.
 * Fails: never.
 */
static inline cf_value cf_bytes(const void *s, size_t len)
{
    cf_value v = cf_strn((const char *)s, len);
    v.kind = CF_BYTES;
    return v;
}

/*
 * A user pointer `p` with the caller's type tag `tag` (any 16-bit number).
 * Fails: never.
 */
static inline cf_value cf_ptr(void *p, uint16_t tag)
{
    cf_value v = {{0}, 0, CF_PTR, 0};
    v.as.p = p;
    v.tag = tag;
    return v;
}

/*
 * A NUL-terminated string, borrowed.
 * Fails: never.
 */
CF_API cf_value cf_str(const char *s);

/*
 * True when a string of `len` bytes fits in a value without being cut.
 * Fails: never.
 */
static inline bool cf_str_fits(size_t len)
{
    return len <= CF_VALUE_MAXLEN;
}

/* Private: the block an owned value points into. */
struct cf__box {
    long refs;             /* atomic */
    void (*dtor)(void *p); /* CF_PTR: the user's destructor, or NULL */
    void *p;               /* CF_PTR: the user's pointer */
};

/* Private: an owned string or bytes value has tag 1; an owned CF_PTR has
 * len 1 and points to its box. */
#define CF__OWNED 1u

/*
 * True when `v` owns what it points to (made by a cf_*_own() or kept).
 * Fails: never.
 */
static inline bool cf_value_owned(cf_value v)
{
    if (v.kind == CF_STR || v.kind == CF_BYTES)
        return v.tag == CF__OWNED;
    return v.kind == CF_PTR && v.len == CF__OWNED;
}

/*
 * An owned copy of the `len` bytes at `s`, as a string (cf_strn_own) or
 * bytes (cf_bytes_own) value; the NUL-terminated string `s` (cf_str_own).
 * A length above CF_VALUE_MAXLEN is cut as cf_strn() cuts it. Returns none
 * when memory runs out (or for a NULL `s` with a nonzero length). The
 * caller owns the one reference.
 * Fails: returns none when memory runs out.
 */
CF_API cf_value cf_strn_own(const char *s, size_t len);
CF_API cf_value cf_bytes_own(const void *s, size_t len);
CF_API cf_value cf_str_own(const char *s);

/*
 * A value that owns the user pointer `p` with type tag `tag`: dtor(p) runs
 * when its last reference is dropped (a NULL dtor runs nothing). Returns
 * none when memory runs out, after running dtor(p). cf_to_ptr() gives `p`
 * back.
 * Fails: returns none when memory runs out, after running dtor(p).
 */
CF_API cf_value cf_ptr_own(void *p, uint16_t tag, void (*dtor)(void *p));

/*
 * A value that stays valid after `v`'s frame is gone: an owned value gets
 * one more reference; a borrowed string or bytes value is copied once into
 * an owned one (none when memory runs out); every other value - none,
 * bool, int, double, and a borrowed pointer, which coflow cannot copy - is
 * returned as it is. Drop the result with cf_value_drop().
 * Fails: returns none when memory runs out (a borrowed string or bytes value).
 */
CF_API cf_value cf_value_keep(cf_value v);

/*
 * Drops the caller's reference to `v`: the last one frees the string or runs
 * the pointer's destructor. A borrowed value is left alone, so any value may
 * be dropped.
 * Fails: never.
 */
CF_API void cf_value_drop(cf_value v);

/*
 * Accessors. Each answers for any value; a value of another kind gives 0.
 * Fails: never.
 */
static inline cf_kind cf_kind_of(cf_value v)
{
    return (cf_kind)v.kind;
}

static inline bool cf_is_none(cf_value v)
{
    return v.kind == CF_NONE;
}

static inline bool cf_to_bool(cf_value v)
{
    return v.kind == CF_BOOL ? v.as.b : false;
}

static inline int64_t cf_to_int(cf_value v)
{
    return v.kind == CF_INT ? v.as.i : 0;
}

static inline double cf_to_double(cf_value v)
{
    return v.kind == CF_DOUBLE ? v.as.d : 0.0;
}

/*
 * The bytes of a string or bytes value (NULL for other kinds).
 * Fails: never.
 */
static inline const char *cf_to_str(cf_value v)
{
    return v.kind == CF_STR || v.kind == CF_BYTES ? v.as.s : NULL;
}

/*
 * The length of a string or bytes value (0 for other kinds).
 * Fails: never.
 */
static inline size_t cf_len(cf_value v)
{
    return v.kind == CF_STR || v.kind == CF_BYTES ? v.len : 0;
}

/*
 * The pointer of a CF_PTR value whose tag is `tag`, else NULL.
 * Fails: never.
 */
static inline void *cf_to_ptr(cf_value v, uint16_t tag)
{
    if (v.kind != CF_PTR || v.tag != tag)
        return NULL;
    return v.len == CF__OWNED ? ((struct cf__box *)v.as.p)->p : v.as.p;
}

/*
 * True when `a` and `b` are equal as Python's == would say for these kinds:
 * strings and bytes compare their bytes, pointers their address and tag, an
 * int and a double compare numerically, and bool compares as 0 or 1.
 * Fails: never.
 */
CF_API bool cf_value_eq(cf_value a, cf_value b);

/*
 * Writes `v` as Python's repr() would into `buf` (at most `n` bytes, always
 * NUL-terminated when n > 0): None, True, 42, 2.5, 'abc', b'\x00'. A user
 * pointer is written as <ptr tag=T at 0x...>. Returns the length the full
 * text needs, like snprintf(), so a result >= n means it was cut.
 * Fails: never.
 */
CF_API size_t cf_value_repr(cf_value v, char *buf, size_t n);

/*
 * Like cf_value_repr(), but a string is written without quotes, as Python's
 * str() and f-strings do. Returns the length the full text needs.
 * Fails: never.
 */
CF_API size_t cf_value_str(cf_value v, char *buf, size_t n);

#ifdef __cplusplus
}
#endif

#endif
