/* SPDX-License-Identifier: MIT */
/*
 * sched_io_pipe: pyos step 6 (pyos7.py) - ReadWait/WriteWait traps and the
 * iotask, over a pipe. The iotask polls without blocking while other tasks
 * are ready and blocks otherwise; it ends when it is the only task left.
 * Mirrors tests/cases/py/sched_io_pipe.py (SEMANTICS item 72).
 * `sched_case_poller` picks the poller (NULL: the default).
 */
#include <string.h>
#include <unistd.h>

#include <coflow/sched.h>

#include "cases/cases.h"

const char *sched_case_poller;

static FILE *out;
static int fds[2];

static void trace(void *arg, cf_sched_event ev, int64_t tid, int fd)
{
    (void)arg;
    (void)fd;
    switch (ev) {
    case CF_SCHED_EXIT:
        fprintf(out, "Task %lld terminated\n", (long long)tid);
        break;
    case CF_SCHED_WAIT_READ:
        fprintf(out, "task %lld waits to read\n", (long long)tid);
        break;
    case CF_SCHED_WAIT_WRITE:
        fprintf(out, "task %lld waits to write\n", (long long)tid);
        break;
    case CF_SCHED_CAN_READ:
        fprintf(out, "iopoll: task %lld can read\n", (long long)tid);
        break;
    case CF_SCHED_CAN_WRITE:
        fprintf(out, "iopoll: task %lld can write\n", (long long)tid);
        break;
    }
}

static void io_wait(cf_trap_kind kind, int fd)
{
    cf_trap t = {.kind = kind, .fd = fd, .ms = -1};
    cf_yield(cf_ptr(&t, CF_TRAP_TAG));
}

static cf_value producer(void *arg)
{
    static const char *const messages[] = {"hello", "world"};
    (void)arg;
    for (int i = 0; i < 2; i++) {
        io_wait(CF_TRAP_WRITE, fds[1]);
        if (write(fds[1], messages[i], strlen(messages[i])) < 0)
            return cf_none();
        fprintf(out, "producer wrote %s\n", messages[i]);
        cf_yield(cf_none());
        cf_yield(cf_none());
    }
    cf_sock_close(fds[1]);
    fprintf(out, "producer closed its end\n");
    return cf_none();
}

static cf_value consumer(void *arg)
{
    char buf[1024];
    (void)arg;
    for (;;) {
        io_wait(CF_TRAP_READ, fds[0]);
        ssize_t n = read(fds[0], buf, sizeof buf);
        if (n <= 0) {
            fprintf(out, "consumer got end of file\n");
            break;
        }
        fprintf(out, "consumer read %.*s\n", (int)n, buf);
    }
    cf_sock_close(fds[0]);
    return cf_none();
}

void case_sched_io_pipe(FILE *o)
{
    struct cf_sched_opts opts = {.trace = trace,
                                 .flags = CF_SCHED_PYOS_IOTASK,
                                 .poller = sched_case_poller};
    cf_sched *s;
    out = o;
    if (pipe(fds) != 0 || cf_sched_new(&s, &opts) != 0)
        return;
    cf_sched_add(s, new_coro(consumer, NULL, "consumer", false));
    cf_sched_add(s, new_coro(producer, NULL, "producer", false));
    cf_sched_run(s);
    cf_sched_free(s);
    fprintf(out, "all tasks done\n");
}
