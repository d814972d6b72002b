/* SPDX-License-Identifier: MIT */
/*
 * sched/io.c - I/O waits (pyos7's ReadWait/WriteWait, SEMANTICS item 72):
 * the fd table, parking and waking, and the choice of poller.
 *
 * Interest is dropped lazily: when a woken task waits on the same fd again
 * before the next poll - the echo loop's pattern - the poller is not
 * touched at all; readiness nobody waits for any more is withdrawn when the
 * poller next reports it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

struct cf__fdslot *cf__fd_grow(cf_sched *s, int fd)
{
    if (fd >= s->nfds) {
        int n = s->nfds ? s->nfds : 64;
        while (n <= fd)
            n *= 2;
        struct cf__fdslot *f = realloc(s->fds, (size_t)n * sizeof *f);
        if (f == NULL)
            return NULL;
        memset(f + s->nfds, 0, (size_t)(n - s->nfds) * sizeof *f);
        s->fds = f;
        s->nfds = n;
    }
    return &s->fds[fd];
}

static unsigned want(const struct cf__fdslot *f)
{
    return (f->waiter[0] ? CF__POLL_IN : 0u)
           | (f->waiter[1] ? CF__POLL_OUT : 0u);
}

/* Appends `t` to the queue of `fd`'s waiters in direction `dir`. */
static void enqueue(cf_sched *s, struct cf__fdslot *f, cf__task *t, int fd,
                    int dir)
{
    t->io_next = NULL;
    if (f->wtail[dir] != NULL)
        f->wtail[dir]->io_next = t;
    else
        f->waiter[dir] = t;
    f->wtail[dir] = t;
    t->where = CF__PARKED_IO;
    t->io_fd = fd;
    t->io_dir = dir;
    s->nwatch++;
}

/* Takes `t` out of its queue; false when it was not there. */
static bool dequeue(cf_sched *s, struct cf__fdslot *f, cf__task *t)
{
    int dir = t->io_dir;
    cf__task *prev = NULL, *w = f->waiter[dir];
    while (w != NULL && w != t) {
        prev = w;
        w = w->io_next;
    }
    if (w == NULL)
        return false;
    if (prev != NULL)
        prev->io_next = t->io_next;
    else
        f->waiter[dir] = t->io_next;
    if (f->wtail[dir] == t)
        f->wtail[dir] = prev;
    t->io_next = NULL;
    s->nwatch--;
    return true;
}

/*
 * Parks `t` until `fd` is ready in direction `dir` (0 read, 1 write), at
 * most `timeout_ms`. `check`: the fd comes from the user and may be
 * invalid. Errors wake the task at once with the code in its trap. Any
 * number of tasks may wait on one fd in each direction: they queue in the
 * order they came, and readiness wakes them all (each retries its system
 * call, and the ones that find nothing wait again).
 */
int cf__io_wait(cf_sched *s, cf__task *t, int fd, int dir, int64_t timeout_ms,
                bool check)
{
    int rc;
    struct cf__fdslot *f;

    if (fd < 0 || (check && fcntl(fd, F_GETFD) < 0)) {
        rc = -EBADF;
        goto fail;
    }
    f = cf__fd_slot(s, fd);
    if (f == NULL) {
        rc = -ENOMEM;
        goto fail;
    }
    /* A pending ring read holds CF__POLL_IN: readers queued behind it are
       armed when it completes. */
    unsigned mask = dir ? CF__POLL_OUT : CF__POLL_IN;
    if ((f->armed & mask) == 0) {
        rc = s->poller.ops->arm(&s->poller, fd, f, want(f) | mask);
        if (rc == -EPERM) {
            /* A regular file: epoll cannot watch it, and it is always
               ready, as select() says. */
            cf__task_wake(s, t, 0);
            return 0;
        }
        if (rc < 0)
            goto fail;
    }
    t->io_ring = false;
    enqueue(s, f, t, fd, dir);
    cf__trace(s, dir ? CF_SCHED_WAIT_WRITE : CF_SCHED_WAIT_READ, t->tid, fd);
    if (timeout_ms >= 0
        && cf__timer_add(s, t, cf__now_ns() + timeout_ms * 1000000) < 0) {
        cf__io_cancel(s, t);
        rc = -ENOMEM;
        goto fail;
    }
    return 0;
fail:
    cf__task_wake(s, t, rc);
    return rc;
}

