/* SPDX-License-Identifier: MIT */
/*
 * pipe/source.c - sources: they drive a pipeline and are not coroutines
 * (SEMANTICS item 61). Lines from an fd, a FILE* or a path, read in large
 * blocks and split in place; follow mode (tail -f) with inotify; values
 * from an array, a range, a generator or a plain iterator.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "internal.h"

#define BLOCK_DEFAULT ((size_t)256 * 1024)

/* What every source shares: its node in the graph, if any, and its target. */
struct src {
    cf__stage *node;
    cf_coro *target;
    const struct cf_source_opts *opts;
    const char *path; /* what errors name (NULL: nothing) */
};

static const struct cf_source_opts no_opts;

static void src_begin(struct src *s, cf_pipe *p, cf_coro *target,
                      const struct cf_source_opts *opts)
{
    s->opts = opts != NULL ? opts : &no_opts;
    s->target = target;
    s->path = NULL;
    s->node = p != NULL ? cf__pipe_node(
                  p, "source", s->opts->name != NULL ? s->opts->name : "source",
                  target)
                        : NULL;
}

/* One send: CF_YIELDED to go on, CF_RETURNED (target finished), CF_RAISED. */
static inline cf_status src_send(struct src *s, cf_value v, cf_value *out)
{
    if (CF__UNLIKELY(s->node != NULL))
        cf__pipe_event(s->node, CF_PIPE_SEND, v);
    cf_value r;
    cf_status st = cf_send(s->target, v, &r);
    if (CF__UNLIKELY(st == CF_RETURNED) && out != NULL)
        *out = r;
    return st;
}

/* The input ended: close the target (item 61) and hand back its result. */
static cf_status src_end(struct src *s, cf_value *out)
{
    if (s->opts->no_close) {
        if (out != NULL)
            *out = cf_none();
        return CF_RETURNED;
    }
    if (s->node != NULL)
        cf__pipe_event(s->node, CF_PIPE_CLOSE, cf_none());
    return cf_close(s->target, out);
}

cf_status cf__pipe_os_error(const char *what)
{
    int e = errno;
    if (what != NULL)
        return cf_fail(&cf_os_error, "[Errno %d] %s: '%s'", e, strerror(e),
                       what);
    return cf_fail(&cf_os_error, "[Errno %d] %s", e, strerror(e));
}

/* ---- follow mode ---- */

static volatile sig_atomic_t stop_signalled;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_signalled = 1;
}

struct follow {
    int ifd; /* inotify, or -1: poll every poll_ms */
    int sig;
    struct sigaction old;
};

static void follow_begin(struct follow *fw, const struct cf_source_opts *o,
                         int fd)
{
    fw->ifd = -1;
    fw->sig = 0;
    if (!o->follow)
        return;
    if (o->stop_signal > 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_stop_signal; /* no SA_RESTART: waits end */
        sigemptyset(&sa.sa_mask);
        stop_signalled = 0;
        if (sigaction(o->stop_signal, &sa, &fw->old) == 0)
            fw->sig = o->stop_signal;
    }
    /* inotify watches a path: the one /proc says `fd` has. */
    char link[64], path[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0 || path[0] != '/')
        return;
    path[n] = '\0';
    fw->ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (fw->ifd >= 0
        && inotify_add_watch(fw->ifd, path,
                             IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB
                                 | IN_DELETE_SELF | IN_MOVE_SELF)
               < 0) {
        close(fw->ifd);
        fw->ifd = -1;
    }
}

static void follow_end(struct follow *fw)
{
    if (fw->ifd >= 0)
        close(fw->ifd);
    if (fw->sig > 0)
        sigaction(fw->sig, &fw->old, NULL);
}

static bool stop_asked(const struct follow *fw, const struct cf_source_opts *o)
{
    if (fw->sig > 0 && stop_signalled)
        return true;
    return o->stop != NULL && o->stop(o->stop_arg);
}

/*
 * At end of file in follow mode: waits until the file may have grown (an
 * inotify event, or `poll_ms` passing) and returns true, or returns false
 * when asked to stop.
 */
