/* SPDX-License-Identifier: MIT */
/*
 * core/trace.c - the trace: Chrome's trace-event JSON, for Perfetto's UI
 * (coflow/trace.h, docs/trace.md).
 *
 * One trace per process, written by every thread under one lock: tracing
 * is the slow path (a traced coroutine's resumes leave the fast path, see
 * CF__SLOW_TRACE and cf__slow_set()), and one lock keeps the timestamps of the file in order,
 * per track and overall. Events go into a 64 KiB buffer written out when
 * full, at cf_trace_stop() and at exit. The first I/O error is kept for
 * cf_trace_stop() to return; events after it are dropped.
 *
 * Tracks (Chrome's "threads" of the one process): a thread's own track is
 * its kernel thread id; coroutines and named tracks are numbered from
 * TRACK_BASE, above any thread id, and named by a thread_name metadata
 * event when first used.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "coflow/trace.h"
#include "internal.h"

#define TRACK_BASE 100000000L /* above pid_max (at most 2^22) */
#define BUF_SIZE   65536
#define STR_MAX    200 /* bytes of a name or detail written */
#define PUT(lit)   put(lit, sizeof lit - 1)

_Atomic unsigned cf__trace_state; /* a word: see internal.h */

/* A named track or a thread's: what it is called and its open slices. */
struct track {
    long id;
    char *name; /* NULL for a thread's */
    unsigned depth;
};

static struct {
    pthread_mutex_t lock;
    int fd;  /* -1 when no trace is being written */
    int err; /* the first I/O error, as -errno */
    long pid;
    bool any;
    struct timespec t0;
    long next_id;
    unsigned gen; /* which trace: a thread names its track once in each */
    struct track *tracks;
    size_t ntracks, cap;
    size_t len;
    char buf[BUF_SIZE];
} g = {.lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1};

static CF__TLS unsigned thread_gen; /* g.gen when this thread was named */
static CF__TLS long thread_tid;

/* ---- the buffer ---- */

static void flush(void)
{
    size_t off = 0;
    while (off < g.len && g.err == 0) {
        ssize_t n = write(g.fd, g.buf + off, g.len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            g.err = -errno;
        } else if (n == 0) {
            g.err = -EIO;
        } else {
            off += (size_t)n;
        }
    }
    g.len = 0;
}

static void put(const char *s, size_t n)
{
    while (n > 0) {
        if (g.len == BUF_SIZE)
            flush();
        size_t k = BUF_SIZE - g.len;
        if (k > n)
            k = n;
        memcpy(g.buf + g.len, s, k);
        g.len += k;
        s += k;
        n -= k;
    }
}

static void putf(const char *fmt, ...) CF_PRINTF(1, 2);
static void putf(const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        put(tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* `s` as a JSON string, cut at STR_MAX bytes (never inside a UTF-8 char). */
static void put_str(const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = strnlen(s, STR_MAX + 1);
    if (n > STR_MAX) {
        n = STR_MAX;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    PUT("\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            put(e, 2);
        } else if (c < 0x20 || c == 0x7f) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            put(e, 6);
        } else {
            put((const char *)&c, 1);
        }
    }
    PUT("\"");
}

/* ---- events ---- */

static void put_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long ns = (long long)(now.tv_sec - g.t0.tv_sec) * 1000000000LL
                   + (now.tv_nsec - g.t0.tv_nsec);
    if (ns < 0)
        ns = 0;
    putf("%lld.%03lld", ns / 1000, ns % 1000);
}

/* The start of an event: `{"ph":"B","pid":..,"tid":..,"ts":..` */
static void event_head(char ph, long tid, bool ts)
{
    if (g.any)
        PUT(",\n");
    g.any = true;
    putf("{\"ph\":\"%c\",\"pid\":%ld,\"tid\":%ld", ph, g.pid, tid);
    if (ts) {
        PUT(",\"ts\":");
        put_now();
    }
}

/* A metadata event naming track `tid`. */
static void name_track(long tid, const char *name, long sort)
{
    event_head('M', tid, false);
    PUT(",\"name\":\"thread_name\",\"args\":{\"name\":");
    put_str(name);
    PUT("}}");
    event_head('M', tid, false);
    putf(",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":%ld}}",
         sort);
}

