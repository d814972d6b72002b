/* SPDX-License-Identifier: MIT */
/*
 * pipe/source.c - sources: they drive a pipeline and are not coroutines
 * (SEMANTICS item 61). Lines from an fd, a FILE* or a path, read in large
 * blocks and split in place; follow mode (tail -F: truncation and
 * rotation, inode, size and content checks) with inotify; values
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
#include <sys/stat.h>
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

#define SIG_WINDOW 64 /* bytes compared to tell a rewritten file */

struct follow {
    bool on;
    int ifd;  /* inotify, or -1: only the poll_ms timeout wakes us */
    int nsig; /* the stop signals whose handlers we replaced */
    int sigs[CF_SOURCE_MAX_SIGNALS + 1];
    struct sigaction old[CF_SOURCE_MAX_SIGNALS + 1];
    char *path;    /* the name to watch for a rotation, or NULL */
    bool armed;    /* check the file before the next read */
    bool regular;  /* a regular file: offsets and contents can be checked */
    bool rotating; /* the path names another file: drain this one first */
    /* The last bytes before the offset at the last end of file: if they
       have changed when we look again, the file was truncated and written
       again past our offset (copytruncate, then growth). */
    unsigned char win[SIG_WINDOW];
    size_t winlen;
    off_t winoff;
};

struct reader {
    int fd;
    FILE *f;
    int own; /* an fd this source opened after a rotation, or -1 */
};

static int reader_fd(const struct reader *r)
{
    return r->f != NULL ? fileno(r->f) : r->fd;
}

static void add_stop_signal(struct follow *fw, int sig)
{
    if (sig <= 0 || fw->nsig > CF_SOURCE_MAX_SIGNALS)
        return;
    for (int i = 0; i < fw->nsig; i++)
        if (fw->sigs[i] == sig)
            return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal; /* no SA_RESTART: waits end */
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, &fw->old[fw->nsig]) == 0)
        fw->sigs[fw->nsig++] = sig;
}

static void watch(struct follow *fw)
{
    if (fw->ifd < 0 || fw->path == NULL)
        return;
    inotify_add_watch(fw->ifd, fw->path,
                      IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF
                          | IN_MOVE_SELF);
    /* The directory too: a new file at the path (rotation) wakes us. */
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", fw->path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    inotify_add_watch(fw->ifd, dir, IN_CREATE | IN_MOVED_TO);
}

static void follow_begin(struct follow *fw, const struct cf_source_opts *o,
                         const struct reader *r, const char *path)
{
    memset(fw, 0, sizeof *fw);
    fw->ifd = -1;
    if (!o->follow)
        return;
    fw->on = true;
    stop_signalled = 0;
    add_stop_signal(fw, o->stop_signal);
    for (int i = 0; i < CF_SOURCE_MAX_SIGNALS && o->stop_signals[i] != 0; i++)
        add_stop_signal(fw, o->stop_signals[i]);
    /* The name to watch: the one given, or the one /proc says the fd has
       (a pipe or a deleted file has none). */
    struct stat st;
    if (fstat(reader_fd(r), &st) < 0 || !S_ISREG(st.st_mode))
        return;
    fw->regular = true;
    if (path != NULL) {
        fw->path = strdup(path);
    } else {
        char link[64], buf[PATH_MAX];
        snprintf(link, sizeof link, "/proc/self/fd/%d", reader_fd(r));
        ssize_t n = readlink(link, buf, sizeof buf - 1);
        if (n > 0 && buf[0] == '/') {
            buf[n] = '\0';
            fw->path = strdup(buf);
        }
    }
    fw->ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    watch(fw);
}

static void follow_end(struct follow *fw)
{
    if (fw->ifd >= 0)
        close(fw->ifd);
    for (int i = 0; i < fw->nsig; i++)
        sigaction(fw->sigs[i], &fw->old[i], NULL);
    free(fw->path);
}

static bool stop_asked(const struct follow *fw, const struct cf_source_opts *o)
{
    if (fw->nsig > 0 && stop_signalled)
        return true;
    return o->stop != NULL && o->stop(o->stop_arg);
}

static off_t reader_tell(const struct reader *r)
{
    return r->f != NULL ? ftello(r->f) : lseek(r->fd, 0, SEEK_CUR);
}

