/* SPDX-License-Identifier: MIT */
/*
 * pipe/filter.c - the filters: the precomputed substring searcher
 * (cf_finder), substring grep, regular-expression grep (PCRE2 with its JIT,
 * a JIT stack sized for long lines and the interpreter behind it), and a
 * predicate.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "internal.h"

/* The first send, from priming, carries no item. */
static inline bool priming(cf__stage *st, cf_value *out)
{
    if (CF__LIKELY(st->started))
        return false;
    st->started = true;
    *out = cf_none();
    return true;
}

/* A filter's verdict on `in`: pass it on (traced) or drop it. */
static inline cf_status verdict(cf__stage *st, cf_coro *target, bool keep,
                                cf_value in, cf_value *out)
{
    if (keep) {
        cf__pipe_event(st, CF_PIPE_PASS, in);
        return cf__stage_send(st, target, in, out);
    }
    cf__pipe_event(st, CF_PIPE_DROP, in);
    *out = cf_none();
    return CF_YIELDED;
}

/* ---- the precomputed searcher ---- */

/*
 * How common a byte is in text (logs, source, prose, XML): higher is more
 * common. The searcher scans for the needle's two rarest bytes at their
 * offsets, as GNU grep and Rust's memchr pick a rare byte, so that few
 * places are candidates and the verifying memcmp seldom runs.
 */
static unsigned byte_rank(unsigned char c)
{
    static const char common[] = " etaoinsrhldcumfpgwybvk"; /* most first */
    const char *at = c != 0 ? strchr(common, c) : NULL;
    if (at != NULL)
        return 255 - (unsigned)(at - common);
    if (c >= '0' && c <= '9')
        return 225;
    if (c >= 'a' && c <= 'z')
        return 200;
    if (c == '/' || c == '.' || c == '-' || c == ':' || c == '"' || c == '\t'
        || c == '<' || c == '>' || c == '=' || c == ',')
        return 190;
    if (c >= 'A' && c <= 'Z')
        return 150;
    if (c >= 0x21 && c < 0x7f)
        return 120;
    if (c == '\n')
        return 100;
    return 50; /* control bytes and bytes >= 0x80 */
}

struct cf_finder {
    size_t m;      /* the needle's length */
    size_t i1, i2; /* the offsets of its two rarest bytes, i1 < i2 */
    unsigned char b1, b2;
    /* The needle's first and last w bytes (w = 2, 4 or 8: the widest word
     * not longer than it, up to 8) as loaded from memory: a candidate is
     * verified with two loads and two compares where m <= 16. */
    unsigned char w;
    uint64_t head, tail;
    size_t short_lim; /* 15 where 2 <= m <= 16 (find_short), else 0 */
    char needle[];
};

/* A w-byte load (w = 2, 4 or 8) at `p`, unaligned. */
static inline uint64_t load_w(const char *p, unsigned w)
{
    if (w == 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        return x;
    }
    if (w == 4) {
        uint32_t x;
        memcpy(&x, p, 4);
        return x;
    }
    uint16_t x;
    memcpy(&x, p, 2);
    return x;
}

