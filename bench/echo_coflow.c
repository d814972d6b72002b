/* SPDX-License-Identifier: MIT */
/* bench/echo_coflow.c - the echo server on coflow's scheduler: a task per
   connection. Usage: echo_coflow epoll|uring (prints its port). */
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>

#include <coflow.h>

static int l;

static cf_value client(void *arg)
{
    int fd = (int)(intptr_t)arg;
    static char buf[65536]; /* one task runs at a time */
    ssize_t n;
    while ((n = cf_sock_read(fd, buf, sizeof buf, -1)) > 0)
        if (cf_sock_write(fd, buf, (size_t)n, -1) < 0)
            break;
    cf_sock_close(fd);
    return cf_none();
}

static cf_value server(void *arg)
{
    (void)arg;
    for (;;) {
        int c = cf_sock_accept(l, NULL, NULL, -1);
        cf_coro *co;
        struct cf_coro_opts o = {.stack_size = CF_STACK_MIN};
        if (c >= 0 && cf_coro_new(&co, client, (void *)(intptr_t)c, &o) == 0)
            cf_task_spawn(co);
    }
    return cf_none();
}

int main(int argc, char **argv)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof a;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 1024)
        || getsockname(l, (struct sockaddr *)&a, &len))
        return 1;
    struct cf_sched_opts opts = {.poller = argc > 1 ? argv[1] : NULL};
    cf_sched *s;
    cf_coro *co;
    if (cf_sched_new(&s, &opts) != 0 || cf_coro_new(&co, server, NULL, NULL))
        return 1;
    printf("%d\n", ntohs(a.sin_port));
    fflush(stdout);
    cf_sched_add(s, co);
    return cf_sched_run(s);
}
