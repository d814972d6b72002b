/* SPDX-License-Identifier: MIT */
/*
 * tests/bridge/zmq.c - the ZeroMQ stages on loopback: a million values in
 * order push -> pull, the ventilator -> 2 workers -> sink pipeline with
 * order per worker and the sum at the sink, a peer that sends garbage,
 * an error that crosses, a source that times out, and what a push sink
 * reports of its peers: none, one that never confirms the end, one gone
 * during the stream.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <zmq.h>

#include <coflow.h>

#include "bridge/common.h"
#include "support.h"

TestSuite(bridge_zmq, .fini = cf_error_clear);

static void endpoint(char *buf, size_t n, const char *what)
{
    snprintf(buf, n, "ipc:///tmp/cf-bridge-test-%d-%s", (int)getpid(), what);
}

/* A pull source on its own thread, into a checker. */
struct puller {
    pthread_t thr;
    char ep[128];
    struct cf_zmq_opts opts;
    struct cf_zmq_stats stats;
    checker c;
    int64_t stride;
    cf_status st;
    cf_value result;
    char err[256];
};

static void *pull_main(void *arg)
{
    struct puller *pl = arg;
    cf_coro *chk = checker_new(NULL, &pl->c, pl->stride);
    pl->opts.stats = &pl->stats;
    pl->st = cf_bridge_zmq_pull(NULL, pl->ep, chk, &pl->opts, &pl->result);
    if (pl->st == CF_RAISED)
        snprintf(pl->err, sizeof pl->err, "%s", err_text());
    cf_coro_free(chk);
    cf_error_clear();
    return NULL;
}

static void pull_go(struct puller *pl)
{
    cr_assert_eq(pthread_create(&pl->thr, NULL, pull_main, pl), 0);
}

/* Sets up a puller without starting it: its options may be changed. */
static void pull_prepare(struct puller *pl, const char *ep, unsigned producers,
                         int64_t stride)
{
    memset(pl, 0, sizeof *pl);
    pl->stride = stride;
    snprintf(pl->ep, sizeof pl->ep, "%s", ep);
    pl->opts.bind = true;
    pl->opts.producers = producers;
    pl->opts.timeout_ms = 20000;
    pl->opts.quiet = true;
}

static void pull_start(struct puller *pl, const char *ep, unsigned producers,
                       int64_t stride)
{
    pull_prepare(pl, ep, producers, stride);
    pull_go(pl);
}

/* A puller on its own endpoint ("...-what"), and a push to it with `o`. */
static cf_coro *push_to_puller(struct puller *pl, const char *what,
                               struct cf_zmq_opts o)
{
    char ep[128];
    endpoint(ep, sizeof ep, what);
    pull_start(pl, ep, 1, 1);
    cf_coro *push;
    cr_assert_eq(cf_bridge_zmq_push(NULL, &push, ep, &o), 0);
    return push;
}

/* A puller for `producers` peers, and a plain ZeroMQ push socket (in a
   context of its own, `*ctx`) connected to it. */
static void *raw_push_to_puller(struct puller *pl, void **ctx, const char *what,
                                unsigned producers)
{
    char ep[128];
    endpoint(ep, sizeof ep, what);
    pull_start(pl, ep, producers, 1);
    *ctx = zmq_ctx_new();
    void *raw = zmq_socket(*ctx, ZMQ_PUSH);
    cr_assert_eq(zmq_connect(raw, ep), 0);
    return raw;
}

/* bridge_n() values, in order and none lost, batched or not. */
static void sends_in_order(const char *what, size_t batch, size_t max)
{
    struct puller pl;
    struct cf_zmq_stats ps;
    cf_coro *push =
        push_to_puller(&pl, what,
                       (struct cf_zmq_opts){
                           .stats = &ps, .batch = batch, .max_msg_size = max});
    int64_t n = bridge_n();
    cr_assert_eq(send_range(push, n, NULL), CF_RETURNED, "%s", err_text());
    cr_assert_eq(ps.values, (uint64_t)n);
    cr_assert_eq(ps.closes, 1);
    cf_coro_free(push);
    pthread_join(pl.thr, NULL);
    cr_assert_eq(pl.st, CF_RETURNED, "%s", pl.err);
    cr_assert_eq(cf_to_int(pl.result), n * (n - 1) / 2);
    cr_assert_eq(pl.c.count, n);
    cr_assert_eq(pl.stats.values, (uint64_t)n);
    cr_assert_eq(pl.stats.malformed, 0);
}

