/* SPDX-License-Identifier: MIT */
/* bench/echo_coflow.c - the echo server on coflow's scheduler: a task per
   connection. Usage: echo_coflow epoll|uring [THREADS] (prints its port).
   With THREADS > 1, one scheduler per thread, each with its own
   SO_REUSEPORT listener on the same port (examples/echo_cores.c). */
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <coflow.h>

static const char *poller;

static cf_value client(void *arg)
{
    int fd = (int)(intptr_t)arg;
    /* A buffer per connection: on io_uring the kernel reads into it and
       sends from it while the task waits, so one shared by all the tasks
       (as the C floor's single loop can share one) would echo one
       connection's bytes to another. */
    enum { BUF = 65536 };
    char *buf = malloc(BUF);
    ssize_t n;
    while (buf != NULL && (n = cf_sock_read(fd, buf, BUF, -1)) > 0)
        if (cf_sock_write(fd, buf, (size_t)n, -1) < 0)
            break;
    free(buf);
    cf_sock_close(fd);
    return cf_none();
}

static cf_value server(void *arg)
{
    int l = (int)(intptr_t)arg;
    for (;;) {
        int c = cf_net_accept(l, NULL, NULL, -1);
        cf_coro *co;
        struct cf_coro_opts o = {.stack_size = CF_STACK_MIN};
        if (c >= 0 && cf_coro_new(&co, client, (void *)(intptr_t)c, &o) == 0)
            cf_task_spawn(co);
    }
    return cf_none();
}

static void *run(void *arg)
{
    struct cf_sched_opts opts = {.poller = poller};
    cf_sched *s;
    cf_coro *co;
    if (cf_sched_new(&s, &opts) != 0 || cf_coro_new(&co, server, arg, NULL))
        exit(1);
    cf_sched_add(s, co);
    cf_sched_run(s);
    return NULL;
}

int main(int argc, char **argv)
{
    poller = argc > 1 ? argv[1] : NULL;
    int n = argc > 2 ? atoi(argv[2]) : 1;
    struct cf_net_opts no = {.backlog = 1024,
                             .flags = n > 1 ? CF_NET_REUSEPORT : 0};
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int l = cf_net_listen("tcp4", "127.0.0.1:0", &no);
    if (l < 0 || getsockname(l, (struct sockaddr *)&a, &len))
        return 1;
    char where[32];
    snprintf(where, sizeof where, "127.0.0.1:%d", ntohs(a.sin_port));
    for (int i = 1; i < n; i++) {
        pthread_t t;
        int li = cf_net_listen("tcp4", where, &no);
        if (li < 0 || pthread_create(&t, NULL, run, (void *)(intptr_t)li))
            return 1;
    }
    printf("%d\n", ntohs(a.sin_port));
    fflush(stdout);
    run((void *)(intptr_t)l);
    return 0;
}