static bool follow_wait(const struct follow *fw, const struct cf_source_opts *o)
{
    if (stop_asked(fw, o))
        return false;
    int ms = o->poll_ms > 0 ? (int)o->poll_ms : 100;
    struct pollfd pfd = {fw->ifd, POLLIN, 0};
    int n = poll(&pfd, fw->ifd >= 0 ? 1 : 0, ms);
    if (n > 0) {
        char ev[4096];
        while (read(fw->ifd, ev, sizeof ev) > 0)
            ;
    }
    return !stop_asked(fw, o);
}

/* ---- line sources ---- */

struct reader {
    int fd;
    FILE *f;
};

/* Reads up to `n` bytes: the count, 0 at end of file, -1 with errno. */
static ssize_t reader_read(struct reader *r, char *buf, size_t n)
{
    if (r->f != NULL) {
        size_t k = fread(buf, 1, n, r->f);
        if (k == 0) {
            if (ferror(r->f)) {
                if (errno == 0)
                    errno = EIO;
                return -1;
            }
            clearerr(r->f); /* follow mode reads on after end of file */
        }
        return (ssize_t)k;
    }
    for (;;) {
        ssize_t k = read(r->fd, buf, n);
        if (k >= 0 || errno != EINTR)
            return k;
        if (stop_signalled)
            return 0;
    }
}

static cf_status send_line(struct src *s, const char *line, size_t len,
                           cf_value *out)
{
    if (CF__UNLIKELY(!cf_str_fits(len)))
        return cf_fail(&cf_value_error,
                       "line of %zu bytes is longer than a value can hold",
                       len);
    cf_value v = cf_strn(line, len);
    if (s->opts->bytes)
        v.kind = CF_BYTES;
    return src_send(s, v, out);
}

/*
 * The buffer holds [start, end): lines are sent straight from it; what is
 * left after the last newline moves to the front before the next read, and
 * when a line fills the whole buffer the buffer doubles.
 */
static cf_status read_lines(struct src *s, struct reader *r, cf_value *out)
{
    const struct cf_source_opts *o = s->opts;
    size_t cap = o->block_size > 0 ? o->block_size : BLOCK_DEFAULT;
    size_t end = 0, keep = o->keep_newline ? 1 : 0;
    char *buf = malloc(cap);
    if (buf == NULL)
        return cf_fail(&cf_memory_error, NULL);
    struct follow fw;
    follow_begin(&fw, o, r->f != NULL ? fileno(r->f) : r->fd);
    cf_status st = CF_YIELDED;

    for (;;) {
        if (end == cap) { /* one line fills the buffer: grow it */
            char *b = cap <= SIZE_MAX / 2 ? realloc(buf, 2 * cap) : NULL;
            if (b == NULL) {
                st = cf_fail(&cf_memory_error, NULL);
                break;
            }
            buf = b;
            cap *= 2;
        }
        size_t scan = end;
        ssize_t k = reader_read(r, buf + end, cap - end);
        if (k < 0) {
            /* The input failed ("[Errno 21] Is a directory: 'PATH'"):
               the target is closed, as at the end of the input. */
            st = cf__pipe_os_error(s->path);
            if (!o->no_close) {
                cf_value ignored;
                cf_close(s->target, &ignored);
            }
            break;
        }
        if (k == 0) {
            if (o->follow && follow_wait(&fw, o))
                continue;
            break;
        }
        end += (size_t)k;
        size_t start = 0;
        const char *nl;
        while ((nl = memchr(buf + scan, '\n', end - scan)) != NULL) {
            size_t at = (size_t)(nl - buf);
            st = send_line(s, buf + start, at - start + keep, out);
            if (CF__UNLIKELY(st != CF_YIELDED))
                goto done;
            start = scan = at + 1;
        }
        if (start > 0) {
            memmove(buf, buf + start, end - start);
            end -= start;
        }
    }
    if (st == CF_YIELDED && end > 0) /* a last line with no newline */
        st = send_line(s, buf, end, out);
done:
    follow_end(&fw);
    free(buf);
    if (st == CF_YIELDED)
        return src_end(s, out);
    return st;
}