/* Ten values, then an error thrown in: it crosses after them. */
static void error_crosses_after_ten(const char *what, size_t batch)
{
    struct puller pl;
    cf_coro *push = push_to_puller(
        &pl, what, (struct cf_zmq_opts){.name = "out", .batch = batch});
    for (int i = 0; i < 10; i++)
        cr_assert_eq(cf_send(push, cf_int(i), NULL), CF_YIELDED);
    cr_assert_eq(cf_throw_new(push, &cf_runtime_error, "upstream broke", NULL),
                 CF_RAISED);
    assert_error("RuntimeError: upstream broke");
    cf_coro_free(push);
    pthread_join(pl.thr, NULL);
    cr_assert_eq(pl.st, CF_RAISED);
    cr_assert_str_eq(pl.err, "RuntimeError: upstream broke (via 'zmq-pull')");
    cr_assert_eq(pl.c.count, 10);
}

/* `before` values, then a frame over max_msg_size (1024): refused with a
   clear error; the values before it still go out, then the close. */
static void oversized_frame_after(const char *what, size_t batch, int before)
{
    struct puller pl;
    cf_coro *push = push_to_puller(&pl, what,
                                   (struct cf_zmq_opts){.name = "out",
                                                        .max_msg_size = 1024,
                                                        .batch = batch});
    for (int i = 0; i < before; i++)
        cr_assert_eq(cf_send(push, cf_int(i), NULL), CF_YIELDED);
    static char text[2000];
    memset(text, 'a', sizeof text);
    cr_assert_eq(cf_send(push, cf_strn(text, sizeof text), NULL), CF_RAISED);
    assert_error("BridgeError: zmq stage 'out': a frame of 2005 bytes is "
                 "over max_msg_size (1024 bytes)");
    cf_coro_free(push);
    pthread_join(pl.thr, NULL);
    cr_assert_eq(pl.st, CF_RETURNED, "%s", pl.err); /* it got a close */
    cr_assert_eq(pl.c.count, before);
}

Test(bridge_zmq, million_in_order)
{
    sends_in_order("million", 0, 0);
}

/* A worker: pull from the ventilator, tag each value with its number,
   push to the sink. */
struct worker {
    pthread_t thr;
    int id;
    char in[128], out[128];
    cf_status st;
};

static cf_status tag_value(void *arg, cf_value in, cf_value *out)
{
    struct worker *w = arg;
    *out = cf_int(cf_to_int(in) * 2 + w->id);
    return CF_YIELDED;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    cf_pipe *p;
    cf_coro *push, *map;
    cf_pipe_new(&p);
    cf_bridge_zmq_push(p, &push, w->out, NULL);
    cf_pipe_map(p, &map, "tag", tag_value, w, push);
    w->st = cf_bridge_zmq_pull(
        p, w->in, map, &(struct cf_zmq_opts){.timeout_ms = 20000}, NULL);
    cf_pipe_free(p);
    cf_error_clear();
    return NULL;
}

Test(bridge_zmq, ventilator_workers_sink)
{
    char vent[128], sink[128];
    endpoint(vent, sizeof vent, "vent");
    endpoint(sink, sizeof sink, "sink");
    struct puller pl;
    pull_start(&pl, sink, 2, 2);
    cf_coro *push;
    cr_assert_eq(
        cf_bridge_zmq_push(NULL, &push, vent,
                           &(struct cf_zmq_opts){.bind = true, .peers = 2}),
        0);
    struct worker w[2];
    for (int i = 0; i < 2; i++) {
        w[i].id = i;
        snprintf(w[i].in, sizeof w[i].in, "%s", vent);
        snprintf(w[i].out, sizeof w[i].out, "%s", sink);
        cr_assert_eq(pthread_create(&w[i].thr, NULL, worker_main, &w[i]), 0);
    }
    int64_t n = bridge_n() / 4;
    cr_assert_eq(send_range(push, n, NULL), CF_RETURNED, "%s", err_text());
    cf_coro_free(push);
    for (int i = 0; i < 2; i++) {
        pthread_join(w[i].thr, NULL);
        cr_assert_eq(w[i].st, CF_RETURNED);
    }
    pthread_join(pl.thr, NULL);
    /* Each worker's values arrive in order; together they are all. */
    cr_assert_eq(pl.st, CF_RETURNED, "%s", pl.err);
    cr_assert_eq(pl.c.count, n);
    cr_assert_eq(cf_to_int(pl.result), n * (n - 1) / 2);
}