int cf_finder_new(cf_finder **out, const char *needle, size_t len)
{
    if (out == NULL || (needle == NULL && len > 0))
        return -EINVAL;
    cf_finder *f = malloc(sizeof *f + len + 1);
    if (f == NULL)
        return -ENOMEM;
    if (len > 0)
        memcpy(f->needle, needle, len);
    f->needle[len] = '\0';
    f->m = len;
    f->i1 = 0;
    f->i2 = len > 1 ? len - 1 : 0;
    if (len > 1) {
        /* The rarest byte, then the rarest other byte at another offset. */
        size_t a = 0, b = SIZE_MAX;
        for (size_t i = 1; i < len; i++)
            if (byte_rank((unsigned char)needle[i])
                < byte_rank((unsigned char)needle[a]))
                a = i;
        for (size_t i = 0; i < len; i++) {
            if (i == a)
                continue;
            if (b == SIZE_MAX) {
                b = i;
                continue;
            }
            unsigned ri = byte_rank((unsigned char)needle[i]);
            unsigned rb = byte_rank((unsigned char)needle[b]);
            bool same_i = needle[i] == needle[a],
                 same_b = needle[b] == needle[a];
            if ((same_b && !same_i) || (same_b == same_i && ri < rb))
                b = i;
        }
        f->i1 = a < b ? a : b;
        f->i2 = a < b ? b : a;
    }
    f->b1 = (unsigned char)f->needle[f->i1];
    f->b2 = (unsigned char)f->needle[f->i2];
    f->w = len >= 8 ? 8 : len >= 4 ? 4 : 2;
    f->head = len >= 2 ? load_w(f->needle, f->w) : 0;
    f->tail = len >= 2 ? load_w(f->needle + len - f->w, f->w) : 0;
    f->short_lim = len >= 2 && len <= 16 ? 15 : 0;
    *out = f;
    return 0;
}

void cf_finder_free(cf_finder *f)
{
    free(f);
}

size_t cf_finder_len(const cf_finder *f)
{
    return f != NULL ? f->m : 0;
}

/*
 * Whether the needle (m >= 2) is at `at`: its first and last w bytes, which
 * cover it up to 2w bytes, then memcmp() for the middle of a longer one.
 */
