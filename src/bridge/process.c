/* SPDX-License-Identifier: MIT */
/*
 * bridge/process.c - the process stage: Beazley's sendto()/recvfrom() over
 * a socket pair to a forked child that runs the target.
 *
 * The parent encodes each value as a frame into a buffer and writes the
 * buffer when it holds `batch` bytes (a close writes the rest). The child
 * reads frames, sends their values into the target, and at the close frame
 * closes the target and writes back one frame: a close with the result, or
 * the target's error; it writes the same at once when the target returns
 * or raises, then exits. Before each write the parent looks, without
 * waiting, for anything written back: a frame, or the end of the socket
 * when the child has died. A write that finds the child gone (EPIPE) reads
 * what it left. Writes use MSG_NOSIGNAL: a dead child never kills the
 * parent with SIGPIPE.
 *
 * The parent never blocks in a system call: its writes and reads are
 * MSG_DONTWAIT, and when the socket is full (or, collecting, empty) it waits
 * with cf_task_writable() / cf_task_readable(). Inside a scheduler task
 * that parks only the task, so a slow child never stalls the other tasks;
 * elsewhere it blocks in poll(2). A task killed while it waits ends the
 * stage: the child sees the end of its input, closes the target (what was
 * sent before still reaches it) and is reaped, and the kill goes on.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

typedef struct pbridge {
    char name[CF__NAME_MAX];
    cf_coro *co;
    bool primed;
    int fd;
    pid_t pid;
    size_t batch;
    cf__wbuf out;
    struct pbridge *next; /* the open stages, for cf_bridge_pid() */
} pbridge;

static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;
static pbridge *open_list;

pid_t cf_bridge_pid(const cf_coro *co)
{
    pid_t pid = -1;
    pthread_mutex_lock(&open_lock);
    for (pbridge *b = open_list; b != NULL; b = b->next)
        if (b->co == co) {
            pid = b->pid;
            break;
        }
    pthread_mutex_unlock(&open_lock);
    return pid;
}

static void unlist(pbridge *b)
{
    pthread_mutex_lock(&open_lock);
    for (pbridge **pp = &open_list; *pp != NULL; pp = &(*pp)->next)
        if (*pp == b) {
            *pp = b->next;
            break;
        }
    pthread_mutex_unlock(&open_lock);
}

/* Writes all of buf; 0, or -errno. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* ---- the child ---- */

/* Writes one frame back to the parent (best effort: it may be gone). */
static void reply(int fd, cf_status s, cf_value r)
{
    cf__wbuf w = {0};
    if (s == CF_RAISED) {
        cf_error *e = cf_error_take();
        cf__frame_put_error(&w, e);
        cf_error_unref(e);
    } else if (cf__frame_put_close(&w, &r) != CF_YIELDED) {
        /* A result that cannot cross (a pointer with no codec). */
        cf_error *e = cf_error_take();
        w.len = 0;
        cf__frame_put_error(&w, e);
        cf_error_unref(e);
    }
    (void)write_all(fd, w.data, w.len);
    cf__wbuf_free(&w);
}

/*
 * The child's input buffer, which lives until the child exits. It is kept
 * here, in memory, because a target may end the process inside its step
 * (_exit()), where the send into it is inline and the only other copy of
 * the pointer is a register: Valgrind's leak check at exit does not count
 * the exiting thread's registers, and would call the buffer lost.
 */
static char *child_buf;

static CF_NORETURN void child_exit(int fd, int code)
{
    free(child_buf);
    fflush(NULL);
    close(fd);
    _exit(code);
}