Test(bridge_zmq, garbage_from_a_foreign_peer)
{
    struct puller pl;
    void *ctx;
    /* A plain ZeroMQ peer: junk, then a well-formed close. */
    void *raw = raw_push_to_puller(&pl, &ctx, "garbage", 2);
    static const char *junk[] = {
        "hello",
        "\x91",
        "\x92\x00",
        "\x92\x00\xc1",
        "\x92\x07\x01",
        "\x81\x00\x00",
        "\xdd\xff\xff\xff\xff",
        "\x92\x00\xc7\x05\x02\x61\x62\x63\x64\x65", /* another ext */
        "\x94\x02\x01\x02\x03",
        "",
        "\xc0\xc1", /* a batch's mark, then not a frame */
    };
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++)
        cr_assert_geq(zmq_send(raw, junk[i], strlen(junk[i]), 0), 0);
    cr_assert_eq(zmq_send(raw, "\x92\x00\x00\x00", 4, 0), 4); /* 2 frames */
    cr_assert_eq(zmq_send(raw, "\x91\x01", 2, 0), 2);
    cf_coro *push;
    cr_assert_eq(cf_bridge_zmq_push(NULL, &push, pl.ep, NULL), 0);
    cr_assert_eq(send_range(push, 1000, NULL), CF_RETURNED, "%s", err_text());
    cf_coro_free(push);
    zmq_close(raw);
    zmq_ctx_term(ctx);
    pthread_join(pl.thr, NULL);
    cr_assert_eq(pl.st, CF_RETURNED, "%s", pl.err);
    cr_assert_eq(pl.c.count, 1000);
    cr_assert_eq(cf_to_int(pl.result), 1000 * 999 / 2);
    cr_assert_eq(pl.stats.malformed, 12);
    cr_assert_eq(pl.stats.closes, 2);
}

Test(bridge_zmq, malformed_are_reported)
{
    char ep[128];
    endpoint(ep, sizeof ep, "report");
    void *ctx = zmq_ctx_new(), *raw = zmq_socket(ctx, ZMQ_PUSH);
    cr_assert_eq(zmq_connect(raw, ep), 0);
    zmq_send(raw, "junk", 4, 0);
    zmq_send(raw, "\x91\x01", 2, 0);
    cf_coro *count;
    cf_pipe *p;
    cf_pipe_new(&p);
    cf_pipe_count(p, &count, NULL);
    stderr_capture();
    cf_value r;
    cf_status s = cf_bridge_zmq_pull(
        p, ep, count,
        &(struct cf_zmq_opts){.name = "in", .bind = true, .timeout_ms = 20000},
        &r);
    char *text = stderr_captured();
    cr_assert_eq(s, CF_RETURNED);
    cr_assert_str_eq(text, "zmq source 'in': 1 malformed or foreign message "
                           "skipped\n");
    cf_pipe_free(p);
    zmq_close(raw);
    zmq_ctx_term(ctx);
}

Test(bridge_zmq, error_crosses)
{
    error_crosses_after_ten("error", 0);
}

/*
 * Issue 15, item 1: a peer's error frame whose message looks like the end
 * of a via chain. It once made the decoder print past the message (heap
 * bytes in the text, a crash at a page end); the chain is now a field of
 * the frame, and the message comes back as it was sent.
 */
Test(bridge_zmq, hostile_error_message_from_a_peer)
{
    struct puller pl;
    void *ctx;
    void *raw = raw_push_to_puller(&pl, &ctx, "hostile", 1);
    static const char frame[] = "\x94\x02\xaaValueError\xa8 (via ')\xa1g";
    cr_assert_eq(zmq_send(raw, frame, sizeof frame - 1, 0),
                 (int)sizeof frame - 1);
    pthread_join(pl.thr, NULL);
    zmq_close(raw);
    zmq_ctx_term(ctx);
    cr_assert_eq(pl.st, CF_RAISED);
    cr_assert_str_eq(pl.err, "ValueError:  (via ') (via 'zmq-pull')");
}

/*
 * Issue 15, item 9: a peer's message over max_msg_size is refused by libzmq
 * (ZMQ_MAXMSGSIZE: the connection ends before the message is buffered) and
 * the source says so, rather than buffering it whole (it once took 512 MiB
 * and would take up to 4 GiB) or waiting forever for the lost peer.
 */
