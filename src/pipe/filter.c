/* SPDX-License-Identifier: MIT */
/*
 * pipe/filter.c - the filters: substring grep (a precomputed vector
 * search), regular-expression grep (PCRE2 with its JIT), and a predicate.
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

/* ---- substring grep ---- */

struct grep {
    cf__stage base;
    cf_coro *target;
    char *needle;
    size_t m;
};

/*
 * Is `needle` (m >= 2 bytes) in h[0..n)? Sixteen start positions at a time:
 * a candidate has the needle's first byte at i and its last at i + m - 1
 * (two compares of overlapping loads), and only candidates are checked
 * with memcmp. Log lines are short, so this beats a skip table, which
 * needs a long haystack to pay for itself.
 */
static bool search(const char *h, size_t n, const char *needle, size_t m)
{
    if (n < m)
        return false;
    size_t last = n - m; /* the last start position */
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i f = _mm_set1_epi8(needle[0]);
    const __m128i l = _mm_set1_epi8(needle[m - 1]);
    for (; i + 15 <= last; i += 16) {
        __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(h + i));
        __m128i b =
            _mm_loadu_si128((const __m128i *)(const void *)(h + i + m - 1));
        unsigned mask = (unsigned)_mm_movemask_epi8(
            _mm_and_si128(_mm_cmpeq_epi8(a, f), _mm_cmpeq_epi8(b, l)));
        while (mask != 0) {
            unsigned bit = (unsigned)__builtin_ctz(mask);
            if (memcmp(h + i + bit + 1, needle + 1, m - 2) == 0)
                return true;
            mask &= mask - 1;
        }
    }
#endif
    for (; i <= last; i++)
        if (h[i] == needle[0] && h[i + m - 1] == needle[m - 1]
            && memcmp(h + i + 1, needle + 1, m - 2) == 0)
            return true;
    return false;
}

static cf_status grep_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    struct grep *g = self;
    if (CF__UNLIKELY(op == CF_OP_THROW))
        return cf__stage_thrown(&g->base, out);
    if (priming(&g->base, out))
        return CF_YIELDED;
    if (CF__UNLIKELY(in.kind != CF_STR && in.kind != CF_BYTES))
        return cf_fail(&cf_type_error,
                       "grep '%s': expected str or bytes, got %s", g->needle,
                       cf__pipe_kind_name(in));
    cf__pipe_event(&g->base, CF_PIPE_RECV, in);
    bool hit;
    if (g->m >= 2)
        hit = search(in.as.s, in.len, g->needle, g->m);
    else if (g->m == 1)
        hit = in.len > 0 && memchr(in.as.s, g->needle[0], in.len) != NULL;
    else
        hit = true;
    return verdict(&g->base, g->target, hit, in, out);
}

static void grep_fini(cf__stage *st)
{
    free(((struct grep *)st)->needle);
}

int cf_pipe_grep(cf_pipe *p, cf_coro **out, const char *name,
                 const char *needle, cf_coro *target)
{
    if (out == NULL || needle == NULL || target == NULL)
        return -EINVAL;
    char *copy = strdup(needle);
    if (copy == NULL)
        return -ENOMEM;
    cf__stage *st;
    int rc = cf__stage_new(p, sizeof(struct grep), "grep", name, &target, 1,
                           grep_step, &st);
    if (rc < 0) {
        free(copy);
        return rc;
    }
    struct grep *g = (struct grep *)st;
    g->target = target;
    g->needle = copy;
    g->m = strlen(copy);
    st->fini = grep_fini;
    *out = st->co;
    return 0;
}

/* ---- regular-expression grep ---- */

struct regex {
    cf__stage base;
    cf_coro *target;
    pcre2_code *re;
    pcre2_match_data *md;
    bool jit;
};

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
    PCRE2_SPTR s = (PCRE2_SPTR)(in.len > 0 ? in.as.s : "");
    int rc = r->jit ? pcre2_jit_match(r->re, s, in.len, 0, 0, r->md, NULL)
                    : pcre2_match(r->re, s, in.len, 0, 0, r->md, NULL);
    if (CF__UNLIKELY(rc < 0 && rc != PCRE2_ERROR_NOMATCH)) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(rc, msg, sizeof msg);
        return cf_fail(&cf_value_error, "regex '%s': %s", r->base.name,
                       (const char *)msg);
    }
    return verdict(&r->base, r->target, rc >= 0, in, out);
}

static void regex_fini(cf__stage *st)
{
    struct regex *r = (struct regex *)st;
    pcre2_match_data_free(r->md);
    pcre2_code_free(r->re);
}

int cf_pipe_regex(cf_pipe *p, cf_coro **out, const char *name,
                  const char *pattern, unsigned flags, cf_coro *target)
{
    if (out == NULL || pattern == NULL || target == NULL
        || (flags & ~(CF_REGEX_CASELESS | CF_REGEX_UTF)) != 0)
        return -EINVAL;
    uint32_t options = 0;
    if (flags & CF_REGEX_CASELESS)
        options |= PCRE2_CASELESS;
    if (flags & CF_REGEX_UTF)
        options |= PCRE2_UTF;
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
    if (md == NULL) {
        pcre2_code_free(re);
        return -ENOMEM;
    }
    cf__stage *st;
    int rc = cf__stage_new(p, sizeof(struct regex), "regex", name, &target, 1,
                           regex_step, &st);
    if (rc < 0) {
        pcre2_match_data_free(md);
        pcre2_code_free(re);
        return rc;
    }
    struct regex *r = (struct regex *)st;
    r->target = target;
    r->re = re;
    r->md = md;
    r->jit = jit;
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
