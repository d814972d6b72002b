/* SPDX-License-Identifier: MIT */
/*
 * core/layer.h - what the layers built on the core (pipe, sax, bridge) may
 * use of it besides the public API: the whole of it, in one place.
 *
 * libcoflow.so exports these under the version node COFLOW_PRIVATE
 * (src/core/libcoflow.map): they are for coflow's own libraries, which are
 * built and installed together, and carry no promise to anyone else. They
 * take no struct cf_coro field: an upper layer sees a coroutine through
 * the public functions only, as src/sched does.
 */
#ifndef CF_CORE_LAYER_H
#define CF_CORE_LAYER_H

#include <stdbool.h>

#include "coflow/core.h"
#include "coflow/error.h"
#include "../common.h"

/*
 * A new error of type `t` (NULL: Exception) from the coroutine named `coro`
 * (NULL: none), its message formatted from `fmt` (NULL: empty). Out of
 * memory gives the shared MemoryError. Unlike cf_error_new(), which names
 * the running coroutine, the caller says which coroutine the error is from:
 * an error rebuilt after crossing a thread, a process or a stage keeps the
 * name it had.
 */
CF__LAYER_API cf_error *cf__error_at(const cf_error_type *t, const char *coro,
                                     const char *fmt, ...) CF_PRINTF(3, 4);

/*
 * Links `ctx` as `e`'s __context__ (a new reference) unless `e` has one, is
 * `ctx`, or the link would make a cycle.
 */
CF__LAYER_API void cf__error_set_context(cf_error *e, cf_error *ctx);

/* Sets `e`'s __cause__ to `cause`, taking the caller's reference. */
CF__LAYER_API void cf__error_set_cause(cf_error *e, cf_error *cause);

/*
 * Makes `e` (the caller's reference, taken; NULL clears) the error the
 * running context handles, the one cf_error_last() and cf_error_take()
 * then give, releasing the one it handled: the inverse of cf_error_take().
 * Unlike cf_raise_error(), it does not unwind and links no context.
 */
CF__LAYER_API void cf__error_restore(cf_error *e);

/*
 * cf_send() into a coroutine known to be a handler (cf_coro_is_handler()),
 * without the call cf_send() makes to find that out: for a layer that
 * sends once per event, as the sax parser does. `out` must not be NULL.
 */
CF__LAYER_API cf_status cf__handler_send(cf_coro *co, cf_value v,
                                         cf_value *out);

/*
 * A run of sends into a handler by a layer that makes many in a row (the
 * sax parser: one buffer expat parses): cf__handler_hold() claims `co` as
 * a send does (SUSPENDED; this thread's, or taken over) and keeps it
 * RUNNING, so that each send of the run is run->step(run->self,
 * CF_OP_SEND, v, out) alone; a step that does not yield is ended with
 * cf__handler_ended(run->raw, st, NULL) (which names a raised error and
 * marks it CLOSED), after which the run is over (run->step = NULL).
 * cf__handler_let_go() makes a held handler SUSPENDED again. The error the
 * sender handles is taken once, at the hold. False (nothing held): `co`
 * is not a SUSPENDED handler this thread may claim; send one by one.
 */
struct cf__handler_run {
    cf_step_fn step; /* NULL: nothing held */
    void *self;
    cf_coro *raw;
};
CF__LAYER_API bool cf__handler_hold(cf_coro *co, struct cf__handler_run *run);
CF__LAYER_API void cf__handler_let_go(struct cf__handler_run *run);

/*
 * cf_yield() entered by a jump with the return address pushed by the
 * caller (the inline cf_yield() of coflow/core.h, which calls it): not for
 * direct calls.
 */
CF__LAYER_API cf_value cf__yield_jump(cf_value v);

/*
 * The direct switch, for a scheduler handing the CPU from one task to the
 * next: called in a running body coroutine that its caller resumed through
 * `from` (the body itself, or the top of the yield from chain it is the
 * innermost delegate of), it suspends that body as cf_yield() would (its later resume returns here, and a throw or close
 * meets it here as at a cf_yield()), and resumes the SUSPENDED coroutine
 * `h` with `v` in its place: the send that resumed the body returns what
 * `h` yields, returns or raises next, into the same `out`. The value the
 * body "yields" is delivered to nobody. Sets *switched to true before the
 * switch; when the switch cannot be made this way (a sanitizer build,
 * another CPU's protocol, a traced or CF_CORO_FPENV coroutine at either
 * end, `h` not SUSPENDED, a handler, a chain's middle, a coroutine another
 * thread last ran, a stale handle, a body not resumed through `from`) it
 * does nothing and sets it to false,
 * and the caller yields the usual way.
 */
CF__LAYER_API void cf__yield_to(cf_value v, cf_coro *from, cf_coro *h,
                                bool *switched);

/*
 * What coflow/core.h's inline half of cf_send() uses (declared there; see
 * docs/design.md, "The handler fast path"): exported to every program
 * that includes the header, not only to the layers, but no API.
 */
CF__LAYER_API cf_status cf__handler_ended(cf_coro *raw, cf_status st,
                                          cf_value *drop);
extern CF__LAYER_API CF__TLS_IE struct cf__tls cf__tls;

#endif
