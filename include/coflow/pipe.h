/* SPDX-License-Identifier: MIT */
/*
 * coflow/pipe.h - pipelines: Beazley's sources, filters, broadcast and
 * sinks (SEMANTICS.md group J).
 *
 * A pipeline is built inside out, sink first. Every built-in stage is a
 * coroutine (a handler: no stack, no switch) that any other stage, built in
 * or the user's, may target; a source is a plain function that drives the
 * first stage with cf_send() and ends with cf_close():
 *
 *     cf_pipe *p;  cf_coro *count, *grep;  cf_value n;
 *     cf_pipe_new(&p);
 *     cf_pipe_count(p, &count, NULL);
 *     cf_pipe_grep(p, &grep, NULL, "python", count);
 *     cf_pipe_source_path(p, "access-log", grep, NULL, &n);  // n: the count
 *     cf_pipe_free(p);
 *
 * The graph (`cf_pipe`) owns its stages and knows each one's targets, so it
 * can draw itself (cf_pipe_write_dot()).
 *
 * Close flows downstream: a built-in stage that is closed closes its
 * targets, in order, then reports its result; a reducer (count, sum, min,
 * max, collect) returns its result from the close (Python 3.13's close()),
 * a stage with one target returns what its target's close returned, so a
 * source closing grep -> count gets the count; broadcast and dispatch
 * return none.
 *
 * An error flows upstream, as item 66 says: the stage that raised is
 * closed, and so is every built-in stage the error passes back through;
 * stages downstream are left alone. Each stage the error passes back
 * through appends its name to the error's message (the stage that raised is
 * the one cf_error_coro() names), so the source sees where it went:
 *
 *     ValueError: boom (via 'grep' <- 'broadcast')
 *
 * The type, the coroutine the error came from (cf_error_coro()), its
 * context and its cause are kept. A stage that sends into a stage that is
 * running (a cycle in the graph) gets ValueError("generator already
 * executing") from the core, which flows up the same way.
 *
 * End of stream flows upstream too: when a stage's target has finished
 * (returned), a built-in stage with one target finishes with the same
 * result, broadcast and dispatch finish once all their targets have, and a
 * source stops reading and returns that result.
 *
 * Threads: a graph, like a coroutine, is used by one thread at a time.
 */
#ifndef COFLOW_PIPE_H
#define COFLOW_PIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "coflow/core.h"
#include "coflow/error.h"
#include "coflow/export.h"
#include "coflow/value.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A pipeline graph: the stages it owns and their targets. Opaque. */
typedef struct cf_pipe cf_pipe;

/*
 * OSError: Exception. Raised by sources for a file that cannot be opened or
 * read, with Python's message: "[Errno 2] No such file or directory: 'x'".
 */
CF_API extern const cf_error_type cf_os_error;

/*
 * Creates an empty graph in `*out`. Returns 0, -EINVAL for a NULL `out`, or
 * -ENOMEM.
 * Returns -errno: -EINVAL (NULL `out`), -ENOMEM.
 */
CF_API int cf_pipe_new(cf_pipe **out);

/*
 * Frees `p` (NULL is ignored) and every stage it owns, the last created
 * first. Built-in stages still open are freed without running their close:
 * nothing is closed downstream and no result is reported (close the first
 * stage before, as a source does, to have that). A user stage added with
 * cf_pipe_add() is freed with cf_coro_free(), which closes it if it is
 * suspended. No stage may be running.
 * Fails: never.
 */
CF_API void cf_pipe_free(cf_pipe *p);

/*
 * Adds a user coroutine `co` (body or handler) to `p` as a stage whose
 * targets are the `n` coroutines at `targets` (copied; NULL when n is 0).
 * The graph then owns `co` and frees it in cf_pipe_free(). Only the picture
 * uses the targets: the stage sends where its code says. Returns 0,
 * -EINVAL for a NULL `p` or `co` or NULL `targets` with `n` > 0, or
 * -ENOMEM. `co` is taken over whatever the outcome: on a failure it is
 * freed, as cf_sched_add() does (the rule of every call that takes an
 * object over).
 * Returns -errno: -EINVAL (NULL `p` or `co`, NULL `targets` with `n` > 0),
 * -ENOMEM.
 */
CF_API int cf_pipe_add(cf_pipe *p, cf_coro *co, cf_coro *const *targets,
                       size_t n);

