/* SPDX-License-Identifier: MIT */
/*
 * coflow/coop.h - tasks that cooperate: channels and select, wait groups,
 * events, a mutex and a condition for tasks, task groups, and a pool of
 * schedulers, one per core (docs/sched.md, "Cooperation").
 *
 * Conventions. Calls that may wait take `timeout_ms`: negative waits without
 * a limit, 0 never waits (the call returns -EAGAIN when it would have to),
 * positive waits at most that many milliseconds and then returns
 * -ETIMEDOUT. Waiting happens only inside a scheduler task; outside one a
 * call that would have to wait returns -EAGAIN. A task killed while it waits
 * is unwound from the call (its cleanups run) and leaves the object as if it
 * had never waited.
 *
 * Threads. Everything here belongs to one scheduler's thread, except:
 * channels made with CF_CHAN_SHARED (any task of any scheduler of a pool
 * may use them), cf_sched_spawn(), and the pool calls, which say so.
 */
#ifndef COFLOW_COOP_H
#define COFLOW_COOP_H

#include <stddef.h>
#include <stdint.h>

#include "coflow/core.h"
#include "coflow/error.h"
#include "coflow/export.h"
#include "coflow/sched.h"
#include "coflow/value.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- channels ---- */

/* A channel of cf_values. Opaque. */
typedef struct cf_chan cf_chan;

/* cf_chan_new() flag: tasks of several schedulers of a pool may use it
   (each operation takes a spin lock; a wake crosses through the other
   scheduler's inbox). Without it a channel belongs to the first scheduler
   that uses it and other schedulers get -EXDEV. */
#define CF_CHAN_SHARED 0x1u

/*
 * Creates a channel holding up to `cap` values in its buffer (0:
 * unbuffered: a send waits for a receiver, as Go's make(chan T)). Returns
 * 0, -EINVAL for a NULL `out` or unknown flags, -ENOMEM.
 *
 * Values are copied as they are: a string or pointer in one must outlive
 * its stay in the channel. Ownership moves with the value: once a send has
 * returned 0 the channel, then the receiver, holds it; a send that fails
 * leaves it with the sender.
 * Returns -errno: -EINVAL (NULL `out`, unknown flags), -ENOMEM.
 */
CF_API int cf_chan_new(cf_chan **out, size_t cap, unsigned flags);

/*
 * Frees `ch` (NULL is ignored). Tasks still waiting on it are woken with
 * -EPIPE, as by cf_chan_close(); values left in its buffer are dropped.
 * Call it once no task will use the channel again.
 * Fails: never.
 */
CF_API void cf_chan_free(cf_chan *ch);

/*
 * Sends `v`: hands it to a waiting receiver, else puts it in the buffer,
 * else waits (see timeout_ms above). Returns 0, -EPIPE when the channel is
 * closed (before or while waiting: the value stays with the caller),
 * -EAGAIN, -ETIMEDOUT, -EINVAL for a NULL `ch`, -EXDEV for a channel of
 * another scheduler that is not CF_CHAN_SHARED.
 * Returns -errno: -EPIPE (closed), -EAGAIN, -ETIMEDOUT, -EINVAL (NULL `ch`),
 * -EXDEV (another scheduler's channel).
 * Unwinds: GeneratorExit when the calling task is killed while it waits.
 */
CF_API int cf_chan_send(cf_chan *ch, cf_value v, int64_t timeout_ms);

/*
 * Receives a value into `*out` (which may be NULL to drop it): from the
 * buffer, else from a waiting sender, else waits. After a close, the
 * buffer is drained first, then every receive returns -EPIPE with `*out`
 * None. Returns 0, -EPIPE, -EAGAIN, -ETIMEDOUT, -EINVAL, -EXDEV.
 * Returns -errno: -EPIPE (closed and drained), -EAGAIN, -ETIMEDOUT, -EINVAL
 * (NULL `ch`), -EXDEV (another scheduler's channel).
 * Unwinds: GeneratorExit when the calling task is killed while it waits.
 */