/*
 * Parks `t` until the poller has read its io_buf from `fd` (dir 0,
 * cf_sock_read() on io_uring) or written it to `fd` (dir 1,
 * cf_sock_write()): the wake's code is the read's or the write's result.
 * Only when no other task waits on `fd` in that direction; else -EAGAIN,
 * and the caller polls and does the system call itself.
 */
int cf__io_ring(cf_sched *s, cf__task *t, int fd, int dir)
{
    int rc;
    unsigned mask = dir ? CF__POLL_OUT : CF__POLL_IN;
    struct cf__fdslot *f = cf__fd_slot(s, fd);
    if (f == NULL) {
        rc = -ENOMEM;
        goto fail;
    }
    if (f->waiter[dir] != NULL) {
        rc = -EAGAIN;
        goto fail;
    }
    if (f->armed & mask)
        s->poller.ops->disarm(&s->poller, fd, f, mask, 0);
    rc = dir ? s->poller.ops->write(&s->poller, fd, f, t->io_buf, t->io_len)
             : s->poller.ops->read(&s->poller, fd, f, t->io_buf, t->io_len);
    if (rc < 0)
        goto fail;
    t->io_ring = true;
    enqueue(s, f, t, fd, dir);
    cf__trace(s, dir ? CF_SCHED_WAIT_WRITE : CF_SCHED_WAIT_READ, t->tid, fd);
    return 0;
fail:
    cf__task_wake(s, t, rc);
    return rc;
}

/* Tasks queued behind a ring read or write that ended: ask for readiness. */
static void rearm_waiters(cf_sched *s, struct cf__fdslot *f, int fd, int dir)
{
    unsigned mask = dir ? CF__POLL_OUT : CF__POLL_IN;
    if (f->waiter[dir] != NULL && !(f->armed & mask)) {
        int rc = s->poller.ops->arm(&s->poller, fd, f, want(f));
        while (rc < 0 && f->waiter[dir] != NULL) {
            cf__task *w = f->waiter[dir];
            cf__io_cancel(s, w);
            cf__task_wake(s, w, rc);
        }
    }
}

/* Takes `t` off its fd (a kill, a timeout, the end); does not wake it. */
void cf__io_cancel(cf_sched *s, cf__task *t)
{
    int fd = t->io_fd;
    struct cf__fdslot *f = &s->fds[fd];
    if (dequeue(s, f, t)) {
        unsigned mask = t->io_dir ? CF__POLL_OUT : CF__POLL_IN;
        if (t->io_ring) {
            /* its read or write is withdrawn; the tasks behind it poll */
            if (f->armed & mask)
                s->poller.ops->disarm(&s->poller, fd, f, mask, 0);
            t->io_ring = false;
            rearm_waiters(s, f, fd, t->io_dir);
        } else if (f->waiter[t->io_dir] == NULL && (f->armed & mask)
                   && !(f->flags
                        & (t->io_dir ? CF__FD_WRRING : CF__FD_RDRING))) {
            s->poller.ops->disarm(&s->poller, fd, f, mask, 0);
        }
    }
    t->io_fd = -1;
    t->where = CF__READY;
}

/* Wakes every task waiting on `fd` in direction `dir` with `rc`. */
static void wake_all(cf_sched *s, struct cf__fdslot *f, int dir, int fd, int rc,
                     bool trace)
{
    cf__task *t = f->waiter[dir];
    f->waiter[dir] = f->wtail[dir] = NULL;
    while (t != NULL) {
        cf__task *next = t->io_next;
        t->io_next = NULL;
        t->io_ring = false;
        s->nwatch--;
        if (t->heap_idx != SIZE_MAX)
            cf__timer_remove(s, t);
        t->io_fd = -1;
        if (trace)
            cf__trace(s, dir ? CF_SCHED_CAN_WRITE : CF_SCHED_CAN_READ, t->tid,
                      fd);
        cf__task_wake(s, t, rc);
        t = next;
    }
}

