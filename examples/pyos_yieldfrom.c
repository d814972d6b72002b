/* SPDX-License-Identifier: MIT */
/*
 * pyos_yieldfrom - Beazley's trampolining (pyos8) done by delegation (PEP
 * 380): a task calls subroutines that trap - as plain C functions, since
 * body coroutines are stackful, and as sub-coroutines through
 * cf_yield_from(), which get the scheduler's replies themselves and return
 * values. Two tasks talk over a socketpair with Beazley's Recv and Send.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <coflow.h>

static int sv[2];

/* A subroutine as a coroutine: `data = yield from Recv(sock)`. */
static cf_value recv_line(void *arg)
{
    static char buf[256];
    int fd = (int)(intptr_t)arg;
    ssize_t n = cf_sock_read(fd, buf, sizeof buf - 1, 1000);
    if (n < 0)
        cf_raise(&cf_runtime_error, "recv: %s", cf_strerror((int)n));
    return cf_strn(buf, (size_t)n);
}

/* A subroutine as a plain C function: it traps from inside. */
static void send_line(int fd, const char *s)
{
    if (cf_sock_write(fd, s, strlen(s), 1000) < 0)
        cf_raise(&cf_runtime_error, "send failed");
}

static cf_value ping(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++) {
        char msg[32];
        snprintf(msg, sizeof msg, "ping %d", i);
        send_line(sv[0], msg);
        cf_coro *sub;
        if (cf_coro_new(&sub, recv_line, (void *)(intptr_t)sv[0], NULL) != 0)
            break;
        cf_value v = cf_yield_from(sub);
        printf("task %lld got back %.*s\n", (long long)cf_task_id(),
               (int)cf_len(v), cf_to_str(v));
        cf_coro_free(sub);
    }
    cf_sock_close(sv[0]);
    return cf_none();
}

static cf_value pong(void *arg)
{
    char buf[256];
    ssize_t n;
    (void)arg;
    while ((n = cf_sock_read(sv[1], buf, sizeof buf, 1000)) > 0) {
        printf("task %lld echoes %.*s\n", (long long)cf_task_id(), (int)n, buf);
        cf_task_sleep(5);
        if (cf_sock_write(sv[1], buf, (size_t)n, 1000) < 0)
            break;
    }
    cf_sock_close(sv[1]);
    return cf_none();
}

int main(void)
{
    cf_sched *s;
    cf_coro *a, *b;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0
        || cf_sched_new(&s, NULL) != 0 || cf_coro_new(&a, ping, NULL, NULL)
        || cf_coro_new(&b, pong, NULL, NULL))
        return 1;
    cf_sched_add(s, a);
    cf_sched_add(s, b);
    int rc = cf_sched_run(s);
    cf_sched_free(s);
    return rc == 0 ? 0 : 1;
}
