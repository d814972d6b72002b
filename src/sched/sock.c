/* SPDX-License-Identifier: MIT */
/*
 * sched/sock.c - socket helpers that wait instead of blocking: each tries
 * the system call first and traps to the scheduler only on EAGAIN, so a
 * ready socket costs no trip through the scheduler. Beazley's Accept, Recv
 * and Send subroutines (SEMANTICS item 74), with deadlines.
 */
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

int cf__fd_wait(int fd, int dir, int64_t timeout_ms, bool checked);

/* What is left of the time until `deadline` (ns, negative: none), in ms. */
static int64_t left_ms(int64_t deadline)
{
    if (deadline < 0)
        return -1;
    int64_t d = deadline - cf__now_ns();
    return d <= 0 ? 0 : (d + 999999) / 1000000;
}

static int64_t deadline_of(int64_t timeout_ms)
{
    return timeout_ms < 0 ? -1 : cf__now_ns() + timeout_ms * 1000000;
}

/* Waits after an EAGAIN; a deadline already passed is a timeout. */
static int wait_again(int fd, int dir, int64_t deadline)
{
    int64_t ms = left_ms(deadline);
    if (ms == 0)
        return -ETIMEDOUT;
    return cf__fd_wait(fd, dir, ms, true);
}

/* A new fd from the kernel: whatever was recorded for its number is stale. */
static void fresh_fd(int fd)
{
    cf_sched *s = cf__sched_tls;
    if (s != NULL && fd < s->nfds && s->fds[fd].armed == 0
        && s->fds[fd].flags == 0 && s->fds[fd].wlock == 0)
        return;
    if (s != NULL)
        cf__io_forget(s, fd);
}

int cf_sock_accept(int fd, struct sockaddr *addr, socklen_t *len,
                   int64_t timeout_ms)
{
    cf__bind();
    int64_t deadline = deadline_of(timeout_ms);
    for (;;) {
        int c = accept4(fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c >= 0) {
            fresh_fd(c);
            return c;
        }
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno != EAGAIN)
            return -errno;
        int rc = wait_again(fd, 0, deadline);
        if (rc < 0)
            return rc;
    }
}

int cf_sock_connect(int fd, const struct sockaddr *addr, socklen_t len,
                    int64_t timeout_ms)
{
    cf__bind();
    if (connect(fd, addr, len) == 0)
        return 0;
    if (errno != EINPROGRESS && errno != EINTR)
        return -errno;
    int rc = cf__fd_wait(fd, 1, timeout_ms, true);
    if (rc < 0)
        return rc;
    int err = 0;
    socklen_t n = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &n) < 0)
        return -errno;
    return -err;
}

/* Sets CF__FD_KNOWN, CF__FD_SOCK and CF__FD_STREAM (a short read means
   the fd was empty at that moment) for `fd`. */
static void learn_kind(struct cf__fdslot *f, int fd)
{
    int type = 0;
    socklen_t len = sizeof type;
    struct stat st;
    f->flags |= CF__FD_KNOWN;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0)
        f->flags |= CF__FD_SOCK | (type == SOCK_STREAM ? CF__FD_STREAM : 0u);
    else if (errno == ENOTSOCK && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
        f->flags |= CF__FD_STREAM;
}

/*
 * A read came back short: on a stream the next read would most likely find
 * nothing, so the next cf_sock_read() waits first and saves that EAGAIN
 * (the echo loop's third system call). Waiting first is always correct:
 * the pollers report readiness that is already there at once.
 */
static void note_short_read(int fd)
{
    cf_sched *s = cf__sched_tls;
    if (s == NULL || s->current == NULL)
        return;
    struct cf__fdslot *f = cf__fd_slot(s, fd);
    if (f == NULL)
        return;
    if (CF__UNLIKELY(!(f->flags & CF__FD_KNOWN)))
        learn_kind(f, fd);
    if (f->flags & CF__FD_STREAM)
        f->flags |= CF__FD_DRAINED;
}

/* Takes the hint left by note_short_read(), if any. */
static bool take_drained(int fd)
{
    cf_sched *s = cf__sched_tls;
    if (s == NULL || s->current == NULL || fd < 0 || fd >= s->nfds
        || !(s->fds[fd].flags & CF__FD_DRAINED))
        return false;
    s->fds[fd].flags &= ~CF__FD_DRAINED;
    return true;
}

