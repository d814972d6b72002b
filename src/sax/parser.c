/* SPDX-License-Identifier: MIT */
/*
 * sax/parser.c - expat's callbacks turned into sends (SEMANTICS item 67),
 * the text buffer that delivers text whole, and the push parser
 * (cf_sax_new, cf_sax_push, cf_sax_end). The sources in source.c drive the
 * same object.
 *
 * A send happens inside an expat callback, on the caller's stack. When the
 * target finishes or raises, the callback records it and stops expat
 * (XML_StopParser); expat may still call a handler or two after that (an
 * empty element's end), which `st` turns into no-ops. Nothing here raises
 * with cf_raise(): a longjmp out of expat would leave it inconsistent.
 */
#include <errno.h>
#include <iconv.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#if defined(XML_UNICODE) || defined(XML_UNICODE_WCHAR_T)
#error "coflow's sax layer needs expat built with char (UTF-8) XML_Char"
#endif

#define TEXT_FIRST ((size_t)4096)

/* The text fast path's limit while text is being buffered; see tlim. */
static size_t text_limit(const cf_sax *s)
{
    if (s->split_text || s->st != CF_YIELDED)
        return 0;
    return s->tcap < s->max_text + 1 ? s->tcap : s->max_text + 1;
}

/*
 * The target stopped taking events: record why, and stop expat. Text
 * still buffered is dropped, and every later piece takes on_text's slow
 * path, which ignores it.
 */
CF__SAX_NOINLINE static void stopped(cf_sax *s, cf_status st, cf_value r)
{
    s->st = st;
    s->result = r;
    s->tlen = 0;
    s->tlim = 0;
    XML_StopParser(s->xp, XML_FALSE);
}

/* Sends `ev`, one of s->ev_*. */
static CF__SAX_INLINE void deliver(cf_sax *s, cf_sax_event *ev)
{
    cf_value v = cf_ptr(ev, CF_SAX_EVENT);
    if (CF__UNLIKELY(s->trace != NULL && *s->trace != NULL))
        cf__pipe_emit(s->node, CF_PIPE_SEND, v);
    cf_value r;
    cf_coro *t = s->target;
    if (CF__LIKELY(s->run.step != NULL)) {
        /* The target held for this buffer (cf__sax_parse): its step. */
        cf_status st = s->run.step(s->run.self, CF_OP_SEND, v, &r);
        if (CF__UNLIKELY(st != CF_YIELDED)) {
            st = cf__handler_ended(s->run.raw, st, NULL);
            s->run.step = NULL;
            stopped(s, st, r);
        }
        return;
    }
#ifdef CF__INLINE_SEND
    /* cf_send()'s inline half (coflow/core.h) runs a handler target's step
       (the usual first stage) right here, with no call into the core. */
    cf_status st = cf_send(t, v, &r);
#else
    /* A handler target (the usual first stage) is sent to without the
       call cf_send() makes to find out that it is one. */
    cf_status st = CF__LIKELY(s->target_handler) ? cf__handler_send(t, v, &r)
                                                 : cf_send(t, v, &r);
#endif
    if (CF__UNLIKELY(st != CF_YIELDED))
        stopped(s, st, r);
}

static CF__SAX_INLINE void send_text(cf_sax *s, char *text, size_t len)
{
    text[len] = '\0';
    s->ev_text.text = text;
    s->ev_text.len = len;
    deliver(s, &s->ev_text);
}

/*
 * Sends the buffered text before a tag's event. Called only when there is
 * some (tlen > 0), which never holds once the target has stopped.
 */
static CF__SAX_INLINE void flush_text(cf_sax *s)
{
    size_t n = s->tlen;
    s->tlen = 0;
    send_text(s, s->text, n);
}

/* Malformed input found by a callback: the error, and stop expat. */
static void input_error(cf_sax *s, const char *what, size_t limit)
{
    cf_fail(&cf_sax_error, "%s %zu bytes: line %lu, column %lu", what, limit,
            (unsigned long)XML_GetCurrentLineNumber(s->xp),
            (unsigned long)XML_GetCurrentColumnNumber(s->xp));
    s->bad_input = true;
    stopped(s, CF_RAISED, cf_none());
}

/* Input over one of the limits: the error names the option and the source. */
static void over_limit(cf_sax *s, const char *what, size_t limit,
                       const char *unit, const char *option)
{
    cf_fail(&cf_sax_error,
            "%s %zu%s (%s) in sax source '%s': line %lu, column %lu", what,
            limit, unit, option, s->name,
            (unsigned long)XML_GetCurrentLineNumber(s->xp),
            (unsigned long)XML_GetCurrentColumnNumber(s->xp));
    s->bad_input = true;
    stopped(s, CF_RAISED, cf_none());
}

