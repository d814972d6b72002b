/* SPDX-License-Identifier: MIT */
/*
 * coflow/net.h - network and signal conveniences for scheduler tasks: listen
 * and dial by host and port or by path, an accept that survives running out
 * of fds, and signals as an fd a task waits on.
 *
 * Addresses are Go's: `network` is "tcp" (IPv4 or IPv6), "tcp4", "tcp6" or
 * "unix"; a TCP `address` is "host:port", "[v6 literal]:port" or ":port"
 * (every interface when listening, the loopback when dialling), where
 * `port` is a number or a service name; a Unix address is a path, or
 * "@name" for Linux's abstract namespace.
 *
 * Name resolution never blocks the scheduler: a numeric address is parsed
 * at once, any other name is resolved by getaddrinfo(3) on a thread of its
 * own while the calling task waits on an eventfd (other tasks run). Outside
 * a scheduler the calls block.
 *
 * Errors are negative errno codes; the ones name resolution adds:
 * -ENXIO no such host (or no address of that family), -EAGAIN a temporary
 * failure of the name server, -EIO a permanent one, -EINVAL a malformed
 * address or unknown service, -EAFNOSUPPORT an unknown network.
 */
#ifndef COFLOW_NET_H
#define COFLOW_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "coflow/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* cf_net_opts.flags: bind with SO_REUSEPORT, so that several listeners -
   one scheduler per core - share the port and the kernel spreads the
   connections over them. */
#define CF_NET_REUSEPORT 0x1u

/* Options for cf_net_listen(). NULL, or a zero field, means the default. */
struct cf_net_opts {
    int backlog;    /* listen(2) backlog; 0: SOMAXCONN */
    unsigned flags; /* CF_NET_* */
};

/*
 * Opens a listening socket on `address` of `network` (see above): bound
 * with SO_REUSEADDR (TCP), non-blocking and close-on-exec. "tcp6" listens
 * on IPv6 only; "tcp" on "[::]" takes IPv4 too. A Unix path must not exist
 * yet (remove a stale one first). Returns the fd, or -errno: the
 * resolution errors above, -EADDRINUSE, -EACCES, -ENAMETOOLONG (a Unix
 * path longer than sun_path), -EINVAL (NULL arguments, unknown flags).
 * Returns -errno: -EINVAL (NULL arguments, unknown flags, a malformed address),
 * -EAFNOSUPPORT (an unknown network), -ENXIO (no such host), -EAGAIN (the name
 * server failed for now), -EADDRINUSE, -ENAMETOOLONG (a Unix path too long),
 * -EACCES, -EMFILE, or another error of socket(2), bind(2) or listen(2).
 * Unwinds: GeneratorExit when the calling task is killed while it waits.
 */
CF_API int cf_net_listen(const char *network, const char *address,
                         const struct cf_net_opts *opts);

/*
 * Connects to `address` of `network`, trying each address the name
 * resolves to in turn, within `timeout_ms` in all (negative: no limit).
 * Returns a connected socket, non-blocking and close-on-exec (TCP with
 * TCP_NODELAY, as Go does), or -errno: the resolution errors above,
 * -ECONNREFUSED, -ETIMEDOUT, -ENOENT (no such Unix path), the last
 * address's error when every one fails.
 * Returns -errno: -EINVAL (NULL arguments, a malformed address), -EAFNOSUPPORT
 * (an unknown network), -ENXIO (no such host), -EAGAIN (the name server failed
 * for now), -EIO, -ENAMETOOLONG, -ECONNREFUSED, -ETIMEDOUT, -ENOENT (no such
 * Unix path), or the last address's error.
 * Unwinds: GeneratorExit when the calling task is killed while it waits.
 */
CF_API int cf_net_dial(const char *network, const char *address,
                       int64_t timeout_ms);

/*
 * cf_sock_accept() that survives running out of fds or memory: on EMFILE,
 * ENFILE, ENOBUFS or ENOMEM it backs off (5 ms, doubling up to 1 s, as Go's
 * and nginx's accept loops do), keeps the listener, and tries again once
 * the time is up, until `timeout_ms` (negative: no limit) runs out
 * (-ETIMEDOUT). Inside a task the back-off is a cf_task_sleep(), so the
 * connections already accepted are served meanwhile and can free fds.
 * Returns the new connection or -errno.
 * Returns -errno: -ETIMEDOUT (no connection in time), -EBADF or -EINVAL (not a
 * listening socket), or another error of accept4(2) than those it backs off on.
 * Unwinds: GeneratorExit when the calling task is killed while it waits.
 */
CF_API int cf_net_accept(int fd, struct sockaddr *addr, socklen_t *len,
                         int64_t timeout_ms);

/*
 * Starts watching the `n` signals in `signals`: blocks them in the calling
 * thread (so call it before starting other threads, which inherit the
 * mask, or block them there too) and returns a signalfd(2), non-blocking
 * and close-on-exec, from which cf_signal_next() takes them. Close it with
 * cf_sock_close(); the signals stay blocked. Returns -EINVAL for an empty
 * or NULL list or a bad signal number, or -errno.
 * Returns -errno: -EINVAL (an empty or NULL list, a bad signal number), or the
 * system call's error.
 */
CF_API int cf_signal_watch(const int *signals, size_t n);

/*
 * Waits at most `timeout_ms` (negative: no limit) for the next signal on
 * `fd` from cf_signal_watch() and returns its number; inside a task only
 * the task waits. Returns -ETIMEDOUT, -EBADF, or -errno.
 * Returns -errno: -ETIMEDOUT, -EBADF, -EIO (not a signalfd), or the system
 * call's error.
 * Unwinds: GeneratorExit when the calling task is killed while it waits.
 */
CF_API int cf_signal_next(int fd, int64_t timeout_ms);

#ifdef __cplusplus
}
#endif

#endif
