/* SPDX-License-Identifier: MIT */
/*
 * sched/poll_epoll.c - the epoll poller: level-triggered, one registration
 * per fd whose interest grows with arm() and shrinks with disarm(); an fd
 * with no interest left is deleted so that a hang-up cannot spin.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "poller.h"

struct epoll_state {
    int epfd;
    struct epoll_event ev[256];
};

static int ep_init(struct cf__poller *p)
{
    struct epoll_state *st = malloc(sizeof *st);
    if (st == NULL)
        return -ENOMEM;
    st->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (st->epfd < 0) {
        int rc = -errno;
        free(st);
        return rc;
    }
    p->state = st;
    return 0;
}

static void ep_fini(struct cf__poller *p)
{
    struct epoll_state *st = p->state;
    close(st->epfd);
    free(st);
}

static uint32_t to_epoll(unsigned mask)
{
    return (mask & CF__POLL_IN ? EPOLLIN | EPOLLRDHUP : 0u)
           | (mask & CF__POLL_OUT ? EPOLLOUT : 0u);
}

static int ctl(int epfd, int op, int fd, unsigned mask)
{
    struct epoll_event e = {.events = to_epoll(mask), .data.fd = fd};
    if (epoll_ctl(epfd, op, fd, &e) == 0)
        return 0;
    if (errno == EEXIST && op == EPOLL_CTL_ADD)
        return ctl(epfd, EPOLL_CTL_MOD, fd, mask);
    if (errno == ENOENT && op == EPOLL_CTL_MOD)
        return ctl(epfd, EPOLL_CTL_ADD, fd, mask);
    return -errno;
}

static int ep_arm(struct cf__poller *p, int fd, struct cf__fdslot *slot,
                  unsigned mask)
{
    struct epoll_state *st = p->state;
    unsigned m = slot->armed | mask;
    int rc = ctl(st->epfd, slot->armed ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, m);
    if (rc == 0)
        slot->armed = m;
    return rc;
}

static void ep_disarm(struct cf__poller *p, int fd, struct cf__fdslot *slot,
                      unsigned mask, int gone)
{
    struct epoll_state *st = p->state;
    unsigned m = slot->armed & ~mask;
    (void)gone;
    if (m == 0)
        epoll_ctl(st->epfd, EPOLL_CTL_DEL, fd, NULL);
    else
        ctl(st->epfd, EPOLL_CTL_MOD, fd, m);
    slot->armed = m;
}

static int ep_wait(struct cf__poller *p, int timeout_ms, struct cf__pevent *ev,
                   int max, struct cf__fdslot *(*slot)(void *ctx, int fd),
                   void *ctx)
{
    struct epoll_state *st = p->state;
    if (max > 256)
        max = 256;
    int n = epoll_wait(st->epfd, st->ev, max, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : -errno;
    int k = 0;
    for (int i = 0; i < n; i++) {
        int fd = st->ev[i].data.fd;
        uint32_t e = st->ev[i].events;
        if (slot(ctx, fd) == NULL)
            continue;
        ev[k].fd = fd;
        ev[k].err = 0;
        ev[k].events = (e & (EPOLLIN | EPOLLRDHUP) ? CF__POLL_IN : 0u)
                       | (e & EPOLLOUT ? CF__POLL_OUT : 0u)
                       | (e & (EPOLLERR | EPOLLHUP) ? CF__POLL_ERR : 0u);
        k++;
    }
    return k;
}

const struct cf__poller_ops cf__poll_epoll = {
    .name = "epoll",
    .init = ep_init,
    .fini = ep_fini,
    .arm = ep_arm,
    .disarm = ep_disarm,
    .wait = ep_wait,
};