CF_API int cf_chan_recv(cf_chan *ch, cf_value *out, int64_t timeout_ms);

/*
 * cf_chan_send(ch, v, 0) and cf_chan_recv(ch, out, 0): never wait.
 * Returns -errno: as cf_chan_send() and cf_chan_recv(): -EPIPE, -EAGAIN,
 * -EINVAL, -EXDEV.
 */
CF_API int cf_chan_trysend(cf_chan *ch, cf_value v);
CF_API int cf_chan_tryrecv(cf_chan *ch, cf_value *out);

/*
 * Closes `ch` (Go's close): waiting receivers and senders are woken with
 * -EPIPE, later sends fail with -EPIPE, receives drain the buffer then
 * return -EPIPE. Returns 0, -EINVAL for NULL, -EALREADY when it was closed
 * already (Go panics there).
 * Returns -errno: -EINVAL (NULL `ch`), -EALREADY (closed already).
 */
CF_API int cf_chan_close(cf_chan *ch);

/*
 * The number of values in the buffer of `ch` (0 for NULL).
 * Fails: never.
 */
CF_API size_t cf_chan_len(cf_chan *ch);

/* What a case of cf_select() does. */
typedef enum cf_sel_op {
    CF_SEL_RECV = 1, /* receive into `v` */
    CF_SEL_SEND      /* send `v` */
} cf_sel_op;

/* One case of cf_select(). A case whose `ch` is NULL is never ready, as
   Go's nil channel. */
typedef struct cf_sel_case {
    cf_chan *ch;  /* in */
    cf_sel_op op; /* in */
    cf_value v;   /* in: SEND; out: RECV, the value (None when closed) */
    int rc;       /* out, for the chosen case: 0 or -EPIPE (closed) */
} cf_sel_case;

/* The most cases cf_select() takes. */
#define CF_SELECT_MAX 64

/*
 * Go's select: completes one of the `n` cases and returns its index. When
 * several are ready one is chosen at random (each as likely); when none is,
 * waits for the first to become ready (see timeout_ms above; 0 is Go's
 * `default:`). A receive on a closed channel, and a send on one, are ready:
 * they complete with rc -EPIPE. Returns the index, -EAGAIN, -ETIMEDOUT,
 * -EINVAL for NULL `cases`, n == 0 or n > CF_SELECT_MAX, a bad `op`, -EXDEV
 * as cf_chan_send().
 * Returns -errno: -EAGAIN, -ETIMEDOUT, -EINVAL (bad cases), -EXDEV (another
 * scheduler's channel), -ENOMEM.
 * Unwinds: GeneratorExit when the calling task is killed while it waits.
 */
CF_API int cf_select(cf_sel_case *cases, size_t n, int64_t timeout_ms);

/* ---- coordination (one scheduler's tasks) ---- */

/* A wait group (Go's sync.WaitGroup). Opaque. */
typedef struct cf_wg cf_wg;

/*
 * Creates a wait group with a count of 0. Returns 0, -EINVAL, -ENOMEM.
 * Returns -errno: -EINVAL (NULL `out`), -ENOMEM.
 */
CF_API int cf_wg_new(cf_wg **out);

/*
 * Frees `wg` (NULL ignored); its waiters are woken with -EPIPE.
 * Fails: never.
 */
CF_API void cf_wg_free(cf_wg *wg);

/*
 * Adds `delta` (may be negative) to the count; when it reaches 0 every
 * waiter is woken. Returns 0, -EINVAL for NULL or a count that would go
 * below 0 (the count is left as it was).
 * Returns -errno: -EINVAL (NULL `wg`, or a count that would go below 0).
 */
CF_API int cf_wg_add(cf_wg *wg, int64_t delta);

/*
 * cf_wg_add(wg, -1).
 * Returns -errno: -EINVAL (NULL `wg`, or a count that would go below 0).
 */
CF_API int cf_wg_done(cf_wg *wg);