/* Makes the text buffer hold at least `need` + 1 bytes: false when out of
   memory (the error raised, the parse stopped). */
static bool text_room(cf_sax *s, size_t need, size_t most)
{
    if (need < s->tcap)
        return true;
    size_t cap = s->tcap;
    while (cap <= need)
        cap = cap <= SIZE_MAX / 2 ? 2 * cap : SIZE_MAX;
    if (cap > most)
        cap = most;
    char *b = realloc(s->text, cap);
    if (b == NULL) {
        cf_fail(&cf_memory_error, NULL);
        stopped(s, CF_RAISED, cf_none());
        return false;
    }
    s->text = b;
    s->tcap = cap;
    return true;
}

/*
 * A piece of text that on_text's fast path did not take: the target has
 * stopped (ignored), split_text (sent as it is), the buffer must grow, or
 * the text goes past max_text (an error).
 */
CF__SAX_NOINLINE static void text_slow(cf_sax *s, const XML_Char *text, int len)
{
    if (CF__UNLIKELY(s->st != CF_YIELDED) || len <= 0)
        return;
    size_t n = (size_t)len;
    s->reported++;
    if (s->split_text) {
        /* expat's piece is not NUL-terminated: copy it to add one. */
        if (text_room(s, n, SIZE_MAX)) {
            memcpy(s->text, text, n);
            send_text(s, s->text, n);
        }
        return;
    }
    size_t need = s->tlen + n;
    if (CF__UNLIKELY(need > s->max_text)) {
        input_error(s, "text longer than", s->max_text);
        return;
    }
    if (!text_room(s, need, s->max_text + 1))
        return;
    memcpy(s->text + s->tlen, text, n);
    s->tlen = need;
    s->tlim = text_limit(s);
}

/*
 * Copies `n` bytes. Text pieces are mostly short (a newline, which expat
 * reports on its own, then the indentation, or a field's value), so those
 * of up to 32 bytes are copied inline with two overlapping fixed-size
 * moves each (no call, no loop); longer ones go to memcpy().
 */
static CF__SAX_INLINE void copy_piece(char *d, const char *p, size_t n)
{
    if (n > 32) {
        memcpy(d, p, n);
    } else if (n >= 16) {
        memcpy(d, p, 16);
        memcpy(d + n - 16, p + n - 16, 16);
    } else if (n >= 8) {
        memcpy(d, p, 8);
        memcpy(d + n - 8, p + n - 8, 8);
    } else if (n >= 4) {
        memcpy(d, p, 4);
        memcpy(d + n - 4, p + n - 4, 4);
    } else if (n >= 2) {
        memcpy(d, p, 2);
        memcpy(d + n - 2, p + n - 2, 2);
    } else if (n == 1) {
        *d = *p;
    }
}

/*
 * A piece of text: appended to the buffer, sent at the next tag. The fast
 * path is a compare and a copy: tlen <= tlim always holds (both are 0
 * once the target has stopped), so the subtraction cannot wrap, and a
 * negative `len` (which expat never gives) converts to a size too large
 * for it.
 */
static void XMLCALL on_text(void *ud, const XML_Char *text, int len)
{
    cf_sax *s = ud;
    size_t at = s->tlen;
    if (CF__LIKELY((size_t)len < s->tlim - at)) {
        s->tlen = at + (size_t)len;
        copy_piece(s->text + at, text, (size_t)len);
        return;
    }
    text_slow(s, text, len);
}

static void XMLCALL on_start(void *ud, const XML_Char *name,
                             const XML_Char **attrs)
{
    cf_sax *s = ud;
    s->reported++;
    if (CF__UNLIKELY(++s->depth > s->max_depth)) {
        over_limit(s, "elements nested deeper than", s->max_depth, "",
                   "max_depth");
        return;
    }
    if (s->tlen != 0)
        flush_text(s);
    if (CF__UNLIKELY(s->st != CF_YIELDED))
        return;
    size_t n = 0;
    while (attrs[2 * n] != NULL)
        n++;
    s->ev_start.name = name;
    s->ev_start.attrs = (const char *const *)attrs;
    s->ev_start.nattrs = n;
    deliver(s, &s->ev_start);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    cf_sax *s = ud;
    s->reported++;
    s->depth--;
    if (s->tlen != 0)
        flush_text(s);
    if (CF__UNLIKELY(s->st != CF_YIELDED))
        return;
    s->ev_end.name = name;
    deliver(s, &s->ev_end);
}