/* The rest of a B or i event: name, cat, args. */
static void event_body(const char *cat, const char *name, const char *k1,
                       const char *v1, const char *k2, const char *v2)
{
    PUT(",\"name\":");
    put_str(name != NULL ? name : "");
    PUT(",\"cat\":");
    put_str(cat != NULL ? cat : "user");
    PUT(",\"args\":{");
    if (k1 != NULL && v1 != NULL) {
        put_str(k1);
        PUT(":");
        put_str(v1);
        if (k2 != NULL && v2 != NULL)
            PUT(",");
    }
    if (k2 != NULL && v2 != NULL) {
        put_str(k2);
        PUT(":");
        put_str(v2);
    }
    PUT("}}");
}

static void event_end(long tid, const char *name, const char *how)
{
    event_head('E', tid, true);
    if (name != NULL) {
        PUT(",\"name\":");
        put_str(name);
    }
    if (how != NULL) {
        PUT(",\"args\":{\"how\":");
        put_str(how);
        PUT("}");
    }
    PUT("}");
}

/* ---- tracks (under the lock, with a trace being written) ---- */

static long coro_track(cf_coro *co)
{
    if (co->trace_id == 0) {
        co->trace_id = (unsigned)(g.next_id++ - TRACK_BASE);
        co->trace_open = false;
        name_track(TRACK_BASE + co->trace_id, co->name, (long)co->trace_id + 1);
    }
    return TRACK_BASE + co->trace_id;
}

static struct track *track_add(long id, const char *name)
{
    if (g.ntracks == g.cap) {
        size_t cap = g.cap != 0 ? g.cap * 2 : 16;
        struct track *t = realloc(g.tracks, cap * sizeof *t);
        if (t == NULL)
            return NULL;
        g.tracks = t;
        g.cap = cap;
    }
    struct track *t = &g.tracks[g.ntracks];
    t->name = NULL;
    if (name != NULL && (t->name = strdup(name)) == NULL)
        return NULL;
    t->id = id;
    t->depth = 0;
    g.ntracks++;
    return t;
}

static struct track *track_find(long id)
{
    for (size_t i = 0; i < g.ntracks; i++)
        if (g.tracks[i].id == id)
            return &g.tracks[i];
    return NULL;
}

/*
 * An unnamed entry (a thread's or a coroutine's track) is kept only while
 * slices are open on it, so the table holds what is open, not every task
 * and thread a long run has seen.
 */
static void track_settle(struct track *t)
{
    if (t->depth == 0 && t->name == NULL)
        *t = g.tracks[--g.ntracks];
}

/* The calling thread's track, named "thread N" ("main" for the first). */
static long thread_track(void)
{
    if (thread_tid == 0)
        thread_tid = (long)gettid();
    if (thread_gen != g.gen) {
        thread_gen = g.gen;
        char name[32];
        if (thread_tid == g.pid)
            snprintf(name, sizeof name, "main thread");
        else
            snprintf(name, sizeof name, "thread %ld", thread_tid);
        name_track(thread_tid, name, 0);
    }
    return thread_tid;
}

static long named_track(const char *name)
{
    for (size_t i = 0; i < g.ntracks; i++)
        if (g.tracks[i].name != NULL && strcmp(g.tracks[i].name, name) == 0)
            return g.tracks[i].id;
    long id = g.next_id++;
    if (track_add(id, name) == NULL)
        return thread_track();
    name_track(id, name, id - TRACK_BASE + 1);
    return id;
}

/* ---- starting and stopping ---- */

static void at_exit(void)
{
    if (cf_trace_enabled())
        (void)cf_trace_stop();
}

/* A forked child does not write to its parent's trace. */
static void before_fork(void)
{
    pthread_mutex_lock(&g.lock);
}

static void after_fork_parent(void)
{
    pthread_mutex_unlock(&g.lock);
}

