/* SPDX-License-Identifier: MIT */
/*
 * bridge/zmq.c - ZeroMQ stages: a PUSH sink (a handler) and a PULL source,
 * one frame per message, so a pipeline spans processes and machines and
 * its middle stages can run on N workers (ventilator -> workers -> sink).
 *
 * Each stage has its own libzmq context. libzmq's linger does not make a
 * close safe: with a full queue at the peer it drops what is still queued
 * (libzmq issues 1264, 1922, 4660; seen here over ipc:// with 100,000
 * messages). So a sink confirms end to end instead: a pull source closes
 * its socket as soon as its last close frame has come, and the sink's close
 * waits, after sending its close frames, until a socket monitor has seen
 * `peers` peers disconnect (or the linger time has passed). Each peer
 * has then read everything sent before its close frame.
 *
 * PUSH hands messages to its peers round robin, passing over a peer whose
 * queue is full; so that each of `peers` pull peers gets one close frame,
 * a sink with several peers waits for them all to connect before its first
 * send and keeps no high-water mark of its own.
 *
 * The push sink never blocks in libzmq: it sends with ZMQ_DONTWAIT and reads
 * its monitor without waiting, and when it must wait it waits on the
 * socket's ZMQ_FD with cf_task_readable() (ZMQ_FD is edge-like: ZMQ_EVENTS
 * is read again after each wake and before each wait). Inside a scheduler
 * task that parks only the task; elsewhere it blocks in poll(2).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "internal.h"

/*
 * The first byte of a push's batch (cf_zmq_opts.batch): MessagePack's nil,
 * which no frame starts with (a frame is an array), so a message from a
 * peer that sends one frame per message is never taken for a batch.
 */
#define BATCH_MARK ((char)0xc0)

static cf_status zfail(const char *what, const char *name)
{
    return cf_fail(&cf_bridge_error, "zmq stage '%s': %s: %s", name, what,
                   zmq_strerror(zmq_errno()));
}

/* ---- the push sink ---- */

typedef struct zpush {
    char name[CF__NAME_MAX];
    void *ctx, *sock, *mon;
    bool primed, waited;
    bool stuck; /* a send timed out: no close frames then */
    unsigned peers, seen, gone;
    unsigned lost; /* peers gone before the close frames were sent */
    int timeout_ms, linger_ms;
    int64_t max_msg;
    size_t batch; /* 0: a message per value; else gather frames in `out` */
    struct cf_zmq_stats local, *stats;
    cf__wbuf out;
} zpush;

static int set_int(void *sock, int opt, int v)
{
    return zmq_setsockopt(sock, opt, &v, sizeof v);
}

