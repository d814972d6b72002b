/* SPDX-License-Identifier: MIT */
/*
 * bench/chat_load.c - load for examples/chatserver: N clients (tasks of one
 * coflow scheduler) join, then each sends L lines; every client reads the
 * (N-1)*L lines of the others, checking each sender's order. Prints the
 * lines delivered per second, from the first line sent to the last one
 * read, counting every copy the server relayed.
 *
 *   chat_load PORT [N [L]]    (defaults: 200 clients, 50 lines)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <coflow.h>

static int port, nclients = 200, nlines = 50, joined, failed;
static double t0;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static cf_value chatter(void *arg)
{
    int id = (int)(intptr_t)arg, greeted = 0, sent = 0, lines = 0;
    char addr[32], buf[65536];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    int fd = cf_net_dial("tcp4", addr, 10000);
    int *next = calloc((size_t)nclients, sizeof *next);
    size_t have = 0;
    if (fd < 0 || next == NULL) {
        failed++;
        return cf_none();
    }
    while (lines < (nclients - 1) * nlines) {
        if (greeted && joined == nclients && !sent) {
            if (t0 == 0)
                t0 = now();
            for (int k = 0; k < nlines; k++) {
                char msg[32];
                int n = snprintf(msg, sizeof msg, "%d %d\n", id, k);
                cf_sock_write(fd, msg, (size_t)n, 10000);
            }
            sent = 1;
        }
        if (greeted && joined < nclients) {
            cf_task_sleep(1);
            continue;
        }
        ssize_t r = cf_sock_read(fd, buf + have, sizeof buf - have, 20000);
        if (r <= 0) {
            failed++;
            break;
        }
        have += (size_t)r;
        char *start = buf, *nl, *end = buf + have;
        while ((nl = memchr(start, '\n', (size_t)(end - start))) != NULL) {
            int from, k;
            if (*start == '*')
                joined += greeted = 1;
            else if (sscanf(start, "%d %d", &from, &k) != 2
                     || k != next[from]++)
                failed++;
            else
                lines++;
            start = nl + 1;
        }
        have = (size_t)(end - start);
        memmove(buf, start, have);
    }
    free(next);
    cf_sock_close(fd);
    return cf_none();
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    port = atoi(argv[1]);
    if (argc > 2)
        nclients = atoi(argv[2]);
    if (argc > 3)
        nlines = atoi(argv[3]);
    cf_sched *s;
    if (cf_sched_new(&s, NULL) != 0)
        return 1;
    for (int i = 0; i < nclients; i++) {
        struct cf_coro_opts o = {.stack_size = 128 * 1024};
        cf_coro *co;
        if (cf_coro_new(&co, chatter, (void *)(intptr_t)i, &o) != 0
            || cf_sched_add(s, co) < 0)
            return 1;
    }
    cf_sched_run(s);
    double t = now() - t0;
    cf_sched_free(s);
    if (failed) {
        fprintf(stderr, "chat_load: %d failures\n", failed);
        return 1;
    }
    printf("%.0f\n", (double)nclients * (nclients - 1) * nlines / t);
    return 0;
}
