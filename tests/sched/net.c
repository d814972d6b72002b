/* SPDX-License-Identifier: MIT */
/*
 * tests/sched/net.c - cf_net_listen(), cf_net_dial(), cf_net_accept() and
 * signal watching on both pollers: TCP over IPv4 and IPv6, Unix sockets
 * (paths and abstract names), names resolved on a thread while other tasks
 * run, and the error paths: refused, bad host, malformed addresses,
 * unknown networks and services, EMFILE, a bad signal list. Every test
 * checks that no fd is leaked.
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include <coflow/net.h>

#include "sched/sched_test.h"

/*
 * A killed dial leaves its name to the detached resolver thread, whose
 * getaddrinfo() opens and closes its own files and sockets (/etc/hosts,
 * nsswitch, a DNS socket) until it returns: on a loaded machine that may be
 * after the test body ends. The count is taken once every thread the body
 * started has ended (10 s at most): an equal count while the thread still
 * runs proves nothing, as it may not have opened anything yet.
 */
static int threads(void)
{
    return count_entries("/proc/self/task");
}

static void threads_end(int alone)
{
    for (int i = 0; i < 1000 && threads() != alone; i++)
        usleep(10000);
    cr_assert_eq(threads(), alone, "a resolver thread never ended");
}

static void run_net(void (*body)(const char *), const char *poller)
{
    int before = open_fds(), alone = threads();
    body(poller);
    threads_end(alone);
    cr_assert_eq(open_fds(), before, "fd leak");
}