/* Comments and PIs are not sent on, but they are progress: see stall. */
static void XMLCALL on_comment(void *ud, const XML_Char *data)
{
    (void)data;
    ((cf_sax *)ud)->reported++;
}

static void XMLCALL on_pi(void *ud, const XML_Char *target,
                          const XML_Char *data)
{
    (void)target;
    (void)data;
    ((cf_sax *)ud)->reported++;
}

/*
 * Encodings expat does not know, through iconv: the 256-entry map expat
 * asks for says what each byte is - a character (its code point), the
 * first byte of an n-byte sequence (-n), or invalid (-1) - and expat
 * calls convert() for each multibyte sequence. Found by asking iconv about
 * each byte, then each lead byte followed by every possible second (and,
 * failing that, third) byte.
 */
struct xenc {
    iconv_t cd;
    signed char len[256]; /* bytes of the sequence a lead byte starts */
};

/* The one character `in[0..n)` is, or -1 (none, several, invalid). */
static int one_char(iconv_t cd, const char *in, size_t n, int *err)
{
    unsigned char out[8];
    char *ip = (char *)in, *op = (char *)out;
    size_t il = n, ol = sizeof out;
    iconv(cd, NULL, NULL, NULL, NULL);
    *err = 0;
    if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) {
        *err = errno;
        return -1;
    }
    if (iconv(cd, NULL, NULL, &op, &ol) == (size_t)-1 || ol != 4) {
        *err = EILSEQ;
        return -1;
    }
    long c = (long)out[0] | (long)out[1] << 8 | (long)out[2] << 16
             | (long)out[3] << 24;
    /* expat takes only characters of the BMP from such an encoding */
    return c > 0xffff || (c >= 0xd800 && c <= 0xdfff) ? -1 : (int)c;
}

static int XMLCALL xenc_convert(void *data, const char *seq)
{
    struct xenc *x = data;
    int err;
    return one_char(x->cd, seq, (size_t)x->len[(unsigned char)seq[0]], &err);
}

static void XMLCALL xenc_release(void *data)
{
    struct xenc *x = data;
    iconv_close(x->cd);
    free(x);
}

/* The length of the sequences lead byte `b` starts (2 or 3), or 0. */
static int lead_len(iconv_t cd, unsigned char b)
{
    char in[3] = {(char)b, 0, 0};
    int err, incomplete = 0;
    for (int t = 0; t < 256; t++) {
        in[1] = (char)t;
        if (one_char(cd, in, 2, &err) >= 0)
            return 2;
        incomplete |= err == EINVAL;
    }
    if (!incomplete)
        return 0;
    for (int t = 0; t < 256 * 256; t++) {
        in[1] = (char)(t >> 8);
        in[2] = (char)(t & 0xff);
        if (one_char(cd, in, 3, &err) >= 0)
            return 3;
    }
    return 0;
}

static int XMLCALL on_unknown_encoding(void *ud, const XML_Char *name,
                                       XML_Encoding *info)
{
    (void)ud;
    iconv_t cd = iconv_open("UTF-32LE", name);
    if (cd == (iconv_t)-1)
        return XML_STATUS_ERROR;
    struct xenc *x = calloc(1, sizeof *x);
    if (x == NULL) {
        iconv_close(cd);
        return XML_STATUS_ERROR;
    }
    x->cd = cd;
    bool multi = false;
    for (int b = 0; b < 256; b++) {
        char in = (char)b;
        int err, c = one_char(cd, &in, 1, &err);
        if (c >= 0) {
            info->map[b] = c;
            x->len[b] = 1;
        } else if (err == EINVAL
                   && (x->len[b] = (signed char)lead_len(cd, (unsigned char)b))
                          > 0) {
            info->map[b] = -x->len[b];
            multi = true;
        } else {
            info->map[b] = -1;
        }
    }
    info->data = x;
    info->convert = multi ? xenc_convert : NULL;
    info->release = xenc_release;
    return XML_STATUS_OK;
}

