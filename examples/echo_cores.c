/* SPDX-License-Identifier: MIT */
/*
 * echo_cores - the echo server on every core: one thread per core, each
 * running its own scheduler with its own listener on the same port
 * (SO_REUSEPORT: the kernel spreads the connections over them), so each
 * scheduler keeps its single-threaded fast path and nothing is shared.
 * Like echoserver, each accept loop survives EMFILE and drops clients idle
 * for IDLE_MS. SIGINT or SIGTERM stops the listeners; the threads end when
 * their last client has left.
 *
 *   echo_cores [-p PORT] [-t THREADS] [-i IDLE_MS]
 *       serves 127.0.0.1:PORT (default 0: any free port; printed) on
 *       THREADS threads (default: one per online CPU)
 */
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <coflow.h>

#define MAX_THREADS 256

static int64_t idle_ms = 60000;
static int listeners[MAX_THREADS];

static cf_value client(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buf[16384];
    ssize_t n;
    while ((n = cf_sock_read(fd, buf, sizeof buf, idle_ms)) > 0)
        if (cf_sock_write(fd, buf, (size_t)n, idle_ms) < 0)
            break;
    cf_sock_close(fd);
    return cf_none();
}

static cf_value server(void *arg)
{
    int l = (int)(intptr_t)arg, c;
    struct cf_coro_opts o = {.name = "client", .stack_size = 64 * 1024};
    while ((c = cf_net_accept(l, NULL, NULL, -1)) >= 0) {
        cf_coro *co;
        if (cf_coro_new(&co, client, (void *)(intptr_t)c, &o) != 0)
            cf_sock_close(c); /* no memory for this one */
        else
            cf_task_spawn(co);
    }
    cf_sock_close(l);
    return cf_none();
}

/* One core's scheduler. */
static void *core(void *arg)
{
    cf_sched *s;
    cf_coro *co;
    if (cf_sched_new(&s, NULL) != 0)
        return (void *)1;
    if (cf_coro_new(&co, server, arg, NULL) != 0 || cf_sched_add(s, co) < 0) {
        cf_sched_free(s);
        return (void *)1;
    }
    int rc = cf_sched_run(s);
    cf_sched_free(s);
    return (void *)(intptr_t)(rc != 0);
}

int main(int argc, char **argv)
{
    int opt, port = 0, nthreads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    while ((opt = getopt(argc, argv, "p:t:i:")) != -1) {
        if (opt == 'p')
            port = atoi(optarg);
        else if (opt == 't')
            nthreads = atoi(optarg);
        else if (opt == 'i')
            idle_ms = atoll(optarg) > 0 ? atoll(optarg) : -1;
        else {
            fprintf(stderr, "usage: %s [-p PORT] [-t THREADS] [-i IDLE_MS]\n",
                    argv[0]);
            return 2;
        }
    }
    if (nthreads < 1 || nthreads > MAX_THREADS)
        nthreads = nthreads < 1 ? 1 : MAX_THREADS;
    /* Blocked before the threads start, so that they inherit the mask. */
    int sigs[] = {SIGINT, SIGTERM}, sfd = cf_signal_watch(sigs, 2);
    struct cf_net_opts no = {.flags = CF_NET_REUSEPORT};
    char where[32];
    for (int i = 0; i < nthreads; i++) {
        snprintf(where, sizeof where, "127.0.0.1:%d", port);
        listeners[i] = cf_net_listen("tcp4", where, &no);
        struct sockaddr_in a;
        socklen_t len = sizeof a;
        if (listeners[i] < 0
            || getsockname(listeners[i], (struct sockaddr *)&a, &len) != 0) {
            fprintf(stderr, "echo_cores: listen on %s: %s\n", where,
                    cf_strerror(listeners[i]));
            return 1;
        }
        port = ntohs(a.sin_port); /* the others share the first's port */
    }
    printf("echo server on 127.0.0.1:%d, %d threads\n", port, nthreads);
    fflush(stdout);
    pthread_t th[MAX_THREADS];
    for (int i = 0; i < nthreads; i++)
        if (pthread_create(&th[i], NULL, core, (void *)(intptr_t)listeners[i])
            != 0) {
            fprintf(stderr, "echo_cores: cannot start thread %d\n", i);
            return 1;
        }
    /* The main thread only waits for a signal (blocking: no scheduler). */
    if (sfd >= 0 && cf_signal_next(sfd, -1) > 0)
        for (int i = 0; i < nthreads; i++)
            shutdown(listeners[i], SHUT_RDWR); /* each accept loop ends */
    int failed = 0;
    for (int i = 0; i < nthreads; i++) {
        void *r;
        pthread_join(th[i], &r);
        failed |= r != NULL;
    }
    return failed;
}