/* Whether the poller can do this task's reads itself (io_uring): the
   read then costs no system call of its own. Not with a deadline, so that
   a read is never cancelled after it has taken bytes. */
static bool ring_reads(int64_t timeout_ms)
{
    cf_sched *s = cf__sched_tls;
    return timeout_ms < 0 && s != NULL && s->current != NULL
           && s->poller.ops->read != NULL && cf_current() != NULL;
}

ssize_t cf__fd_ring_read(int fd, void *buf, unsigned n);
ssize_t cf__fd_ring_write(int fd, const void *buf, unsigned n);

/* Whether the poller can send this task's writes to `fd` itself: as for
   reads, and only on a socket (pipes and files keep write(2)). */
static bool ring_writes(cf_sched *s, int fd, int64_t timeout_ms)
{
    if (timeout_ms >= 0 || s == NULL || s->current == NULL || fd < 0
        || s->poller.ops->write == NULL || cf_current() == NULL)
        return false;
    struct cf__fdslot *f = cf__fd_slot(s, fd);
    if (f == NULL)
        return false;
    if (CF__UNLIKELY(!(f->flags & CF__FD_KNOWN)))
        learn_kind(f, fd);
    return (f->flags & CF__FD_SOCK) != 0;
}

static ssize_t got(int fd, ssize_t r, size_t n)
{
    if (r > 0 && (size_t)r < n)
        note_short_read(fd);
    return r;
}

/*
 * One read: recv(2) on an fd known to be a socket, read(2) on the rest.
 * recv(2) reaches the socket without read(2)'s file layer (the position
 * lock, the access checks and notifications), which is a tenth of the
 * kernel's work for a 1 KiB echo. An fd closed behind the scheduler's back
 * and reused for something else says ENOTSOCK: it is learnt again.
 */
static ssize_t read_some(int fd, void *buf, size_t n)
{
    cf_sched *s = cf__sched_tls;
    if (s != NULL && fd >= 0 && fd < s->nfds
        && (s->fds[fd].flags & CF__FD_SOCK)) {
        ssize_t r = recv(fd, buf, n, 0);
        if (r >= 0 || errno != ENOTSOCK)
            return r;
        s->fds[fd].flags &=
            ~(CF__FD_KNOWN | CF__FD_SOCK | CF__FD_STREAM | CF__FD_DRAINED);
    }
    return read(fd, buf, n);
}

ssize_t cf_sock_read(int fd, void *buf, size_t n, int64_t timeout_ms)
{
    cf__bind();
    int64_t deadline = -2;
    bool ring = ring_reads(timeout_ms);
    bool wait_first = timeout_ms != 0 && take_drained(fd);
    if (ring && n > INT_MAX)
        n = INT_MAX; /* the count comes back in an int */
    for (;;) {
        if (wait_first && ring) {
            struct cf__fdslot *f = cf__fd_slot(cf__sched_tls, fd);
            if (f != NULL && !(f->flags & CF__FD_KNOWN))
                learn_kind(f, fd); /* recv(2) or read(2) */
            ssize_t r = cf__fd_ring_read(fd, buf, (unsigned)n);
            if (r != -EAGAIN)
                return got(fd, r, n);
            ring = false; /* the kernel would not wait: poll, then read */
        } else if (wait_first) {
            if (deadline == -2)
                deadline = deadline_of(timeout_ms);
            int rc = wait_again(fd, 0, deadline);
            if (rc < 0)
                return rc;
        }
        ssize_t r = read_some(fd, buf, n);
        if (r >= 0)
            return got(fd, r, n);
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN)
            return -errno;
        wait_first = true;
    }
}

/* One write: send(2) without SIGPIPE on sockets, write(2) on the rest. */
static ssize_t write_some(int fd, const char *p, size_t n)
{
    cf_sched *s = cf__sched_tls;
    if (s == NULL || fd >= s->nfds || !(s->fds[fd].flags & CF__FD_NOTSOCK)) {
        ssize_t r = send(fd, p, n, MSG_NOSIGNAL);
        if (r >= 0 || errno != ENOTSOCK)
            return r;
        if (s != NULL) {
            struct cf__fdslot *f = cf__fd_slot(s, fd);
            if (f != NULL)
                f->flags |= CF__FD_NOTSOCK;
        }
    }
    return write(fd, p, n);
}

