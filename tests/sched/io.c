/* SPDX-License-Identifier: MIT */
/*
 * tests/sched/io.c - I/O waits and socket helpers on both pollers
 * (SEMANTICS items 72 and 73), and bad input: closed or invalid fds, a peer
 * that resets or vanishes mid-message, a task killed while it waits for
 * I/O. Every test checks that no fd is leaked; io_uring tests are skipped
 * with a message where the kernel forbids io_uring.
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <unistd.h>

#include "cases/cases.h"
#include "sched/sched_test.h"

extern const char *sched_case_poller;

/* Runs one IO_TEST body on `poller` and checks that it leaks no fd. */
static void run_io(void (*body)(const char *), const char *poller)
{
    int before = open_fds();
    body(poller);
    cr_assert_eq(open_fds(), before, "fd leak");
}

/* Each test runs on both pollers. */
#define IO_TEST(name, ...)                                                     \
    static void name(const char *poller);                                      \
    Test(sched_epoll, name, ##__VA_ARGS__)                                     \
    {                                                                          \
        run_io(name, "epoll");                                                 \
    }                                                                          \
    Test(sched_uring, name, ##__VA_ARGS__)                                     \
    {                                                                          \
        run_io(name, "uring");                                                 \
    }                                                                          \
    static void name(const char *poller)

static void nonblock(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* Item 72: the pyos7 trace of tests/cases/py/sched_io_pipe, on each poller. */
IO_TEST(k72_io_pipe_case)
{
    cf_sched *s = sched_on(poller, NULL); /* skips when unavailable */
    cf_sched_free(s);
    sched_case_poller = poller;
    cr_assert(run_case("sched_io_pipe", case_sched_io_pipe));
    sched_case_poller = NULL;
}

static int sp[2];

/* A scheduler on `poller` and a nonblocking socket pair in sp[]. */
static cf_sched *pair_on(const char *poller)
{
    cf_sched *s = sched_on(poller, NULL);
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
    nonblock(sp[0]);
    nonblock(sp[1]);
    trace_reset();
    return s;
}

/* Frees the scheduler and closes what is left of the pair (a test that
   closes one end sets it to -1). */
static void pair_done(cf_sched *s)
{
    cf_sched_free(s);
    for (int i = 0; i < 2; i++)
        if (sp[i] >= 0)
            close(sp[i]);
}

/* Runs tasks `a` and `b` (NULL: none) over a fresh pair on `poller` and
   checks that the trace they leave is `want`. */
static void run_on_pair(const char *poller, cf_body_fn a, const void *arg,
                        cf_body_fn b, const char *want)
{
    cf_sched *s = pair_on(poller);
    add_task(s, a, arg, "a");
    if (b != NULL)
        add_task(s, b, NULL, "b");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace(want);
    pair_done(s);
}

static cf_value reader_task(void *arg)
{
    char buf[64];
    ssize_t n = cf_sock_read(sp[0], buf, sizeof buf, -1);
    tracef("%s %.*s ", (const char *)arg, (int)(n > 0 ? n : 0), buf);
    return cf_none();
}

static cf_value readiness_task(void *arg)
{
    tracef("%s %d ", (const char *)arg, cf_task_readable(sp[0], -1));
    return cf_none();
}

static cf_value two_lines(void *arg)
{
    (void)arg;
    cf_task_sleep(5);
    cf_sock_write(sp[1], "hi", 2, -1);
    cf_task_sleep(5);
    cf_sock_write(sp[1], "yo", 2, -1);
    return cf_none();
}

/* Several readers on one fd (pyos loses all but the last): they queue;
   readiness wakes them in order, and a reader that finds nothing waits
   again. On io_uring the first one's read is done by the ring. */
IO_TEST(two_readers_one_fd)
{
    cf_sched *s = pair_on(poller);
    add_task(s, reader_task, "A", "A");
    add_task(s, reader_task, "B", "B");
    add_task(s, two_lines, NULL, "writer");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("A hi B yo ");
    pair_done(s);
}

/* Readiness waiters and a reader on one fd: all woken by the same data. */
IO_TEST(readiness_waiters_share_an_fd)
{
    cf_sched *s = pair_on(poller);
    add_task(s, readiness_task, "w1", "w1");
    add_task(s, readiness_task, "w2", "w2");
    add_task(s, two_lines, NULL, "writer");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("w1 0 w2 0 ");
    pair_done(s);
}

/* A reader queued behind a ring read that is cancelled (killed) still gets
   the data. */
static cf_value kill_first(void *arg)
{
    (void)arg;
    cf_task_sleep(5);
    cf_task_kill(1);
    cf_task_sleep(5);
    cf_sock_write(sp[1], "hi", 2, -1);
    return cf_none();
}

IO_TEST(reader_behind_a_killed_reader)
{
    cf_sched *s = pair_on(poller);
    add_task(s, reader_task, "A", "A");
    add_task(s, reader_task, "B", "B");
    add_task(s, kill_first, NULL, "killer");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("B hi ");
    pair_done(s);
}

#define BIG (512 * 1024)

/* The big writers' deadline: -1 (none) has io_uring's ring send them. */
static int64_t big_ms = 5000;

static cf_value big_writer(void *arg)
{
    static char msg[2][BIG];
    int c = (int)(intptr_t)arg;
    memset(msg[c], 'a' + c, BIG);
    ssize_t n = cf_sock_write(sp[1], msg[c], BIG, big_ms);
    tracef("%c %zd ", 'a' + c, n);
    return cf_none();
}

static cf_value big_reader(void *arg)
{
    (void)arg;
    static char in[2 * BIG];
    size_t got = 0;
    cf_task_sleep(5); /* both writers have filled the socket and wait */
    while (got < sizeof in) {
        ssize_t n = cf_sock_read(sp[0], in + got, sizeof in - got, 5000);
        cr_assert_gt(n, 0, "read: %zd", n);
        got += (size_t)n;
    }
    /* each message whole: no interleaving */
    char first = in[0], second = in[BIG];
    cr_assert_neq(first, second);
    for (size_t i = 0; i < BIG; i++)
        cr_assert(in[i] == first && in[BIG + i] == second, "interleaved at %zu",
                  i);
    tracef("whole ");
    return cf_none();
}

static cf_value kill_writer_a(void *arg)
{
    (void)arg;
    cf_task_sleep(5); /* "a" holds the fd, "b" waits for it */
    cf_task_kill(1);
    return cf_none();
}

static cf_value drain_b(void *arg)
{
    (void)arg;
    static char in[BIG];
    cf_task_sleep(10);
    size_t got = 0, bs = 0;
    ssize_t n;
    while ((n = cf_sock_read(sp[0], in, sizeof in, 100)) > 0)
        for (ssize_t i = 0; i < n; i++, got++)
            bs += in[i] == 'b';
    cr_assert_eq(bs, BIG, "b's message whole: %zu of %d", bs, BIG);
    tracef("b whole ");
    return cf_none();
}

/* The task holding an fd for its write ("a", big_ms `ms`) is killed: the
   next writer goes on. */
static void writer_killed(const char *poller, int64_t ms)
{
    big_ms = ms;
    cf_sched *s = pair_on(poller);
    add_task(s, big_writer, (void *)0, "a");
    add_task(s, big_writer, (void *)1, "b");
    add_task(s, kill_writer_a, NULL, "killer");
    add_task(s, drain_b, NULL, "reader");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("b 524288 b whole ");
    pair_done(s);
}

/* Two writers on one fd (big_ms `ms`): both wait, and their writes do not
   interleave. */
static void two_writers(const char *poller, int64_t ms)
{
    big_ms = ms;
    cf_sched *s = pair_on(poller);
    add_task(s, big_writer, (void *)0, "a");
    add_task(s, big_writer, (void *)1, "b");
    add_task(s, big_reader, NULL, "reader");
    cr_assert_eq(cf_sched_run(s), 0);
    if (ms >= 0) {
        assert_trace("a 524288 b 524288 whole ");
    } else {
        /* the reader may take b's last bytes before b runs again */
        const char *t = trace_text();
        cr_assert(strncmp(t, "a 524288 ", 9) == 0 && strstr(t, "b 524288 ")
                      && strstr(t, "whole "),
                  "trace: %s", t);
    }
    pair_done(s);
}

IO_TEST(writer_killed_while_holding_the_fd)
{
    writer_killed(poller, 5000);
}

IO_TEST(two_writers_one_fd)
{
    two_writers(poller, 5000);
}

/* The same two without deadlines: on io_uring the ring sends each message
   (the send waits in the kernel for room), and the fd stays held across
   that wait. */
IO_TEST(writer_killed_while_its_ring_send_waits)
{
    writer_killed(poller, -1);
}

IO_TEST(two_writers_one_fd_no_deadline)
{
    two_writers(poller, -1);
}

static cf_value close_under_writer(void *arg)
{
    (void)arg;
    cf_task_sleep(5); /* "a" waits: the socket is full */
    cf_sock_close(sp[1]);
    sp[1] = -1;
    return cf_none();
}

/* Bad input: the fd is closed while a write without a deadline waits on it
   (on io_uring: its ring send is cancelled first): -EBADF. */
IO_TEST(close_under_a_waiting_writer)
{
    big_ms = -1;
    run_on_pair(poller, big_writer, (void *)0, close_under_writer, "a -9 ");
}

static cf_value datagrams(void *arg)
{
    const int *d = arg;
    char b[16];
    tracef("w %zd ", cf_sock_write(d[0], "ping", 4, -1));
    tracef("w %zd ", cf_sock_write(d[0], "pong!", 5, -1));
    for (int i = 0; i < 2; i++) {
        ssize_t n = cf_sock_read(d[1], b, sizeof b, -1);
        tracef("r %.*s ", n > 0 ? (int)n : 0, b);
    }
    return cf_none();
}

/* Datagrams without deadlines (on io_uring the ring sends and reads them):
   each goes whole, and comes back as it went. */
IO_TEST(datagrams_no_deadline)
{
    int d[2];
    cf_sched *s = sched_on(poller, NULL);
    cr_assert_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, d), 0);
    nonblock(d[0]);
    nonblock(d[1]);
    trace_reset();
    add_task(s, datagrams, d, "dgram");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("w 4 w 5 r ping r pong! ");
    cf_sched_free(s);
    close(d[0]);
    close(d[1]);
}

static cf_value timed(void *arg)
{
    (void)arg;
    char buf[8];
    tracef("readable %d ", cf_task_readable(sp[0], 20));
    tracef("read %zd ", cf_sock_read(sp[0], buf, sizeof buf, 20));
    return cf_none();
}

/* Deadlines: a wait that times out says -ETIMEDOUT. */
IO_TEST(timeouts)
{
    run_on_pair(poller, timed, NULL, NULL, "readable -110 read -110 ");
}

static cf_value counter_done(void *arg)
{
    (void)arg;
    tracef("after ");
    return cf_none();
}

static cf_value bad_fds(void *arg)
{
    (void)arg;
    char buf[8];
    int fd = dup(0);
    close(fd);
    tracef("%d %d ", cf_task_readable(-1, -1), cf_task_writable(fd, -1));
    tracef("%zd %zd ", cf_sock_read(fd, buf, 8, -1),
           cf_sock_write(fd, "x", 1, -1));
    tracef("%d ", cf_sock_accept(fd, NULL, NULL, -1));
    return cf_none();
}

/* Bad input: closed and invalid fds give -EBADF and the scheduler goes
   on. */
IO_TEST(closed_and_invalid_fds)
{
    cf_sched *s = sched_on(poller, NULL);
    trace_reset();
    add_task(s, bad_fds, NULL, "bad");
    add_task(s, counter_done, NULL, "after");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("after -9 -9 -9 -9 -9 ");
    cf_sched_free(s);
}

static cf_value half_writer(void *arg)
{
    (void)arg;
    cf_sock_write(sp[1], "0123456789", 10, -1);
    cf_task_sleep(5);
    close(sp[1]); /* vanishes mid-message */
    sp[1] = -1;
    return cf_none();
}

static cf_value read_message(void *arg)
{
    (void)arg;
    char buf[100];
    size_t got = 0;
    while (got < 100) {
        ssize_t n = cf_sock_read(sp[0], buf + got, 100 - got, 1000);
        if (n <= 0) {
            tracef("got %zu then %zd ", got, n);
            return cf_none();
        }
        got += (size_t)n;
    }
    return cf_none();
}

/* Bad input: a peer that vanishes mid-message: end of file after the bytes
   it sent. */
IO_TEST(peer_vanishes_mid_message)
{
    run_on_pair(poller, read_message, NULL, half_writer, "got 10 then 0 ");
}

static cf_value write_to_gone(void *arg)
{
    (void)arg;
    static char big[1 << 20];
    close(sp[0]);
    sp[0] = -1;
    tracef("write %zd ", cf_sock_write(sp[1], big, sizeof big, 1000));
    return cf_none();
}

/* Bad input: writing to a peer that is gone gives -EPIPE, not SIGPIPE. */
IO_TEST(write_to_vanished_peer)
{
    run_on_pair(poller, write_to_gone, NULL, NULL, "write -32 ");
}

static cf_value write_to_gone_no_deadline(void *arg)
{
    (void)arg;
    static char big[1 << 20];
    close(sp[0]);
    sp[0] = -1;
    tracef("write %zd ", cf_sock_write(sp[1], big, sizeof big, -1));
    tracef("small %zd ", cf_sock_write(sp[1], "x", 1, -1));
    return cf_none();
}

/* The same without a deadline (io_uring: the ring's send says it). */
IO_TEST(write_to_vanished_peer_no_deadline)
{
    run_on_pair(poller, write_to_gone_no_deadline, NULL, NULL,
                "write -32 small -32 ");
}

static int listener(uint16_t *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    cr_assert_geq(fd, 0);
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(fd, 64), 0);
    getsockname(fd, (struct sockaddr *)&a, &len);
    *port = ntohs(a.sin_port);
    return fd;
}

