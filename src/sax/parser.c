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
    /* A handler target (the usual first stage) is sent to without the
       call cf_send() makes to find out that it is one. */
    cf_status st = CF__LIKELY(s->target_handler) ? cf__handler_send(t, v, &r)
                                                 : cf_send(t, v, &r);
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
        if (len == 1) /* a newline, which expat reports on its own */
            s->text[at] = *text;
        else
            memcpy(s->text + at, text, (size_t)len);
        return;
    }
    text_slow(s, text, len);
}

static void XMLCALL on_start(void *ud, const XML_Char *name,
                             const XML_Char **attrs)
{
    cf_sax *s = ud;
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
    if (s->tlen != 0)
        flush_text(s);
    if (CF__UNLIKELY(s->st != CF_YIELDED))
        return;
    s->ev_end.name = name;
    deliver(s, &s->ev_end);
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
    s->st = CF_YIELDED;
    s->result = cf_none();
    s->ev_start.kind = CF_SAX_START;
    s->ev_text.kind = CF_SAX_TEXT;
    s->ev_end.kind = CF_SAX_END;
    snprintf(s->name, sizeof s->name, "%s",
             opts->name != NULL ? opts->name : "sax");
    s->tcap = TEXT_FIRST;
    s->text = malloc(s->tcap);
    s->xp = XML_ParserCreate(NULL);
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
    s->xp = NULL;
    s->text = NULL;
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
    do {
        int n = len > (size_t)INT_MAX / 2 ? INT_MAX / 2 : (int)len;
        bool last = final && (size_t)n == len;
        rs = XML_Parse(s->xp, data, n, last);
        data += n;
        len -= (size_t)n;
    } while (rs == XML_STATUS_OK && s->st == CF_YIELDED && len > 0);
    s->busy = false;
    return outcome(s, rs, final, out);
}

void *cf__sax_buffer(cf_sax *s, size_t n)
{
    return n <= (size_t)INT_MAX ? XML_GetBuffer(s->xp, (int)n) : NULL;
}

cf_status cf__sax_parse_buffer(cf_sax *s, size_t len, bool final, cf_value *out)
{
    s->busy = true;
    enum XML_Status rs = XML_ParseBuffer(s->xp, (int)len, final);
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
    return cf__sax_parse(s, data, len, false, out);
}

cf_status cf_sax_end(cf_sax *s, cf_value *out)
{
    if (s == NULL)
        return cf_fail(&cf_value_error, "sax end: no parser");
    if (cf__sax_check(s) != CF_YIELDED)
        return CF_RAISED;
    return cf__sax_parse(s, "", 0, true, out);
}

void cf_sax_free(cf_sax *s)
{
    if (s == NULL)
        return;
    cf__sax_fini(s);
    free(s);
}
