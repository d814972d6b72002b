/* SPDX-License-Identifier: MIT */
/* chatserver [-p PORT] [-i IDLE_MS] - a line-based TCP chat on 127.0.0.1
 * (PORT 0: any; printed): each client's line is relayed to all the others by
 * its own task, which writes to every other client itself (writes from
 * several tasks to one fd never interleave: no queues, no flusher). Clients
 * silent for IDLE_MS are dropped; SIGINT/SIGTERM, watched by a task, shut it
 * down cleanly. */
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <coflow.h>

#define MAX_CLIENTS 4096
static int clients[MAX_CLIENTS], nslots, online, listen_fd;
static int64_t idle_ms = -1;

/* Writes `line` to every client but `from`; a slow one gets 5 s. */
static void relay(int from, const char *line, size_t n)
{
    for (int i = 0; i < nslots; i++)
        if (clients[i] >= 0 && clients[i] != from)
            cf_sock_write(clients[i], line, n, 5000);
}

static cf_value client(void *arg)
{
    int slot = (int)(intptr_t)arg, fd = clients[slot];
    char buf[4096];
    size_t have = 0;
    ssize_t n = snprintf(buf, sizeof buf, "* %d online\n", ++online);
    cf_sock_write(fd, buf, (size_t)n, 5000);
    while ((n = cf_sock_read(fd, buf + have, sizeof buf - have, idle_ms)) > 0) {
        char *start = buf, *nl, *end = buf + have + n;
        while ((nl = memchr(start, '\n', (size_t)(end - start))) != NULL) {
            relay(fd, start, (size_t)(nl + 1 - start));
            start = nl + 1;
        }
        have = (size_t)(end - start);
        memmove(buf, start, have);
        if (have == sizeof buf)
            break; /* a line too long: drop the client */
    }
    clients[slot] = -1;
    online--;
    cf_sock_close(fd);
    return cf_none();
}

static cf_value server(void *arg)
{
    (void)arg;
    struct cf_coro_opts o = {.stack_size = 64 * 1024};
    cf_coro *co;
    int c, slot;
    while ((c = cf_net_accept(listen_fd, NULL, NULL, -1)) >= 0) {
        for (slot = 0; slot < MAX_CLIENTS && clients[slot] >= 0; slot++)
            ;
        if (slot == MAX_CLIENTS
            || cf_coro_new(&co, client, (void *)(intptr_t)slot, &o) != 0) {
            cf_sock_close(c); /* full */
            continue;
        }
        clients[slot] = c;
        nslots = slot >= nslots ? slot + 1 : nslots;
        cf_task_spawn(co);
    }
    return cf_none();
}

static cf_value signals(void *arg)
{
    int sig = cf_signal_next((int)(intptr_t)arg, -1);
    fprintf(stderr, "chatserver: signal %d, shutting down\n", sig);
    cf_sock_close((int)(intptr_t)arg);
    cf_sock_close(listen_fd); /* the accept loop ends */
    for (int i = 0; i < nslots; i++)
        if (clients[i] >= 0)
            shutdown(clients[i], SHUT_RDWR); /* each reader sees its end */
    return cf_none();
}

int main(int argc, char **argv)
{
    char where[32] = "127.0.0.1:0";
    int opt, sigs[] = {SIGINT, SIGTERM}, sfd = cf_signal_watch(sigs, 2);
    while ((opt = getopt(argc, argv, "p:i:")) != -1) {
        if (opt == 'p')
            snprintf(where, sizeof where, "127.0.0.1:%d", atoi(optarg));
        else if (opt == 'i')
            idle_ms = atoll(optarg) > 0 ? atoll(optarg) : -1;
        else
            return 2; /* usage: chatserver [-p PORT] [-i IDLE_MS] */
    }
    memset(clients, -1, sizeof clients);
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    cf_sched *s;
    if ((listen_fd = cf_net_listen("tcp4", where, NULL)) < 0 || sfd < 0
        || getsockname(listen_fd, (struct sockaddr *)&a, &alen) != 0
        || cf_sched_new(&s, NULL) != 0)
        return fprintf(stderr, "chatserver: cannot listen on %s\n", where), 1;
    printf("chat server on 127.0.0.1:%u\n", ntohs(a.sin_port));
    fflush(stdout);
    cf_coro *srv, *sig;
    if (cf_coro_new(&srv, server, NULL, NULL) != 0
        || cf_coro_new(&sig, signals, (void *)(intptr_t)sfd, NULL) != 0
        || cf_sched_add(s, srv) < 0 || cf_sched_add(s, sig) < 0)
        return 1;
    int rc = cf_sched_run(s);
    cf_sched_free(s);
    return rc == 0 ? 0 : 1;
}