cf_status cf_pipe_source_fd(cf_pipe *p, int fd, cf_coro *target,
                            const struct cf_source_opts *opts, cf_value *out)
{
    if (target == NULL)
        return cf_fail(&cf_value_error, "source: no target");
    struct src s;
    src_begin(&s, p, target, opts);
    struct reader r = {fd, NULL};
    return read_lines(&s, &r, out);
}

cf_status cf_pipe_source_file(cf_pipe *p, FILE *f, cf_coro *target,
                              const struct cf_source_opts *opts, cf_value *out)
{
    if (target == NULL || f == NULL)
        return cf_fail(&cf_value_error, "source: no %s",
                       f == NULL ? "file" : "target");
    struct src s;
    src_begin(&s, p, target, opts);
    struct reader r = {-1, f};
    return read_lines(&s, &r, out);
}

cf_status cf_pipe_source_path(cf_pipe *p, const char *path, cf_coro *target,
                              const struct cf_source_opts *opts, cf_value *out)
{
    if (target == NULL || path == NULL)
        return cf_fail(&cf_value_error, "source: no %s",
                       path == NULL ? "path" : "target");
    if (strcmp(path, "-") == 0)
        return cf_pipe_source_fd(p, STDIN_FILENO, target, opts, out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cf__pipe_os_error(path);
    struct src s;
    src_begin(&s, p, target, opts);
    s.path = path;
    struct reader r = {fd, NULL};
    cf_status st = read_lines(&s, &r, out);
    close(fd);
    return st;
}

/* ---- value sources ---- */

cf_status cf_pipe_source_array(cf_pipe *p, const cf_value *v, size_t n,
                               cf_coro *target,
                               const struct cf_source_opts *opts, cf_value *out)
{
    if (target == NULL || (n > 0 && v == NULL))
        return cf_fail(&cf_value_error, "source: no %s",
                       target == NULL ? "target" : "values");
    struct src s;
    src_begin(&s, p, target, opts);
    for (size_t i = 0; i < n; i++) {
        cf_status st = src_send(&s, v[i], out);
        if (st != CF_YIELDED)
            return st;
    }
    return src_end(&s, out);
}

cf_status cf_pipe_source_range(cf_pipe *p, int64_t start, int64_t stop,
                               int64_t step, cf_coro *target,
                               const struct cf_source_opts *opts, cf_value *out)
{
    if (step == 0)
        return cf_fail(&cf_value_error, "range() arg 3 must not be zero");
    if (target == NULL)
        return cf_fail(&cf_value_error, "source: no target");
    struct src s;
    src_begin(&s, p, target, opts);
    for (int64_t x = start; step > 0 ? x < stop : x > stop;) {
        cf_status st = src_send(&s, cf_int(x), out);
        if (st != CF_YIELDED)
            return st;
        if (__builtin_add_overflow(x, step, &x))
            break;
    }
    return src_end(&s, out);
}

cf_status cf_pipe_source_coro(cf_pipe *p, cf_coro *gen, cf_coro *target,
                              const struct cf_source_opts *opts, cf_value *out)
{
    if (target == NULL || gen == NULL)
        return cf_fail(&cf_value_error, "source: no %s",
                       gen == NULL ? "generator" : "target");
    struct src s;
    src_begin(&s, p, target, opts);
    cf_value v;
    cf_status g;
    CF_FOREACH (gen, v, g) {
        cf_status st = src_send(&s, v, out);
        if (st != CF_YIELDED)
            return st;
    }
    if (g == CF_RAISED)
        return CF_RAISED;
    return src_end(&s, out);
}

cf_status cf_pipe_source_iter(cf_pipe *p, cf_iter_fn next, void *state,
                              cf_coro *target,
                              const struct cf_source_opts *opts, cf_value *out)
{
    if (target == NULL || next == NULL)
        return cf_fail(&cf_value_error, "source: no %s",
                       next == NULL ? "iterator" : "target");
    struct src s;
    src_begin(&s, p, target, opts);
    cf_value v;
    cf_status g;
    while ((g = next(state, &v)) == CF_YIELDED) {
        cf_status st = src_send(&s, v, out);
        if (st != CF_YIELDED)
            return st;
    }
    if (g == CF_RAISED)
        return CF_RAISED;
    return src_end(&s, out);
}
