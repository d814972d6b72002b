/* SPDX-License-Identifier: MIT */
/*
 * coflow/trace.h - a trace of what ran when, for Perfetto's UI.
 *
 * While a trace is being written, every resume of a body coroutine opens a
 * slice on that coroutine's own track and its next yield, return or raise
 * closes it; the scheduler adds its tasks' waits (on an fd, a timer,
 * another task) and the time it spends polling, a pipeline the slices of
 * its stages. The file is Chrome's trace-event JSON ({"traceEvents": [...]}),
 * which ui.perfetto.dev and chrome://tracing open; docs/trace.md says what
 * each track shows.
 *
 * A trace starts with cf_trace_start(), or by itself when the environment
 * variable COFLOW_TRACE names a file when the process first creates a
 * coroutine or calls a function of this header; it ends with
 * cf_trace_stop() or at exit. Events are streamed to the file through a
 * buffer of 64 KiB, so a long run takes no more memory. One trace at a
 * time per process; any thread may write to it. When no trace is being
 * written, resumes and yields cost nothing more than without this header:
 * coroutines created then are not marked for tracing.
 *
 * The functions below other than start and stop let any code add its own
 * events to the trace, on the track of a coroutine, a named track, or its
 * thread's. They do nothing while no trace is being written.
 */
#ifndef COFLOW_TRACE_H
#define COFLOW_TRACE_H

#include <stdbool.h>

#include "coflow/core.h"
#include "coflow/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Starts writing a trace to the file `path` (created or truncated, mode
 * 0644). Every body coroutine alive now is traced from its next resume,
 * and every one created until cf_trace_stop(). Returns 0, -EINVAL for a
 * NULL or empty `path`, -EALREADY if a trace is being written, or the
 * -errno of opening or writing the file (-ENOENT, -EACCES, ...).
 * Returns -errno: -EINVAL (NULL or empty `path`), -EALREADY (a trace is being
 * written), or the -errno of opening or writing the file (-ENOENT, -EACCES,
 * -EISDIR, -ENOSPC, ...).
 */
CF_API int cf_trace_start(const char *path);

/*
 * Ends the trace: closes the slices still open (a coroutine running now,
 * a slice begun and not ended) at the current time, writes the end of the
 * JSON, and closes the file. Coroutines are no longer traced. Returns 0,
 * -EINVAL if no trace is being written, or the -errno of the first write
 * or of the close that failed (the trace is then incomplete; the process
 * goes on). Runs by itself at exit (atexit) for a trace still open.
 * Returns -errno: -EINVAL (no trace is being written), or the -errno of a write
 * or the close (-EIO, -ENOSPC, -EFBIG, ...).
 */
CF_API int cf_trace_stop(void);

/*
 * True while a trace is being written.
 * Fails: never.
 */
CF_API bool cf_trace_enabled(void);

/*
 * A track to put events on: the track of coroutine `co` (body or handler)
 * if `co` is not NULL, else the track called `name` (the same track for
 * the same name, until the trace ends), else the calling thread's track.
 * Returns its number, for the functions below, or 0 when no trace is being
 * written (0 passed to them means the calling thread's track).
 * Fails: returns 0 when no trace is being written.
 */
CF_API long cf_trace_track(const cf_coro *co, const char *name);

/*
 * An instant event `name` of category `cat` on `track`, now; `detail`
 * (may be NULL) is shown as its argument "detail". `cat` NULL is "user".
 * Strings are copied, escaped for JSON, and cut at 200 bytes.
 * Fails: never.
 */
CF_API void cf_trace_instant(long track, const char *cat, const char *name,
                             const char *detail);

/*
 * Opens a slice `name` on `track`, now, as cf_trace_instant() describes
 * its arguments. Slices on one track nest: each cf_trace_end() closes the
 * innermost one open. On a coroutine's track, end a slice before the
 * coroutine yields: its yield closes those left open.
 * Fails: never.
 */
CF_API void cf_trace_begin(long track, const char *cat, const char *name,
                           const char *detail);

/*
 * Closes the innermost slice open on `track`; nothing if none is open.
 * Fails: never.
 */
CF_API void cf_trace_end(long track);

#ifdef __cplusplus
}
#endif

#endif
