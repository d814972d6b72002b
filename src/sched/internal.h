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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coflow.h"
#include "coflow/sched.h"
#include "poller.h"

#define CF__LIKELY(x)   __builtin_expect(!!(x), 1)
#define CF__UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Internal trap kinds: the socket helpers' waits, fd already known valid. */
#define CF__TRAP_READ_OK   100
#define CF__TRAP_WRITE_OK  101
#define CF__TRAP_RING_READ 102 /* the poller reads into the task's io_buf */

/* Where a task is. */
enum cf__where {
    CF__READY = 0,   /* in the ready queue, or running */
    CF__PARKED_WAIT, /* waiting for another task to end */
    CF__PARKED_IO,   /* waiting for an fd (maybe with a timer) */
    CF__PARKED_SLEEP /* on the timer heap only */
};

typedef struct cf__task cf__task;
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
    int io_dir;   /* 0 read, 1 write */
    void *io_buf; /* CF__TRAP_RING_READ: where the poller reads to */
    unsigned io_len;
    /* the timer heap: deadline in ns, index, or SIZE_MAX when not on it */
    int64_t deadline;
    uint64_t seq;
    size_t heap_idx;
    /* CF__PARKED_WAIT: the task waited for and the next of its waiters */
    cf__task *waiting_on;
    cf__task *next_waiter;
    cf__task *waiters_head, *waiters_tail;
};

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
    struct cf_sched_opts opts;
};

/* The scheduler running on this thread, while cf_sched_run() runs. */
extern _Thread_local cf_sched *cf__sched_tls;

/* sched.c */
int cf__ready_push(cf_sched *s, cf__task *t);
void cf__trace(cf_sched *s, cf_sched_event ev, int64_t tid, int fd);
int64_t cf__now_ns(void);
/* The trace (coflow/trace.h): slices on a task's track, while trace_on. */
void cf__trace_task_begin(cf__task *t, const char *name, const char *detail);
void cf__trace_task_end(cf__task *t);

/* task.c */
cf__task *cf__task_find(cf_sched *s, int64_t tid);
int64_t cf__task_add(cf_sched *s, cf_coro *co);
void cf__task_exit(cf_sched *s, cf__task *t, cf_value result, cf_error *err);
void cf__task_kill(cf_sched *s, cf__task *t);
void cf__task_unpark(cf_sched *s, cf__task *t);
void cf__task_free_all(cf_sched *s);
void cf__task_wake(cf_sched *s, cf__task *t, int rc);

/* trap.c */
void cf__trap_handle(cf_sched *s, cf__task *t, cf_trap *trap);

/* timer.c */
int cf__timer_add(cf_sched *s, cf__task *t, int64_t deadline_ns);
void cf__timer_remove(cf_sched *s, cf__task *t);
void cf__timer_expire(cf_sched *s, int64_t now);
int64_t cf__timer_next(const cf_sched *s);

/* io.c */
struct cf__fdslot *cf__fd_slot(cf_sched *s, int fd);
int cf__io_wait(cf_sched *s, cf__task *t, int fd, int dir, int64_t timeout_ms,
                bool check);
int cf__io_read(cf_sched *s, cf__task *t, int fd);
void cf__io_cancel(cf_sched *s, cf__task *t);
int cf__io_poll(cf_sched *s, int timeout_ms);
void cf__io_forget(cf_sched *s, int fd);
int cf__poller_open(cf_sched *s, const char *name);

#endif