static void after_fork_child(void)
{
    if (g.fd >= 0) {
        close(g.fd);
        g.fd = -1;
        g.len = 0;
        atomic_fetch_and(&cf__trace_state, ~(unsigned)CF__SLOW_TRACE);
    }
    pthread_mutex_unlock(&g.lock);
}

static int start(const char *path);
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_once(void)
{
    atexit(at_exit);
    pthread_atfork(before_fork, after_fork_parent, after_fork_child);
    atomic_fetch_or(&cf__trace_state, (unsigned)CF__TRACE_READY);
    const char *path = getenv("COFLOW_TRACE");
    if (path != NULL && path[0] != '\0') {
        int rc = start(path);
        if (rc < 0)
            fprintf(stderr, "coflow: COFLOW_TRACE=%s: %s\n", path,
                    strerror(-rc));
    }
}

void cf__trace_init(void)
{
    pthread_once(&once, init_once);
}

static int mark(cf_coro *h, void *arg)
{
    cf_coro *co = cf__raw(h); /* cf_coro_foreach() gives handles */
    bool on = arg != NULL;
    if (on) {
        co->trace_id = 0;
        co->trace_open = false;
        if (co->kind == CF__BODY)
            cf__slow_set(co, (unsigned char)(co->slow | CF__SLOW_TRACE));
        return 0;
    }
    if (co->slow & CF__SLOW_TRACE)
        cf__slow_set(co, (unsigned char)(co->slow & ~CF__SLOW_TRACE));
    if (co->trace_id != 0 && co->trace_open) {
        /* its slices begun by cf_trace_begin() close first, below */
        struct track *t = track_find(TRACK_BASE + co->trace_id);
        for (; t != NULL && t->depth > 0; t->depth--)
            event_end(t->id, NULL, "trace stopped");
        event_end(TRACK_BASE + co->trace_id, co->name, "trace stopped");
    }
    co->trace_open = false;
    co->trace_id = 0;
    return 0;
}