static int lfd;
static uint16_t lport;

static int dial(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons(lport),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int rc = cf_sock_connect(fd, (struct sockaddr *)&a, sizeof a, 1000);
    cr_assert_eq(rc, 0, "connect: %s", cf_strerror(rc));
    return fd;
}

static cf_value resetter(void *arg)
{
    (void)arg;
    int fd = dial();
    struct linger l = {1, 0};
    cf_sock_write(fd, "partial", 7, -1);
    cf_task_sleep(10);
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    cf_sock_close(fd); /* RST */
    return cf_none();
}

static cf_value reset_reader(void *arg)
{
    (void)arg;
    char buf[64];
    int c = cf_sock_accept(lfd, NULL, NULL, 1000);
    cr_assert_geq(c, 0);
    ssize_t n = cf_sock_read(c, buf, sizeof buf, 1000);
    tracef("first %zd ", n);
    n = cf_sock_read(c, buf, sizeof buf, 1000);
    tracef("then %zd ", n);
    cf_sock_close(c);
    return cf_none();
}

/* Bad input: a peer that resets mid-message: -ECONNRESET (127.0.0.1). */
IO_TEST(peer_resets_mid_message)
{
    cf_sched *s = sched_on(poller, NULL);
    lfd = listener(&lport);
    trace_reset();
    add_task(s, reset_reader, NULL, "reader");
    add_task(s, resetter, NULL, "resetter");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("first 7 then -104 ");
    cf_sched_free(s);
    close(lfd);
}

