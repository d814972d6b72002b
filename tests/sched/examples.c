/* SPDX-License-Identifier: MIT */
/*
 * tests/sched/examples.c - the network examples, run as programs on both
 * pollers:
 *   - echoserver under `ulimit -n 64` with 60 idle clients and 200 more
 *     arriving: it keeps listening through EMFILE, drops the idle ones
 *     after its timeout (-i), and serves every other client once fds are
 *     free (issue 15, the echo server finding);
 *   - chatserver with 200 clients: every line reaches every other client,
 *     whole and in order, and the server holds no more fds once they leave;
 *     SIGTERM ends it cleanly.
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include <coflow/net.h>

#include "sched/sched_test.h"

#ifndef CF_EXAMPLES_DIR
#define CF_EXAMPLES_DIR "build/debug/examples"
#endif

/* Starts example `name` with `argv` on `poller`, its stdout in `*out`, its
   fd limit `nofile` (0: unchanged). Returns its pid. */
static pid_t start(const char *name, const char *const *args,
                   const char *poller, rlim_t nofile, FILE **out)
{
    char path[256];
    const char *argv[16] = {path};
    snprintf(path, sizeof path, "%s/%s", CF_EXAMPLES_DIR, name);
    for (size_t i = 0; args[i] != NULL && i < 14; i++)
        argv[i + 1] = args[i];
    int pfd[2];
    cr_assert_eq(pipe(pfd), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        dup2(pfd[1], 1);
        close_range(3, ~0u, 0);
        setenv("COFLOW_POLLER", poller, 1);
        if (nofile != 0) {
            struct rlimit r;
            getrlimit(RLIMIT_NOFILE, &r);
            r.rlim_cur = nofile;
            setrlimit(RLIMIT_NOFILE, &r);
        }
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(pfd[1]);
    *out = fdopen(pfd[0], "r");
    cr_assert_not_null(*out);
    return pid;
}

/* The port in the example's first line ("... on 127.0.0.1:PORT ..."). */
static int port_line(FILE *out)
{
    char line[256];
    cr_assert_not_null(fgets(line, sizeof line, out), "no first line");
    const char *p = strstr(line, "127.0.0.1:");
    cr_assert_not_null(p, "%s", line);
    return atoi(p + 10);
}

static int plain_dial(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert_geq(fd, 0);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* Reads exactly `n` bytes within 20 s; returns the count read (less at end
   of file). */
static size_t read_full(int fd, char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        cr_assert_eq(poll(&p, 1, 20000), 1, "no answer in 20 s");
        ssize_t r = read(fd, buf + got, n - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

static int exit_status(pid_t pid)
{
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st), "killed by signal %d", WTERMSIG(st));
    return WEXITSTATUS(st);
}

#define IDLE   60
#define ACTIVE 200

/* Under Valgrind the servers (traced too) are far too slow for 200
   clients, and Valgrind needs fds of its own under `ulimit -n 64`. */
static void skip_under_valgrind(void)
{
    if (RUNNING_ON_VALGRIND)
        cr_skip_test("the example servers are not run under Valgrind");
}

static void echo_emfile(const char *poller)
{
    skip_under_valgrind();
    if (strcmp(poller, "uring") == 0) {
        cf_sched *s = sched_on(poller, NULL); /* skips without io_uring */
        cf_sched_free(s);
    }
    FILE *out;
    const char *args[] = {"-p", "0", "-i", "300", "-n", "260", NULL};
    pid_t pid = start("echoserver", args, poller, 64, &out);
    int port = port_line(out);
    int idle[IDLE], active[ACTIVE];
    for (int i = 0; i < IDLE; i++)
        idle[i] = plain_dial(port); /* they fill the server's fds */
    for (int i = 0; i < ACTIVE; i++) {
        char msg[32];
        active[i] = plain_dial(port); /* wait in the backlog */
        int n = snprintf(msg, sizeof msg, "hello %03d\n", i);
        cr_assert_eq(write(active[i], msg, (size_t)n), n);
    }
    for (int i = 0; i < ACTIVE; i++) {
        char want[32], back[32];
        int n = snprintf(want, sizeof want, "hello %03d\n", i);
        cr_assert_eq(read_full(active[i], back, (size_t)n), (size_t)n,
                     "client %d not served", i);
        cr_assert_eq(memcmp(back, want, (size_t)n), 0);
        close(active[i]);
    }
    for (int i = 0; i < IDLE; i++) {
        char c;
        cr_assert_eq(read_full(idle[i], &c, 1), 0, "idle %d not dropped", i);
        close(idle[i]);
    }
    cr_assert_eq(exit_status(pid), 0, "the server failed");
    int dropped = 0, served = 0;
    char line[256];
    while (fgets(line, sizeof line, out) != NULL) {
        dropped += strstr(line, "idle: dropped") != NULL;
        served += strstr(line, "Client closed") != NULL;
    }
    fclose(out);
    cr_assert_eq(dropped, IDLE);
    cr_assert_eq(served, ACTIVE);
}

Test(sched_epoll, echoserver_survives_emfile, .timeout = 120)
{
    echo_emfile("epoll");
}

Test(sched_uring, echoserver_survives_emfile, .timeout = 120)
{
    echo_emfile("uring");
}

/* ---- chatserver: 200 clients ---- */

#define CLIENTS 200
#define LINES   10

static int chat_port, joined, finished;

static cf_value chatter(void *arg)
{
    int id = (int)(intptr_t)arg;
    char addr[32], buf[8192];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", chat_port);
    int fd = cf_net_dial("tcp4", addr, 10000);
    cr_assert_geq(fd, 0, "dial: %s", cf_strerror(fd));
    int next[CLIENTS] = {0}; /* the next line number from each client */
    int lines = 0, greeted = 0, sent = 0;
    size_t have = 0;
    for (;;) {
        if (greeted && joined == CLIENTS && !sent) {
            sent = 1;
            for (int k = 0; k < LINES; k++) {
                char msg[32];
                int n = snprintf(msg, sizeof msg, "%d %d\n", id, k);
                cr_assert_eq(cf_sock_write(fd, msg, (size_t)n, 10000), n);
            }
        }
        if (lines == (CLIENTS - 1) * LINES)
            break;
        if (greeted && joined < CLIENTS) {
            cf_task_sleep(1);
            continue;
        }
        ssize_t r = cf_sock_read(fd, buf + have, sizeof buf - have, 20000);
        cr_assert_gt(r, 0, "client %d: read %zd after %d lines", id, r, lines);
        have += (size_t)r;
        char *start = buf, *nl, *end = buf + have;
        while ((nl = memchr(start, '\n', (size_t)(end - start))) != NULL) {
            *nl = '\0';
            if (start[0] == '*') {
                cr_assert_eq(greeted, 0, "two greetings");
                greeted = 1;
                joined++;
            } else {
                int from, k;
                cr_assert_eq(sscanf(start, "%d %d", &from, &k), 2, "line %s",
                             start);
                cr_assert(from >= 0 && from < CLIENTS && from != id);
                cr_assert_eq(k, next[from], "from %d: %d after %d", from, k,
                             next[from]);
                next[from]++;
                lines++;
            }
            start = nl + 1;
        }
        have = (size_t)(end - start);
        memmove(buf, start, have);
    }
    finished++;
    while (finished < CLIENTS) /* leave together: nobody misses a line */
        cf_task_sleep(1);
    cf_sock_close(fd);
    return cf_none();
}

static int fds_of(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    cr_assert_not_null(d);
    int n = 0;
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    return n;
}

static void chat_200(const char *poller)
{
    skip_under_valgrind();
    cf_sched *s = sched_on(poller, NULL); /* skips without io_uring */
    FILE *out;
    const char *args[] = {"-p", "0", NULL};
    pid_t pid = start("chatserver", args, poller, 0, &out);
    chat_port = port_line(out);
    int before = fds_of(pid);
    joined = finished = 0;
    for (int i = 0; i < CLIENTS; i++) {
        struct cf_coro_opts o = {.stack_size = 64 * 1024};
        cf_coro *co;
        cr_assert_eq(cf_coro_new(&co, chatter, (void *)(intptr_t)i, &o), 0);
        cr_assert_gt(cf_sched_add(s, co), 0);
    }
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(finished, CLIENTS);
    cf_sched_free(s);
    /* A leak is more fds than when the first client came; fewer is fine
       (the count at start may catch one the server was still setting up). */
    int after = -1;
    for (int i = 0; i < 500 && (after = fds_of(pid)) > before; i++)
        usleep(10000);
    cr_assert_leq(after, before, "the server leaks fds: %d, then %d", before,
                  after);
    kill(pid, SIGTERM);
    cr_assert_eq(exit_status(pid), 0, "no clean shutdown");
    fclose(out);
}

Test(sched_epoll, chatserver_200_clients, .timeout = 120)
{
    chat_200("epoll");
}

Test(sched_uring, chatserver_200_clients, .timeout = 120)
{
    chat_200("uring");
}
