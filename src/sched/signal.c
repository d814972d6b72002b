/* SPDX-License-Identifier: MIT */
/*
 * sched/signal.c - signals as a source a task waits on: a signalfd(2) for
 * the watched signals, which are blocked so that they queue there instead
 * of running a handler, read when the poller says it is readable.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "internal.h"

int cf_signal_watch(const int *signals, size_t n)
{
    sigset_t set;
    if (signals == NULL || n == 0)
        return -EINVAL;
    sigemptyset(&set);
    for (size_t i = 0; i < n; i++)
        if (signals[i] <= 0 || signals[i] == SIGKILL || signals[i] == SIGSTOP
            || sigaddset(&set, signals[i]) < 0)
            return -EINVAL;
    int rc = pthread_sigmask(SIG_BLOCK, &set, NULL);
    if (rc != 0)
        return -rc;
    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int cf_signal_next(int fd, int64_t timeout_ms)
{
    struct signalfd_siginfo si;
    for (;;) {
        ssize_t r = read(fd, &si, sizeof si);
        if (r == (ssize_t)sizeof si)
            return (int)si.ssi_signo;
        if (r >= 0)
            return -EIO; /* not a signalfd */
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN)
            return -errno;
        int rc = cf_task_readable(fd, timeout_ms);
        if (rc < 0)
            return rc;
    }
}