static void close_fd(void *arg)
{
    tracef("cleanup ");
    cf_sock_close(*(int *)arg);
}

static cf_value blocked_reader(void *arg)
{
    (void)arg;
    char buf[8];
    cf_cleanup c;
    cf_cleanup_push(&c, close_fd, &sp[0]);
    cf_sock_read(sp[0], buf, sizeof buf, -1);
    tracef("never ");
    cf_cleanup_pop(&c, true);
    return cf_none();
}

static cf_value kill_reader(void *arg)
{
    (void)arg;
    cf_task_sleep(5);
    cf_task_kill(1);
    tracef("killed ");
    cf_task_sleep(5);
    tracef("still running ");
    return cf_none();
}

/* Bad input: a task killed while it waits for I/O: its cleanups run, the
   fd is closed and forgotten, the scheduler keeps going and ends. */
IO_TEST(killed_while_waiting_for_io)
{
    cf_sched *s = pair_on(poller);
    add_task(s, blocked_reader, NULL, "reader");
    add_task(s, kill_reader, NULL, "killer");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("cleanup killed still running ");
    cr_assert_eq(fcntl(sp[0], F_GETFD), -1, "the cleanup closed it");
    sp[0] = -1;
    pair_done(s);
}

static int served;
static int64_t echo_ms; /* the echo tasks' deadline (negative: none) */

