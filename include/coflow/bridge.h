/* SPDX-License-Identifier: MIT */
/*
 * coflow/bridge.h - pipeline stages whose target lives elsewhere: on another
 * thread, in a forked child process, or across ZeroMQ (SEMANTICS item 68,
 * Beazley's cothread and coprocess).
 *
 * A bridge stage is a handler coroutine like any other target: values sent
 * into it are carried to a target that runs somewhere else, cf_close()
 * closes that target (and returns what its close returned), and an error
 * the target raises comes back to the sender on the next send or on the
 * close, with the names of the stages it passed and the bridge's own:
 *
 *     ValueError: boom (via 'count' <- 'thread')
 *
 *     cf_coro *count, *bridge, *grep;
 *     cf_pipe_count(p, &count, NULL);
 *     cf_bridge_thread(p, &bridge, count, NULL);   // count runs on a thread
 *     cf_pipe_grep(p, &grep, NULL, "python", bridge);
 *     cf_pipe_source_path(p, "access-log", grep, NULL, &n);
 *
 * A bridge stage owns its resources (thread, child, socket) until it
 * finishes: a close, an error, or cf_coro_free() of the suspended stage
 * (which closes it) releases them. A string or bytes result of a close that
 * crossed a process or the network stays valid until the next bridge close
 * on the same thread.
 *
 * Values across a process or the network are encoded with MessagePack:
 * none, bool, int, float, string and bytes as themselves, and a user pointer
 * through the codec registered for its tag (cf_codec_register()). Sending
 * a pointer whose tag has no codec raises TypeError at the send. Frames
 * carry a kind - value, close, or error with its type name, message and
 * coroutine name - so close and errors cross too. On the receiving side an
 * error type is found by name among the built-in types and those given to
 * cf_bridge_error_type_register(); another name becomes a type of that name
 * derived from Exception.
 *
 * Threads: a bridge stage, like a coroutine, is used by one thread at a
 * time; its target runs on another, so it must not be used by the sender.
 */
#ifndef COFLOW_BRIDGE_H
#define COFLOW_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "coflow/core.h"
#include "coflow/error.h"
#include "coflow/export.h"
#include "coflow/pipe.h"
#include "coflow/value.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * BridgeError: Exception. The other side of a bridge failed: the child
 * process died or was killed, a pipe or socket broke, a wait timed out.
 */
CF_API extern const cf_error_type cf_bridge_error;

/*
 * A codec for user pointers of one tag. encode(arg, p, buf, cap) writes the
 * bytes of object `p` into `buf` when they fit in `cap` and returns how many
 * bytes they take (like snprintf: a result above `cap` asks for a larger
 * buffer), or a negative number when `p` cannot be encoded (the send then
 * raises ValueError). decode(arg, data, n, &p) makes an object from the `n`
 * bytes and returns 0, or a negative number for bytes it does not accept
 * (the frame is then malformed). release(arg, p), if set, is called with a
 * decoded object after the send that delivered it returns.
 */
typedef struct cf_codec {
    ptrdiff_t (*encode)(void *arg, const void *p, void *buf, size_t cap);
    int (*decode)(void *arg, const void *data, size_t n, void **out);
    void (*release)(void *arg, void *p);
    void *arg;
} cf_codec;

/*
 * Registers `codec` (copied) for pointers with tag `tag`, process-wide,
 * replacing any earlier one; NULL removes it. Register before creating the
 * bridges that use it (a child process inherits the codecs it had at the
 * fork). Returns 0, -EINVAL for a codec without encode or decode, or
 * -ENOSPC when 64 tags already have codecs.
 * Returns -errno: -EINVAL (a codec without encode or decode), -ENOSPC (64 tags
 * have codecs).
 */
CF_API int cf_codec_register(uint16_t tag, const cf_codec *codec);

/*
 * Makes errors named t->name decode as type `t` (kept by pointer: a static
 * descriptor) when they cross a process or the network. The built-in types
 * and BridgeError are known already. Returns 0, -EINVAL, or -ENOSPC.
 * Returns -errno: -EINVAL (NULL `t` or a nameless type), -ENOSPC (the table is
 * full).
 */
CF_API int cf_bridge_error_type_register(const cf_error_type *t);

/* Options for the thread and process stages. NULL or 0 means the default. */
struct cf_bridge_opts {
    const char *name; /* the stage's name: "thread" or "process" */
    size_t queue;     /* thread: values the queue holds (default 65536) */
    size_t batch;     /* thread: values per chunk of the queue, which a
                         sleeping worker is woken for (default 512);
                         process: bytes written at once (default 64 KiB) */
};

/*
 * Thread stage: creates a primed handler in `*out` whose values go, through
 * a bounded queue, to `target` on a new worker thread. The sender copies
 * each value (string and bytes included; a user pointer is passed as it
 * is, so its object must stay valid until the target has it) into the
 * queue, where the worker can take it at once; a worker that found the
 * queue empty polls it for about 11 us (and takes a value within about
 * 1.4 us), then sleeps: it is woken when `batch` values have come, or
 * takes them within 50 us, or, once it has slept that long, at the next
 * value. A full queue blocks the sender, or, inside a scheduler task
 * (coflow/sched.h), suspends only that task (through cf_task_readable();
 * a task killed there closes the stage). cf_close() sends the rest,
 * closes `target` on the worker, joins the worker and returns the target's
 * close result. An error the target raises ends the worker (the rest of
 * the queue is dropped) and comes out of the next send or the close.
 * `target` belongs to the worker from now on. `p` may be NULL; otherwise
 * the stage is added to it (drawn and freed with it). Returns 0, -EINVAL, -ENOMEM, or -EAGAIN (no thread).
 * Returns -errno: -EINVAL (NULL `out` or `target`), -ENOMEM, -EAGAIN (no
 * thread).
 */