#define NET_TEST(name, ...)                                                    \
    static void name(const char *poller);                                      \
    Test(sched_epoll, name, ##__VA_ARGS__)                                     \
    {                                                                          \
        run_net(name, "epoll");                                                \
    }                                                                          \
    Test(sched_uring, name, ##__VA_ARGS__)                                     \
    {                                                                          \
        run_net(name, "uring");                                                \
    }                                                                          \
    static void name(const char *poller)

static int port_of(int fd)
{
    struct sockaddr_storage a;
    socklen_t len = sizeof a;
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    if (a.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&a)->sin6_port);
    return ntohs(((struct sockaddr_in *)&a)->sin_port);
}

static int lfd;
static char dial_net[16], dial_addr[128];
static int ticks, dialled;

/* Accepts one connection and echoes one message. */
static cf_value accept_one(void *arg)
{
    (void)arg;
    char buf[16];
    int c = cf_net_accept(lfd, NULL, NULL, 5000);
    cr_assert_geq(c, 0, "accept: %s", cf_strerror(c));
    ssize_t n = cf_sock_read(c, buf, sizeof buf, 5000);
    cr_assert_gt(n, 0);
    cr_assert_eq(cf_sock_write(c, buf, (size_t)n, 5000), n);
    cf_sock_close(c);
    return cf_none();
}

static cf_value dialler(void *arg)
{
    (void)arg;
    char buf[16];
    int fd = cf_net_dial(dial_net, dial_addr, 5000);
    cr_assert_geq(fd, 0, "dial %s %s: %s", dial_net, dial_addr,
                  cf_strerror(fd));
    cr_assert_neq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
    cr_assert_neq(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
    cr_assert_eq(cf_sock_write(fd, "ping", 4, 5000), 4);
    cr_assert_eq(cf_sock_read(fd, buf, sizeof buf, 5000), 4);
    cr_assert_eq(memcmp(buf, "ping", 4), 0);
    cf_sock_close(fd);
    dialled++;
    return cf_none();
}

/* Runs while the dialler resolves: proves the scheduler was not blocked. */
static cf_value ticker(void *arg)
{
    (void)arg;
    while (dialled == 0) {
        ticks++;
        cf_task_sleep(1);
    }
    return cf_none();
}

/* Listens on `net`/`laddr`, dials `dnet` at `daddr` (TCP: the host, the
   port is added) and echoes a message. */
static void round_trip(const char *poller, const char *net, const char *laddr,
                       const char *dnet, const char *daddr)
{
    lfd = cf_net_listen(net, laddr, NULL);
    if (lfd == -EAFNOSUPPORT || lfd == -EADDRNOTAVAIL)
        cr_skip_test("%s %s: no such address family here", net, laddr);
    cr_assert_geq(lfd, 0, "listen %s %s: %s", net, laddr, cf_strerror(lfd));
    snprintf(dial_net, sizeof dial_net, "%s", dnet);
    if (strcmp(net, "unix") == 0)
        snprintf(dial_addr, sizeof dial_addr, "%s", daddr);
    else
        snprintf(dial_addr, sizeof dial_addr, "%s:%d", daddr, port_of(lfd));
    cf_sched *s = sched_on(poller, NULL);
    dialled = ticks = 0;
    add_task(s, accept_one, NULL, "server");
    add_task(s, dialler, NULL, "client");
    add_task(s, ticker, NULL, "ticker");
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(dialled, 1);
    cf_sched_free(s);
    cf_sock_close(lfd);
}

NET_TEST(listen_dial_tcp4)
{
    round_trip(poller, "tcp4", "127.0.0.1:0", "tcp", "127.0.0.1");
}

NET_TEST(listen_dial_tcp6)
{
    round_trip(poller, "tcp6", "[::1]:0", "tcp6", "[::1]");
}

/* ":port" listens on every interface, IPv4 included; ":port" dials the
   loopback. */
NET_TEST(listen_any_dial_loopback)
{
    round_trip(poller, "tcp", ":0", "tcp4", "");
}

/* Valgrind holds its one-thread lock across io_uring_enter(), so a
   resolver thread could not run while the scheduler waits there. */
static void resolver_thread_runs(const char *poller)
{
    if (RUNNING_ON_VALGRIND && strcmp(poller, "uring") == 0)
        cr_skip_test("a thread cannot run under Valgrind while io_uring waits");
}

/* "localhost" is not numeric: resolved on a thread, the ticker runs. */
NET_TEST(dial_by_name)
{
    resolver_thread_runs(poller);
    round_trip(poller, "tcp4", "127.0.0.1:0", "tcp4", "localhost");
}

NET_TEST(listen_dial_unix_path)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/coflow-net-%d.sock", (int)getpid());
    unlink(path);
    round_trip(poller, "unix", path, "unix", path);
    cr_assert_eq(unlink(path), 0);
}

NET_TEST(listen_dial_unix_abstract)
{
    char name[64];
    snprintf(name, sizeof name, "@coflow-net-%d", (int)getpid());
    round_trip(poller, "unix", name, "unix", name);
}

static int64_t dial_tid;
static int dial_killed;

static void note_kill(void *arg)
{
    (void)arg;
    dial_killed = 1;
}

static cf_value dial_to_be_killed(void *arg)
{
    (void)arg;
    cf_cleanup c;
    cf_cleanup_push(&c, note_kill, NULL);
    int fd = cf_net_dial("tcp4", dial_addr, 5000);
    cf_cleanup_pop(&c, false);
    if (fd >= 0) /* the kill came too late: the dial was done */
        cf_sock_close(fd);
    return cf_none();
}

static cf_value kill_dialler(void *arg)
{
    (void)arg;
    cf_task_kill(dial_tid); /* it waits for the resolver thread */
    return cf_none();
}

/* A task killed while its name is resolved: the thread finishes on its own
   and frees the request; nothing leaks (run_net counts the fds). */
NET_TEST(killed_while_resolving)
{
    resolver_thread_runs(poller);
    lfd = cf_net_listen("tcp4", "127.0.0.1:0", NULL);
    cr_assert_geq(lfd, 0);
    snprintf(dial_addr, sizeof dial_addr, "localhost:%d", port_of(lfd));
    cf_sched *s = sched_on(poller, NULL);
    dial_killed = 0;
    dial_tid = add_task(s, dial_to_be_killed, NULL, "dial");
    add_task(s, kill_dialler, NULL, "killer");
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(dial_killed, 1);
    cf_sched_free(s);
    cf_sock_close(lfd);
}

static int dial_rc;

static cf_value dial_only(void *arg)
{
    (void)arg;
    dial_rc = cf_net_dial(dial_net, dial_addr, 5000);
    if (dial_rc >= 0)
        cf_sock_close(dial_rc);
    return cf_none();
}

static int dial_in_task(const char *poller, const char *net, const char *addr)
{
    cf_sched *s = sched_on(poller, NULL);
    snprintf(dial_net, sizeof dial_net, "%s", net);
    snprintf(dial_addr, sizeof dial_addr, "%s", addr);
    add_task(s, dial_only, NULL, "dial");
    cr_assert_eq(cf_sched_run(s), 0);
    cf_sched_free(s);
    return dial_rc;
}

/* Nobody listens: -ECONNREFUSED. */
NET_TEST(dial_refused)
{
    int fd = cf_net_listen("tcp4", "127.0.0.1:0", NULL);
    char addr[32];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port_of(fd));
    cf_sock_close(fd);
    cr_assert_eq(dial_in_task(poller, "tcp", addr), -ECONNREFUSED);
    cr_assert_eq(dial_in_task(poller, "unix", "/nonexistent/coflow.sock"),
                 -ENOENT);
}