static cf_value handle_client(void *arg)
{
    int c = (int)(intptr_t)arg;
    char buf[4096];
    ssize_t n;
    while ((n = cf_sock_read(c, buf, sizeof buf, echo_ms)) > 0)
        if (cf_sock_write(c, buf, (size_t)n, echo_ms) < 0)
            break;
    cf_sock_close(c);
    return cf_none();
}

static cf_value server(void *arg)
{
    int n = (int)(intptr_t)arg;
    for (int i = 0; i < n; i++) {
        int c = cf_sock_accept(lfd, NULL, NULL, 2000);
        cr_assert_geq(c, 0, "accept: %s", cf_strerror(c));
        cf_task_spawn(coro_of(handle_client, (void *)(intptr_t)c, "client"));
    }
    return cf_none();
}

static cf_value client(void *arg)
{
    int id = (int)(intptr_t)arg;
    int fd = dial();
    char msg[3000], back[3000];
    for (int round = 0; round < 20; round++) {
        memset(msg, 'a' + (id + round) % 26, sizeof msg);
        cr_assert_eq(cf_sock_write(fd, msg, sizeof msg, 2000),
                     (ssize_t)sizeof msg);
        size_t got = 0;
        while (got < sizeof back) {
            ssize_t n = cf_sock_read(fd, back + got, sizeof back - got, 2000);
            cr_assert_gt(n, 0);
            got += (size_t)n;
        }
        cr_assert_eq(memcmp(msg, back, sizeof msg), 0);
        if (round % 5 == 0)
            cf_task_yield();
    }
    cf_sock_close(fd);
    served++;
    return cf_none();
}

