/* SPDX-License-Identifier: MIT */
/*
 * sax/internal.h - what the files of sax/ share: the parser object behind
 * both the push API (cf_sax_new) and the sources, which drive one on the
 * stack. parser.c owns expat; source.c only reads input into its buffer.
 */
#ifndef CF_SAX_INTERNAL_H
#define CF_SAX_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <expat.h>

#include "coflow/sax.h"
#include "../common.h"
#include "../core/layer.h"
#include "../pipe/layer.h"

/* Keeps a slow path out of line, so that the hot callback stays a leaf. */
#define CF__SAX_NOINLINE __attribute__((noinline))
/* Puts the send into each callback: one call less per event. */
#define CF__SAX_INLINE inline __attribute__((always_inline))

struct cf_sax {
    XML_Parser xp;
    cf_coro *target;
    bool target_handler; /* cf_coro_is_handler(target): sent to in place */
    /* A handler target held for the buffer expat is parsing (run.step
       NULL when not): each event is a call of its step. */
    struct cf__handler_run run;
    cf__stage *node; /* the source's node in a graph, or NULL */
    /* That graph's trace function (cf__pipe_trace_hook(); NULL with no
       node): checked at each event, since it may be set at any time. */
    const cf_pipe_trace_fn *trace;
    /* One event per kind, its constant fields set once; each send fills
       in the rest. */
    cf_sax_event ev_start, ev_text, ev_end;
    char *text; /* text not yet sent: [0, tlen) */
    size_t tlen, tcap;
    /*
     * on_text's fast path: a piece is appended in place while tlen + piece
     * stays below tlim, which is the room in the buffer (a byte kept for
     * the NUL) capped by max_text + 1; 0 with split_text or once the
     * target has stopped, so that every piece takes the slow path then.
     */
    size_t tlim;
    size_t max_text;
    /*
     * Hostile input: `reported` counts what expat reported (tags, text
     * pieces going past the buffer, comments, PIs); `stall` the bytes fed
     * since the last parse that reported anything. The sources feed at
     * least `stall` bytes at once, and a push parser gathers pieces in
     * `pend` until it has that many, so that expat rescans an unfinished
     * token only each time it doubles. `depth` is the elements open.
     */
    unsigned long reported;
    unsigned long parses; /* calls into expat (each rescans a token) */
    size_t stall, max_token;
    size_t depth, max_depth;
    char *pend;
    size_t pend_len, pend_cap;
    bool split_text;
    bool no_close;
    bool busy;       /* inside expat: a push from the target is misuse */
    bool finished;   /* returned CF_RETURNED or CF_RAISED once */
    bool bad_input;  /* st is CF_RAISED because of the input, not the target */
    cf_status st;    /* CF_YIELDED while the target takes events */
    cf_value result; /* the target's result when it finished */
    char name[CF__NAME_MAX];
};

/*
 * Sets up `s` (the caller's memory) to send to `target`. Returns 0,
 * -EINVAL or -ENOMEM; on failure nothing is left to free.
 */
int cf__sax_init(cf_sax *s, cf_pipe *p, cf_coro *target,
                 const struct cf_sax_opts *opts);

/* Frees what cf__sax_init() allocated. */
void cf__sax_fini(cf_sax *s);

/* Raises ValueError when `s` cannot parse now (finished, or re-entered). */
cf_status cf__sax_check(cf_sax *s);

/*
 * Parses the `len` bytes at `data` (the last piece when `final`) and
 * returns what cf_sax_push() and cf_sax_end() return.
 */
cf_status cf__sax_parse(cf_sax *s, const char *data, size_t len, bool final,
                        cf_value *out);

/*
 * Input could not be read (the OSError is being handled): the parser is
 * finished and the target closed as for malformed XML. Returns CF_RAISED.
 */
cf_status cf__sax_abort(cf_sax *s);

/* How many bytes a source should feed next: at least `chunk`. */
size_t cf__sax_feed_size(const cf_sax *s, size_t chunk);

/*
 * Reading straight into expat's buffer, without a copy: cf__sax_buffer()
 * gives room for `n` bytes (NULL when out of memory) and
 * cf__sax_parse_buffer() parses the `len` bytes read into it.
 */
void *cf__sax_buffer(cf_sax *s, size_t n);
cf_status cf__sax_parse_buffer(cf_sax *s, size_t len, bool final,
                               cf_value *out);

#endif