/* A name that cannot resolve (RFC 2606's .invalid): -ENXIO, or -EAGAIN
   where no name server answers at all. */
NET_TEST(dial_bad_host)
{
    resolver_thread_runs(poller);
    int rc = dial_in_task(poller, "tcp", "no-such-host.invalid:80");
    cr_assert(rc == -ENXIO || rc == -EAGAIN, "got %s", cf_strerror(rc));
}

/* Malformed addresses and unknown networks or services. */
Test(sched, net_bad_addresses)
{
    int before = open_fds(), alone = threads();
    cr_assert_eq(cf_net_dial("tcp", "127.0.0.1", 100), -EINVAL);
    cr_assert_eq(cf_net_dial("tcp", "::1:80", 100), -EINVAL);
    cr_assert_eq(cf_net_dial("tcp", "[::1:80", 100), -EINVAL);
    cr_assert_eq(cf_net_dial("tcp", "127.0.0.1:", 100), -EINVAL);
    cr_assert_eq(cf_net_dial("tcp", "127.0.0.1:no-such-service", 1000),
                 -EINVAL);
    cr_assert_eq(cf_net_dial("udp", "127.0.0.1:80", 100), -EAFNOSUPPORT);
    cr_assert_eq(cf_net_dial(NULL, "x", 100), -EINVAL);
    cr_assert_eq(cf_net_dial("tcp", NULL, 100), -EINVAL);
    cr_assert_eq(cf_net_listen("sctp", ":0", NULL), -EAFNOSUPPORT);
    cr_assert_eq(cf_net_listen("unix", "", NULL), -EINVAL);
    char longpath[200];
    memset(longpath, 'x', sizeof longpath - 1);
    longpath[sizeof longpath - 1] = '\0';
    cr_assert_eq(cf_net_listen("unix", longpath, NULL), -ENAMETOOLONG);
    cr_assert_eq(cf_net_dial("unix", longpath, 100), -ENAMETOOLONG);
    struct cf_net_opts bad = {.flags = 0x80};
    cr_assert_eq(cf_net_listen("tcp", ":0", &bad), -EINVAL);
    threads_end(alone);
    cr_assert_eq(open_fds(), before, "fd leak");
}

/* Outside a scheduler the calls block; a taken port is -EADDRINUSE, and
   with CF_NET_REUSEPORT two listeners share it. */
Test(sched, net_listen_in_use_and_reuseport)
{
    int before = open_fds();
    int a = cf_net_listen("tcp4", "127.0.0.1:0", NULL);
    cr_assert_geq(a, 0);
    char addr[32];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port_of(a));
    cr_assert_eq(cf_net_listen("tcp4", addr, NULL), -EADDRINUSE);
    cf_sock_close(a);
    struct cf_net_opts o = {.flags = CF_NET_REUSEPORT, .backlog = 8};
    a = cf_net_listen("tcp4", addr, &o);
    int b = cf_net_listen("tcp4", addr, &o);
    cr_assert_geq(a, 0);
    cr_assert_geq(b, 0, "%s", cf_strerror(b));
    int c = cf_net_dial("tcp", addr, 1000); /* blocks in poll(2) */
    cr_assert_geq(c, 0);
    cf_sock_close(c);
    cf_sock_close(a);
    cf_sock_close(b);
    cr_assert_eq(open_fds(), before, "fd leak");
}

static int accepted, emfile_seen;

static cf_value accept_under_emfile(void *arg)
{
    (void)arg;
    int c = cf_net_accept(lfd, NULL, NULL, 5000);
    cr_assert_geq(c, 0, "accept: %s", cf_strerror(c));
    accepted++;
    cf_sock_close(c);
    return cf_none();
}

static int hog[4096];
static int nhog;

/* Holds every fd left, then frees one after 30 ms. */
static cf_value fd_hog(void *arg)
{
    (void)arg;
    int fd;
    while (nhog < 4096 && (fd = dup(0)) >= 0)
        hog[nhog++] = fd;
    emfile_seen = errno == EMFILE;
    cf_task_sleep(30);
    while (nhog > 0)
        close(hog[--nhog]);
    return cf_none();
}

/* EMFILE: the accept backs off instead of failing and takes the
   connection once fds are free again. A plain accept fails at once. */
