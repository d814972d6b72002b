/* SPDX-License-Identifier: MIT */
/*
 * sched/internal.h - what the files of sched/ share: the task and
 * scheduler structures, the ready queue, the task map and the timer heap.
 * sched.c runs the main loop, task.c spawns, kills, waits and reaps,
 * trap.c handles traps and holds the task calls, timer.c the heap, io.c the
 * fd table, sock.c the socket helpers; poll_*.c are the pollers.
 */
#ifndef CF_SCHED_INTERNAL_H
#define CF_SCHED_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coflow/core.h"
#include "coflow/sched.h"
#include "coflow/coop.h"
#include "coflow/net.h"
#include "coflow/trace.h"
#include "poller.h"
#include "../common.h"
#include "../core/layer.h"

/* Internal trap kinds: the socket helpers' waits, fd already known valid. */
#define CF__TRAP_READ_OK    100
#define CF__TRAP_WRITE_OK   101
#define CF__TRAP_RING_READ  102 /* the poller reads into the task's io_buf */
#define CF__TRAP_RING_WRITE 103 /* the poller writes the task's io_buf */

/* Where a task is. */
enum cf__where {
    CF__READY = 0,    /* in the ready queue, or running */
    CF__PARKED_WAIT,  /* waiting for another task to end */
    CF__PARKED_IO,    /* waiting for an fd (maybe with a timer) */
    CF__PARKED_SLEEP, /* on the timer heap only */
    CF__PARKED_OBJ    /* on a cf__wait: channels, select, sync, groups */
};

typedef struct cf__wait cf__wait;
struct cf_group;
struct cf__pool;

typedef struct cf__task cf__task;
typedef struct cf__wnode cf__wnode;
struct cf__wnode {
    cf__wnode *prev, *next;
    struct cf__wq *q; /* the queue it is on, NULL when off */
    cf__wait *w;
    int idx;      /* the case index cf__wait_claim() records */
    cf_value val; /* a send's value, or the value received */
};
struct cf__wq {
    cf__wnode *head, *tail;
};
struct cf__wait {
    cf__task *task;
    cf_sched *sched;
    _Atomic int fired; /* CF__W_*, or the index of the case that completed */
    int rc;            /* that case's result */
    bool shared;       /* claims are CASes */
    void (*unlink)(cf__wait *w); /* takes its nodes off their queues */
    void *arg;                   /* for `unlink` */
    void *gone; /* a channel freed under it: `unlink` must not lock it */
};

struct cf__task {
    int64_t tid;
    cf_coro *co;      /* NULL for the iotask */
    cf_value sendval; /* pyos's sendval: never reset (item 69) */
    enum cf__where where;
    bool queued;        /* in the ready queue */
    bool traced;        /* a "ready" or wait slice is open on its track */
    bool killed;        /* closed by a kill: reaped when next popped */
    cf_trap *trap;      /* the trap it is parked in, else NULL */
    cf_error *error;    /* the error it ended or was killed with */
    cf_error *throw_in; /* thrown in at its next run instead of a send */
    /* CF__PARKED_IO */
    int io_fd;
    int io_dir;        /* 0 read, 1 write */
    bool io_ring;      /* its read or write is done by the poller (io_buf) */
    bool mobile;       /* migration, below: in the first 128 bytes, */
    bool cancelled;    /* cf_task_cancel(), below: read at every wait */
    cf__task *io_next; /* the next task waiting on io_fd in io_dir */
    void *io_buf;      /* CF__TRAP_RING_*: what the poller reads or writes */
    unsigned io_len;
    /* the timer heap: deadline in ns, index, or SIZE_MAX when not on it */
    int64_t deadline;
    uint64_t seq;
    size_t heap_idx;
    /* CF__PARKED_WAIT: the task waited for and the next of its waiters */
    cf__task *waiting_on;
    cf__task *next_waiter;
    cf__task *waiters_head, *waiters_tail;
    /* CF__PARKED_OBJ: what it waits on (chan.c) */
    cf__wait *wait;
    /* chan.c's plain receive (recv_park()): its wait and node, kept here
       and set up at its first use, so that a park only resets them */
    cf__wait rwait;
    cf__wnode rnode;
    /* cf_group membership (group.c) */
    struct cf_group *group;
    cf__task *gprev, *gnext;
    /* a remote wake in flight (multi.c): the struct outlives the task */
    _Atomic(cf__task *) inbox_next;
    bool inbox_pending; /* a remote wake will still arrive */
    bool dead;          /* exited while inbox_pending: freed when drained */
    /* migration (multi.c): `mobile` while it holds nothing of its
       scheduler's (started by cf_sched_spawn(), cleared by cf__bind());
       `waker` the scheduler whose task woke it from another thread, or
       the one it leaves while `moving` to another scheduler's inbox */
    bool moving;
    cf_sched *waker;
    /* cf_task_cancel() (task.c): its checkpoints raise CancelledError; at
       `grace_ns` (INT64_MAX: never) it is closed hard; on s->cancelling */
    bool grace_over; /* being closed hard: every checkpoint raises */
    int64_t grace_ns;
    cf__task *cprev, *cnext;
};
/* What a wake and a run of a task touch stays in its first two cache
   lines (cf__task_add() allocates it on a line). */