/*
 * Waits until the count is 0. Returns 0, -EAGAIN, -ETIMEDOUT, -EINVAL,
 * -EPIPE when the group was freed meanwhile.
 * Returns -errno: -EAGAIN, -ETIMEDOUT, -EINVAL (NULL `wg`), -EPIPE (freed
 * meanwhile).
 * Unwinds: GeneratorExit when the calling task is killed while it waits.
 */
CF_API int cf_wg_wait(cf_wg *wg, int64_t timeout_ms);

/* An event: a flag tasks can wait to be set. Opaque. */
typedef struct cf_event cf_event;

/*
 * Creates an event, clear. Returns 0, -EINVAL, -ENOMEM.
 * Returns -errno: -EINVAL (NULL `out`), -ENOMEM.
 */
CF_API int cf_event_new(cf_event **out);

/*
 * Frees `ev` (NULL ignored); its waiters are woken with -EPIPE.
 * Fails: never.
 */
CF_API void cf_event_free(cf_event *ev);

/*
 * Sets the event and wakes every waiter. Returns 0 or -EINVAL.
 * Returns -errno: -EINVAL (NULL `ev`).
 */
CF_API int cf_event_set(cf_event *ev);

/*
 * Clears the event. Returns 0 or -EINVAL.
 * Returns -errno: -EINVAL (NULL `ev`).
 */
CF_API int cf_event_clear(cf_event *ev);

/*
 * 1 when `ev` is set, 0 when clear, -EINVAL for NULL.
 * Returns -errno: -EINVAL (NULL `ev`).
 */
CF_API int cf_event_is_set(cf_event *ev);

/*
 * Returns 0 at once when set, else waits until it is: 0, -EAGAIN,
 * -ETIMEDOUT, -EINVAL, -EPIPE when the event was freed meanwhile.
 * Returns -errno: -EAGAIN, -ETIMEDOUT, -EINVAL (NULL `ev`), -EPIPE (freed
 * meanwhile).
 * Unwinds: GeneratorExit when the calling task is killed while it waits.
 */
CF_API int cf_event_wait(cf_event *ev, int64_t timeout_ms);

/* A mutex held by a task (not a thread). Opaque. */
typedef struct cf_mutex cf_mutex;

/*
 * Creates a mutex, unlocked. Returns 0, -EINVAL, -ENOMEM.
 * Returns -errno: -EINVAL (NULL `out`), -ENOMEM.
 */
CF_API int cf_mutex_new(cf_mutex **out);

/*
 * Frees `m` (NULL ignored); its waiters are woken with -EPIPE.
 * Fails: never.
 */
CF_API void cf_mutex_free(cf_mutex *m);

/*
 * Locks `m` for the calling task, waiting while another task holds it;
 * waiters get it in the order they came. Returns 0, -EAGAIN, -ETIMEDOUT,
 * -EDEADLK when the caller holds it already, -EINVAL for NULL, -EPERM
 * outside a task, -EPIPE when `m` was freed meanwhile.
 * Returns -errno: -EAGAIN, -ETIMEDOUT, -EDEADLK (the caller holds it), -EINVAL
 * (NULL `m`), -EPERM (outside a task), -EPIPE (freed meanwhile).
 * Unwinds: GeneratorExit when the calling task is killed while it waits.
 */
CF_API int cf_mutex_lock(cf_mutex *m, int64_t timeout_ms);

/*
 * cf_mutex_lock(m, 0).
 * Returns -errno: -EAGAIN (another task holds it), -EDEADLK (the caller holds
 * it), -EINVAL (NULL `m`), -EPERM (outside a task).
 */
CF_API int cf_mutex_trylock(cf_mutex *m);

/*
 * Unlocks `m`, handing it to the first waiter. Returns 0, -EINVAL, -EPERM
 * when the caller does not hold it.
 * Returns -errno: -EINVAL (NULL `m`), -EPERM (the caller does not hold it).
 */
CF_API int cf_mutex_unlock(cf_mutex *m);

/* A condition variable for tasks. Opaque. */
typedef struct cf_cond cf_cond;

/*
 * Creates a condition. Returns 0, -EINVAL, -ENOMEM.
 * Returns -errno: -EINVAL (NULL `out`), -ENOMEM.
 */