Test(bridge_zmq, oversized_message_is_refused)
{
    char ep[128];
    endpoint(ep, sizeof ep, "oversized");
    struct puller pl;
    pull_prepare(&pl, ep, 1, 1);
    pl.opts.max_msg_size = 1 << 20;
    pull_go(&pl);
    void *ctx = zmq_ctx_new(), *raw = zmq_socket(ctx, ZMQ_PUSH);
    cr_assert_eq(zmq_connect(raw, ep), 0);
    size_t big = (size_t)2 << 20;
    char *junk = calloc(1, big);
    cr_assert_eq(zmq_send(raw, junk, big, 0), (int)big);
    free(junk);
    pthread_join(pl.thr, NULL);
    int zero = 0; /* the refused message is still queued: drop it */
    zmq_setsockopt(raw, ZMQ_LINGER, &zero, sizeof zero);
    zmq_close(raw);
    zmq_ctx_term(ctx);
    cr_assert_eq(pl.st, CF_RAISED);
    cr_assert_str_eq(pl.err,
                     "BridgeError: zmq source 'zmq-pull': a peer went away "
                     "before its close frame (a message over max_msg_size, "
                     "1048576 bytes, ends the peer's connection)");
    cr_assert_eq(pl.c.count, 0);
}

/* A push will not send a frame over max_msg_size: a clear error instead. */
Test(bridge_zmq, oversized_frame_is_not_sent)
{
    oversized_frame_after("toobig", 0, 1);
}

Test(bridge_zmq, source_times_out)
{
    char ep[128];
    endpoint(ep, sizeof ep, "timeout");
    checker c;
    cf_coro *chk = checker_new(NULL, &c, 1);
    cf_status s = cf_bridge_zmq_pull(
        NULL, ep, chk, &(struct cf_zmq_opts){.bind = true, .timeout_ms = 100},
        NULL);
    cr_assert_eq(s, CF_RAISED);
    assert_error("BridgeError: zmq source 'zmq-pull': no frame for 100 ms");
    cf_coro_free(chk);
}

Test(bridge_zmq, bad_endpoint)
{
    cf_coro *push;
    cr_assert_lt(cf_bridge_zmq_push(NULL, &push, "nonsense://x", NULL), 0);
}

/* A push sink with no peer: the send that no peer takes is an error. */
Test(bridge_zmq, absent_peer_is_an_error_not_a_hang)
{
    char ep[128];
    endpoint(ep, sizeof ep, "absent");
    cf_coro *push;
    cr_assert_eq(
        cf_bridge_zmq_push(NULL, &push, ep,
                           &(struct cf_zmq_opts){.hwm = 10, .timeout_ms = 100}),
        0);
    cf_status s = CF_YIELDED;
    int sent = 0;
    while (s == CF_YIELDED && sent < 100000)
        if ((s = cf_send(push, cf_int(sent), NULL)) == CF_YIELDED)
            sent++;
    cr_assert_eq(s, CF_RAISED);
    assert_error("BridgeError: zmq stage 'zmq-push': no peer took a frame for "
                 "100 ms (none connected, or each gone or stuck)");
    cr_assert_eq(cf_coro_state(push), CF_CLOSED);
    cf_coro_free(push);
}

/* A raw PULL socket bound at `ep` that reads `n` messages. */
static void *raw_pull(void *ctx, const char *ep)
{
    void *sock = zmq_socket(ctx, ZMQ_PULL);
    cr_assert_not_null(sock);
    int zero = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
    cr_assert_eq(zmq_bind(sock, ep), 0);
    return sock;
}

static void raw_read(void *sock, int n)
{
    char buf[64];
    for (int i = 0; i < n; i++)
        cr_assert_geq(zmq_recv(sock, buf, sizeof buf, 0), 0);
}

/* A push sink (linger 100 ms) whose raw peer has read five values. */
static cf_coro *raw_peer_with_five(void **ctx, void **sock, const char *what)
{
    char ep[128];
    endpoint(ep, sizeof ep, what);
    *ctx = zmq_ctx_new();
    *sock = raw_pull(*ctx, ep);
    cf_coro *push;
    cr_assert_eq(cf_bridge_zmq_push(NULL, &push, ep,
                                    &(struct cf_zmq_opts){.linger_ms = 100}),
                 0);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(cf_send(push, cf_int(i), NULL), CF_YIELDED);
    raw_read(*sock, 5);
    return push;
}

