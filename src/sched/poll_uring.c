/* SPDX-License-Identifier: MIT */
/*
 * sched/poll_uring.c - the io_uring poller (liburing): one one-shot
 * POLL_ADD request per fd and direction, submitted in the same
 * io_uring_enter() that waits for completions, so a round of the scheduler
 * costs one system call however many fds it arms. Each request carries a
 * generation in its user data; a completion whose generation is not the
 * fd's current one (the request was withdrawn) is ignored.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <liburing.h>

#include "poller.h"

struct uring_state {
    struct io_uring ring;
};

static int ur_init(struct cf__poller *p)
{
    struct uring_state *st = calloc(1, sizeof *st);
    if (st == NULL)
        return -ENOMEM;
    /* Completions run only when the scheduler waits (DEFER_TASKRUN, 6.1),
       else at its next system call (COOP_TASKRUN); older kernels get the
       plain ring. */
    static const unsigned flags[] = {
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN, 0};
    int rc = -EINVAL;
    for (size_t i = 0; i < sizeof flags / sizeof *flags && rc == -EINVAL; i++) {
        struct io_uring_params prm;
        memset(&prm, 0, sizeof prm);
        prm.flags = IORING_SETUP_CQSIZE | flags[i];
        prm.cq_entries = 8192;
        rc = io_uring_queue_init_params(1024, &st->ring, &prm);
    }
    if (rc < 0) {
        free(st);
        return rc;
    }
    p->state = st;
    return 0;
}

static void ur_fini(struct cf__poller *p)
{
    struct uring_state *st = p->state;
    io_uring_queue_exit(&st->ring);
    free(st);
}

static struct io_uring_sqe *sqe_get(struct uring_state *st)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&st->ring);
    if (sqe == NULL) {
        io_uring_submit(&st->ring);
        sqe = io_uring_get_sqe(&st->ring);
    }
    return sqe;
}

static uint64_t udata(int fd, int dir, uint32_t gen)
{
    return (uint64_t)gen << 32 | (uint64_t)(uint32_t)fd << 1 | (unsigned)dir;
}

static int ur_arm(struct cf__poller *p, int fd, struct cf__fdslot *slot,
                  unsigned mask)
{
    struct uring_state *st = p->state;
    for (int dir = 0; dir < 2; dir++) {
        unsigned bit = dir ? CF__POLL_OUT : CF__POLL_IN;
        if (!(mask & bit) || (slot->armed & bit))
            continue;
        struct io_uring_sqe *sqe = sqe_get(st);
        if (sqe == NULL)
            return -EAGAIN;
        if (++slot->gen[dir] == 0)
            slot->gen[dir] = 1; /* user data 0 is the removals' */
        io_uring_prep_poll_add(sqe, fd, dir ? POLLOUT : POLLIN);
        io_uring_sqe_set_data64(sqe, udata(fd, dir, slot->gen[dir]));
        slot->armed |= bit;
    }
    return 0;
}

/*
 * The ring reads into `buf` itself (cf_sock_read() on io_uring): no read(2)
 * after the wake. The request is queued and goes in with the next wait.
 */
static int ur_read(struct cf__poller *p, int fd, struct cf__fdslot *slot,
                   void *buf, unsigned n)
{
    struct uring_state *st = p->state;
    struct io_uring_sqe *sqe = sqe_get(st);
    if (sqe == NULL)
        return -EAGAIN;
    if (++slot->gen[0] == 0)
        slot->gen[0] = 1;
    if (slot->flags & CF__FD_SOCK)
        io_uring_prep_recv(sqe, fd, buf, n, 0);
    else
        io_uring_prep_read(sqe, fd, buf, n, (uint64_t)-1);
    io_uring_sqe_set_data64(sqe, udata(fd, 0, slot->gen[0]));
    slot->armed |= CF__POLL_IN;
    slot->flags |= CF__FD_RDRING;
    return 0;
}

/*
 * The ring sends `buf` itself (cf_sock_write() on io_uring): no send(2) of
 * its own; the request goes in with the next wait, with the round's other
 * requests, and a send that finds room completes during that submission.
 * On a stream socket MSG_WAITALL has the kernel finish the send before it
 * completes (a datagram goes whole or not at all).
 */