CF_API int cf_cond_new(cf_cond **out);

/*
 * Frees `c` (NULL ignored); its waiters are woken with -EPIPE.
 * Fails: never.
 */
CF_API void cf_cond_free(cf_cond *c);

/*
 * Unlocks `m` (which the caller must hold), waits for a signal, then locks
 * `m` again - also when it returns an error other than -EPERM/-EINVAL, so
 * the caller holds `m` whenever it returns. Returns 0, -ETIMEDOUT (no
 * signal in time), -EINVAL, -EPERM (the caller does not hold `m`), -EPIPE.
 * As with pthreads, check the predicate in a loop.
 * Returns -errno: -ETIMEDOUT, -EINVAL (NULL argument), -EPERM (the caller does
 * not hold `m`), -EPIPE (freed meanwhile).
 * Unwinds: GeneratorExit when the calling task is killed while it waits.
 */
CF_API int cf_cond_wait(cf_cond *c, cf_mutex *m, int64_t timeout_ms);

/*
 * Wakes the first waiter / every waiter. Return 0 or -EINVAL.
 * Returns -errno: -EINVAL (NULL `c`).
 */
CF_API int cf_cond_signal(cf_cond *c);
CF_API int cf_cond_broadcast(cf_cond *c);

/* ---- task groups (structured concurrency) ---- */

/* A group of tasks of one scheduler. Opaque. */
typedef struct cf_group cf_group;

/*
 * Creates an empty group. Returns 0, -EINVAL, -ENOMEM.
 * Returns -errno: -EINVAL (NULL `out`), -ENOMEM.
 */
CF_API int cf_group_new(cf_group **out);

/*
 * Frees `g` (NULL ignored). Members still running leave the group and go
 * on as ordinary tasks; a member's error that no cf_group_wait() took is
 * reported now (on stderr), never dropped.
 * Fails: never.
 */
CF_API void cf_group_free(cf_group *g);

/*
 * Inside a task: makes `co` a new task of the caller's scheduler and a
 * member of `g` (as cf_task_spawn()). Returns its id, -EINVAL for a NULL
 * `g` or a NULL or CLOSED `co`, -ENOMEM, -EPERM outside a task. `co` is
 * taken over in every case.
 * Returns -errno: -EINVAL (NULL `g`, NULL or CLOSED `co`), -EPERM (outside a
 * task), -EXDEV (a group of another scheduler), -ENOMEM.
 */
CF_API int64_t cf_group_spawn(cf_group *g, cf_coro *co);

/*
 * The number of members still running (0 for NULL).
 * Fails: never.
 */
CF_API size_t cf_group_size(cf_group *g);

/*
 * Waits until every member has ended. When a member ended with an error
 * (the first one, in time), raises it - once: the error is taken; the errors
 * of later failures are reported as the scheduler reports errors nobody
 * waited for (on_error, counted by cf_sched_run()). A killed member is no
 * failure. Returns 0, -EAGAIN, -ETIMEDOUT, -EINVAL.
 * Returns -errno: -EAGAIN, -ETIMEDOUT, -EINVAL (NULL `g`).
 * Unwinds: the first error a member ended with; GeneratorExit when the calling
 * task is killed while it waits.
 */
CF_API int cf_group_wait(cf_group *g, int64_t timeout_ms);

/*
 * Inside a task: kills every member (cf_task_kill(): each is closed now,
 * its cleanups run, also when it waits on an fd, a timer or a channel).
 * Killing the caller's own group kills the caller last. Returns the number
 * killed, -EINVAL, or -EPERM outside a task.
 * Returns -errno: -EINVAL (NULL `g`), -EPERM (outside a task), -ENOMEM.
 * Unwinds: GeneratorExit when the caller is a member.
 */
CF_API int cf_group_kill(cf_group *g);