CF_API int cf_bridge_thread(cf_pipe *p, cf_coro **out, cf_coro *target,
                            const struct cf_bridge_opts *opts);

/*
 * Process stage: forks a child that runs `target`, fed over a socket pair
 * with encoded frames, written in batches of `opts->batch` bytes (a close
 * flushes them). The parent's copy of `target` must not be used again. The
 * child sends into `target` what it receives, closes it at the close frame
 * and sends back the close's result or its error, then exits. The child
 * dying or being killed becomes BridgeError at the next send or the close,
 * never a hang; cf_close() waits for the child. Returns as
 * cf_bridge_thread() (-EAGAIN: no process).
 * Returns -errno: -EINVAL (NULL `out` or `target`), -ENOMEM, -EAGAIN (no
 * process).
 */
CF_API int cf_bridge_process(cf_pipe *p, cf_coro **out, cf_coro *target,
                             const struct cf_bridge_opts *opts);

/*
 * The child's process id of a process stage still open, else -1.
 * Fails: returns -1 for what is not an open process stage.
 */
CF_API pid_t cf_bridge_pid(const cf_coro *co);

/* Counters of a ZeroMQ stage. */
struct cf_zmq_stats {
    uint64_t values;    /* value frames sent or received */
    uint64_t closes;    /* close frames */
    uint64_t errors;    /* error frames */
    uint64_t malformed; /* messages that were not coflow frames, skipped */
};

/* The default largest ZeroMQ message a stage takes or sends: 64 MiB. */
#define CF_ZMQ_MSG_MAX ((int64_t)64 << 20)

/* Options for the ZeroMQ stages. NULL or 0 means the default. */
struct cf_zmq_opts {
    const char *name;   /* "zmq-push" or "zmq-pull" */
    bool bind;          /* bind the endpoint rather than connect to it */
    int hwm;            /* high-water mark, messages (default 1000) */
    int linger_ms;      /* push: how long a close waits for messages still in
                         flight (default 30000; -1 forever) */
    unsigned peers;     /* push: close frames a close sends, one per pull
                         peer (default 1); with more than one, the sink
                         waits for that many peers before its first send */
    unsigned producers; /* pull: close frames to wait for (default 1) */
    int timeout_ms;     /* pull: BridgeError after this long without a frame
                           (default: wait forever); push: how long to wait
                           for the peers, and for a peer to take a frame
                           (default 30000) */
    bool quiet;         /* pull: do not report malformed frames on stderr */
    struct cf_zmq_stats *stats; /* if set, filled in as the stage runs */
    int64_t max_msg_size;       /* the largest message, in bytes (default
                             CF_ZMQ_MSG_MAX; -1: no limit). A pull sets it
                             as libzmq's ZMQ_MAXMSGSIZE: a peer that sends
                             more loses its connection before any of it is
                             buffered, and the source raises BridgeError; a
                             push refuses to send a larger frame
                             (BridgeError) */
    size_t batch; /* push: gather frames into messages of up to this many
                     bytes (and at most max_msg_size): one zmq_send() per
                     batch instead of per value. A batch goes out once it
                     holds `batch` bytes, before a frame that would take it
                     past max_msg_size, and at a close or an error; until
                     then its values wait, however long (0, the default:
                     each value goes out at once). A pull source
                     takes batches whatever its own setting */
};

/*
 * ZeroMQ push sink: creates a primed handler in `*out` that sends each
 * value as a frame on a PUSH socket at `endpoint` ("tcp://host:port" or
 * "ipc://path"). Values go out in order, to the pull peers round robin.
 * A close sends `peers` close frames and waits (up to `linger_ms`) until
 * that many peers have disconnected, which a pull source does once it has
 * read its last close frame, so a clean close loses nothing in flight; its
 * result is none. The sink hears nothing else from downstream (PUSH/PULL
 * is one-way: an error in a pull peer's pipeline stays in that process).
 * What it does report, as BridgeError: a send (or close frame) no peer
 * takes within `timeout_ms` (no peer, or each gone or stuck); a close not
 * confirmed within `linger_ms`; a close after a peer went away during the
 * stream (what was queued to it may be lost). An error thrown into it
 * (other than GeneratorExit) is sent on as an error frame, then comes
 * out. Returns 0,
 * -EINVAL, -ENOMEM, or -errno from libzmq (an endpoint it cannot use).
 * Returns -errno: -EINVAL (NULL argument, bad options), -ENOMEM, or libzmq's
 * error (an endpoint it cannot use).
 */
CF_API int cf_bridge_zmq_push(cf_pipe *p, cf_coro **out, const char *endpoint,
                              const struct cf_zmq_opts *opts);

/*
 * ZeroMQ pull source: receives frames on a PULL socket at `endpoint` and
 * sends each value into `target` until `producers` close frames have come,
 * then closes `target` and returns CF_RETURNED with its close result in
 * `*out` (may be NULL). A message that is not a coflow frame is counted
 * (stats->malformed), reported on stderr once at the end unless `quiet`,
 * and skipped. An error frame is thrown into `target`, ending the stream
 * (CF_RAISED with it, or what `target` made of it). Returns as the pipe
 * sources do (coflow/pipe.h) otherwise; BridgeError for a socket error or
 * a timeout. `p` may be NULL.
 * Returns CF_RAISED: the error `target` raised or made of an error frame,
 * BridgeError (a socket error or a timeout), ValueError (a NULL argument).
 */
CF_API cf_status cf_bridge_zmq_pull(cf_pipe *p, const char *endpoint,
                                    cf_coro *target,
                                    const struct cf_zmq_opts *opts,
                                    cf_value *out);

#ifdef __cplusplus
}
#endif

#endif