static inline bool verify(const cf_finder *f, const char *at)
{
    unsigned w = f->w;
    if (load_w(at, w) != f->head || load_w(at + f->m - w, w) != f->tail)
        return false;
    return f->m <= 2 * (size_t)w
           || memcmp(at + w, f->needle + w, f->m - 2 * (size_t)w) == 0;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define CF__HAVE_AVX2 1
/* 32 start positions at a time, all of them; the caller checked last >= 31. */
__attribute__((target("avx2"), noinline)) static const char *
find_avx2(const cf_finder *f, const char *h, size_t last)
{
    size_t s = 0;
    const __m256i v1 = _mm256_set1_epi8((char)f->b1);
    const __m256i v2 = _mm256_set1_epi8((char)f->b2);
    for (;;) {
        if (s + 31 > last) {
            /* Fewer than 32 start positions left: one more window, moved
             * back to end at `last` (which the caller made >= 31). The
             * positions it looks at again held no match. */
            if (s > last)
                break;
            s = last - 31;
        }
        __m256i a =
            _mm256_loadu_si256((const __m256i *)(const void *)(h + s + f->i1));
        __m256i b =
            _mm256_loadu_si256((const __m256i *)(const void *)(h + s + f->i2));
        unsigned mask = (unsigned)_mm256_movemask_epi8(_mm256_and_si256(
            _mm256_cmpeq_epi8(a, v1), _mm256_cmpeq_epi8(b, v2)));
        while (mask != 0) {
            unsigned bit = (unsigned)__builtin_ctz(mask);
            if (verify(f, h + s + bit))
                return h + s + bit;
            mask &= mask - 1;
        }
        s += 32;
    }
    return NULL;
}

static int avx2_known = -1; /* -1 until asked; a race writes the same value */

static __attribute__((noinline)) bool ask_avx2(void)
{
    avx2_known = __builtin_cpu_supports("avx2") ? 1 : 0;
    return avx2_known == 1;
}

static inline bool have_avx2(void)
{
    int k = avx2_known;
    return CF__LIKELY(k >= 0) ? k == 1 : ask_avx2();
}
#endif

/*
 * A needle of 2..16 bytes in a short haystack (last < 15: no vector fits):
 * a scalar scan for one of its two rarest bytes, then its first and last w bytes,
 * which cover it all. One copy per w and no call, so that it keeps no
 * registers.
 */
static inline __attribute__((always_inline)) const char *
scan_short(const cf_finder *f, const char *h, size_t last, unsigned w)
{
    const char *p = h + f->i1, *end = p + last;
    unsigned char b = f->b1;
    size_t back = f->i1, tail_at = f->m - w;
    for (; p <= end; p++)
        if ((unsigned char)*p == b && load_w(p - back, w) == f->head
            && load_w(p - back + tail_at, w) == f->tail)
            return p - back;
    return NULL;
}

static inline const char *find_short(const cf_finder *f, const char *h,
                                     size_t last)
{
    if (f->w == 8)
        return scan_short(f, h, last, 8);
    if (f->w == 4)
        return scan_short(f, h, last, 4);
    return scan_short(f, h, last, 2);
}

/* 16 start positions at a time (SSE2), then what is left one at a time. */
static __attribute__((noinline)) const char *
find_sse(const cf_finder *f, const char *h, size_t last)
{
    size_t s = 0;
#if defined(__SSE2__)
    const __m128i v1 = _mm_set1_epi8((char)f->b1);
    const __m128i v2 = _mm_set1_epi8((char)f->b2);
    for (;;) {
        if (s + 15 > last) {
            /* Fewer than 16 start positions left: one more window, moved
             * back to end at `last` where it fits. The positions it looks
             * at again held no match. */
            if (s > last || last < 15)
                break;
            s = last - 15;
        }
        __m128i a =
            _mm_loadu_si128((const __m128i *)(const void *)(h + s + f->i1));
        __m128i b =
            _mm_loadu_si128((const __m128i *)(const void *)(h + s + f->i2));
        unsigned mask = (unsigned)_mm_movemask_epi8(
            _mm_and_si128(_mm_cmpeq_epi8(a, v1), _mm_cmpeq_epi8(b, v2)));
        while (mask != 0) {
            unsigned bit = (unsigned)__builtin_ctz(mask);
            if (verify(f, h + s + bit))
                return h + s + bit;
            mask &= mask - 1;
        }
        s += 16;
    }
#endif
    for (; s <= last; s++)
        if ((unsigned char)h[s + f->i1] == f->b1
            && (unsigned char)h[s + f->i2] == f->b2 && verify(f, h + s))
            return h + s;
    return NULL;
}

/*
 * A needle of 2 bytes or more in a haystack of n >= m bytes, `last` = n - m
 * the last start position: the short scan, or the vector windows.
 */
static inline const char *find_at(const cf_finder *f, const char *h,
                                  size_t last)
{
    if (CF__LIKELY(last < f->short_lim))
        return find_short(f, h, last);
#ifdef CF__HAVE_AVX2
    if (last >= 31 && have_avx2()) /* all of it, in 32-byte windows */
        return find_avx2(f, h, last);
#endif
    return find_sse(f, h, last);
}

/* What cf_finder_find() does not take first: NULL, n < m, m <= 1. */
static __attribute__((noinline)) const char *find_any(const cf_finder *f,
                                                      const char *h, size_t n)
{
    if (f == NULL || (h == NULL && n > 0) || n < f->m)
        return NULL;
    if (f->m <= 1)
        return f->m == 0 ? h : memchr(h, f->needle[0], n);
    return find_at(f, h, n - f->m);
}

/*
 * A short line first, with one compare: `last` wraps to a huge number when
 * n < m, and short_lim is 0 for the needles find_short() does not take.
 */
const char *cf_finder_find(const cf_finder *f, const char *h, size_t n)
{
    if (CF__LIKELY(f != NULL && h != NULL)) {
        size_t last = n - f->m;
        if (CF__LIKELY(last < f->short_lim))
            return find_short(f, h, last);
        if (CF__LIKELY(n >= f->m && f->m >= 2))
            return find_at(f, h, last);
    }
    return find_any(f, h, n);
}

/* ---- substring grep ---- */

struct grep {
    cf__stage base;
    cf_coro *target;
    cf_finder *finder;
};

static cf_status grep_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    struct grep *g = self;
    if (CF__UNLIKELY(op == CF_OP_THROW))
        return cf__stage_thrown(&g->base, out);
    if (priming(&g->base, out))
        return CF_YIELDED;
    if (CF__UNLIKELY(in.kind != CF_STR && in.kind != CF_BYTES))
        return cf_fail(&cf_type_error,
                       "grep '%s': expected str or bytes, got %s",
                       g->finder->needle, cf__pipe_kind_name(in));
    cf__pipe_event(&g->base, CF_PIPE_RECV, in);
    bool hit = cf_finder_find(g->finder, in.as.s, in.len) != NULL;
    return verdict(&g->base, g->target, hit, in, out);
}