/* A peer that reads the close frame but never goes away: not confirmed. */
Test(bridge_zmq, unconfirmed_end_is_reported)
{
    void *ctx, *sock;
    cf_coro *push = raw_peer_with_five(&ctx, &sock, "unconfirmed");
    cr_assert_eq(cf_close(push, NULL), CF_RAISED);
    assert_error("BridgeError: zmq stage 'zmq-push': 0 of 1 peer confirmed "
                 "the end within 100 ms; frames may not have reached the "
                 "others");
    raw_read(sock, 1); /* the close frame came */
    zmq_close(sock);
    zmq_ctx_term(ctx);
}

/* A peer that goes away during the stream. */
Test(bridge_zmq, peer_gone_during_the_stream_is_reported)
{
    void *ctx, *sock;
    cf_coro *push = raw_peer_with_five(&ctx, &sock, "gone");
    zmq_close(sock);
    usleep(500000); /* the sink's monitor sees the disconnect */
    cr_assert_eq(cf_close(push, NULL), CF_RAISED);
    assert_error("BridgeError: zmq stage 'zmq-push': 1 peer went away during "
                 "the stream; frames queued to it may be lost");
    zmq_ctx_term(ctx);
}

/* ---- inside a scheduler task, a full queue parks only the task ---- */

#define ZN 20000

static void *zq_sock;
static int zq_read, zq_ticks_during;

/* Reads the raw peer without blocking, as a task; closes it once the close
   frame (message ZN + 1) has come, which confirms the sink's end. */
static cf_value zq_reader(void *arg)
{
    (void)arg;
    char buf[256];
    cf_task_sleep(200); /* the producer fills the queue meanwhile */
    while (zq_read < ZN + 1) {
        if (zmq_recv(zq_sock, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
            zq_read++;
        else
            cf_task_yield();
    }
    zmq_close(zq_sock);
    return cf_none();
}

static cf_value zq_producer(void *arg)
{
    cf_coro *push = (cf_coro *)arg;
    for (int64_t i = 0; i < ZN; i++) {
        int before = zq_read;
        cr_assert_eq(cf_send(push, cf_int(i), NULL), CF_YIELDED, "%s",
                     err_text());
        zq_ticks_during += zq_read != before;
    }
    /* the close waits for the peer's disconnect, which the reader task
       makes: a blocking wait would never see it */
    cr_assert_eq(cf_close(push, NULL), CF_RETURNED, "%s", err_text());
    return cf_none();
}

Test(bridge_zmq, full_queue_suspends_only_the_task)
{
    char ep[128];
    endpoint(ep, sizeof ep, "task");
    void *ctx = zmq_ctx_new();
    zq_sock = raw_pull(ctx, ep);
    int one = 1;
    zmq_setsockopt(zq_sock, ZMQ_RCVHWM, &one, sizeof one);
    cf_coro *push;
    cr_assert_eq(cf_bridge_zmq_push(NULL, &push, ep,
                                    &(struct cf_zmq_opts){.hwm = 1,
                                                          .linger_ms = 5000,
                                                          .timeout_ms = 10000}),
                 0);
    zq_read = zq_ticks_during = 0;
    cf_sched *s = bridge_sched();
    cr_assert_gt(
        cf_sched_add(s, new_coro(zq_producer, push, "producer", false)), 0);
    cr_assert_gt(cf_sched_add(s, new_coro(zq_reader, NULL, "reader", false)),
                 0);
    cr_assert_eq(cf_sched_run(s), 0);
    cf_sched_free(s);
    cr_assert_eq(zq_read, ZN + 1);
    cr_assert_gt(zq_ticks_during, 0, "the reader never ran during a send");
    cf_coro_free(push);
    zmq_ctx_term(ctx);
}

/*
 * cf_zmq_opts.batch: frames gathered into messages. In order and none
 * lost, with batches split at max_msg_size (1000 bytes, well under the
 * 4096 asked for), and the puller's count of value frames equal to the
 * sender's.
 */
Test(bridge_zmq, batched_in_order)
{
    sends_in_order("batched", 4096, 1000);
}

/* A frame over max_msg_size is refused with a batch too; the values
   gathered before it still go out, then the close. */
Test(bridge_zmq, batched_oversized_frame_is_not_sent)
{
    oversized_frame_after("batchbig", 4096, 3);
}

/* An error thrown in goes after the batch gathered before it. */
Test(bridge_zmq, batched_error_crosses_after_the_values)
{
    error_crosses_after_ten("batcherr", 1 << 20);
}