static int start(const char *path)
{
    pthread_mutex_lock(&g.lock);
    if (g.fd >= 0) {
        pthread_mutex_unlock(&g.lock);
        return -EALREADY;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        int rc = -errno;
        pthread_mutex_unlock(&g.lock);
        return rc;
    }
    g.fd = fd;
    g.err = 0;
    g.any = false;
    g.len = 0;
    g.gen++;
    g.next_id = TRACK_BASE + 1;
    g.pid = (long)getpid();
    clock_gettime(CLOCK_MONOTONIC, &g.t0);
    PUT("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
    event_head('M', g.pid, false);
    PUT(",\"name\":\"process_name\",\"args\":{\"name\":");
    char name[64];
    snprintf(name, sizeof name, "coflow: %s", program_invocation_short_name);
    put_str(name);
    PUT("}}");
    cf_coro_foreach(mark, &g);
    atomic_fetch_or(&cf__trace_state, (unsigned)CF__SLOW_TRACE);
    flush();
    int rc = g.err;
    pthread_mutex_unlock(&g.lock);
    if (rc < 0)
        (void)cf_trace_stop();
    return rc;
}

int cf_trace_start(const char *path)
{
    if (path == NULL || path[0] == '\0')
        return -EINVAL;
    cf__trace_init();
    return start(path);
}

int cf_trace_stop(void)
{
    pthread_mutex_lock(&g.lock);
    if (g.fd < 0) {
        pthread_mutex_unlock(&g.lock);
        return -EINVAL;
    }
    atomic_fetch_and(&cf__trace_state, ~(unsigned)CF__SLOW_TRACE);
    cf_coro_foreach(mark, NULL);
    for (size_t i = 0; i < g.ntracks; i++) {
        for (; g.tracks[i].depth > 0; g.tracks[i].depth--)
            event_end(g.tracks[i].id, NULL, "trace stopped");
        free(g.tracks[i].name);
    }
    free(g.tracks);
    g.tracks = NULL;
    g.ntracks = g.cap = 0;
    PUT("\n]}\n");
    flush();
    if (close(g.fd) < 0 && g.err == 0)
        g.err = -errno;
    g.fd = -1;
    int rc = g.err;
    pthread_mutex_unlock(&g.lock);
    return rc;
}

bool cf_trace_enabled(void)
{
    unsigned s = atomic_load_explicit(&cf__trace_state, memory_order_relaxed);
    if (!(s & CF__TRACE_READY)) {
        cf__trace_init();
        s = atomic_load_explicit(&cf__trace_state, memory_order_relaxed);
    }
    return (s & CF__SLOW_TRACE) != 0;
}

/* ---- the hooks: a traced coroutine's switches ---- */

static const char *op_name(const cf_coro *co)
{
    switch ((enum cf__op)co->op) {
    case CF__OP_SEND:
        return "send";
    case CF__OP_THROW:
        return "throw";
    case CF__OP_SUB_DONE:
        return "delegate done";
    }
    return "?";
}

void cf__trace_resume(cf_coro *co)
{
    pthread_mutex_lock(&g.lock);
    if (g.fd >= 0) {
        long tid = coro_track(co);
        event_head('B', tid, true);
        event_body("coro", co->name, "op", op_name(co), NULL, NULL);
        co->trace_open = true;
    }
    pthread_mutex_unlock(&g.lock);
}

void cf__trace_leave(cf_coro *co, const char *how)
{
    pthread_mutex_lock(&g.lock);
    if (g.fd >= 0 && co->trace_id != 0 && co->trace_open) {
        long id = TRACK_BASE + co->trace_id;
        /* what the body began and did not end first, so that slices nest */
        struct track *t = track_find(id);
        if (t != NULL) {
            for (; t->depth > 0; t->depth--)
                event_end(id, NULL, "left open");
            track_settle(t);
        }
        co->trace_open = false;
        event_end(id, co->name, how);
    }
    pthread_mutex_unlock(&g.lock);
}

/* ---- events from anywhere ---- */

long cf_trace_track(const cf_coro *co, const char *name)
{
    if (!cf_trace_enabled())
        return 0;
    long id = 0;
    pthread_mutex_lock(&g.lock);
    if (g.fd >= 0) {
        if (co != NULL)
            id = coro_track(cf__check(co, "cf_trace_track"));
        else if (name != NULL)
            id = named_track(name);
        else
            id = thread_track();
    }
    pthread_mutex_unlock(&g.lock);
    return id;
}

/* `track` as given, or the thread's for 0 (under the lock). */
static long resolve(long track)
{
    return track > 0 ? track : thread_track();
}

void cf_trace_instant(long track, const char *cat, const char *name,
                      const char *detail)
{
    if (!cf_trace_enabled())
        return;
    pthread_mutex_lock(&g.lock);
    if (g.fd >= 0) {
        event_head('i', resolve(track), true);
        PUT(",\"s\":\"t\"");
        event_body(cat, name, "detail", detail, NULL, NULL);
    }
    pthread_mutex_unlock(&g.lock);
}

/* The open-slice count of track `id` (a new entry if need be), or NULL. */
static unsigned *depth_of(long id)
{
    struct track *t = track_find(id);
    if (t == NULL)
        t = track_add(id, NULL);
    return t != NULL ? &t->depth : NULL;
}

void cf_trace_begin(long track, const char *cat, const char *name,
                    const char *detail)
{
    if (!cf_trace_enabled())
        return;
    pthread_mutex_lock(&g.lock);
    if (g.fd >= 0) {
        long id = resolve(track);
        unsigned *d = depth_of(id);
        if (d != NULL) {
            ++*d;
            event_head('B', id, true);
            event_body(cat, name, "detail", detail, NULL, NULL);
        }
    }
    pthread_mutex_unlock(&g.lock);
}

void cf_trace_end(long track)
{
    if (!cf_trace_enabled())
        return;
    pthread_mutex_lock(&g.lock);
    if (g.fd >= 0) {
        long id = resolve(track);
        struct track *t = track_find(id);
        if (t != NULL && t->depth > 0) {
            t->depth--;
            event_end(id, NULL, NULL);
            track_settle(t);
        }
    }
    pthread_mutex_unlock(&g.lock);
}