int cf__sax_init(cf_sax *s, cf_pipe *p, cf_coro *target,
                 const struct cf_sax_opts *opts)
{
    static const struct cf_sax_opts no_opts;
    if (target == NULL)
        return -EINVAL;
    if (opts == NULL)
        opts = &no_opts;
    memset(s, 0, sizeof *s);
    s->target = target;
    s->target_handler = cf_coro_is_handler(target);
    s->split_text = opts->split_text;
    s->no_close = opts->no_close;
    s->max_text = opts->max_text > 0 ? opts->max_text : CF_SAX_TEXT_MAX;
    if (s->max_text > CF_VALUE_MAXLEN)
        s->max_text = CF_VALUE_MAXLEN;
    s->max_token = opts->max_token > 0 ? opts->max_token : CF_SAX_TOKEN_MAX;
    if (s->max_token > (size_t)INT_MAX / 2)
        s->max_token = (size_t)INT_MAX / 2;
    s->max_depth = opts->max_depth > 0 ? opts->max_depth : CF_SAX_DEPTH_MAX;
    s->st = CF_YIELDED;
    s->result = cf_none();
    s->ev_start.kind = CF_SAX_START;
    s->ev_text.kind = CF_SAX_TEXT;
    s->ev_end.kind = CF_SAX_END;
    snprintf(s->name, sizeof s->name, "%s",
             opts->name != NULL ? opts->name : "sax");
    s->tcap = TEXT_FIRST;
    s->text = malloc(s->tcap);
    s->xp = XML_ParserCreate(opts->encoding);
    if (s->text == NULL || s->xp == NULL) {
        free(s->text);
        if (s->xp != NULL)
            XML_ParserFree(s->xp);
        return -ENOMEM;
    }
    s->tlim = text_limit(s);
    XML_SetUserData(s->xp, s);
    XML_SetElementHandler(s->xp, on_start, on_end);
    XML_SetCharacterDataHandler(s->xp, on_text);
    XML_SetCommentHandler(s->xp, on_comment);
    XML_SetProcessingInstructionHandler(s->xp, on_pi);
    XML_SetUnknownEncodingHandler(s->xp, on_unknown_encoding, NULL);
    if (p != NULL) {
        s->node = cf__pipe_node(p, "sax", s->name, target);
        if (s->node == NULL) {
            cf__sax_fini(s);
            return -ENOMEM;
        }
        s->trace = cf__pipe_trace_hook(p);
    }
    return 0;
}

void cf__sax_fini(cf_sax *s)
{
    if (s->xp != NULL)
        XML_ParserFree(s->xp);
    free(s->text);
    free(s->pend);
    s->xp = NULL;
    s->text = NULL;
    s->pend = NULL;
}

cf_status cf__sax_check(cf_sax *s)
{
    if (s->busy)
        return cf_fail(&cf_value_error, "sax parser '%s' already parsing",
                       s->name);
    if (s->finished)
        return cf_fail(&cf_value_error, "sax parser '%s' has finished",
                       s->name);
    return CF_YIELDED;
}

/* The end of the document: close the target and hand back its result. */
static cf_status close_target(cf_sax *s, cf_value *out)
{
    if (s->no_close) {
        *out = cf_none();
        return CF_RETURNED;
    }
    if (s->node != NULL)
        cf__pipe_emit(s->node, CF_PIPE_CLOSE, cf_none());
    return cf_close(s->target, out);
}

/*
 * The input was bad (the error is being handled): close the target, whose
 * own error, if its close raises, is returned instead.
 */
static cf_status bad_input(cf_sax *s)
{
    cf_value r;
    close_target(s, &r);
    return CF_RAISED;
}

cf_status cf__sax_abort(cf_sax *s)
{
    s->finished = true;
    return bad_input(s);
}

size_t cf__sax_feed_size(const cf_sax *s, size_t chunk)
{
    return s->stall > chunk ? s->stall : chunk;
}

/*
 * After a parse of `fed` bytes that were not the last: when expat reported
 * nothing, it is inside one token (it will rescan the token from its start
 * at the next piece), and `stall` grows; past max_token it is an error.
 */
static void note_stall(cf_sax *s, unsigned long reported, size_t tlen,
                       size_t fed)
{
    if (s->reported != reported || s->tlen != tlen) {
        s->stall = 0;
        return;
    }
    s->stall = fed > SIZE_MAX - s->stall ? SIZE_MAX : s->stall + fed;
    if (CF__UNLIKELY(s->stall > s->max_token) && s->st == CF_YIELDED)
        over_limit(s, "token longer than", s->max_token, " bytes", "max_token");
}

/* What expat's answer means for the caller. */
static cf_status outcome(cf_sax *s, enum XML_Status rs, bool final,
                         cf_value *out)
{
    cf_value tmp;
    if (out == NULL)
        out = &tmp;
    if (CF__LIKELY(s->st == CF_YIELDED)) {
        if (CF__UNLIKELY(rs == XML_STATUS_ERROR)) {
            enum XML_Error code = XML_GetErrorCode(s->xp);
            s->finished = true;
            cf_fail(&cf_sax_error, "%s: line %lu, column %lu",
                    XML_ErrorString(code),
                    (unsigned long)XML_GetCurrentLineNumber(s->xp),
                    (unsigned long)XML_GetCurrentColumnNumber(s->xp));
            return bad_input(s);
        }
        if (!final)
            return CF_YIELDED;
        s->finished = true;
        return close_target(s, out);
    }
    s->finished = true;
    if (s->st == CF_RETURNED) {
        *out = s->result;
        return CF_RETURNED;
    }
    return s->bad_input ? bad_input(s) : CF_RAISED;
}