static CF_NORETURN void child(int fd, cf_coro *target, const char *name)
{
    size_t cap = 256 * 1024, len = 0;
    char *buf = child_buf = malloc(cap);
    cf__decoder d;
    cf__decoder_init(&d);
    cf_value r = cf_none();
    for (;;) {
        if (buf == NULL) {
            reply(fd, cf_fail(&cf_memory_error, NULL), r);
            child_exit(fd, 1);
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            /* The parent went away without a close: close the target, as
               recvfrom() does at the end of its input. */
            cf_close(target, &r);
            child_exit(fd, 0);
        }
        len += (size_t)n;
        size_t off = 0;
        cf__frame f;
        int rc;
        while ((rc = cf__frame_decode(&d, buf, len, &off, &f)) == 1) {
            cf_status s;
            if (f.kind == CF__FRAME_VALUE) {
                s = cf_send(target, f.v, &r);
                cf__frame_release(&f);
                if (CF__LIKELY(s == CF_YIELDED))
                    continue;
            } else if (f.kind == CF__FRAME_CLOSE) {
                s = cf_close(target, &r);
            } else {
                cf__bridge_raise_frame(&f, NULL);
                s = cf_throw(target, cf_error_take(), &r);
                if (s != CF_RAISED)
                    s = cf_close(target, &r);
            }
            reply(fd, s, r);
            child_exit(fd, 0);
        }
        if (rc < 0) {
            reply(fd,
                  cf_fail(&cf_bridge_error,
                          "process stage '%s': a malformed frame", name),
                  r);
            child_exit(fd, 1);
        }
        memmove(buf, buf + off, len - off);
        len -= off;
        if (len == cap) {
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (nb == NULL)
                free(buf);
            buf = child_buf = nb;
        }
    }
}

/* ---- the parent ---- */

static void pbridge_free(pbridge *b)
{
    unlist(b);
    if (b->fd >= 0)
        cf_sock_close(b->fd); /* a scheduler may have waited on it */
    cf__wbuf_free(&b->out);
    free(b);
}

static cf_value wait_try(void *arg)
{
    const int *a = arg;
    return cf_int(a[1] ? cf_task_writable(a[0], -1)
                       : cf_task_readable(a[0], -1));
}

/*
 * Waits until the socket is writable (`dir` 1) or readable (0): 0, -errno,
 * or -ECANCELED when the wait raised (a task killed while it waits): the
 * stage is then ended and freed, and that error is the one being handled.
 */
