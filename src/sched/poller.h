/* SPDX-License-Identifier: MIT */
/*
 * sched/poller.h - the poller operations table (STYLE.md 2.5). Each backend
 * lives in its own file (poll_epoll.c, poll_uring.c) and exports one table;
 * sched.c picks one at run time.
 *
 * The contract is readiness, per fd and direction:
 *   - arm(fd, mask) asks for readiness in `mask` (CF__POLL_IN/OUT) to be
 *     reported by a later wait(); a backend may report more than asked.
 *     `armed` is the backend's own record for the fd, kept by the caller.
 *   - disarm(fd, mask) withdraws interest in `mask` (no waiter is left);
 *     `gone` says the fd is about to be closed.
 *   - wait(timeout_ms) blocks at most that long (negative: no limit) and
 *     fills `ev` with ready fds; the `armed` bits it reports are cleared by
 *     backends whose readiness requests are one-shot.
 *   - read(fd, buf, n), where the backend has it (NULL else), asks the
 *     kernel to do the read itself: it is armed as CF__POLL_IN and reported
 *     by wait() like readiness, with CF__POLL_RING and the read's result
 *     (a count or -errno) in `err`. disarm() cancels it synchronously: once it returns the
 *     kernel no longer writes to `buf`.
 *   - write(fd, buf, n), likewise (NULL where read() is): the kernel sends
 *     `buf` itself, armed as CF__POLL_OUT and reported with CF__POLL_RING
 *     and the count sent (or -errno); disarm() cancels it synchronously.
 */
#ifndef CF_SCHED_POLLER_H
#define CF_SCHED_POLLER_H

#include <stdint.h>

#define CF__POLL_IN   0x1u
#define CF__POLL_OUT  0x2u
#define CF__POLL_ERR  0x4u /* error or hang-up: wakes both directions */
#define CF__POLL_RING 0x8u /* with CF__POLL_IN: a read() request finished */

/* What the scheduler keeps per fd; the backends read and update `armed`. */
struct cf__fdslot {
    struct cf__task *waiter[2]; /* readers, writers: first of each queue */
    struct cf__task *wtail[2];  /* last of each queue */
    int64_t wlock;              /* tid of the cf_sock_write() in progress */
    unsigned armed;             /* CF__POLL_* the backend has asked for */
    uint32_t gen[2];            /* io_uring: generation of each request */
    unsigned flags;             /* CF__FD_* */
};
#define CF__FD_NOTSOCK 0x1u  /* writes use write(2), not send(2) */
#define CF__FD_KNOWN   0x2u  /* CF__FD_STREAM has been worked out */
#define CF__FD_STREAM  0x4u  /* a short read drains it: stream socket, pipe */
#define CF__FD_DRAINED 0x8u  /* its last read was short: wait before reading */
#define CF__FD_SOCK    0x10u /* a socket (known with CF__FD_KNOWN) */
#define CF__FD_RDRING  0x20u /* the CF__POLL_IN request is a read() */
#define CF__FD_WRRING  0x40u /* the CF__POLL_OUT request is a write() */

struct cf__pevent {
    int fd;
    unsigned events; /* CF__POLL_*; an error code in `err` */
    int err;         /* negative errno from the backend, else 0 */
};

struct cf__poller;

struct cf__poller_ops {
    const char *name;
    int (*init)(struct cf__poller *p);
    void (*fini)(struct cf__poller *p);
    int (*arm)(struct cf__poller *p, int fd, struct cf__fdslot *slot,
               unsigned mask);
    void (*disarm)(struct cf__poller *p, int fd, struct cf__fdslot *slot,
                   unsigned mask, int gone);
    int (*wait)(struct cf__poller *p, int timeout_ms, struct cf__pevent *ev,
                int max, struct cf__fdslot *(*slot)(void *ctx, int fd),
                void *ctx);
    int (*read)(struct cf__poller *p, int fd, struct cf__fdslot *slot,
                void *buf, unsigned n);
    int (*write)(struct cf__poller *p, int fd, struct cf__fdslot *slot,
                 const void *buf, unsigned n);
};

/* A poller: its table and the backend's private state. */
struct cf__poller {
    const struct cf__poller_ops *ops;
    void *state;
};

extern const struct cf__poller_ops cf__poll_epoll;
extern const struct cf__poller_ops cf__poll_uring;

#endif
