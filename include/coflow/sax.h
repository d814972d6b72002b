/* SPDX-License-Identifier: MIT */
/*
 * coflow/sax.h - event dispatching: XML parsed by expat, each parse event
 * sent into a coroutine (SEMANTICS item 67, Beazley's cosax and coexpat).
 *
 * A sax source feeds XML to expat in chunks - from a file, an fd, a buffer,
 * or pieces the caller pushes - and sends every start tag, run of text and
 * end tag into a target coroutine as an event value: a CF_PTR value with
 * the tag CF_SAX_EVENT pointing at a `cf_sax_event`. The event and all it
 * points to are borrowed: valid for the duration of that send only, so a
 * stage that keeps a name or a text copies it.
 *
 *     static cf_status step(void *self, cf_op op, cf_value in, cf_value *out)
 *     {
 *         const cf_sax_event *ev = cf_sax_event_of(in);
 *         if (ev != NULL && ev->kind == CF_SAX_START)
 *             printf("start %s\n", ev->name);
 *         ...
 *     }
 *     cf_sax_source_path(NULL, "allroutes.xml", target, NULL, &result);
 *
 * Python's (event, value) pairs map as: ('start', (name, attrs)) is
 * CF_SAX_START with `name` and `attrs`; ('text', text) is CF_SAX_TEXT with
 * `text` and `len`; ('end', name) is CF_SAX_END with `name`.
 *
 * Text is delivered whole: the character data between two tags (CDATA
 * sections and character references included, comments and processing
 * instructions skipped) is buffered and sent as one event just before the
 * next start or end tag, so stages never see it split by chunk boundaries.
 * A run of text longer than `max_text` (CF_SAX_TEXT_MAX by default) is an
 * error; `split_text` streams text in pieces instead, with no limit.
 *
 * Hostile input is bounded: a token (a tag with its attributes, a comment,
 * a PI, a declaration) longer than `max_token` and elements nested deeper
 * than `max_depth` are errors, and a large token costs linear time: while
 * expat reports nothing, the source feeds it exponentially larger pieces,
 * so that expat 2.5, which rescans an unfinished token at every piece,
 * rescans it a logarithmic number of times.
 *
 * The source then behaves as the pipe layer's sources do (coflow/pipe.h):
 * at the end of the document it closes the target and returns the close's
 * result; a target that finishes (returns) stops the parse and its result
 * is returned; a target that raises stops the parse and its error comes
 * back to the caller (the target is not closed again).
 *
 * Malformed XML stops the parse with cf_sax_error, whose message is
 * Python's ExpatError text: expat's description, then the line (from 1) and
 * the column (from 0, in bytes) where expat found the problem:
 *
 *     ExpatError: mismatched tag: line 4, column 2
 *
 * Every event before that point has been delivered; text not yet ended by
 * a tag is not (as pyexpat with buffer_text). The target is then closed
 * (unless `no_close`); if that close raises, its error is returned instead.
 *
 * Threads: a source runs on the calling thread; a push parser (cf_sax) is
 * used by one thread at a time.
 */
#ifndef COFLOW_SAX_H
#define COFLOW_SAX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "coflow/core.h"
#include "coflow/error.h"
#include "coflow/export.h"
#include "coflow/pipe.h"
#include "coflow/value.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * ExpatError: Exception. Malformed XML, and text longer than `max_text`;
 * the message ends with ": line L, column C".
 */
CF_API extern const cf_error_type cf_sax_error;

/* The type tag of an event value: cf_ptr(&event, CF_SAX_EVENT). */
#define CF_SAX_EVENT 0x5358u

/* The kinds of event. */
typedef enum cf_sax_kind {
    CF_SAX_START = 0, /* a start tag: `name`, `attrs`, `nattrs` */
    CF_SAX_TEXT,      /* a run of text: `text`, `len` */
    CF_SAX_END        /* an end tag: `name` (an empty element gives both) */
} cf_sax_kind;

/*
 * One parse event, borrowed for the duration of the send. Strings are
 * UTF-8 and NUL-terminated (XML text cannot hold a NUL character).
 */
typedef struct cf_sax_event {
    cf_sax_kind kind;
    const char *name;         /* START, END: the element's name; TEXT: NULL */
    const char *const *attrs; /* START: name, value, name, value, ..., NULL
                                 (the document's order); else NULL */
    size_t nattrs;            /* START: how many attributes; else 0 */
    const char *text;         /* TEXT: the text; else NULL */
    size_t len;               /* TEXT: its length in bytes; else 0 */
} cf_sax_event;

/*
 * The event `v` carries, or NULL when `v` is not an event value.
 * Fails: never.
 */
static inline const cf_sax_event *cf_sax_event_of(cf_value v)
{
    /* The sax layer's own event values (a borrowed pointer with the tag)
       in one compare of the words after the pointer; anything else, an
       owned box included, through cf_to_ptr(). */
    cf_value ev = cf_ptr(NULL, CF_SAX_EVENT);
    uint64_t a, b;
    memcpy(&a, (const char *)&v + sizeof v.as, sizeof a);
    memcpy(&b, (const char *)&ev + sizeof ev.as, sizeof b);
    if (a == b)
        return (const cf_sax_event *)v.as.p;
    return (const cf_sax_event *)cf_to_ptr(v, CF_SAX_EVENT);
}

/*
 * "start", "text" or "end" ("?" for another number): Python's words.
 * Fails: never.
 */
CF_API const char *cf_sax_kind_name(cf_sax_kind k);

/*
 * The value of attribute `name` of a START event, or NULL when it has none
 * (or `ev` is not a START event).
 * Fails: returns NULL when there is no such attribute.
 */
CF_API const char *cf_sax_attr(const cf_sax_event *ev, const char *name);

