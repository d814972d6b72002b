/* SPDX-License-Identifier: MIT */
/*
 * echo_cores - the echo server on every core: a pool of schedulers
 * (coflow/coop.h), one per thread, each with its own listener on the same
 * port (SO_REUSEPORT: the kernel spreads the connections over them), so
 * each scheduler keeps its single-threaded fast path and nothing is shared.
 * Like echoserver, each accept loop survives EMFILE and drops clients idle
 * for IDLE_MS. SIGINT or SIGTERM, watched by a task of scheduler 0, stops
 * the listeners; the pool ends when the last client has left.
 *
 *   echo_cores [-p PORT] [-t THREADS] [-i IDLE_MS]
 *       serves 127.0.0.1:PORT (default 0: any free port; printed) on
 *       THREADS threads (default: one per online CPU)
 */
#include <netinet/in.h>
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

static int nlisteners;

/* Scheduler 0's task: waits for SIGINT or SIGTERM, then stops every
   listener (each accept loop ends; shutdown() is safe from any thread). */
static cf_value stopper(void *arg)
{
    if (cf_signal_next((int)(intptr_t)arg, -1) > 0)
        for (int i = 0; i < nlisteners; i++)
            shutdown(listeners[i], SHUT_RDWR);
    return cf_none();
}

static int spawn(cf_sched *s, cf_body_fn fn, int fd)
{
    cf_coro *co;
    if (cf_coro_new(&co, fn, (void *)(intptr_t)fd, NULL) != 0)
        return -1;
    return cf_sched_spawn(s, co);
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
    nlisteners = nthreads;
    cf_sched_pool *pool;
    if (cf_sched_pool_new(&pool, nthreads, NULL) != 0) {
        fprintf(stderr, "echo_cores: cannot make %d schedulers\n", nthreads);
        return 1;
    }
    for (int i = 0; i < nthreads; i++)
        if (spawn(cf_sched_pool_get(pool, i), server, listeners[i]) != 0) {
            fprintf(stderr, "echo_cores: out of memory\n");
            return 1;
        }
    if (sfd >= 0 && spawn(cf_sched_pool_get(pool, 0), stopper, sfd) != 0) {
        fprintf(stderr, "echo_cores: out of memory\n");
        return 1;
    }
    /* Scheduler 0 runs on this thread, the others on threads of their own
       (which inherit the blocked signals). */
    int rc = cf_sched_pool_run(pool);
    cf_sched_pool_free(pool);
    if (sfd >= 0)
        cf_sock_close(sfd);
    return rc != 0;
}