cf_status cf__sax_parse(cf_sax *s, const char *data, size_t len, bool final,
                        cf_value *out)
{
    enum XML_Status rs = XML_STATUS_OK;
    s->busy = true;
    if (s->target_handler)
        cf__handler_hold(s->target, &s->run);
    do {
        int n = len > (size_t)INT_MAX / 2 ? INT_MAX / 2 : (int)len;
        bool last = final && (size_t)n == len;
        unsigned long reported = s->reported;
        size_t tlen = s->tlen;
        s->parses++;
        rs = XML_Parse(s->xp, data, n, last);
        if (rs == XML_STATUS_OK && !last)
            note_stall(s, reported, tlen, (size_t)n);
        data += n;
        len -= (size_t)n;
    } while (rs == XML_STATUS_OK && s->st == CF_YIELDED && len > 0);
    cf__handler_let_go(&s->run);
    s->busy = false;
    return outcome(s, rs, final, out);
}

/*
 * A push parser's piece: while expat is inside a token, pieces are
 * gathered until there are as many bytes as it has been fed since it last
 * reported anything, then parsed at once.
 */
static cf_status push_piece(cf_sax *s, const char *data, size_t len, bool final,
                            cf_value *out)
{
    if (s->pend_len == 0 && (final || len >= s->stall))
        return cf__sax_parse(s, data, len, final, out);
    if (len > SIZE_MAX - s->pend_len)
        goto no_memory;
    size_t need = s->pend_len + len;
    if (need > s->pend_cap) {
        size_t cap = s->pend_cap > 0 ? s->pend_cap : 4096;
        while (cap < need)
            cap = cap <= SIZE_MAX / 2 ? 2 * cap : need;
        char *b = realloc(s->pend, cap);
        if (b == NULL)
            goto no_memory;
        s->pend = b;
        s->pend_cap = cap;
    }
    if (len > 0)
        memcpy(s->pend + s->pend_len, data, len);
    s->pend_len = need;
    if (!final && need < s->stall)
        return CF_YIELDED;
    s->pend_len = 0;
    return cf__sax_parse(s, s->pend, need, final, out);
no_memory:
    s->finished = true;
    return cf_fail(&cf_memory_error, NULL);
}

void *cf__sax_buffer(cf_sax *s, size_t n)
{
    return n <= (size_t)INT_MAX ? XML_GetBuffer(s->xp, (int)n) : NULL;
}

cf_status cf__sax_parse_buffer(cf_sax *s, size_t len, bool final, cf_value *out)
{
    s->busy = true;
    if (s->target_handler)
        cf__handler_hold(s->target, &s->run);
    unsigned long reported = s->reported;
    size_t tlen = s->tlen;
    s->parses++;
    enum XML_Status rs = XML_ParseBuffer(s->xp, (int)len, final);
    cf__handler_let_go(&s->run);
    if (rs == XML_STATUS_OK && !final)
        note_stall(s, reported, tlen, len);
    s->busy = false;
    return outcome(s, rs, final, out);
}

/* ---- the push parser ---- */

int cf_sax_new(cf_sax **out, cf_pipe *p, cf_coro *target,
               const struct cf_sax_opts *opts)
{
    if (out == NULL || target == NULL)
        return -EINVAL;
    cf_sax *s = malloc(sizeof *s);
    if (s == NULL)
        return -ENOMEM;
    int rc = cf__sax_init(s, p, target, opts);
    if (rc < 0) {
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

cf_status cf_sax_push(cf_sax *s, const void *data, size_t len, cf_value *out)
{
    if (s == NULL || (data == NULL && len > 0))
        return cf_fail(&cf_value_error, "sax push: no %s",
                       s == NULL ? "parser" : "data");
    if (cf__sax_check(s) != CF_YIELDED)
        return CF_RAISED;
    return push_piece(s, data, len, false, out);
}

cf_status cf_sax_end(cf_sax *s, cf_value *out)
{
    if (s == NULL)
        return cf_fail(&cf_value_error, "sax end: no parser");
    if (cf__sax_check(s) != CF_YIELDED)
        return CF_RAISED;
    return push_piece(s, "", 0, true, out);
}

void cf_sax_free(cf_sax *s)
{
    if (s == NULL)
        return;
    cf__sax_fini(s);
    free(s);
}