static void echo_run(const char *poller, int64_t ms)
{
    cf_sched *s = sched_on(poller, NULL);
    lfd = listener(&lport);
    served = 0;
    echo_ms = ms;
    add_task(s, server, (void *)50, "server");
    for (int i = 0; i < 50; i++)
        add_task(s, client, (void *)(intptr_t)i, "client");
    cr_assert_eq(cf_sched_run(s), 0);
    cr_assert_eq(served, 50);
    cf_sched_free(s);
    close(lfd);
}

/* Item 73: the echo server over 127.0.0.1, with its clients as tasks of the
   same scheduler; bounded. */
IO_TEST(k73_echo_server_loopback)
{
    echo_run(poller, 2000);
}

/* The same without deadlines: on io_uring the ring does the server's reads
   itself. */
IO_TEST(k73_echo_server_no_deadlines)
{
    echo_run(poller, -1);
}

static int step; /* how far short_reader and late_writer have got */

static void wait_step(int n)
{
    while (step < n)
        cf_task_yield();
}

static cf_value short_reader(void *arg)
{
    (void)arg;
    char buf[64];
    ssize_t n = cf_sock_read(sp[0], buf, sizeof buf, -1);
    tracef("%zd ", n);
    step = 1;
    wait_step(2);
    n = cf_sock_read(sp[0], buf, sizeof buf, -1);
    tracef("%zd %.2s ", n, buf);
    step = 3;
    wait_step(4);
    n = cf_sock_read(sp[0], buf, sizeof buf, 0);
    tracef("%zd %.2s ", n, buf);
    tracef("%zd ", cf_sock_read(sp[0], buf, sizeof buf, 0));
    tracef("%zd ", cf_sock_read(sp[0], buf, sizeof buf, 5));
    return cf_none();
}

static cf_value late_writer(void *arg)
{
    (void)arg;
    cf_sock_write(sp[1], "ab", 2, -1);
    wait_step(1);
    cf_sock_write(sp[1], "cd", 2, -1); /* while the reader is not waiting */
    step = 2;
    wait_step(3);
    cf_sock_write(sp[1], "ef", 2, -1);
    step = 4;
    return cf_none();
}