NET_TEST(accept_survives_emfile)
{
    /* Valgrind emulates the lowered limit: an accept4() past it is made,
       then closed, and the connection is lost. */
    if (RUNNING_ON_VALGRIND)
        cr_skip_test("Valgrind drops a connection accepted past the limit");
    struct rlimit saved, low;
    getrlimit(RLIMIT_NOFILE, &saved);
    lfd = cf_net_listen("tcp4", "127.0.0.1:0", NULL);
    cr_assert_geq(lfd, 0);
    char addr[32];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port_of(lfd));
    int c = cf_net_dial("tcp", addr, 1000);
    cr_assert_geq(c, 0);
    cf_sched *s = sched_on(poller, NULL);
    low = saved;
    low.rlim_cur = (rlim_t)open_fds() + 16;
    cr_assert_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
    accepted = nhog = emfile_seen = 0;
    add_task(s, fd_hog, NULL, "hog");
    add_task(s, accept_under_emfile, NULL, "accept");
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert(emfile_seen);
    cr_assert_eq(accepted, 1);
    /* and the plain call says EMFILE */
    while (nhog < 4095 && (hog[nhog] = dup(0)) >= 0)
        nhog++;
    int d = cf_net_dial("tcp", addr, 1000);
    cr_assert_lt(d, 0); /* no fd for a socket */
    while (nhog > 0)
        close(hog[--nhog]);
    d = cf_net_dial("tcp", addr, 1000);
    cr_assert_geq(d, 0);
    while (nhog < 4095 && (hog[nhog] = dup(0)) >= 0)
        nhog++;
    cr_assert_eq(cf_sock_accept(lfd, NULL, NULL, 100), -EMFILE);
    cr_assert_eq(cf_net_accept(lfd, NULL, NULL, 30), -ETIMEDOUT);
    while (nhog > 0)
        close(hog[--nhog]);
    setrlimit(RLIMIT_NOFILE, &saved);
    cf_sched_free(s);
    cf_sock_close(d);
    cf_sock_close(c);
    cf_sock_close(lfd);
}

static int sfd, got_sig[2];

static cf_value sig_waiter(void *arg)
{
    int i = (int)(intptr_t)arg;
    got_sig[i] = cf_signal_next(sfd, 5000);
    return cf_none();
}

static cf_value sig_sender(void *arg)
{
    (void)arg;
    cr_assert_eq(cf_signal_next(sfd, 0), -ETIMEDOUT); /* none yet */
    cf_task_sleep(5);
    raise(SIGUSR1);
    cf_task_sleep(5);
    raise(SIGUSR2);
    return cf_none();
}

/* A signal is delivered to a task waiting for it; two tasks may wait on the
   same signalfd and each gets one. */
NET_TEST(signal_wakes_a_waiting_task)
{
    int sigs[] = {SIGUSR1, SIGUSR2};
    sfd = cf_signal_watch(sigs, 2);
    cr_assert_geq(sfd, 0, "%s", cf_strerror(sfd));
    cf_sched *s = sched_on(poller, NULL);
    got_sig[0] = got_sig[1] = 0;
    add_task(s, sig_waiter, (void *)0, "w0");
    add_task(s, sig_waiter, (void *)1, "w1");
    add_task(s, sig_sender, NULL, "sender");
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(got_sig[0], SIGUSR1);
    cr_assert_eq(got_sig[1], SIGUSR2);
    cf_sched_free(s);
    cf_sock_close(sfd);
}

/* Bad signal lists, and a wait on something that is not a signalfd. */
Test(sched, signal_errors)
{
    int bad[] = {SIGKILL}, neg[] = {-1}, big[] = {1000};
    cr_assert_eq(cf_signal_watch(NULL, 1), -EINVAL);
    cr_assert_eq(cf_signal_watch(bad, 0), -EINVAL);
    cr_assert_eq(cf_signal_watch(bad, 1), -EINVAL);
    cr_assert_eq(cf_signal_watch(neg, 1), -EINVAL);
    cr_assert_eq(cf_signal_watch(big, 1), -EINVAL);
    cr_assert_eq(cf_signal_next(-1, 0), -EBADF);
    int p[2];
    cr_assert_eq(pipe2(p, O_NONBLOCK), 0);
    cr_assert_eq(write(p[1], "x", 1), 1);
    cr_assert_eq(cf_signal_next(p[0], 0), -EIO);
    close(p[0]);
    close(p[1]);
}