/* Reads the `want` bytes (at most SIG_WINDOW) before `off` into `w`. */
static size_t read_window(int fd, off_t off, unsigned char *w, size_t want)
{
    size_t len = off < (off_t)want ? (size_t)off : want;
    if (len == 0)
        return 0;
    ssize_t k = pread(fd, w, len, off - (off_t)len);
    return k == (ssize_t)len ? len : 0;
}

/* At end of file, before waiting: remember where we are and what is there. */
static void follow_mark(struct follow *fw, const struct reader *r)
{
    if (!fw->regular)
        return;
    fw->winoff = reader_tell(r);
    fw->winlen = fw->winoff > 0 ? read_window(reader_fd(r), fw->winoff, fw->win,
                                              SIG_WINDOW)
                                : 0;
}

/* After a read: the last bytes read, which end at the new offset. */
static void follow_remember(struct follow *fw, const struct reader *r,
                            const char *buf, size_t end)
{
    if (!fw->regular)
        return;
    size_t len = end < SIG_WINDOW ? end : SIG_WINDOW;
    memcpy(fw->win, buf + end - len, len);
    fw->winlen = len;
    fw->winoff = reader_tell(r);
}

/* Have the bytes before the remembered offset changed? */
static bool follow_rewritten(const struct follow *fw, const struct reader *r)
{
    if (!fw->regular || fw->winlen == 0)
        return false;
    unsigned char now[SIG_WINDOW];
    return read_window(reader_fd(r), fw->winoff, now, fw->winlen) != fw->winlen
           || memcmp(now, fw->win, fw->winlen) != 0;
}

static void follow_rewind(struct follow *fw, struct reader *r)
{
    if (r->f != NULL)
        fseeko(r->f, 0, SEEK_SET);
    else
        lseek(reader_fd(r), 0, SEEK_SET);
    fw->winlen = 0;
}

enum { F_SAME, F_TRUNCATED };

/*
 * After waiting, before reading: has the file been truncated (it is
 * shorter than our offset, or the bytes before our offset have changed)?
 * Then it is read again from its start. Is another file at the path? Then
 * this one is drained first (`rotating`), then replaced (follow_rotate()).
 */
static int follow_check(struct follow *fw, struct reader *r, bool rotation)
{
    int fd = reader_fd(r);
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return F_SAME;
    off_t off = reader_tell(r);
    bool truncated = off >= 0 && st.st_size < off;
    if (!truncated && off == fw->winoff)
        truncated = follow_rewritten(fw, r);
    if (truncated) {
        follow_rewind(fw, r);
        return F_TRUNCATED;
    }
    struct stat ps;
    if (rotation && fw->path != NULL && stat(fw->path, &ps) == 0
        && (ps.st_ino != st.st_ino || ps.st_dev != st.st_dev))
        fw->rotating = true;
    return F_SAME;
}