static int ur_write(struct cf__poller *p, int fd, struct cf__fdslot *slot,
                    const void *buf, unsigned n)
{
    struct uring_state *st = p->state;
    struct io_uring_sqe *sqe = sqe_get(st);
    if (sqe == NULL)
        return -EAGAIN;
    if (++slot->gen[1] == 0)
        slot->gen[1] = 1;
    if (slot->flags & CF__FD_SOCK)
        io_uring_prep_send(
            sqe, fd, buf, n,
            MSG_NOSIGNAL | (slot->flags & CF__FD_STREAM ? MSG_WAITALL : 0));
    else
        io_uring_prep_write(sqe, fd, buf, n, (uint64_t)-1);
    io_uring_sqe_set_data64(sqe, udata(fd, 1, slot->gen[1]));
    slot->armed |= CF__POLL_OUT;
    slot->flags |= CF__FD_WRRING;
    return 0;
}

/*
 * Cancels a read or write request and waits until the kernel is done with
 * it, so that its buffer may go (the task may be being killed). Its
 * completion, if any, carries an old generation and is ignored.
 */
static void cancel_io(struct uring_state *st, int fd, int dir, uint32_t gen)
{
    io_uring_submit(&st->ring); /* it may still sit in the queue */
    struct io_uring_sync_cancel_reg reg;
    memset(&reg, 0, sizeof reg);
    reg.addr = udata(fd, dir, gen);
    reg.timeout.tv_sec = -1;
    reg.timeout.tv_nsec = -1;
    io_uring_register_sync_cancel(&st->ring, &reg);
}

static void ur_disarm(struct cf__poller *p, int fd, struct cf__fdslot *slot,
                      unsigned mask, int gone)
{
    struct uring_state *st = p->state;
    for (int dir = 0; dir < 2; dir++) {
        unsigned bit = dir ? CF__POLL_OUT : CF__POLL_IN;
        unsigned ring = dir ? CF__FD_WRRING : CF__FD_RDRING;
        if ((mask & bit) && (slot->flags & ring)) {
            cancel_io(st, fd, dir, slot->gen[dir]);
            slot->flags &= ~ring;
            slot->armed &= ~bit;
            slot->gen[dir]++;
        }
    }
    for (int dir = 0; dir < 2; dir++) {
        unsigned bit = dir ? CF__POLL_OUT : CF__POLL_IN;
        if (!(mask & bit) || !(slot->armed & bit))
            continue;
        struct io_uring_sqe *sqe = sqe_get(st);
        if (sqe != NULL) {
            io_uring_prep_poll_remove(sqe, udata(fd, dir, slot->gen[dir]));
            io_uring_sqe_set_data64(sqe, 0);
        }
        slot->armed &= ~bit;
        slot->gen[dir]++;
    }
    /* A request holds the file open: let it go before the fd is closed. */
    if (gone)
        io_uring_submit(&st->ring);
}

static int ur_wait(struct cf__poller *p, int timeout_ms, struct cf__pevent *ev,
                   int max, struct cf__fdslot *(*slot)(void *ctx, int fd),
                   void *ctx)
{
    struct uring_state *st = p->state;
    struct io_uring_cqe *cqe;
    int rc;
    if (timeout_ms == 0) {
        rc = io_uring_submit_and_get_events(&st->ring);
    } else if (timeout_ms < 0) {
        rc = io_uring_submit_and_wait(&st->ring, 1);
    } else {
        struct __kernel_timespec ts = {.tv_sec = timeout_ms / 1000,
                                       .tv_nsec = (long long)(timeout_ms % 1000)
                                                  * 1000000};
        rc = io_uring_submit_and_wait_timeout(&st->ring, &cqe, 1, &ts, NULL);
    }
    if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY)
        return rc;
    int k = 0;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&st->ring, head, cqe)
    {
        if (k == max)
            break;
        seen++;
        uint64_t ud = cqe->user_data;
        if (ud == 0)
            continue;
        int fd = (int)((ud & 0xffffffffu) >> 1);
        int dir = (int)(ud & 1);
        unsigned bit = dir ? CF__POLL_OUT : CF__POLL_IN;
        struct cf__fdslot *f = slot(ctx, fd);
        if (f == NULL || f->gen[dir] != (uint32_t)(ud >> 32)
            || !(f->armed & bit))
            continue;
        f->armed &= ~bit;
        unsigned ring = f->flags & (dir ? CF__FD_WRRING : CF__FD_RDRING);
        f->flags &= ~ring;
        if (cqe->res == -ECANCELED)
            continue;
        ev[k].fd = fd;
        ev[k].events = bit | (ring ? CF__POLL_RING : 0u);
        ev[k].err = ring || cqe->res < 0 ? cqe->res : 0;
        k++;
    }
    io_uring_cq_advance(&st->ring, seen);
    return k;
}

const struct cf__poller_ops cf__poll_uring = {
    .name = "io_uring",
    .init = ur_init,
    .fini = ur_fini,
    .arm = ur_arm,
    .disarm = ur_disarm,
    .wait = ur_wait,
    .read = ur_read,
    .write = ur_write,
};
