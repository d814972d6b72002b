/* SPDX-License-Identifier: MIT */
/*
 * bench/echo_load.c - the load generator for the echo benchmarks
 * (bench/README.md), plain C, 127.0.0.1 only.
 *
 *   echo_load blaster PORT   300 connections, 100,000 sequential 1 KiB
 *                            echoes over randomly chosen ones: prints seconds
 *   echo_load load PORT SEC [PROCS]
 *                            all 300 connections echoing 1 KiB at once for
 *                            SEC seconds (epoll): prints MB/s echoed; with
 *                            PROCS, PROCS processes share the connections
 *                            (the load on every core) and the sum is printed
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CONNS 300
#define MSG   1024

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int dial(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("echo_load: connect");
        exit(1);
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void full(int fd, char *buf, size_t n, int rd)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = rd ? read(fd, buf + done, n - done)
                       : write(fd, buf + done, n - done);
        if (r <= 0) {
            perror("echo_load: short echo");
            exit(1);
        }
        done += (size_t)r;
    }
}

/* The load on `n` connections for `secs`: bytes echoed per second. */
static double load(const int *fds, int n, double secs)
{
    char msg[MSG], back[MSG];
    memset(msg, 'x', sizeof msg);
    int ep = epoll_create1(0);
    size_t got[CONNS] = {0};
    long long bytes = 0;
    for (int i = 0; i < n; i++) {
        struct epoll_event e = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &e);
        full(fds[i], msg, MSG, 0);
    }
    double t0 = now(), t;
    struct epoll_event ev[CONNS];
    while ((t = now()) - t0 < secs) {
        int k = epoll_wait(ep, ev, CONNS, 100);
        for (int j = 0; j < k; j++) {
            int i = (int)ev[j].data.u32;
            ssize_t r = read(fds[i], back, MSG - got[i]);
            if (r <= 0) {
                perror("echo_load: read");
                exit(1);
            }
            got[i] += (size_t)r;
            bytes += r;
            if (got[i] == MSG) {
                got[i] = 0;
                full(fds[i], msg, MSG, 0);
            }
        }
    }
    close(ep);
    return (double)bytes / (t - t0);
}

/* PROCS processes, each with its share of the connections; the sum. */
static double load_procs(int port, double secs, int procs)
{
    int pfd[2];
    if (pipe(pfd) != 0)
        exit(1);
    for (int p = 0; p < procs; p++) {
        if (fork() == 0) {
            int n = CONNS / procs + (p < CONNS % procs), fds[CONNS];
            for (int i = 0; i < n; i++)
                fds[i] = dial(port);
            double r = load(fds, n, secs);
            if (write(pfd[1], &r, sizeof r) != sizeof r)
                _exit(1);
            _exit(0);
        }
    }
    double sum = 0, r;
    for (int p = 0; p < procs; p++)
        if (read(pfd[0], &r, sizeof r) == sizeof r)
            sum += r;
    while (wait(NULL) > 0)
        ;
    return sum;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    int port = atoi(argv[2]), fds[CONNS];
    char msg[MSG], back[MSG];
    memset(msg, 'x', sizeof msg);
    if (strcmp(argv[1], "load") == 0 && argc > 4 && atoi(argv[4]) > 1) {
        printf("%.2f\n", load_procs(port, atof(argv[3]), atoi(argv[4])) / 1e6);
        return 0;
    }
    for (int i = 0; i < CONNS; i++)
        fds[i] = dial(port);
    if (strcmp(argv[1], "blaster") == 0) {
        srand(42);
        double t0 = now();
        for (int i = 0; i < 100000; i++) {
            int fd = fds[rand() % CONNS];
            full(fd, msg, MSG, 0);
            full(fd, back, MSG, 1);
        }
        printf("%.4f\n", now() - t0);
    } else {
        double secs = argc > 3 ? atof(argv[3]) : 1.0;
        printf("%.2f\n", load(fds, CONNS, secs) / 1e6);
    }
    for (int i = 0; i < CONNS; i++)
        close(fds[i]);
    return 0;
}