/*
 * The targets of stage `co` in `p`: stores a pointer to them in `*targets`
 * (may be NULL) and returns how many, 0 for a sink or an unknown `co`. The
 * array lives as long as the stage.
 * Fails: never.
 */
CF_API size_t cf_pipe_targets(const cf_pipe *p, const cf_coro *co,
                              cf_coro *const **targets);

/*
 * Writes `p` as a Graphviz DOT digraph to `f`: one node per stage and per
 * source that has run (label: the name, then the kind), one edge per
 * target, in order. A target `p` does not know is drawn as a node named by
 * its coroutine's name. Returns 0, or -EINVAL / -EIO.
 * Returns -errno: -EINVAL (NULL argument), -EIO (a write failed).
 */
CF_API int cf_pipe_write_dot(const cf_pipe *p, FILE *f);

/* What a stage or a source reports to a trace function. */
typedef enum cf_pipe_event {
    CF_PIPE_SEND = 0, /* a source is about to send `v` */
    CF_PIPE_RECV,     /* a stage received `v` */
    CF_PIPE_PASS,     /* a filter passes `v` on */
    CF_PIPE_DROP,     /* a filter drops `v` */
    CF_PIPE_UPDATE,   /* a min or max reducer's result changed to `v` */
    CF_PIPE_CLOSE,    /* a stage (or a source, at its end) closes its targets */
    CF_PIPE_RESULT    /* a reducer, closed, reports its result `v` */
} cf_pipe_event;

/* A trace function: `stage` is the name of the stage or source. */
typedef void (*cf_pipe_trace_fn)(void *arg, const char *stage, cf_pipe_event ev,
                                 cf_value v);

/*
 * Calls fn(arg, ...) for every event of the built-in stages and sources of
 * `p` from now on, in the order they happen; NULL `fn` stops it. For
 * debugging and for the trace tests; `v` is borrowed for the call.
 * Fails: never.
 */
CF_API void cf_pipe_trace(cf_pipe *p, cf_pipe_trace_fn fn, void *arg);

/*
 * "send", "recv", "pass", "drop", "update", "close", "result" ("?" else).
 * Fails: never.
 */
CF_API const char *cf_pipe_event_name(cf_pipe_event ev);

/*
 * Each stage constructor below creates a primed, SUSPENDED handler
 * coroutine owned by `p`, stores it in `*out`, and returns 0, -EINVAL for
 * a NULL `p`, `out` or required argument, or -ENOMEM. `name` (NULL: the
 * kind, as "grep") names it in errors, traces and pictures. Targets are
 * borrowed: they must live as long as the stage is used.
 */

/*
 * A precomputed substring searcher, made once per needle and used for many
 * haystacks: it picks the needle's two rarest bytes (by their frequency in
 * text) and scans for both at their offsets, 32 or 16 start positions at a
 * time (AVX2 where the CPU has it, else SSE2), checking the few candidates
 * with memcmp. Opaque; used by one thread at a time or only read.
 */
typedef struct cf_finder cf_finder;

/*
 * Makes a searcher for the `len` bytes at `needle` (copied; NUL bytes are
 * data; an empty needle is found at the start of every haystack) in
 * `*out`. Returns 0, -EINVAL for a NULL `out` (or a NULL `needle` with
 * `len` > 0), or -ENOMEM.
 * Returns -errno: -EINVAL (NULL `out`, NULL `needle` with `len` > 0), -ENOMEM.
 */
CF_API int cf_finder_new(cf_finder **out, const char *needle, size_t len);

/*
 * The first occurrence of the needle in the `n` bytes at `h`, or NULL
 * (also for a NULL `f`).
 * Fails: never.
 */
CF_API const char *cf_finder_find(const cf_finder *f, const char *h, size_t n);

/*
 * The needle's length in bytes (0 for NULL).
 * Fails: never.
 */
CF_API size_t cf_finder_len(const cf_finder *f);

/*
 * Frees `f` (NULL is ignored).
 * Fails: never.
 */
CF_API void cf_finder_free(cf_finder *f);

/*
 * grep: passes on the string and bytes values that contain `needle` (its
 * bytes up to the NUL; an empty one matches every value), drops the
 * others. Any other kind of value raises TypeError. The search is a
 * cf_finder made once. NUL bytes in values are data.
 * Returns -errno: -EINVAL (a NULL required argument), -ENOMEM.
 */
CF_API int cf_pipe_grep(cf_pipe *p, cf_coro **out, const char *name,
                        const char *needle, cf_coro *target);