static int wait_fd(pbridge *b, int dir)
{
    int a[2] = {b->fd, dir};
    cf_value rc;
    if (cf_try(wait_try, a, &rc) != CF_RAISED)
        return (int)rc.as.i;
    shutdown(b->fd, SHUT_WR); /* the child closes the target and exits */
    while (waitpid(b->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    pbridge_free(b);
    return -ECANCELED;
}

/* Writes all of buf to the child: 0, -errno, or -ECANCELED (see
   wait_fd(): `b` is gone). */
static int send_all(pbridge *b, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(b->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN)
                return -errno;
            int rc = wait_fd(b, 1);
            if (rc < 0)
                return rc;
            continue;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/*
 * The child has written back, died, or is being closed: reads what it
 * wrote up to the end, waits for it, and ends the stage with its result,
 * its error, or BridgeError for how it died.
 */
static cf_status collect(pbridge *b, cf_value *out)
{
    cf__wbuf in = {0};
    for (;;) {
        if (!cf__wbuf_reserve(&in, 4096))
            break;
        ssize_t n =
            recv(b->fd, in.data + in.len, in.cap - in.len, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            int rc = wait_fd(b, 0);
            if (rc == -ECANCELED) {
                cf__wbuf_free(&in);
                return CF_RAISED;
            }
            if (rc == 0)
                continue;
        }
        if (n <= 0)
            break;
        in.len += (size_t)n;
    }
    int status = 0;
    while (waitpid(b->pid, &status, 0) < 0 && errno == EINTR)
        ;
    cf__decoder d;
    cf__decoder_init(&d);
    size_t off = 0;
    cf__frame f;
    cf_status s;
    if (in.len > 0 && cf__frame_decode(&d, in.data, in.len, &off, &f) == 1) {
        if (f.kind == CF__FRAME_ERROR) {
            s = cf__bridge_raise_frame(&f, b->name);
        } else {
            *out = f.has_value ? cf__bridge_keep(f.v) : cf_none();
            cf__frame_release(&f);
            s = CF_RETURNED;
        }
    } else if (WIFSIGNALED(status)) {
        s = cf_fail(&cf_bridge_error,
                    "process stage '%s': child %d was killed by signal %d "
                    "(%s)",
                    b->name, (int)b->pid, WTERMSIG(status),
                    strsignal(WTERMSIG(status)));
    } else {
        s = cf_fail(&cf_bridge_error,
                    "process stage '%s': child %d exited with status %d "
                    "before it answered",
                    b->name, (int)b->pid, WEXITSTATUS(status));
    }
    cf__decoder_fini(&d);
    cf__wbuf_free(&in);
    pbridge_free(b);
    return s;
}

/* Writes the buffer; CF_YIELDED, or the stage's end when the child is. */
static cf_status flush(pbridge *b, cf_value *out)
{
    struct pollfd pfd = {.fd = b->fd, .events = POLLIN};
    if (poll(&pfd, 1, 0) > 0)
        return collect(b, out);
    int rc = send_all(b, b->out.data, b->out.len);
    if (rc == -ECANCELED)
        return CF_RAISED;
    b->out.len = 0;
    if (rc != 0)
        return collect(b, out);
    return CF_YIELDED;
}

/*
 * The sender's side failed with the error being handled: the stage ends
 * with it, after closing the target in the child (what was sent before
 * still reaches it); the child's answer is dropped.
 */
static cf_status fail(pbridge *b)
{
    cf_error *keep = cf_error_take();
    cf_value ignored;
    if (cf__frame_put_close(&b->out, NULL) != CF_YIELDED
        || flush(b, &ignored) == CF_YIELDED) {
        shutdown(b->fd, SHUT_WR);
        collect(b, &ignored);
    }
    cf_error_clear();
    cf__error_restore(keep);
    return CF_RAISED;
}

static cf_status step(void *self, cf_op op, cf_value in, cf_value *out)
{
    pbridge *b = self;
    *out = cf_none();
    if (op == CF_OP_SEND) {
        if (CF__UNLIKELY(!b->primed)) {
            b->primed = true;
            return CF_YIELDED;
        }
        cf_status s = cf__frame_put_value(&b->out, in);
        if (CF__UNLIKELY(s != CF_YIELDED))
            return fail(b); /* TypeError: a pointer with no codec */
        if (b->out.len < b->batch)
            return CF_YIELDED;
        return flush(b, out);
    }
    /* A close sends the close frame; another error is sent on as an
       error frame and thrown into the target there. Either way the child
       answers once and exits. */
    const cf_error *e = cf_error_last();
    bool closing = cf_error_is(e, &cf_generator_exit);
    cf_status s = closing ? cf__frame_put_close(&b->out, NULL)
                          : cf__frame_put_error(&b->out, e);
    if (s != CF_YIELDED)
        return fail(b);
    if (closing)
        cf_error_clear();
    s = flush(b, out);
    if (s == CF_YIELDED) {
        shutdown(b->fd, SHUT_WR);
        s = collect(b, out);
    }
    if (!closing && s != CF_RAISED)
        return CF_RAISED; /* the thrown error, still being handled, goes on */
    return s;
}

int cf_bridge_process(cf_pipe *p, cf_coro **out, cf_coro *target,
                      const struct cf_bridge_opts *opts)
{
    if (out == NULL || target == NULL)
        return -EINVAL;
    pbridge *b = calloc(1, sizeof *b);
    if (b == NULL)
        return -ENOMEM;
    cf__bridge_name(b->name, opts != NULL ? opts->name : NULL, "process");
    b->batch = opts != NULL && opts->batch != 0 ? opts->batch : 64 * 1024;
    b->fd = -1;
    if (!cf__wbuf_reserve(&b->out, b->batch + 64)) {
        pbridge_free(b);
        return -ENOMEM;
    }
    cf_coro *co;
    struct cf_coro_opts copts = {.name = b->name};
    int rc = cf_handler_new(&co, step, b, &copts);
    if (rc != 0) {
        pbridge_free(b);
        return rc;
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        rc = -errno;
        cf_coro_free(co);
        pbridge_free(b);
        return rc;
    }
    fflush(NULL); /* or the child writes the parent's buffered output too */
    pid_t pid = fork();
    if (pid < 0) {
        rc = -errno;
        close(sv[0]);
        close(sv[1]);
        cf_coro_free(co);
        pbridge_free(b);
        return rc == -ENOMEM ? -ENOMEM : -EAGAIN;
    }
    if (pid == 0) {
        close(sv[0]);
        child(sv[1], target, b->name);
    }
    close(sv[1]);
    b->fd = sv[0];
    b->pid = pid;
    b->co = co;
    pthread_mutex_lock(&open_lock);
    b->next = open_list;
    open_list = b;
    pthread_mutex_unlock(&open_lock);
    cf_next(co, NULL); /* prime: the step only notes it */
    if (p != NULL && (rc = cf_pipe_add(p, co, &target, 1)) != 0) {
        cf_coro_free(co);
        return rc;
    }
    *out = co;
    return 0;
}