/* After a short read the next cf_sock_read() waits before it reads: bytes
   that came in meanwhile are still read at once, a zero deadline still
   reads what is there, and a read that finds nothing still times out. */
IO_TEST(read_after_short_read)
{
    step = 0;
    run_on_pair(poller, short_reader, NULL, late_writer,
                "2 2 cd 2 ef -110 -110 ");
}

static cf_value waiting_reader(void *arg)
{
    (void)arg;
    char buf[16];
    tracef("read %zd ", cf_sock_read(sp[0], buf, sizeof buf, -1));
    return cf_none();
}

static cf_value closer(void *arg)
{
    (void)arg;
    cf_task_sleep(5);
    tracef("close %d ", cf_sock_close(sp[0]));
    sp[0] = -1;
    cf_sock_write(sp[1], "late", 4, -1);
    return cf_none();
}

/* An fd closed under a task that reads it without a deadline: the read
   says -EBADF (on io_uring the ring's read is cancelled first). */
IO_TEST(closed_under_a_reader)
{
    run_on_pair(poller, waiting_reader, NULL, closer, "close 0 read -9 ");
}

static int pp[2];

static cf_value pipe_reader(void *arg)
{
    (void)arg;
    char buf[16];
    ssize_t n = cf_sock_read(pp[0], buf, sizeof buf, -1);
    tracef("pipe %zd %.*s ", n, (int)(n > 0 ? n : 0), buf);
    n = cf_sock_read(pp[0], buf, sizeof buf, -1);
    tracef("then %zd ", n);
    return cf_none();
}

static cf_value pipe_writer(void *arg)
{
    (void)arg;
    cf_task_sleep(5);
    cf_sock_write(pp[1], "xyz", 3, -1);
    cf_task_sleep(5);
    close(pp[1]);
    return cf_none();
}

/* A pipe, read without a deadline: its bytes, then end of file. */
IO_TEST(pipe_read_no_deadline)
{
    cf_sched *s = sched_on(poller, NULL);
    cr_assert_eq(pipe2(pp, O_NONBLOCK), 0);
    trace_reset();
    add_task(s, pipe_reader, NULL, "reader");
    add_task(s, pipe_writer, NULL, "writer");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("pipe 3 xyz then 0 ");
    cf_sched_free(s);
    cf_sock_close(pp[0]);
}

static int reused;

static cf_value reused_reader(void *arg)
{
    (void)arg;
    char buf[16];
    int p[2];
    /* a short read: the fd is learnt to be a socket, read with recv(2) */
    ssize_t n = cf_sock_read(reused, buf, sizeof buf, 0);
    tracef("sock %zd %.*s ", n, (int)(n > 0 ? n : 0), buf);
    /* closed behind the scheduler's back, its number now a pipe's */
    cr_assert_eq(pipe2(p, O_NONBLOCK), 0);
    cr_assert_eq(dup2(p[0], reused), reused);
    close(p[0]);
    cr_assert_eq(write(p[1], "xyz", 3), 3);
    close(p[1]);
    n = cf_sock_read(reused, buf, sizeof buf, 0);
    tracef("pipe %zd %.*s ", n, (int)(n > 0 ? n : 0), buf);
    n = cf_sock_read(reused, buf, sizeof buf, 0);
    tracef("then %zd ", n);
    return cf_none();
}

/* A socket's fd number reused for a pipe without cf_sock_close(): the
   recv(2) it was read with says ENOTSOCK, and the read falls back on
   read(2) (not -ENOTSOCK). */
IO_TEST(read_fd_reused_as_pipe)
{
    cf_sched *s = sched_on(poller, NULL);
    int d[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, d), 0);
    cr_assert_eq(write(d[1], "ab", 2), 2);
    close(d[1]);
    reused = d[0];
    trace_reset();
    add_task(s, reused_reader, NULL, "reader");
    cr_assert_eq(cf_sched_run(s), 0);
    assert_trace("sock 2 ab pipe 3 xyz then 0 ");
    cf_sched_free(s);
    cf_sock_close(reused);
}