/* Flags for cf_pipe_regex(). */
#define CF_REGEX_CASELESS 0x1u /* match letters in either case */
#define CF_REGEX_UTF      0x2u /* the pattern and the values are UTF-8 */
#define CF_REGEX_INVERT   0x4u /* pass on the values that do NOT match */

/*
 * regex grep: passes on the values a PCRE2 regular expression `pattern`
 * matches (anywhere, as re.search), compiled with PCRE2's JIT when the
 * machine has one; with CF_REGEX_INVERT, the values it does not match (as
 * grep -v). An invalid pattern returns -EINVAL and raises
 * ValueError("invalid regular expression 'a(b' at offset 3: missing closing
 * parenthesis"), PCRE2's message and the offset, into cf_error_last().
 *
 * Long lines: the stage gives the JIT a stack of its own that grows from
 * 32 KiB to 8 MiB, and a match that needs more runs again in PCRE2's
 * interpreter. A value on which PCRE2 gives up (its match, depth or heap
 * limit) is dropped with a warning naming the stage and the value
 * (cf_pipe_on_warning()), and the stream goes on, as grep -P does.
 * Under CF_REGEX_UTF the pattern is compiled with PCRE2_MATCH_INVALID_UTF:
 * values need not be valid UTF-8, and an invalid sequence matches nothing
 * (no check, no error, no crash).
 * Returns -errno: -EINVAL (a NULL required argument, unknown flags, or an
 * invalid pattern, with ValueError being handled), -ENOMEM.
 */
CF_API int cf_pipe_regex(cf_pipe *p, cf_coro **out, const char *name,
                         const char *pattern, unsigned flags, cf_coro *target);

/*
 * A warning function: `stage` names the stage, `msg` says what happened
 * (both borrowed for the call).
 */
typedef void (*cf_pipe_warn_fn)(void *arg, const char *stage, const char *msg);

/*
 * Sends the warnings of `p`'s stages (a regex stage skipping a value over
 * PCRE2's limits) to fn(arg, ...) from now on. With no function set (or
 * NULL `fn`) they go to stderr as "coflow: pipe stage 'NAME': MSG". Every
 * warning is counted either way (cf_pipe_warnings()).
 * Fails: never.
 */
CF_API void cf_pipe_on_warning(cf_pipe *p, cf_pipe_warn_fn fn, void *arg);

/*
 * How many warnings `p`'s stages have given (0 for NULL).
 * Fails: never.
 */
CF_API uint64_t cf_pipe_warnings(const cf_pipe *p);

/* A predicate: true to keep `v`. */
typedef bool (*cf_pred_fn)(void *arg, cf_value v);

/*
 * filter: passes on the values for which pred(arg, v) is true.
 * Returns -errno: -EINVAL (a NULL required argument), -ENOMEM.
 */
CF_API int cf_pipe_filter(cf_pipe *p, cf_coro **out, const char *name,
                          cf_pred_fn pred, void *arg, cf_coro *target);

/*
 * A map function: CF_YIELDED with the value to pass on in `*out` (a string
 * must stay valid until the function is called again), CF_RETURNED to drop
 * `in`, CF_MAP_END to end the stream (see cf_pipe_map()), or CF_RAISED
 * after cf_fail().
 */
typedef cf_status (*cf_map_fn)(void *arg, cf_value in, cf_value *out);

/* What a map function returns to end the stream (a generator's return). */
#define CF_MAP_END ((cf_status)16)

/*
 * map: passes on fn(arg, v) for each value v. When fn returns CF_MAP_END
 * (`in` is then not passed on), the stage closes its target and finishes
 * with what that close returned, as a generator that returns does: the
 * source stops reading and hands that result back.
 * Returns -errno: -EINVAL (a NULL required argument), -ENOMEM.
 */
CF_API int cf_pipe_map(cf_pipe *p, cf_coro **out, const char *name,
                       cf_map_fn fn, void *arg, cf_coro *target);

/*
 * take (head): passes on the first `n` values, then closes its target and
 * finishes with what that close returned, so the source stops reading at
 * once: source -> take(10) -> count reports 10 and reads no further than
 * the tenth line's block. With `n` 0 it passes nothing and finishes on the
 * first value. Its own result (cf_pipe_result()) is how many it passed.
 * Returns -errno: -EINVAL (a NULL required argument), -ENOMEM.
 */
CF_API int cf_pipe_take(cf_pipe *p, cf_coro **out, const char *name, uint64_t n,
                        cf_coro *target);