/*
 * Cancels every member of `g` with cf_task_cancel() and the same
 * `grace_ms`: each gets CancelledError at its wait point, may clean up
 * (write, sleep, ...) within the grace, and is then closed hard. A member
 * that ends with CancelledError is no failure of the group. The caller,
 * when a member, gets it at its next checkpoint. Call it on the group's
 * scheduler's thread; it never waits. Returns the number of members
 * cancelled now (not counting those cancelled before).
 * Returns -errno: -EINVAL (a NULL `g`).
 */
CF_API int cf_group_cancel(cf_group *g, int64_t grace_ms);

/* ---- one scheduler per core ---- */

/* A pool of schedulers, each run on its own thread. Opaque. */
typedef struct cf_sched_pool cf_sched_pool;

/*
 * Creates `n` schedulers (0: one per online CPU), each with `opts` (may be
 * NULL; see cf_sched_new()). Returns 0, -EINVAL, -ENOMEM, or a scheduler's
 * error.
 * Returns -errno: -EINVAL (NULL `out`, bad options), -ENOMEM, or a scheduler's
 * error (as cf_sched_new()).
 */
CF_API int cf_sched_pool_new(cf_sched_pool **out, int n,
                             const struct cf_sched_opts *opts);

/*
 * Frees `p` and its schedulers (NULL ignored); not while it runs.
 * Fails: never.
 */
CF_API void cf_sched_pool_free(cf_sched_pool *p);

/*
 * The number of schedulers of `p`.
 * Fails: never.
 */
CF_API int cf_sched_pool_size(const cf_sched_pool *p);

/*
 * Scheduler `i` of `p` (0 <= i < size), else NULL.
 * Fails: returns NULL for an index out of range.
 */
CF_API cf_sched *cf_sched_pool_get(cf_sched_pool *p, int i);

/*
 * Runs every scheduler of `p`, scheduler 0 on the calling thread and each
 * other on a thread of its own, until no task is left in any of them (a
 * scheduler with no task waits for work from the others). Returns 0, the
 * total of errors nobody waited for (see cf_sched_run()), -EBUSY when it
 * runs already, -EAGAIN when a thread cannot start, -ENOMEM when a
 * scheduler ran out of memory, a cf_sched_spawn() it could not add
 * included.
 * Returns -errno: -EINVAL (NULL `p`), -EBUSY (it runs already), -EAGAIN (a
 * thread cannot start), -ENOMEM.
 */
CF_API int cf_sched_pool_run(cf_sched_pool *p);

/*
 * Starts `co` as a new task of `s`, from any thread (the way to start a
 * task on another scheduler of a pool, or to hand it a connection). The
 * task is added by `s`'s own thread at its next turn. Returns 0, -EINVAL
 * for NULL or CLOSED `co`, -ENOMEM; `co` is taken over in every case. A
 * start that returned 0 and that `s` then cannot add (out of memory) frees
 * `co`, and cf_sched_pool_run() returns -ENOMEM. On a scheduler outside a
 * pool it is cf_sched_add() and must be called on the scheduler's thread.
 * Such a task's tid is known to nobody, so while it uses only shared
 * channels, cf_task_yield() and cf_task_sleep() it may move to another
 * scheduler of the pool: to that of a task that wakes it from another
 * thread, when it is its own scheduler's only task (Go's hand-off;
 * docs/sched.md, "One scheduler per core"). An fd wait, a socket call, a
 * task id, a spawn, a kill or wait, a sync object, a group, or
 * cf_sched_self() ties it to the scheduler it is on; so does that scheduler
 * owning a channel that is not shared. A moved task runs on another thread
 * after the channel call returns: a body that keeps something of its thread
 * across such a call (compilers may keep errno's address, pthread_self()'s
 * value or a thread-local's address, which they take to be constant within
 * a function) must tie itself first, with cf_sched_self().
 * Returns -errno: -EINVAL (NULL `s`, NULL or CLOSED `co`), -ENOMEM.
 */
CF_API int cf_sched_spawn(cf_sched *s, cf_coro *co);

/*
 * The scheduler running the calling task, else NULL. The task stays on it
 * from then on (see cf_sched_spawn()).
 * Fails: never.
 */
CF_API cf_sched *cf_sched_self(void);

#ifdef __cplusplus
}
#endif

#endif
