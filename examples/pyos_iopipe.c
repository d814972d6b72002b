/* SPDX-License-Identifier: MIT */
/*
 * pyos_iopipe - Beazley's pyos7: tasks wait for a pipe to be readable or
 * writable and the iotask polls, printing what happens. Says which poller
 * (epoll or io_uring) it runs on.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <coflow.h>

static int fds[2];

static cf_value producer(void *arg)
{
    static const char *const messages[] = {"hello", "world"};
    (void)arg;
    for (int i = 0; i < 2; i++) {
        cf_task_writable(fds[1], -1);
        if (write(fds[1], messages[i], strlen(messages[i])) < 0)
            break;
        printf("producer wrote %s\n", messages[i]);
        cf_task_yield();
        cf_task_yield();
    }
    cf_sock_close(fds[1]);
    printf("producer closed its end\n");
    return cf_none();
}

static cf_value consumer(void *arg)
{
    char buf[1024];
    (void)arg;
    for (;;) {
        cf_task_readable(fds[0], -1);
        ssize_t n = read(fds[0], buf, sizeof buf);
        if (n <= 0)
            break;
        printf("consumer read %.*s\n", (int)n, buf);
    }
    printf("consumer got end of file\n");
    cf_sock_close(fds[0]);
    return cf_none();
}

static void trace(void *arg, cf_sched_event ev, int64_t tid, int fd)
{
    (void)arg;
    (void)fd;
    const char *what[] = {"Task %s terminated", "task %s waits to read",
                          "task %s waits to write", "iopoll: task %s can read",
                          "iopoll: task %s can write"};
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)tid);
    for (const char *p = what[ev]; *p; p++) {
        if (p[0] == '%' && p[1] == 's') {
            fputs(id, stdout);
            p++;
        } else {
            putchar(*p);
        }
    }
    putchar('\n');
}

int main(void)
{
    struct cf_sched_opts opts = {.trace = trace, .flags = CF_SCHED_PYOS_IOTASK};
    cf_sched *s;
    cf_coro *c, *p;
    if (pipe(fds) != 0 || cf_sched_new(&s, &opts) != 0
        || cf_coro_new(&c, consumer, NULL, NULL) != 0
        || cf_coro_new(&p, producer, NULL, NULL) != 0)
        return 1;
    printf("poller: %s\n", cf_sched_poller(s));
    cf_sched_add(s, c);
    cf_sched_add(s, p);
    int rc = cf_sched_run(s);
    cf_sched_free(s);
    return rc == 0 ? 0 : 1;
}