/*
 * broadcast: sends each value to the `n` targets (copied) in order, each
 * one and everything below it finishing before the next gets it (item 62).
 * A target that raises stops the round: the later ones do not get the
 * value. Closing it closes the targets in order.
 * Returns -errno: -EINVAL (a NULL required argument), -ENOMEM.
 */
CF_API int cf_pipe_broadcast(cf_pipe *p, cf_coro **out, const char *name,
                             cf_coro *const *targets, size_t n);

/*
 * dispatch: sends the first value to targets[0], the next to targets[1],
 * and so on round robin (item 65), skipping targets that have finished.
 * Closing it closes the targets in order.
 * Returns -errno: -EINVAL (a NULL required argument), -ENOMEM.
 */
CF_API int cf_pipe_dispatch(cf_pipe *p, cf_coro **out, const char *name,
                            cf_coro *const *targets, size_t n);

/*
 * printer: writes each value to `f` as Python's print(prefix + str(v))
 * would: `prefix` (NULL: none; copied), then the bytes of a string or
 * bytes value as they are (NUL bytes included) or the str() of another
 * value, then a newline. A write error raises OSError.
 * Returns -errno: -EINVAL (a NULL required argument), -ENOMEM.
 */
CF_API int cf_pipe_printer(cf_pipe *p, cf_coro **out, const char *name, FILE *f,
                           const char *prefix);

/*
 * collect: keeps each value (cf_value_keep(): a borrowed string or bytes
 * value is copied, an owned one gets a reference; dropped when the stage is
 * freed), yields
 * the number kept, and returns that number when closed. The values stay
 * readable through cf_pipe_collected() until the graph is freed.
 * Returns -errno: -EINVAL (a NULL required argument), -ENOMEM.
 */
CF_API int cf_pipe_collect(cf_pipe *p, cf_coro **out, const char *name);

/*
 * The values collect stage `co` of `p` kept: stores their number in `*n` and
 * returns them (NULL when none, or when `co` is not a collect stage).
 * Fails: returns NULL when `co` is not a collect stage of `p`.
 */
CF_API const cf_value *cf_pipe_collected(const cf_pipe *p, const cf_coro *co,
                                         size_t *n);

/*
 * Reducers. Each yields its running result after every value and returns
 * its result when closed:
 *   count - how many values (an int);
 *   sum   - their sum: an int, or a double once a double (or an int
 *           overflow) is seen; 0 for none; other kinds raise TypeError;
 *   min, max - the least / greatest value as Python's min() and max() see
 *           it (the first of equals); none before any value. Numbers
 *           compare with numbers, strings and bytes by their bytes; other
 *           mixes raise TypeError. A string result is a copy the stage
 *           keeps until it is freed.
 *   null  - discards everything; yields and returns none.
 * Returns -errno: -EINVAL (a NULL required argument), -ENOMEM.
 */
CF_API int cf_pipe_count(cf_pipe *p, cf_coro **out, const char *name);
CF_API int cf_pipe_sum(cf_pipe *p, cf_coro **out, const char *name);
CF_API int cf_pipe_min(cf_pipe *p, cf_coro **out, const char *name);
CF_API int cf_pipe_max(cf_pipe *p, cf_coro **out, const char *name);
CF_API int cf_pipe_null(cf_pipe *p, cf_coro **out, const char *name);

/*
 * The result of stage `co` of `p`, wherever it sits in the graph (behind a
 * broadcast or a dispatch too): a reducer's (count, sum, min, max; collect:
 * the number kept; take: the number passed), stored in `*out`. Before the
 * stage is closed it is the running result; after, the final one, readable
 * until the graph is freed. (Closing a closed stage again returns none, as
 * Python 3.13's close() of a finished generator does: this is the way to
 * read a result afterwards.) Returns 0, -EINVAL for a NULL argument,
 * -ENOENT when `co` is not a stage of `p`, or -ENOTSUP when the stage has
 * no result (a filter, a printer, broadcast...).
 * Returns -errno: -EINVAL (NULL argument), -ENOENT (not a stage of `p`),
 * -ENOTSUP (the stage has no result).
 */
CF_API int cf_pipe_result(const cf_pipe *p, const cf_coro *co, cf_value *out);

/* How many signals cf_source_opts.stop_signals holds. */
#define CF_SOURCE_MAX_SIGNALS 8

