/* SPDX-License-Identifier: MIT */
/*
 * sched/net.c - listen and dial by network and address (Go's
 * net.Listen/net.Dial, neco's neco_serve/neco_dial), and an accept that
 * backs off when the process runs out of fds instead of failing.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "resolve.h"

enum { NET_TCP, NET_UNIX };

/* The family for `network`, or -1. */
static int family_of(const char *network, int *kind)
{
    *kind = NET_TCP;
    if (strcmp(network, "tcp") == 0)
        return AF_UNSPEC;
    if (strcmp(network, "tcp4") == 0)
        return AF_INET;
    if (strcmp(network, "tcp6") == 0)
        return AF_INET6;
    *kind = NET_UNIX;
    if (strcmp(network, "unix") == 0)
        return AF_UNIX;
    return -1;
}

/* Splits "host:port", "[v6]:port" or ":port" into `host` (NULL when
   empty) and `port`, copied into `buf`. */
static int split_host_port(const char *address, char *buf, size_t cap,
                           char **host, char **port)
{
    size_t n = strlen(address);
    if (n + 1 > cap)
        return -EINVAL;
    memcpy(buf, address, n + 1);
    char *colon;
    if (buf[0] == '[') {
        char *close = strchr(buf, ']');
        if (close == NULL || close[1] != ':')
            return -EINVAL;
        *close = '\0';
        *host = buf + 1;
        colon = close + 1;
    } else {
        colon = strrchr(buf, ':');
        if (colon == NULL || memchr(buf, ':', (size_t)(colon - buf)) != NULL)
            return -EINVAL; /* no port, or a bare IPv6 literal */
        *colon = '\0';
        *host = buf;
    }
    *port = colon + 1;
    if (**port == '\0')
        return -EINVAL;
    if (**host == '\0')
        *host = NULL;
    return 0;
}

static int unix_addr(const char *path, struct sockaddr_un *sun, socklen_t *len)
{
    size_t n = strlen(path);
    memset(sun, 0, sizeof *sun);
    sun->sun_family = AF_UNIX;
    if (n == 0)
        return -EINVAL;
    if (n >= sizeof sun->sun_path)
        return -ENAMETOOLONG;
    memcpy(sun->sun_path, path, n);
    if (path[0] == '@')
        sun->sun_path[0] = '\0'; /* abstract: the length counts */
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n
                       + (path[0] == '@' ? 0 : 1));
    return 0;
}

static int64_t deadline_of(int64_t timeout_ms)
{
    return timeout_ms < 0 ? -1 : cf__now_ns() + timeout_ms * 1000000;
}

static int64_t left_ms(int64_t deadline)
{
    if (deadline < 0)
        return -1;
    int64_t d = deadline - cf__now_ns();
    return d <= 0 ? 0 : (d + 999999) / 1000000;
}

/* Resolves a TCP address; `passive`: for bind(). */
static int resolve_tcp(int family, const char *address, bool passive,
                       struct addrinfo **res, int64_t timeout_ms)
{
    char buf[1024], *host, *port;
    int rc = split_host_port(address, buf, sizeof buf, &host, &port);
    if (rc < 0)
        return rc;
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = passive ? AI_PASSIVE : AI_ADDRCONFIG;
    const char *name = host;
    if (name == NULL && !passive)
        name = family == AF_INET6 ? "::1" : "127.0.0.1";
    return cf__resolve(name, port, &hints, res, timeout_ms);
}

static int listen_on(int family, int type, const struct sockaddr *sa,
                     socklen_t len, bool v6only, const struct cf_net_opts *o)
{
    int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int one = 1;
    if (family != AF_UNIX)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if ((o->flags & CF_NET_REUSEPORT)
        && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0)
        goto fail;
    if (v6only && family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, sa, len) < 0
        || listen(fd, o->backlog > 0 ? o->backlog : SOMAXCONN) < 0)
        goto fail;
    return fd;
fail:;
    int rc = -errno;
    close(fd);
    return rc;
}