_Static_assert(offsetof(cf__task, heap_idx) + sizeof(size_t) <= 128
                   && offsetof(cf__task, cancelled) < 128,
               "cf__task: the hot fields left its first 128 bytes");

struct cf_sched {
    /* the ready queue: a ring of task pointers */
    cf__task **ring;
    size_t ring_cap, ring_head, ring_len;
    /* tid -> task, open addressing with linear probing */
    cf__task **map;
    size_t map_cap, map_len;
    /* the timer heap */
    cf__task **heap;
    size_t heap_len, heap_cap;
    uint64_t timer_seq;
    /* fds */
    struct cf__fdslot *fds;
    int nfds;
    size_t nwatch; /* tasks parked on fds */
    struct cf__poller poller;
    struct cf__pevent *events;
    int nevents;
    /* the iotask (pyos7), a marker in the ready queue */
    cf__task iotask;
    bool iotask_alive;
    bool running;
    bool trace_on; /* a trace was being written when cf_sched_run() began */
    int64_t next_tid;
    size_t nlive; /* user tasks in the map */
    int unwaited; /* failed tasks nobody waited for, this run */
    cf__task *current;
    /* runnext (Go's): a task woken by the running task through a channel
       or sync object, run as soon as that one parks, ahead of the ready
       queue and without a turn of the iotask. `streak` counts the tasks
       run that way in a row: at CF__RUNNEXT_MAX the next one goes to the
       back of the ready queue instead, so two tasks that hand off to each
       other forever still let the queue and the poller have their turn. */
    cf__task *runnext;
    unsigned streak;
    struct cf_sched_opts opts;
    /* multi.c: the pool it belongs to, its inbox (an MPSC queue of tasks
       woken or spawned by other threads) and the wakeup task parked on
       its eventfd; NULL/unused for a scheduler outside a pool */
    struct cf__pool *pool;
    struct cf__inbox *inbox;
    size_t nlocal;        /* channels that are not shared it owns (chan.c) */
    cf__task *cancelling; /* cancelled tasks still alive (task.c) */
};

/* The scheduler running on this thread, while cf_sched_run() runs. */
extern __thread __attribute__((tls_model("initial-exec")))
cf_sched *cf__sched_tls;

/* sched.c */
#define CF__RUNNEXT_MAX 64
int cf__ready_push(cf_sched *s, cf__task *t);
void cf__trace_slow(cf_sched *s, cf_sched_event ev, int64_t tid, int fd);
/* An event for the trace hook and the trace file: a test and nothing else
   while neither is on (the echo loop passes here three times a message). */
static inline void cf__trace(cf_sched *s, cf_sched_event ev, int64_t tid,
                             int fd)
{
    if (CF__UNLIKELY(s->opts.trace != NULL || s->trace_on))
        cf__trace_slow(s, ev, tid, fd);
}
int64_t cf__now_ns(void);
/* The trace (coflow/trace.h): slices on a task's track, while trace_on. */
void cf__trace_task_begin(cf__task *t, const char *name, const char *detail);
void cf__trace_task_end(cf__task *t);

/* `t`, parked on a channel or sync object, was woken by the task running
   on `s`: it takes the runnext slot, or queues when that is taken. */
static inline void cf__ready_next(cf_sched *s, cf__task *t)
{
    t->where = CF__READY;
    if (s->runnext == NULL && !t->queued) {
        s->runnext = t;
        t->queued = true;
    } else {
        cf__ready_push(s, t);
    }
    if (CF__UNLIKELY(s->trace_on)) {
        cf__trace_task_end(t);
        cf__trace_task_begin(t, "ready", NULL);
    }
}

/* The running task uses something of its scheduler's own (an fd, a task
   id, a sync object, a group, the scheduler itself): it stays on this
   scheduler from now on (multi.c's migration). */
static inline void cf__bind(void)
{
    cf_sched *s = cf__sched_tls;
    if (s != NULL && s->current != NULL)
        s->current->mobile = false;
}

/* task.c */
cf__task *cf__task_find(cf_sched *s, int64_t tid);
int64_t cf__task_add(cf_sched *s, cf_coro *co);
void cf__task_exit(cf_sched *s, cf__task *t, cf_value result, cf_error *err);
void cf__task_kill(cf_sched *s, cf__task *t);
void cf__task_unpark(cf_sched *s, cf__task *t);
void cf__task_free_all(cf_sched *s);
void cf__task_wake(cf_sched *s, cf__task *t, int rc);
/* Migration (multi.c): `t` leaves `s` (off its map and live count), or
   joins it (false: no room in its map). */