/* Options for a source. NULL, or a zero field, means the default. */
struct cf_source_opts {
    const char *name;  /* for traces, errors and pictures; "source" */
    size_t block_size; /* bytes read at once; default 256 KiB. A longer line
                          grows the buffer: lines are never cut */
    bool keep_newline; /* deliver each line with its '\n' */
    bool bytes;        /* deliver CF_BYTES values rather than CF_STR */
    bool no_close;     /* do not close the target at the end */
    bool blocks;       /* line sources: send the whole lines of each read as
                          one value, newlines kept (the last line of the
                          input may have none), rather than line by line */
    /* Follow mode (tail -F): at end of file, wait for more (inotify, and a
       check every `poll_ms`) until stop(stop_arg) returns true or one of the
       stop signals arrives. A file truncated in place (copytruncate) is
       read again from its start; a file replaced at its path (rename
       rotation) is read to its end, then the new file at the path is
       opened and read from its start. Only whole lines are delivered while
       following: an unterminated last line waits for its newline (at a
       truncation it is dropped, having gone with the copy; the last line
       of a rotated-away file is delivered, that file being complete). */
    bool follow;
    bool (*stop)(void *stop_arg);
    void *stop_arg;
    int stop_signal; /* e.g. SIGINT; its handler is replaced meanwhile */
    int stop_signals[CF_SOURCE_MAX_SIGNALS]; /* more of them; 0 ends the list */
    unsigned poll_ms; /* how often stop() is asked while waiting; 100 ms */
};

/*
 * Line sources. Read `fd`, `f` or the file at `path` ("-" is stdin) in large
 * blocks and send each line to `target` as a value pointing into the
 * buffer (no copy; valid for the duration of that send), without its '\n'
 * unless `keep_newline`, with its true length (NUL bytes are data). A last
 * line without a newline is sent too. A line longer than the buffer grows
 * the buffer. At the end the target is closed (unless `no_close`).
 *
 * Returns CF_RETURNED when the input ended and the target was closed, with
 * the close's result (a reducer's result) in `*out` (may be NULL), or when
 * the target finished first, with its result. Returns CF_RAISED when the
 * pipeline raised (its error carries the stages it passed through; the
 * target is not closed), when the file cannot be opened or read (OSError,
 * as Python words it), or for a line longer than CF_VALUE_MAXLEN
 * (ValueError). `p` may be NULL; otherwise the source is traced and drawn.
 * Returns CF_RAISED: the error the pipeline raised, OSError (the file cannot be
 * opened or read), ValueError (a NULL `target`, `f` or `path`, a line longer
 * than CF_VALUE_MAXLEN).
 */
CF_API cf_status cf_pipe_source_fd(cf_pipe *p, int fd, cf_coro *target,
                                   const struct cf_source_opts *opts,
                                   cf_value *out);
CF_API cf_status cf_pipe_source_file(cf_pipe *p, FILE *f, cf_coro *target,
                                     const struct cf_source_opts *opts,
                                     cf_value *out);
CF_API cf_status cf_pipe_source_path(cf_pipe *p, const char *path,
                                     cf_coro *target,
                                     const struct cf_source_opts *opts,
                                     cf_value *out);

/*
 * Value sources: send the `n` values at `v`; the integers start, start +
 * step, ... up to and not including stop (Python's range; a zero step
 * raises ValueError); the values generator `gen` yields (its return ends
 * the stream; its error is raised); or the values the iterator next(state)
 * gives. Then close the target; returns as the line sources do (`opts`:
 * only `name` and `no_close` apply).
 * Returns CF_RAISED: the error the pipeline or `gen` raised, ValueError (a NULL
 * `target`, `gen` or `next`, a zero step).
 */
CF_API cf_status cf_pipe_source_array(cf_pipe *p, const cf_value *v, size_t n,
                                      cf_coro *target,
                                      const struct cf_source_opts *opts,
                                      cf_value *out);
CF_API cf_status cf_pipe_source_range(cf_pipe *p, int64_t start, int64_t stop,
                                      int64_t step, cf_coro *target,
                                      const struct cf_source_opts *opts,
                                      cf_value *out);
CF_API cf_status cf_pipe_source_coro(cf_pipe *p, cf_coro *gen, cf_coro *target,
                                     const struct cf_source_opts *opts,
                                     cf_value *out);
CF_API cf_status cf_pipe_source_iter(cf_pipe *p, cf_iter_fn next, void *state,
                                     cf_coro *target,
                                     const struct cf_source_opts *opts,
                                     cf_value *out);

#ifdef __cplusplus
}
#endif

#endif