/* The fd is about to be closed: drop every record of it. */
void cf__io_forget(cf_sched *s, int fd)
{
    if (fd < 0 || fd >= s->nfds)
        return;
    struct cf__fdslot *f = &s->fds[fd];
    for (int dir = 0; dir < 2; dir++)
        wake_all(s, f, dir, fd, -EBADF, false);
    if (f->armed)
        s->poller.ops->disarm(&s->poller, fd, f, f->armed, 1);
    f->armed = 0;
    f->flags = 0;
    f->wlock = 0;
}

static struct cf__fdslot *slot_cb(void *ctx, int fd)
{
    cf_sched *s = ctx;
    return fd >= 0 && fd < s->nfds ? &s->fds[fd] : NULL;
}

/* What the poller reported for `fd` in direction `dir`. */
static void wake_io(cf_sched *s, struct cf__fdslot *f, int dir, int fd,
                    const struct cf__pevent *e)
{
    cf__task *t = f->waiter[dir];
    if (t == NULL)
        return;
    if (e->events & CF__POLL_RING) {
        /* the read or write is the first waiter's alone; the rest poll
           after it */
        if (!t->io_ring)
            return;
        dequeue(s, f, t);
        t->io_ring = false;
        t->io_fd = -1;
        cf__trace(s, dir ? CF_SCHED_CAN_WRITE : CF_SCHED_CAN_READ, t->tid, fd);
        cf__task_wake(s, t, e->err);
        rearm_waiters(s, f, fd, dir);
        return;
    }
    wake_all(s, f, dir, fd, e->err, true);
}

/*
 * Polls once and wakes the tasks whose fds are ready: the readers first,
 * then the writers, as pyos7's iopoll does. Readiness reported for a
 * direction nobody waits on is withdrawn; interest whose waiter this poll
 * wakes is kept, so a task that waits on the fd again - the echo loop -
 * costs the poller nothing.
 */
int cf__io_poll(cf_sched *s, int timeout_ms)
{
    int n = s->poller.ops->wait(&s->poller, timeout_ms, s->events, s->nevents,
                                slot_cb, s);
    if (n <= 0)
        return n;
    for (int i = 0; i < n; i++) {
        struct cf__pevent *e = &s->events[i];
        struct cf__fdslot *f = &s->fds[e->fd];
        unsigned got =
            e->events & CF__POLL_ERR ? CF__POLL_IN | CF__POLL_OUT : e->events;
        unsigned stale = f->armed & got & ~want(f);
        if (stale)
            s->poller.ops->disarm(&s->poller, e->fd, f, stale, 0);
    }
    for (int pass = 0; pass < 2; pass++) {
        unsigned bit = pass ? CF__POLL_OUT : CF__POLL_IN;
        for (int i = 0; i < n; i++) {
            struct cf__pevent *e = &s->events[i];
            if (e->events & (bit | CF__POLL_ERR))
                wake_io(s, &s->fds[e->fd], pass, e->fd, e);
        }
    }
    return n;
}

int cf__poller_open(cf_sched *s, const char *name)
{
    bool forced = name != NULL;
    if (name == NULL)
        name = getenv("COFLOW_POLLER");
    if (name != NULL && *name == '\0')
        name = NULL;
    const struct cf__poller_ops *ops;
    if (name == NULL || strcmp(name, "uring") == 0
        || strcmp(name, "io_uring") == 0)
        ops = &cf__poll_uring;
    else if (strcmp(name, "epoll") == 0)
        ops = &cf__poll_epoll;
    else
        return -EINVAL;
    s->poller.ops = ops;
    int rc = ops->init(&s->poller);
    if (rc < 0 && ops == &cf__poll_uring && !forced) {
        /* io_uring forbidden (seccomp, kernel.io_uring_disabled) or
           missing: epoll it is. An explicit COFLOW_POLLER=uring fails. */
        if (name == NULL) {
            s->poller.ops = &cf__poll_epoll;
            rc = cf__poll_epoll.init(&s->poller);
        }
    }
    return rc;
}