/* The rotated-away file is drained: open the new one at the path. */
static bool follow_rotate(struct follow *fw, struct reader *r)
{
    fw->rotating = false;
    int fd = open(fw->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false; /* gone again: keep the old one, look again later */
    if (r->own >= 0)
        close(r->own);
    r->own = r->fd = fd;
    r->f = NULL;
    fw->winlen = 0;
    struct stat st;
    fw->regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    if (fw->ifd >= 0) { /* watch the new file, not the old one */
        close(fw->ifd);
        fw->ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        watch(fw);
    }
    return true;
}

/*
 * At end of file in follow mode: waits until the file may have changed (an
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
static cf_status read_lines(struct src *s, struct reader *r, const char *path,
                            cf_value *out)
{
    const struct cf_source_opts *o = s->opts;
    size_t cap = o->block_size > 0 ? o->block_size : BLOCK_DEFAULT;
    size_t end = 0, keep = o->keep_newline ? 1 : 0;
    char *buf = malloc(cap);
    if (buf == NULL)
        return cf_fail(&cf_memory_error, NULL);
    r->own = -1;
    struct follow fw;
    follow_begin(&fw, o, r, path);
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
        /* Following, every read is checked first: the file may have been
           truncated and written again since the last read, waiting or not
           (after a wait, a rotation is looked for too). */
        if (CF__UNLIKELY(fw.on)) {
            if (follow_check(&fw, r, fw.armed) == F_TRUNCATED)
                end = 0; /* the unterminated fragment went with the copy */
            fw.armed = false;
        }
        /* A pipe or a terminal: wait for input in slices of poll_ms, so
           that stop() is asked while nothing comes (a read would block). */
        if (CF__UNLIKELY(fw.on && !fw.regular && r->f == NULL)) {
            struct pollfd pf = {r->fd, POLLIN, 0};
            int n = poll(&pf, 1, o->poll_ms > 0 ? (int)o->poll_ms : 100);
            if (n <= 0) {
                if (stop_asked(&fw, o))
                    goto done; /* an unterminated line is not sent */
                continue;
            }
        }
        size_t scan = end;
        ssize_t k = reader_read(r, buf + end, cap - end);
        if (k < 0) {
            /* The input failed ("[Errno 21] Is a directory: 'PATH'"):
               the target is closed, as at the end of the input. */
            st = cf__pipe_os_error(path);
            if (!o->no_close) {
                cf_value ignored;
                cf_close(s->target, &ignored);
            }
            break;
        }
        if (k == 0) {
            if (!fw.on)
                break;
            if (fw.rotating) {
                /* The old file is drained: its last line is complete. */
                if (end > 0 && follow_rotate(&fw, r)) {
                    st = send_line(s, buf, end, out);
                    end = 0;
                    if (st != CF_YIELDED)
                        goto done;
                } else if (end == 0) {
                    follow_rotate(&fw, r);
                }
                continue;
            }
            follow_mark(&fw, r);
            if (!follow_wait(&fw, o))
                goto done; /* stopped: an unterminated line is not sent */
            fw.armed = true;
            continue;
        }
        if (CF__UNLIKELY(fw.on)) {
            /* Truncated and written again between the check and the read?
               Then what was read is from the new content at the old
               offset: drop it and read the file again from its start. */
            if (follow_rewritten(&fw, r)) {
                follow_rewind(&fw, r);
                end = 0;
                continue;
            }
            follow_remember(&fw, r, buf, end + (size_t)k);
        }
        end += (size_t)k;
        size_t start = 0;
        const char *nl;
        if (o->blocks) { /* every whole line read, in one value */
            nl = memrchr(buf + scan, '\n', end - scan);
            if (nl != NULL) {
                start = (size_t)(nl - buf) + 1;
                st = send_line(s, buf, start, out);
                if (CF__UNLIKELY(st != CF_YIELDED))
                    goto done;
            }
        } else {
            while ((nl = memchr(buf + scan, '\n', end - scan)) != NULL) {
                size_t at = (size_t)(nl - buf);
                st = send_line(s, buf + start, at - start + keep, out);
                if (CF__UNLIKELY(st != CF_YIELDED))
                    goto done;
                start = scan = at + 1;
            }
        }
        if (start > 0) {
            memmove(buf, buf + start, end - start);
            end -= start;
        }
    }
    if (st == CF_YIELDED && end > 0) /* a last line with no newline */
        st = send_line(s, buf, end, out);
done:
    if (r->own >= 0)
        close(r->own);
    follow_end(&fw);
    free(buf);
    if (st == CF_YIELDED)
        return src_end(s, out);
    return st;
}

static cf_status source_fd(cf_pipe *p, int fd, const char *path,
                           cf_coro *target, const struct cf_source_opts *opts,
                           cf_value *out)
{
    struct src s;
    src_begin(&s, p, target, opts);
    struct reader r = {fd, NULL, -1};
    return read_lines(&s, &r, path, out);
}

cf_status cf_pipe_source_fd(cf_pipe *p, int fd, cf_coro *target,
                            const struct cf_source_opts *opts, cf_value *out)
{
    if (target == NULL)
        return cf_fail(&cf_value_error, "source: no target");
    return source_fd(p, fd, NULL, target, opts, out);
}

cf_status cf_pipe_source_file(cf_pipe *p, FILE *f, cf_coro *target,
                              const struct cf_source_opts *opts, cf_value *out)
{
    if (target == NULL || f == NULL)
        return cf_fail(&cf_value_error, "source: no %s",
                       f == NULL ? "file" : "target");
    struct src s;
    src_begin(&s, p, target, opts);
    struct reader r = {-1, f, -1};
    return read_lines(&s, &r, NULL, out);
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
    cf_status st = source_fd(p, fd, path, target, opts, out);
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
