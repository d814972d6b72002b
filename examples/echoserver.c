/* SPDX-License-Identifier: MIT */
/*
 * echoserver - Beazley's echo server (echogood.py, SEMANTICS item 73) on
 * coflow's scheduler, loopback only: one task accepts, one task per client
 * echoes. Says which poller it runs on.
 *
 *   echoserver                 a demo: the server and ten client tasks in
 *                              one scheduler, on an ephemeral port; exits
 *   echoserver -p PORT [-n N] [-i MS]
 *                              serves 127.0.0.1:PORT (N connections, or
 *                              until killed; PORT 0: any free port)
 *
 * It survives running out of fds: cf_net_accept() backs off and keeps the
 * listener when accept fails with EMFILE (as Go's and nginx's accept loops
 * do), and serves new clients once others leave. A client that sends
 * nothing for MS milliseconds (-i, default 60000; 0: never) is dropped, so
 * idle connections - slowloris - cannot hold every fd.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <coflow.h>

static int listen_fd;
static int max_conns = -1;
static int demo_clients;
static int64_t idle_ms = 60000;

static cf_coro *coro(cf_body_fn fn, void *arg, const char *name)
{
    /* handle_client() keeps a 64 KiB buffer on its stack. */
    struct cf_coro_opts o = {.name = name, .stack_size = 256 * 1024};
    cf_coro *co = NULL;
    if (cf_coro_new(&co, fn, arg, &o) != 0)
        cf_raise(&cf_memory_error, "cannot create %s", name);
    return co;
}

static cf_value handle_client(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buf[65536];
    ssize_t n;
    if (!demo_clients)
        printf("Connection on fd %d\n", fd);
    while ((n = cf_sock_read(fd, buf, sizeof buf, idle_ms)) > 0)
        if (cf_sock_write(fd, buf, (size_t)n, idle_ms) < 0)
            break;
    cf_sock_close(fd);
    if (!demo_clients)
        printf(n == -ETIMEDOUT ? "Client idle: dropped\n" : "Client closed\n");
    return cf_none();
}

static cf_value server(void *arg)
{
    (void)arg;
    for (int i = 0; max_conns < 0 || i < max_conns; i++) {
        int c = cf_net_accept(listen_fd, NULL, NULL, -1);
        if (c < 0) {
            fprintf(stderr, "accept: %s\n", cf_strerror(c));
            break;
        }
        cf_task_spawn(coro(handle_client, (void *)(intptr_t)c, "client"));
    }
    cf_sock_close(listen_fd);
    return cf_none();
}

static uint16_t port;

static cf_value client(void *arg)
{
    int id = (int)(intptr_t)arg;
    char addr[32];
    snprintf(addr, sizeof addr, "127.0.0.1:%u", port);
    int fd = cf_net_dial("tcp", addr, 1000);
    if (fd < 0)
        cf_raise(&cf_runtime_error, "connect: %s", cf_strerror(fd));
    char msg[64], back[64];
    int len = snprintf(msg, sizeof msg, "hello from client %d", id);
    cf_sock_write(fd, msg, (size_t)len, 1000);
    ssize_t n = cf_sock_read(fd, back, sizeof back, 1000);
    printf("client %d got back: %.*s\n", id, (int)(n > 0 ? n : 0), back);
    cf_sock_close(fd);
    return cf_none();
}

int main(int argc, char **argv)
{
    int opt;
    bool serve = false;
    while ((opt = getopt(argc, argv, "p:n:i:")) != -1) {
        if (opt == 'p') {
            port = (uint16_t)atoi(optarg);
            serve = true;
        } else if (opt == 'n') {
            max_conns = atoi(optarg);
        } else if (opt == 'i') {
            idle_ms = atoll(optarg);
            if (idle_ms <= 0)
                idle_ms = -1;
        } else {
            fprintf(stderr,
                    "usage: %s [-p PORT [-n CONNECTIONS] [-i IDLE_MS]]\n",
                    argv[0]);
            return 2;
        }
    }
    if (!serve) {
        demo_clients = 10;
        max_conns = demo_clients;
    }
    char where[32];
    snprintf(where, sizeof where, "127.0.0.1:%u", port);
    listen_fd = cf_net_listen("tcp4", where, NULL);
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    if (listen_fd < 0
        || getsockname(listen_fd, (struct sockaddr *)&a, &alen) != 0) {
        fprintf(stderr, "echoserver: listen on %s: %s\n", where,
                cf_strerror(listen_fd < 0 ? listen_fd : -errno));
        return 1;
    }
    port = ntohs(a.sin_port);

    cf_sched *s;
    int rc = cf_sched_new(&s, NULL);
    if (rc != 0) {
        fprintf(stderr, "echoserver: %s\n", cf_strerror(rc));
        return 1;
    }
    printf("echo server on 127.0.0.1:%u (poller: %s)\n", port,
           cf_sched_poller(s));
    fflush(stdout);
    cf_coro *srv;
    if (cf_coro_new(&srv, server, NULL, NULL) != 0)
        return 1;
    cf_sched_add(s, srv);
    for (int i = 0; i < demo_clients; i++) {
        cf_coro *c;
        if (cf_coro_new(&c, client, (void *)(intptr_t)i, NULL) != 0)
            return 1;
        cf_sched_add(s, c);
    }
    rc = cf_sched_run(s);
    cf_sched_free(s);
    return rc == 0 ? 0 : 1;
}