int cf_net_listen(const char *network, const char *address,
                  const struct cf_net_opts *opts)
{
    struct cf_net_opts o = {0};
    int kind;
    if (network == NULL || address == NULL)
        return -EINVAL;
    if (opts != NULL)
        o = *opts;
    if (o.flags & ~CF_NET_REUSEPORT)
        return -EINVAL;
    int family = family_of(network, &kind);
    if (family < 0)
        return -EAFNOSUPPORT;
    if (kind == NET_UNIX) {
        struct sockaddr_un sun;
        socklen_t len;
        int rc = unix_addr(address, &sun, &len);
        if (rc < 0)
            return rc;
        return listen_on(AF_UNIX, SOCK_STREAM, (struct sockaddr *)&sun, len,
                         false, &o);
    }
    struct addrinfo *res;
    int rc = resolve_tcp(family, address, true, &res, -1);
    if (rc < 0)
        return rc;
    /* The first address that binds; for ":port" the IPv6 wildcard first,
       which takes IPv4 too on a dual-stack host, as Go's does. */
    rc = -EADDRNOTAVAIL;
    struct addrinfo *ai = res;
    if (family == AF_UNSPEC)
        for (struct addrinfo *a = res; a != NULL; a = a->ai_next)
            if (a->ai_family == AF_INET6
                && IN6_IS_ADDR_UNSPECIFIED(
                    &((struct sockaddr_in6 *)(void *)a->ai_addr)->sin6_addr)) {
                ai = a;
                break;
            }
    for (int pass = 0; pass < 2 && rc < 0; pass++)
        for (struct addrinfo *a = pass ? res : ai; a != NULL && rc < 0;
             a = a->ai_next) {
            rc = listen_on(a->ai_family, SOCK_STREAM, a->ai_addr, a->ai_addrlen,
                           family == AF_INET6, &o);
            if (pass == 0)
                break;
        }
    freeaddrinfo(res);
    return rc;
}

static void close_fd(void *arg)
{
    cf_sock_close(*(int *)arg);
}

static int dial_one(int family, const struct sockaddr *sa, socklen_t len,
                    int64_t deadline)
{
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    cf_cleanup c;
    bool in_task = cf_current() != NULL;
    if (in_task)
        cf_cleanup_push(&c, close_fd, &fd); /* a kill unwinds the connect */
    int rc = cf_sock_connect(fd, sa, len, left_ms(deadline));
    if (in_task)
        cf_cleanup_pop(&c, false);
    if (rc < 0) {
        cf_sock_close(fd);
        return rc;
    }
    if (family != AF_UNIX) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

struct freeing {
    struct addrinfo *res;
};

static void free_res(void *arg)
{
    struct freeing *f = arg;
    if (f->res != NULL)
        freeaddrinfo(f->res);
    f->res = NULL;
}

int cf_net_dial(const char *network, const char *address, int64_t timeout_ms)
{
    int kind;
    if (network == NULL || address == NULL)
        return -EINVAL;
    int family = family_of(network, &kind);
    if (family < 0)
        return -EAFNOSUPPORT;
    int64_t deadline = deadline_of(timeout_ms);
    if (kind == NET_UNIX) {
        struct sockaddr_un sun;
        socklen_t len;
        int rc = unix_addr(address, &sun, &len);
        if (rc < 0)
            return rc;
        return dial_one(AF_UNIX, (struct sockaddr *)&sun, len, deadline);
    }
    struct freeing f = {NULL};
    int rc = resolve_tcp(family, address, false, &f.res, timeout_ms);
    if (rc < 0)
        return rc;
    cf_cleanup c;
    bool in_task = cf_current() != NULL;
    if (in_task)
        cf_cleanup_push(&c, free_res, &f); /* a kill unwinds a connect */
    rc = -ENXIO;
    for (struct addrinfo *a = f.res; a != NULL; a = a->ai_next) {
        if (deadline >= 0 && left_ms(deadline) == 0) {
            rc = -ETIMEDOUT;
            break;
        }
        rc = dial_one(a->ai_family, a->ai_addr, a->ai_addrlen, deadline);
        if (rc >= 0)
            break;
    }
    if (in_task)
        cf_cleanup_pop(&c, true);
    else
        free_res(&f);
    return rc;
}

/* Sleeps `ms`: inside a task only the task sleeps. */
static void back_off(int64_t ms)
{
    if (cf__sched_tls != NULL && cf_current() != NULL) {
        cf_task_sleep(ms);
        return;
    }
    struct timespec ts = {.tv_sec = ms / 1000,
                          .tv_nsec = (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

int cf_net_accept(int fd, struct sockaddr *addr, socklen_t *len,
                  int64_t timeout_ms)
{
    int64_t deadline = deadline_of(timeout_ms);
    int64_t delay = 5;
    for (;;) {
        int c = cf_sock_accept(fd, addr, len, left_ms(deadline));
        if (c != -EMFILE && c != -ENFILE && c != -ENOBUFS && c != -ENOMEM)
            return c;
        int64_t left = left_ms(deadline);
        if (left == 0)
            return -ETIMEDOUT;
        back_off(left > 0 && left < delay ? left : delay);
        delay = delay * 2 > 1000 ? 1000 : delay * 2;
    }
}
