/* SPDX-License-Identifier: MIT */
/*
 * sax/source.c - the parse sources: an fd, a FILE*, a path or a buffer,
 * fed to a parser on the stack. Input is read straight into expat's own
 * buffer (XML_GetBuffer), so a byte is copied once, by read().
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define CHUNK_DEFAULT ((size_t)64 * 1024)

static cf_status start(cf_sax *s, cf_pipe *p, cf_coro *target,
                       const struct cf_sax_opts *opts)
{
    if (target == NULL)
        return cf_fail(&cf_value_error, "sax source: no target");
    int rc = cf__sax_init(s, p, target, opts);
    if (rc < 0)
        return cf_fail(&cf_memory_error, NULL);
    return CF_YIELDED;
}

/* Reads up to `n` bytes: the count, 0 at end of file, -1 with errno. */
static ssize_t read_some(int fd, FILE *f, char *buf, size_t n)
{
    if (f != NULL) {
        size_t k = fread(buf, 1, n, f);
        if (k == 0 && ferror(f)) {
            if (errno == 0)
                errno = EIO;
            return -1;
        }
        return (ssize_t)k;
    }
    for (;;) {
        ssize_t k = read(fd, buf, n);
        if (k >= 0 || errno != EINTR)
            return k;
    }
}

/*
 * Parses what `fd` or `f` gives; a read error is an OSError naming `path`
 * (when there is one: "[Errno 21] Is a directory: 'PATH'", as Python says)
 * and closes the target, as malformed XML does.
 */
static cf_status parse_stream(cf_pipe *p, int fd, FILE *f, const char *path,
                              cf_coro *target, const struct cf_sax_opts *opts,
                              cf_value *out)
{
    cf_sax s;
    if (start(&s, p, target, opts) != CF_YIELDED)
        return CF_RAISED;
    size_t chunk =
        opts != NULL && opts->chunk_size > 0 ? opts->chunk_size : CHUNK_DEFAULT;
    if (chunk > (size_t)1 << 30)
        chunk = (size_t)1 << 30;
    cf_status st;
    do {
        size_t n = cf__sax_feed_size(&s, chunk);
        char *buf = cf__sax_buffer(&s, n);
        if (buf == NULL) {
            st = cf_fail(&cf_memory_error, NULL);
            break;
        }
        /* Inside a token longer than a chunk, reads are gathered until
           there are `n` bytes (or the end), since expat rescans the token
           at each parse: see cf__sax_feed_size(). */
        ssize_t k = read_some(fd, f, buf, n);
        for (ssize_t more = k; more > 0 && n > chunk && (size_t)k < n;) {
            more = read_some(fd, f, buf + k, n - (size_t)k);
            if (more < 0)
                k = more;
            else
                k += more;
        }
        if (k < 0) {
            cf__pipe_os_error(path);
            st = cf__sax_abort(&s);
            break;
        }
        st = cf__sax_parse_buffer(&s, (size_t)k, k == 0, out);
    } while (st == CF_YIELDED);
    cf__sax_fini(&s);
    return st;
}

cf_status cf_sax_source_fd(cf_pipe *p, int fd, cf_coro *target,
                           const struct cf_sax_opts *opts, cf_value *out)
{
    return parse_stream(p, fd, NULL, NULL, target, opts, out);
}

cf_status cf_sax_source_file(cf_pipe *p, FILE *f, cf_coro *target,
                             const struct cf_sax_opts *opts, cf_value *out)
{
    if (f == NULL)
        return cf_fail(&cf_value_error, "sax source: no file");
    return parse_stream(p, -1, f, NULL, target, opts, out);
}

cf_status cf_sax_source_path(cf_pipe *p, const char *path, cf_coro *target,
                             const struct cf_sax_opts *opts, cf_value *out)
{
    if (path == NULL || target == NULL)
        return cf_fail(&cf_value_error, "sax source: no %s",
                       path == NULL ? "path" : "target");
    if (strcmp(path, "-") == 0)
        return parse_stream(p, STDIN_FILENO, NULL, NULL, target, opts, out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cf__pipe_os_error(path);
    cf_status st = parse_stream(p, fd, NULL, path, target, opts, out);
    close(fd);
    return st;
}

cf_status cf_sax_source_buffer(cf_pipe *p, const void *data, size_t len,
                               cf_coro *target, const struct cf_sax_opts *opts,
                               cf_value *out)
{
    if (data == NULL && len > 0)
        return cf_fail(&cf_value_error, "sax source: no data");
    cf_sax s;
    if (start(&s, p, target, opts) != CF_YIELDED)
        return CF_RAISED;
    /* In chunks, as a stream would come: expat parses each in place. */
    size_t chunk =
        opts != NULL && opts->chunk_size > 0 ? opts->chunk_size : len;
    const char *d = data != NULL ? data : "";
    cf_status st;
    do {
        size_t want = cf__sax_feed_size(&s, chunk);
        size_t n = len < want ? len : want;
        st = cf__sax_parse(&s, d, n, n == len, out);
        d += n;
        len -= n;
    } while (st == CF_YIELDED);
    cf__sax_fini(&s);
    return st;
}