void cf__task_release(cf_sched *s, cf__task *t);
bool cf__task_adopt(cf_sched *s, cf__task *t);
/* Cancellation: cf__task_cancel() marks `t` and delivers CancelledError at
   its wait point; cf__cancel_check() is the task's side at a checkpoint
   (raises unless a CancelledError is being handled); cf__grace_next() the
   earliest grace deadline (-1: none); cf__grace_expire() closes hard the
   tasks whose grace is over. */
int cf__task_cancel(cf_sched *s, cf__task *t, int64_t grace_ms);
__attribute__((cold)) void cf__cancel_check(cf__task *t);
__attribute__((cold)) void cf__cancel_wait(cf__wait *w);
int64_t cf__grace_next(cf_sched *s);
void cf__grace_expire(cf_sched *s, int64_t now);

/* A checkpoint of the running task (a wait, a yield, a sleep): raises
   CancelledError once the task is cancelled (level-triggered). */
static inline void cf__checkpoint(void)
{
    cf_sched *s = cf__sched_tls;
    if (s != NULL && s->current != NULL && CF__UNLIKELY(s->current->cancelled))
        cf__cancel_check(s->current);
}

/* trap.c */
void cf__trap_handle(cf_sched *s, cf__task *t, cf_trap *trap);

/*
 * Parking on objects (chan.c): a task that waits on channels or sync
 * objects fills a cf__wait on its stack, links one cf__wnode per thing it
 * waits on into that thing's queue, and parks. Whoever completes it first
 * claims the wait (cf__wait_claim(): a CAS when a shared channel is
 * involved, so a timeout, a kill and wakers on other threads agree on one
 * winner), writes the result into the node and wakes the task. The waiter,
 * back from cf__wait_park(), takes its other nodes off their queues.
 */
#define CF__W_WAITING (-1)
#define CF__W_TIMEOUT (-2)
#define CF__W_CANCEL  (-3)

void cf__wq_push(struct cf__wq *q, cf__wnode *n);
cf__wnode *cf__wq_pop(struct cf__wq *q);
void cf__wq_remove(cf__wnode *n);
bool cf__wait_claim(cf__wait *w, int idx);
void cf__wait_wake(cf__wait *w, int rc);
int cf__wait_park(cf__wait *w, int64_t timeout_ms);
bool cf__in_task(void);
void cf__wait_init(cf__wait *w, void (*unlink)(cf__wait *), void *arg);
/* Wakes every node of `q` that can be claimed with `rc`; local queues. */
void cf__wq_wake_all(struct cf__wq *q, int rc);

/* chan.c: the scheduler's side */
void cf__wait_timeout(cf_sched *s, cf__task *t);
void cf__wait_cancel(cf_sched *s, cf__task *t);

/* group.c: a member ended; returns true when the group took `err` */
bool cf__group_exit(cf_sched *s, cf__task *t, cf_error *err);

/* multi.c */
void cf__pool_wake(cf_sched *s, cf__task *t);
bool cf__pool_hold(cf_sched *s);
void cf__pool_live(cf_sched *s, int delta);
bool cf__pool_marker(cf_sched *s, cf__task *t);
void cf__pool_turn(cf_sched *s);
int cf__pool_idle(cf_sched *s, int timeout);
void cf__pool_awake(cf_sched *s);
size_t cf__pool_watch(cf_sched *s);
int64_t cf__pool_tid(cf_sched *s);

/* timer.c */
int cf__timer_add(cf_sched *s, cf__task *t, int64_t deadline_ns);
void cf__timer_remove(cf_sched *s, cf__task *t);
void cf__timer_expire(cf_sched *s, int64_t now);
int64_t cf__timer_next(const cf_sched *s);

/* io.c */
struct cf__fdslot *cf__fd_grow(cf_sched *s, int fd);
/* `fd`'s slot, the table grown if needed (NULL: out of memory). */
static inline struct cf__fdslot *cf__fd_slot(cf_sched *s, int fd)
{
    if (CF__LIKELY(fd < s->nfds))
        return &s->fds[fd];
    return cf__fd_grow(s, fd);
}
int cf__io_wait(cf_sched *s, cf__task *t, int fd, int dir, int64_t timeout_ms,
                bool check);
int cf__io_ring(cf_sched *s, cf__task *t, int fd, int dir);
void cf__io_cancel(cf_sched *s, cf__task *t);
int cf__io_poll(cf_sched *s, int timeout_ms);
void cf__io_forget(cf_sched *s, int fd);
int cf__poller_open(cf_sched *s, const char *name);

#endif