static void zpush_free(zpush *z)
{
    if (z->mon != NULL)
        zmq_close(z->mon);
    if (z->sock != NULL) {
        /* The end was confirmed, or waited for already: drop the rest. */
        set_int(z->sock, ZMQ_LINGER, 0);
        zmq_close(z->sock);
    }
    if (z->ctx != NULL)
        zmq_ctx_term(z->ctx);
    cf__wbuf_free(&z->out);
    free(z);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static cf_value wait_try(void *arg)
{
    const int64_t *a = arg;
    return cf_int(cf_task_readable((int)a[0], a[1]));
}

/*
 * Waits up to `ms` (-1: no limit) until `sock` has `want` (ZMQ_POLLIN or
 * ZMQ_POLLOUT) in its ZMQ_EVENTS, waiting on its ZMQ_FD: 1, 0 when the time
 * ran out, -1 on an error (the wait raised: a task killed while it waits;
 * that error is then the one being handled).
 */
static int zwait(void *sock, int want, int ms)
{
    int64_t deadline = ms < 0 ? -1 : now_ms() + ms;
    int fd;
    size_t len = sizeof fd;
    if (zmq_getsockopt(sock, ZMQ_FD, &fd, &len) != 0)
        return 0;
    for (;;) {
        int ev = 0;
        len = sizeof ev;
        if (zmq_getsockopt(sock, ZMQ_EVENTS, &ev, &len) != 0)
            return 0;
        if (ev & want)
            return 1;
        int64_t left = deadline < 0 ? -1 : deadline - now_ms();
        if (deadline >= 0 && left <= 0)
            return 0;
        int64_t a[2] = {fd, left};
        cf_value rc;
        if (cf_try(wait_try, a, &rc) == CF_RAISED)
            return -1;
        if (rc.as.i < 0 && rc.as.i != -ETIMEDOUT)
            return 0;
    }
}

/*
 * Reads the monitor's events for up to `ms` (-1: no limit) until `*count`
 * reaches `want`: peers connected (`seen`) or gone (`gone`). False when
 * the time ran out.
 */
static bool watch(zpush *z, const unsigned *count, unsigned want, int ms)
{
    while (*count < want) {
        if (zwait(z->mon, ZMQ_POLLIN, ms) <= 0)
            return false;
        unsigned char ev[6];
        if (zmq_recv(z->mon, ev, sizeof ev, ZMQ_DONTWAIT) < 0) {
            if (zmq_errno() == EAGAIN || zmq_errno() == EINTR)
                continue;
            return false;
        }
        char addr[256];
        (void)zmq_recv(z->mon, addr, sizeof addr, 0);
        unsigned short id;
        memcpy(&id, ev, sizeof id);
        if (id == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
            z->seen++;
        else if (id == ZMQ_EVENT_DISCONNECTED)
            z->gone++;
    }
    return true;
}

/* Counts the monitor's events already there; disconnects are losses. */
static void drain_events(zpush *z)
{
    unsigned before = z->gone;
    (void)watch(z, &z->gone, UINT32_MAX, 0);
    z->lost += z->gone - before;
    z->gone = 0;
}

/* Waits until `peers` pull peers have connected (a sink with several). */
static cf_status wait_peers(zpush *z)
{
    if (!watch(z, &z->seen, z->peers, z->timeout_ms))
        return cf_fail(&cf_bridge_error,
                       "zmq stage '%s': %u of %u peers connected after %d ms",
                       z->name, z->seen, z->peers, z->timeout_ms);
    z->waited = true;
    return CF_YIELDED;
}

/* Sends what is in `out` as one message. */
static cf_status zsend(zpush *z)
{
    size_t n = z->out.len;
    if (z->max_msg >= 0 && n > (uint64_t)z->max_msg)
        return cf_fail(&cf_bridge_error,
                       "zmq stage '%s': a frame of %zu bytes is over "
                       "max_msg_size (%lld bytes)",
                       z->name, n, (long long)z->max_msg);
    int64_t deadline = now_ms() + z->timeout_ms;
    for (;;) {
        if (zmq_send(z->sock, z->out.data, n, ZMQ_DONTWAIT) >= 0)
            return CF_YIELDED;
        int err = zmq_errno();
        if (err == EINTR)
            continue;
        if (err != EAGAIN)
            return zfail("send", z->name);
        int64_t left = deadline - now_ms();
        int w = left > 0 ? zwait(z->sock, ZMQ_POLLOUT, (int)left) : 0;
        if (w < 0)
            return CF_RAISED; /* the wait raised: that error goes on */
        if (w == 0) {
            z->stuck = true;
            return cf_fail(&cf_bridge_error,
                           "zmq stage '%s': no peer took a frame for %d ms "
                           "(none connected, or each gone or stuck)",
                           z->name, z->timeout_ms);
        }
    }
}

/*
 * Adds `v`'s frame to the batch in `out`: a message that starts with
 * BATCH_MARK and holds frames one after another. When the frame would take
 * the batch past max_msg_size, the batch goes out first, and a frame too
 * large for a batch of its own goes out alone as a plain one-frame message
 * (or is refused, as without a batch). The batch goes out with the frame
 * once it reaches `batch` bytes. On an error nothing of `v` stays in
 * `out`; `*send_failed` says a send failed (`out` is then emptied).
 */
static cf_status zbatch(zpush *z, cf_value v, bool *send_failed)
{
    size_t mark = z->out.len;
    if (mark == 0) {
        z->out.data[0] = BATCH_MARK; /* reserved at the start */
        z->out.len = 1;
    }
    size_t at = z->out.len;
    if (cf__frame_put_value(&z->out, v) != CF_YIELDED) {
        z->out.len = mark;
        return CF_RAISED;
    }
    size_t n = z->out.len, flen = n - at;
    if (z->max_msg >= 0 && n > (uint64_t)z->max_msg) {
        if (at > 1) { /* the batch so far, without this frame */
            z->out.len = at;
            if (zsend(z) != CF_YIELDED) {
                z->out.len = 0;
                *send_failed = true;
                return CF_RAISED;
            }
        }
        if (1 + flen > (uint64_t)z->max_msg) { /* alone, or refused */
            memmove(z->out.data, z->out.data + at, flen);
            z->out.len = flen;
            cf_status s = zsend(z);
            z->out.len = 0;
            *send_failed = s != CF_YIELDED;
            return s;
        }
        memmove(z->out.data + 1, z->out.data + at, flen);
        z->out.len = 1 + flen;
    }
    if (z->out.len >= z->batch) {
        cf_status s = zsend(z);
        z->out.len = 0;
        if (s != CF_YIELDED) {
            *send_failed = true;
            return s;
        }
    }
    return CF_YIELDED;
}

/*
 * After the close frames: the end is confirmed when each peer has
 * disconnected; a peer gone during the stream may have lost frames.
 */
static cf_status confirm(zpush *z)
{
    bool all = watch(z, &z->gone, z->peers, z->linger_ms);
    if (z->lost > 0)
        return cf_fail(&cf_bridge_error,
                       "zmq stage '%s': %u peer%s went away during the "
                       "stream; frames queued to %s may be lost",
                       z->name, z->lost, z->lost == 1 ? "" : "s",
                       z->lost == 1 ? "it" : "them");
    if (!all)
        return cf_fail(&cf_bridge_error,
                       "zmq stage '%s': %u of %u peer%s confirmed the end "
                       "within %d ms; frames may not have reached the others",
                       z->name, z->gone, z->peers, z->peers == 1 ? "" : "s",
                       z->linger_ms);
    return CF_YIELDED;
}

/* Sends `peers` frames of what `put` makes, then the stage ends. */
static cf_status zend(zpush *z, bool closing)
{
    const cf_error *e = cf_error_last();
    cf_status s = CF_YIELDED;
    if (!z->waited && z->peers > 1)
        s = wait_peers(z);
    drain_events(z);
    if (z->stuck)
        s = cf_fail(&cf_bridge_error, "zmq stage '%s': no peer", z->name);
    /* The batch still gathered goes before the close or error frames. */
    if (s == CF_YIELDED && z->batch > 0 && z->out.len > 0)
        s = zsend(z);
    for (unsigned i = 0; i < z->peers && s == CF_YIELDED; i++) {
        z->out.len = 0;
        s = closing ? cf__frame_put_close(&z->out, NULL)
                    : cf__frame_put_error(&z->out, e);
        if (s == CF_YIELDED)
            s = zsend(z);
        if (s == CF_YIELDED) {
            if (closing)
                z->stats->closes++;
            else
                z->stats->errors++;
        }
    }
    /* Each peer disconnects once it has read its close frame. */
    if (s == CF_YIELDED && closing)
        s = confirm(z);
    else if (s == CF_YIELDED)
        (void)watch(z, &z->gone, z->peers, z->linger_ms);
    zpush_free(z);
    return s;
}

static cf_status push_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    zpush *z = self;
    *out = cf_none();
    if (op == CF_OP_SEND) {
        if (CF__UNLIKELY(!z->primed)) {
            z->primed = true;
            return CF_YIELDED;
        }
        if (CF__UNLIKELY(!z->waited) && z->peers > 1
            && wait_peers(z) != CF_YIELDED)
            goto failed;
        if (z->batch > 0) {
            bool send_failed = false;
            if (zbatch(z, in, &send_failed) != CF_YIELDED)
                goto failed;
        } else {
            z->out.len = 0;
            if (cf__frame_put_value(&z->out, in) != CF_YIELDED
                || zsend(z) != CF_YIELDED) {
                z->out.len = 0;
                goto failed;
            }
        }
        z->stats->values++;
        return CF_YIELDED;
    failed:
        /* The stage ends with the error; the peers still get a close. */
        {
            cf_error *keep = cf_error_take();
            cf_error_clear();
            zend(z, true);
            cf_error_clear();
            cf_status s =
                cf_fail(cf_error_type_of(keep), "%s", cf_error_message(keep));
            cf_error_unref(keep);
            return s;
        }
    }
    if (cf_error_is(cf_error_last(), &cf_generator_exit)) {
        cf_error_clear();
        return zend(z, true) == CF_YIELDED ? CF_RETURNED : CF_RAISED;
    }
    /* Another error: sent on, then it goes through. */
    cf_error *keep = cf_error_ref((cf_error *)cf_error_last());
    if (zend(z, false) != CF_YIELDED) {
        cf_error_unref(keep);
        return CF_RAISED;
    }
    cf_error_unref(keep);
    return CF_RAISED;
}

static int open_socket(void **ctx, void **sock, int type, const char *endpoint,
                       const struct cf_zmq_opts *opts, int hwm, void **mon,
                       const void *id)
{
    *ctx = zmq_ctx_new();
    if (*ctx == NULL)
        return -errno;
    *sock = zmq_socket(*ctx, type);
    if (*sock == NULL)
        return -zmq_errno();
    int linger = opts != NULL && opts->linger_ms != 0 ? opts->linger_ms : 30000;
    if (type == ZMQ_PULL)
        linger = 0;
    if (set_int(*sock, type == ZMQ_PUSH ? ZMQ_SNDHWM : ZMQ_RCVHWM, hwm) != 0
        || set_int(*sock, ZMQ_LINGER, linger) != 0)
        return -zmq_errno();
    if (type == ZMQ_PULL) {
        /* A peer's message over the limit ends its connection before
           libzmq allocates anything for it. */
        int64_t most = opts != NULL && opts->max_msg_size != 0
                           ? opts->max_msg_size
                           : CF_ZMQ_MSG_MAX;
        if (most < 0)
            most = -1;
        if (zmq_setsockopt(*sock, ZMQ_MAXMSGSIZE, &most, sizeof most) != 0)
            return -zmq_errno();
    }
    /* A push: a send no peer takes within the time is an absent peer. */
    if (type == ZMQ_PUSH
        && set_int(*sock, ZMQ_SNDTIMEO,
                   opts != NULL && opts->timeout_ms > 0 ? opts->timeout_ms
                                                        : 30000)
               != 0)
        return -zmq_errno();
    if (mon != NULL) {
        char addr[64];
        snprintf(addr, sizeof addr, "inproc://cf-bridge-monitor-%p", id);
        if (zmq_socket_monitor(*sock, addr,
                               ZMQ_EVENT_HANDSHAKE_SUCCEEDED
                                   | ZMQ_EVENT_DISCONNECTED)
                != 0
            || (*mon = zmq_socket(*ctx, ZMQ_PAIR)) == NULL
            || zmq_connect(*mon, addr) != 0)
            return -zmq_errno();
    }
    bool bind = opts != NULL && opts->bind;
    if ((bind ? zmq_bind(*sock, endpoint) : zmq_connect(*sock, endpoint)) != 0)
        return -zmq_errno();
    return 0;
}

int cf_bridge_zmq_push(cf_pipe *p, cf_coro **out, const char *endpoint,
                       const struct cf_zmq_opts *opts)
{
    if (out == NULL || endpoint == NULL)
        return -EINVAL;
    zpush *z = calloc(1, sizeof *z);
    if (z == NULL)
        return -ENOMEM;
    cf__bridge_name(z->name, opts != NULL ? opts->name : NULL, "zmq-push");
    z->peers = opts != NULL && opts->peers > 1 ? opts->peers : 1;
    z->timeout_ms =
        opts != NULL && opts->timeout_ms > 0 ? opts->timeout_ms : 30000;
    z->stats = opts != NULL && opts->stats != NULL ? opts->stats : &z->local;
    memset(z->stats, 0, sizeof *z->stats);
    z->linger_ms =
        opts != NULL && opts->linger_ms != 0 ? opts->linger_ms : 30000;
    z->max_msg = opts != NULL && opts->max_msg_size != 0 ? opts->max_msg_size
                                                         : CF_ZMQ_MSG_MAX;
    z->batch = opts != NULL ? opts->batch : 0;
    int hwm = opts != NULL && opts->hwm > 0 ? opts->hwm : 1000;
    if (z->peers > 1)
        hwm = 0;
    z->waited = z->peers == 1;
    int rc = open_socket(&z->ctx, &z->sock, ZMQ_PUSH, endpoint, opts, hwm,
                         &z->mon, z);
    if (rc == 0 && !cf__wbuf_reserve(&z->out, 256))
        rc = -ENOMEM;
    if (rc != 0) {
        if (z->sock != NULL)
            set_int(z->sock, ZMQ_LINGER, 0);
        zpush_free(z);
        return rc;
    }
    cf_coro *co;
    struct cf_coro_opts copts = {.name = z->name, .prime = true};
    rc = cf_handler_new(&co, push_step, z, &copts);
    if (rc != 0) {
        zpush_free(z);
        return rc;
    }
    if (p != NULL && (rc = cf_pipe_add(p, co, NULL, 0)) != 0) {
        cf_coro_free(co);
        return rc;
    }
    *out = co;
    return 0;
}

/* ---- the pull source ---- */

/* Reads the monitor's events there are; true when a peer went away. */
static bool peer_events(void *mon, unsigned *gone)
{
    bool went = false;
    unsigned char ev[6];
    while (zmq_recv(mon, ev, sizeof ev, ZMQ_DONTWAIT) >= 0) {
        char addr[256];
        (void)zmq_recv(mon, addr, sizeof addr, 0);
        unsigned short id;
        memcpy(&id, ev, sizeof id);
        if (id == ZMQ_EVENT_DISCONNECTED) {
            ++*gone;
            went = true;
        }
    }
    return went;
}

cf_status cf_bridge_zmq_pull(cf_pipe *p, const char *endpoint, cf_coro *target,
                             const struct cf_zmq_opts *opts, cf_value *out)
{
    cf_value ignored;
    if (out == NULL)
        out = &ignored;
    *out = cf_none();
    char name[CF__NAME_MAX];
    cf__bridge_name(name, opts != NULL ? opts->name : NULL, "zmq-pull");
    if (endpoint == NULL || target == NULL)
        return cf_fail(&cf_value_error, "zmq source '%s': no %s", name,
                       endpoint == NULL ? "endpoint" : "target");
    if (p != NULL)
        (void)cf__pipe_node(p, "zmq-pull", name, target);
    struct cf_zmq_stats local,
        *st = opts != NULL && opts->stats != NULL ? opts->stats : &local;
    memset(st, 0, sizeof *st);
    unsigned producers =
        opts != NULL && opts->producers > 1 ? opts->producers : 1;
    int hwm = opts != NULL && opts->hwm > 0 ? opts->hwm : 1000;
    void *ctx = NULL, *sock = NULL, *mon = NULL;
    unsigned gone = 0; /* peers disconnected */
    int wait_ms = opts != NULL && opts->timeout_ms > 0 ? opts->timeout_ms : -1;
    int64_t most = opts != NULL && opts->max_msg_size != 0 ? opts->max_msg_size
                                                           : CF_ZMQ_MSG_MAX;
    cf_status s;
    int rc =
        open_socket(&ctx, &sock, ZMQ_PULL, endpoint, opts, hwm, &mon, &gone);
    if (rc != 0) {
        errno = -rc;
        s = cf_fail(&cf_bridge_error, "zmq source '%s': cannot use '%s': %s",
                    name, endpoint, zmq_strerror(-rc));
        goto out;
    }
    cf__decoder d;
    cf__decoder_init(&d);
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    for (;;) {
        if (zmq_msg_recv(&msg, sock, ZMQ_DONTWAIT) < 0) {
            if (zmq_errno() == EINTR)
                continue;
            if (zmq_errno() != EAGAIN) {
                s = zfail("receive", name);
                break;
            }
            /* Nothing yet: wait for a frame, or a peer that goes away. */
            zmq_pollitem_t it[2] = {{.socket = sock, .events = ZMQ_POLLIN},
                                    {.socket = mon, .events = ZMQ_POLLIN}};
            int n = zmq_poll(it, 2, wait_ms);
            if (n < 0 && zmq_errno() == EINTR)
                continue;
            if (n < 0) {
                s = zfail("poll", name);
                break;
            }
            if (n == 0) {
                s = cf_fail(&cf_bridge_error,
                            "zmq source '%s': no frame for %d ms", name,
                            wait_ms);
                break;
            }
            if (peer_events(mon, &gone) && gone > st->closes) {
                s = cf_fail(&cf_bridge_error,
                            "zmq source '%s': a peer went away before its "
                            "close frame (a message over max_msg_size, "
                            "%lld bytes, ends the peer's connection)",
                            name, (long long)most);
                break;
            }
            continue;
        }
        /* A message is one frame, or a push's batch: BATCH_MARK, then
           frames one after another. */
        const char *data = zmq_msg_data(&msg);
        size_t len = zmq_msg_size(&msg), off = 0;
        bool batch = len > 0 && data[0] == BATCH_MARK, done = false;
        if (batch)
            off = 1;
        else if (len == 0)
            st->malformed++; /* not a frame */
        while (off < len && !done) {
            cf__frame f;
            int got = cf__frame_decode(&d, data, len, &off, &f);
            if (got != 1 || (!batch && off != len)) {
                if (got == 1)
                    cf__frame_release(&f);
                st->malformed++;
                break; /* the rest of the message is skipped */
            }
            if (f.kind == CF__FRAME_VALUE) {
                st->values++;
                cf_value r;
                s = cf_send(target, f.v, &r);
                cf__frame_release(&f);
                if (CF__LIKELY(s == CF_YIELDED))
                    continue;
                if (s == CF_RETURNED)
                    *out = r;
                done = true;
            } else if (f.kind == CF__FRAME_CLOSE) {
                cf__frame_release(&f);
                if (++st->closes < producers)
                    continue;
                /* Tell the sinks, by going away, that all has come. */
                zmq_close(sock);
                sock = NULL;
                s = cf_close(target, out);
                done = true;
            } else {
                st->errors++;
                cf__bridge_raise_frame(&f, name);
                s = cf_throw(target, cf_error_take(), out);
                done = s != CF_YIELDED;
            }
        }
        if (done)
            break;
    }
    zmq_msg_close(&msg);
    cf__decoder_fini(&d);
out:
    if (mon != NULL)
        zmq_close(mon);
    if (sock != NULL)
        zmq_close(sock);
    if (ctx != NULL)
        zmq_ctx_term(ctx);
    if (st->malformed > 0 && (opts == NULL || !opts->quiet))
        fprintf(stderr,
                "zmq source '%s': %llu malformed or foreign message%s "
                "skipped\n",
                name, (unsigned long long)st->malformed,
                st->malformed == 1 ? "" : "s");
    return s;
}
