/* SPDX-License-Identifier: MIT */
/* bench/echo_c_epoll.c - the floor: a hand-written level-triggered epoll
   echo server on 127.0.0.1 (port 0: prints the one it got). */
#include <netinet/in.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof a;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 1024)
        || getsockname(l, (struct sockaddr *)&a, &len))
        return 1;
    printf("%d\n", ntohs(a.sin_port));
    fflush(stdout);
    int ep = epoll_create1(0);
    struct epoll_event e = {.events = EPOLLIN, .data.fd = l}, ev[512];
    epoll_ctl(ep, EPOLL_CTL_ADD, l, &e);
    static char buf[65536];
    for (;;) {
        int n = epoll_wait(ep, ev, 512, -1);
        for (int i = 0; i < n; i++) {
            int fd = ev[i].data.fd;
            if (fd == l) {
                int c = accept4(l, NULL, NULL, SOCK_NONBLOCK);
                if (c >= 0) {
                    struct epoll_event ce = {.events = EPOLLIN, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
                }
                continue;
            }
            ssize_t r = read(fd, buf, sizeof buf);
            if (r <= 0) {
                close(fd);
                continue;
            }
            if (write(fd, buf, (size_t)r) != r) /* 1 KiB fits the buffer */
                close(fd);
        }
    }
}