/*
 * Writes from several tasks to one fd do not interleave: a write that has
 * to wait holds `wlock` (its task's id) until it ends, and another task's
 * write waits for writability, then for the lock, before it starts. A lock
 * whose task is gone (killed while it waited) is free.
 */
static bool write_locked(cf_sched *s, int fd)
{
    if (s == NULL || s->current == NULL || fd < 0 || fd >= s->nfds)
        return false;
    int64_t owner = s->fds[fd].wlock;
    if (owner == 0 || owner == s->current->tid)
        return false;
    cf__task *o = cf__task_find(s, owner);
    if (o == NULL || o->killed) {
        s->fds[fd].wlock = 0;
        return false;
    }
    return true;
}

static void write_lock(cf_sched *s, int fd, bool on)
{
    if (s == NULL || s->current == NULL)
        return;
    struct cf__fdslot *f = cf__fd_slot(s, fd);
    if (f != NULL && (on || f->wlock == s->current->tid))
        f->wlock = on ? s->current->tid : 0;
}

struct wunlock {
    cf_sched *s;
    int fd;
};

static void write_unlock(void *arg)
{
    struct wunlock *wl = arg;
    if (cf__sched_tls == wl->s)
        write_lock(wl->s, wl->fd, false);
}

ssize_t cf_sock_write(int fd, const void *buf, size_t n, int64_t timeout_ms)
{
    cf__bind();
    const char *p = buf;
    size_t done = 0;
    int64_t deadline = -2;
    cf_sched *s = cf__sched_tls;
    ssize_t rc = (ssize_t)n;
    bool locked = false, pushed = false;
    struct wunlock wl = {s, -1};
    cf_cleanup cl;
    while (CF__UNLIKELY(write_locked(s, fd))) {
        if (deadline == -2)
            deadline = deadline_of(timeout_ms);
        int w = wait_again(fd, 1, deadline);
        if (w < 0)
            return w;
    }
    bool ring = n > 0 && ring_writes(s, fd, timeout_ms);
    while (done < n) {
        if (ring) {
            /* The ring sends it (io_uring): no send(2) of this task's own.
               The lock is held across the wait, as for any write that
               waits, so that another task's write cannot come between
               two parts of this one. */
            if (!locked) {
                write_lock(s, fd, true);
                locked = true;
                wl.fd = fd;
                cf_cleanup_push(&cl, write_unlock, &wl);
                pushed = true;
            }
            size_t k = n - done > INT_MAX ? INT_MAX : n - done;
            ssize_t r = cf__fd_ring_write(fd, p + done, (unsigned)k);
            if (r > 0) {
                done += (size_t)r;
                continue;
            }
            if (r == -EINTR)
                continue;
            if (r < 0 && r != -EAGAIN) {
                rc = r;
                break;
            }
            ring = false; /* the ring would not take it: send(2) */
            continue;
        }
        ssize_t r = write_some(fd, p + done, n - done);
        if (r >= 0) {
            done += (size_t)r;
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN) {
            rc = -errno;
            break;
        }
        if (deadline == -2)
            deadline = deadline_of(timeout_ms);
        if (!locked) {
            write_lock(s, fd, true);
            locked = true;
            if (s != NULL && s->current != NULL) {
                wl.fd = fd; /* a cancel unwinding the wait lets go */
                cf_cleanup_push(&cl, write_unlock, &wl);
                pushed = true;
            }
        }
        int w = wait_again(fd, 1, deadline);
        if (w < 0) {
            rc = w;
            break;
        }
    }
    if (pushed)
        cf_cleanup_pop(&cl, false);
    if (locked && cf__sched_tls == s)
        write_lock(s, fd, false);
    return rc;
}

int cf_sock_close(int fd)
{
    cf__bind();
    if (cf__sched_tls != NULL)
        cf__io_forget(cf__sched_tls, fd);
    return close(fd) == 0 ? 0 : -errno;
}
