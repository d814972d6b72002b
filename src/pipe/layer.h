/* SPDX-License-Identifier: MIT */
/*
 * pipe/layer.h - what the layers built on the pipe layer (sax, bridge) may
 * use of it besides include/coflow/pipe.h: the whole of it, in one place.
 *
 * libcoflow-pipe.so exports these under the version node
 * COFLOW_PIPE_PRIVATE (src/pipe/libcoflow-pipe.map), for coflow's own
 * libraries only. A graph's node stays opaque: a source made in another
 * layer holds a pointer to its node and passes it back.
 */
#ifndef CF_PIPE_LAYER_H
#define CF_PIPE_LAYER_H

#include "coflow/pipe.h"
#include "../common.h"

/* A node of a graph (pipe/internal.h). */
typedef struct cf__stage cf__stage;

/*
 * Links into `p` a node for a source made elsewhere: of kind `kind` (as the
 * graph's DOT output and trace show it), named `name`, sending to `target`
 * (NULL: none). NULL when out of memory. The node lives as long as `p`.
 */
CF__LAYER_API cf__stage *cf__pipe_node(cf_pipe *p, const char *kind,
                                       const char *name, cf_coro *target);

/*
 * Where `p` keeps its trace function (NULL while nobody traces it), valid
 * as long as `p`: a source that emits per event reads it to skip calling
 * cf__pipe_emit() while the graph is not traced.
 */
CF__LAYER_API const cf_pipe_trace_fn *cf__pipe_trace_hook(const cf_pipe *p);

/* Emits `ev` with `v` for node `st` if its graph is traced now. */
CF__LAYER_API void cf__pipe_emit(const cf__stage *st, cf_pipe_event ev,
                                 cf_value v);

/*
 * The error being handled passed through stage `name` on its way up: it
 * becomes a copy whose via chain ends with the name (cf_error_via_add()),
 * printed as " (via 'a' <- 'b')". Returns CF_RAISED.
 */
CF__LAYER_API cf_status cf__pipe_tag(const char *name);

/*
 * Raises OSError for errno, as Python words it: "[Errno N] text", then
 * ": 'what'" when `what` (a path) is not NULL. Returns CF_RAISED.
 */
CF__LAYER_API cf_status cf__pipe_os_error(const char *what);

#endif