static void grep_fini(cf__stage *st)
{
    cf_finder_free(((struct grep *)st)->finder);
}

int cf_pipe_grep(cf_pipe *p, cf_coro **out, const char *name,
                 const char *needle, cf_coro *target)
{
    if (out == NULL || needle == NULL || target == NULL)
        return -EINVAL;
    cf_finder *f;
    int rc = cf_finder_new(&f, needle, strlen(needle));
    if (rc < 0)
        return rc;
    cf__stage *st;
    rc = cf__stage_new(p, sizeof(struct grep), "grep", name, &target, 1,
                       grep_step, &st);
    if (rc < 0) {
        cf_finder_free(f);
        return rc;
    }
    struct grep *g = (struct grep *)st;
    g->target = target;
    g->finder = f;
    st->fini = grep_fini;
    *out = st->co;
    return 0;
}

/* ---- regular-expression grep ---- */

/*
 * The JIT's stack: PCRE2's default is 32 KiB on the machine stack, which a
 * pattern like ^(a|b)+$ exhausts on a line of about a thousand bytes. The
 * stage's own stack starts at 32 KiB and grows to JIT_STACK_MAX; a match
 * that needs more runs again in the interpreter, whose memory is on the
 * heap and bounded by PCRE2's heap limit (20 MB by default).
 */
#define JIT_STACK_MIN ((size_t)32 * 1024)
#define JIT_STACK_MAX ((size_t)8 * 1024 * 1024)

struct regex {
    cf__stage base;
    cf_coro *target;
    pcre2_code *re;
    pcre2_match_data *md;
    pcre2_match_context *mc;
    pcre2_jit_stack *stack;
    uint64_t seen; /* values received, for warnings */
    bool jit, invert;
};

/* Runs the match: 1 match, 0 none, or PCRE2's negative error code. */
static int regex_run(struct regex *r, const char *s, size_t n)
{
    PCRE2_SPTR subj = (PCRE2_SPTR)(n > 0 ? s : "");
    int rc;
    if (r->jit) {
        rc = pcre2_jit_match(r->re, subj, n, 0, 0, r->md, r->mc);
        if (CF__LIKELY(rc != PCRE2_ERROR_JIT_STACKLIMIT))
            goto done;
    }
    rc =
        pcre2_match(r->re, subj, n, 0, r->jit ? PCRE2_NO_JIT : 0, r->md, r->mc);
done:
    return rc >= 0 ? 1 : rc == PCRE2_ERROR_NOMATCH ? 0 : rc;
}

static cf_status regex_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    struct regex *r = self;
    if (CF__UNLIKELY(op == CF_OP_THROW))
        return cf__stage_thrown(&r->base, out);
    if (priming(&r->base, out))
        return CF_YIELDED;
    if (CF__UNLIKELY(in.kind != CF_STR && in.kind != CF_BYTES))
        return cf_fail(&cf_type_error,
                       "regex '%s': expected str or bytes, got %s",
                       r->base.name, cf__pipe_kind_name(in));
    cf__pipe_event(&r->base, CF_PIPE_RECV, in);
    r->seen++;
    int rc = regex_run(r, in.as.s, in.len);
    if (CF__UNLIKELY(rc < 0)) {
        /* A limit (match, depth, heap) or another failure on this value:
           warn, naming the stage and the value, drop it and go on, as
           grep -P does. */
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(rc, msg, sizeof msg);
        cf__pipe_warn(&r->base, "value %llu (%zu bytes) skipped: %s",
                      (unsigned long long)r->seen, (size_t)in.len,
                      (const char *)msg);
        cf__pipe_event(&r->base, CF_PIPE_DROP, in);
        *out = cf_none();
        return CF_YIELDED;
    }
    return verdict(&r->base, r->target, (rc == 1) != r->invert, in, out);
}