/* The default longest run of text a source delivers whole: 16 MiB. */
#define CF_SAX_TEXT_MAX ((size_t)16 << 20)

/*
 * The default most bytes fed to expat with nothing reported (one token: a
 * start tag with its attributes, a comment, a processing instruction, a
 * declaration): 64 MiB.
 */
#define CF_SAX_TOKEN_MAX ((size_t)64 << 20)

/* The default deepest nesting of elements: 10,000. */
#define CF_SAX_DEPTH_MAX ((size_t)10000)

/* Options for a sax source. NULL, or a zero field, means the default. */
struct cf_sax_opts {
    const char *name;     /* for traces and pictures; "sax" */
    size_t chunk_size;    /* bytes read and fed to expat at once; 64 KiB */
    size_t max_text;      /* the longest text event, in bytes; CF_SAX_TEXT_MAX
                          (at most CF_VALUE_MAXLEN). Longer text raises
                          cf_sax_error at the position of the piece of text
                          that went past the limit */
    bool split_text;      /* send text in the pieces expat reports (never
                          buffered, no limit): stages join them */
    bool no_close;        /* never close the target: not at the end of the
                          document, not after malformed XML */
    size_t max_token;     /* the most bytes of one token (everything expat
                          reads while it reports nothing: a tag with its
                          attributes, a comment, a PI, a declaration);
                          CF_SAX_TOKEN_MAX. More raises cf_sax_error at the
                          token's position */
    size_t max_depth;     /* the deepest nesting of elements; CF_SAX_DEPTH_MAX.
                          Deeper raises cf_sax_error at the start tag */
    const char *encoding; /* the document's encoding, overriding its XML
                             declaration (pyexpat's ParserCreate(encoding));
                             NULL: as declared, else UTF-8. Besides expat's
                             own (UTF-8, UTF-16, ISO-8859-1, US-ASCII), any
                             ASCII-compatible encoding iconv knows whose
                             characters take a fixed number of bytes for
                             each lead byte (windows-1250, ISO-8859-2,
                             KOI8-R, Shift_JIS, EUC-KR, Big5...) */
};

/*
 * Parse sources: read `fd`, `f` or the file at `path` ("-" is stdin) in
 * chunks of `chunk_size` bytes, or parse the `len` bytes at `data`, and
 * send each event to `target`. Return CF_RETURNED when the document ended
 * and the target was closed, with the close's result in `*out` (may be
 * NULL), or when the target finished first, with its result. Return
 * CF_RAISED when the target raised (its error), for malformed XML or text
 * over the limit (cf_sax_error, after closing the target), when the file
 * cannot be opened or read (OSError, in Python's words), or for a NULL
 * `target`, `path`, `f`, or `data` with a nonzero `len` (ValueError).
 * `p` may be NULL; otherwise the source is traced (CF_PIPE_SEND with each
 * event, CF_PIPE_CLOSE at the end) and drawn as a node of `p`.
 * Returns CF_RAISED: the error the target raised, ExpatError (malformed XML, a
 * limit passed), OSError (the file cannot be opened or read), ValueError (a
 * NULL argument).
 */
CF_API cf_status cf_sax_source_fd(cf_pipe *p, int fd, cf_coro *target,
                                  const struct cf_sax_opts *opts,
                                  cf_value *out);
CF_API cf_status cf_sax_source_file(cf_pipe *p, FILE *f, cf_coro *target,
                                    const struct cf_sax_opts *opts,
                                    cf_value *out);
CF_API cf_status cf_sax_source_path(cf_pipe *p, const char *path,
                                    cf_coro *target,
                                    const struct cf_sax_opts *opts,
                                    cf_value *out);
CF_API cf_status cf_sax_source_buffer(cf_pipe *p, const void *data, size_t len,
                                      cf_coro *target,
                                      const struct cf_sax_opts *opts,
                                      cf_value *out);

/* A push parser: the caller hands it the document piece by piece. Opaque. */
typedef struct cf_sax cf_sax;

/*
 * Creates a push parser sending to `target` in `*out` (`p` and `opts` as
 * for the sources; `opts->chunk_size` is not used). Returns 0, -EINVAL for
 * a NULL `out` or `target`, or -ENOMEM.
 * Returns -errno: -EINVAL (NULL `out` or `target`), -ENOMEM.
 */
CF_API int cf_sax_new(cf_sax **out, cf_pipe *p, cf_coro *target,
                      const struct cf_sax_opts *opts);

/*
 * Parses the next `len` bytes of the document (a piece may end anywhere,
 * even inside a tag or a UTF-8 sequence) and sends the events they
 * complete. Returns CF_YIELDED when it wants more, CF_RETURNED when the
 * target finished (its result in `*out`), or CF_RAISED as the sources do.
 * Once it has returned CF_RETURNED or CF_RAISED the parser is finished: a
 * later push or end raises ValueError("sax parser 'NAME' has finished").
 * Returns CF_RAISED: as the sources: the target's error, ExpatError, ValueError
 * (the parser has finished).
 */
CF_API cf_status cf_sax_push(cf_sax *s, const void *data, size_t len,
                             cf_value *out);

/*
 * Ends the document: a document that is not complete (truncated) raises
 * cf_sax_error; otherwise the target is closed (unless `no_close`) and its
 * close's result is returned as CF_RETURNED. Returns as cf_sax_push().
 * Returns CF_RAISED: the target's error, ExpatError (the document is not
 * complete), ValueError (the parser has finished).
 */
CF_API cf_status cf_sax_end(cf_sax *s, cf_value *out);

/*
 * Frees `s` (NULL is ignored). The target is not touched.
 * Fails: never.
 */
CF_API void cf_sax_free(cf_sax *s);

#ifdef __cplusplus
}
#endif

#endif