static void regex_fini(cf__stage *st)
{
    struct regex *r = (struct regex *)st;
    pcre2_match_data_free(r->md);
    pcre2_match_context_free(r->mc);
    pcre2_jit_stack_free(r->stack);
    pcre2_code_free(r->re);
}

#define CF__REGEX_FLAGS (CF_REGEX_CASELESS | CF_REGEX_UTF | CF_REGEX_INVERT)

int cf_pipe_regex(cf_pipe *p, cf_coro **out, const char *name,
                  const char *pattern, unsigned flags, cf_coro *target)
{
    if (out == NULL || pattern == NULL || target == NULL
        || (flags & ~(unsigned)CF__REGEX_FLAGS) != 0)
        return -EINVAL;
    uint32_t options = 0;
    if (flags & CF_REGEX_CASELESS)
        options |= PCRE2_CASELESS;
    if (flags & CF_REGEX_UTF)
        options |= PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    int err;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                   options, &err, &off, NULL);
    if (re == NULL) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(err, msg, sizeof msg);
        cf_fail(&cf_value_error,
                "invalid regular expression '%s' at offset %zu: %s", pattern,
                (size_t)off, (const char *)msg);
        return -EINVAL;
    }
    bool jit = pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) == 0;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    pcre2_match_context *mc = pcre2_match_context_create(NULL);
    pcre2_jit_stack *stack =
        jit ? pcre2_jit_stack_create(JIT_STACK_MIN, JIT_STACK_MAX, NULL) : NULL;
    cf__stage *st = NULL;
    int rc = md == NULL || mc == NULL || (jit && stack == NULL)
                 ? -ENOMEM
                 : cf__stage_new(p, sizeof(struct regex), "regex", name,
                                 &target, 1, regex_step, &st);
    if (rc < 0) {
        pcre2_jit_stack_free(stack);
        pcre2_match_context_free(mc);
        pcre2_match_data_free(md);
        pcre2_code_free(re);
        return rc;
    }
    if (stack != NULL)
        pcre2_jit_stack_assign(mc, NULL, stack);
    struct regex *r = (struct regex *)st;
    r->target = target;
    r->re = re;
    r->md = md;
    r->mc = mc;
    r->stack = stack;
    r->jit = jit;
    r->invert = (flags & CF_REGEX_INVERT) != 0;
    st->fini = regex_fini;
    *out = st->co;
    return 0;
}

/* ---- predicate filter ---- */

struct filter {
    cf__stage base;
    cf_coro *target;
    cf_pred_fn pred;
    void *arg;
};

static cf_status filter_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    struct filter *f = self;
    if (CF__UNLIKELY(op == CF_OP_THROW))
        return cf__stage_thrown(&f->base, out);
    if (priming(&f->base, out))
        return CF_YIELDED;
    cf__pipe_event(&f->base, CF_PIPE_RECV, in);
    return verdict(&f->base, f->target, f->pred(f->arg, in), in, out);
}

int cf_pipe_filter(cf_pipe *p, cf_coro **out, const char *name, cf_pred_fn pred,
                   void *arg, cf_coro *target)
{
    if (out == NULL || pred == NULL || target == NULL)
        return -EINVAL;
    cf__stage *st;
    int rc = cf__stage_new(p, sizeof(struct filter), "filter", name, &target, 1,
                           filter_step, &st);
    if (rc < 0)
        return rc;
    struct filter *f = (struct filter *)st;
    f->target = target;
    f->pred = pred;
    f->arg = arg;
    *out = st->co;
    return 0;
}
