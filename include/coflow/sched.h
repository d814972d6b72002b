/* SPDX-License-Identifier: MIT */
/*
 * coflow/sched.h - cooperative multitasking: Beazley's "pyos" made real.
 *
 * A scheduler runs tasks; each task is a coroutine. A task talks to the
 * scheduler by yielding a *trap* - a CF_PTR value tagged CF_TRAP_TAG that
 * points at a struct cf_trap - and the scheduler answers by sending the
 * task's `sendval` back in, as pyos's Task.run() does (SEMANTICS items
 * 69-75). Any other yielded value just gives up the processor. The
 * convenience calls below (cf_task_sleep(), cf_sock_read(), ...) build the
 * trap and yield it; since body coroutines are stackful, they may be called
 * from any function a task calls, and from a coroutine the task delegates to
 * with cf_yield_from().
 *
 * I/O goes through a poller chosen at run time: io_uring when the kernel
 * allows it, else epoll (COFLOW_POLLER=epoll|uring overrides the choice).
 *
 * Threads: a scheduler and its tasks belong to the thread that runs
 * cf_sched_run(); one scheduler per thread.
 */
#ifndef COFLOW_SCHED_H
#define COFLOW_SCHED_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "coflow/core.h"
#include "coflow/error.h"
#include "coflow/export.h"
#include "coflow/value.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A scheduler. Opaque. */
typedef struct cf_sched cf_sched;

/* The tag of a trap value: cf_ptr(&trap, CF_TRAP_TAG). */
#define CF_TRAP_TAG 0xC5C5u

/* What a trap asks for (Beazley's SystemCall subclasses). */
typedef enum cf_trap_kind {
    CF_TRAP_GETTID = 1, /* GetTid: sendval = my tid */
    CF_TRAP_SPAWN,      /* NewTask(co): sendval = the new tid */
    CF_TRAP_KILL,       /* KillTask(tid): close it now; sendval = True/False */
    CF_TRAP_WAIT,       /* WaitTask(tid): park until it ends; True/False */
    CF_TRAP_YIELD,      /* give up the processor; sendval unchanged */
    CF_TRAP_SLEEP,      /* park for `ms` milliseconds; sendval unchanged */
    CF_TRAP_READ,       /* ReadWait(fd): park until readable; unchanged */
    CF_TRAP_WRITE       /* WriteWait(fd): park until writable; unchanged */
} cf_trap_kind;

/*
 * A trap. The task fills the "in" fields, yields cf_ptr(&trap, CF_TRAP_TAG)
 * and keeps the struct alive until the yield returns; the scheduler reads it
 * when the task yields and writes the "out" fields before resuming it.
 */
typedef struct cf_trap {
    cf_trap_kind kind; /* in */
    int fd;            /* in: READ, WRITE */
    int64_t tid;       /* in: KILL, WAIT */
    int64_t ms;        /* in: SLEEP; READ/WRITE timeout (negative: none) */
    cf_coro *co;       /* in: SPAWN, the coroutine to run (taken over) */
    int rc;            /* out: 0 or -errno (see cf_sched_new(3)) */
    int64_t id;        /* out: GETTID, SPAWN: the tid */
    cf_value result;   /* out: WAIT: the return value of the task */
} cf_trap;

/*
 * Makes the trap call `trap` (pyos's `yield SystemCall()`): yields it to
 * the scheduler, which fills its "out" fields, and returns the value the
 * scheduler sends back (the task's sendval). Raises TypeError for a NULL
 * trap and RuntimeError outside a scheduler task; the trap's own outcome is
 * in its "out" fields (`rc`, `id`, `result`), as the scheduler set them.
 *
 *     cf_trap t = {.kind = CF_TRAP_GETTID};
 *     cf_trap_call(&t);   // t.id is the caller's tid
 *
 * Unwinds: TypeError (NULL `trap`), RuntimeError (outside a scheduler task);
 * GeneratorExit when the task is killed.
 */
CF_API cf_value cf_trap_call(cf_trap *trap);

/* What a trace hook is told (for ports of Beazley's printing schedulers). */
typedef enum cf_sched_event {
    CF_SCHED_EXIT = 0,   /* task `tid` terminated */
    CF_SCHED_WAIT_READ,  /* task `tid` waits to read `fd` */
    CF_SCHED_WAIT_WRITE, /* task `tid` waits to write `fd` */
    CF_SCHED_CAN_READ,   /* the poller found `fd` readable for task `tid` */
    CF_SCHED_CAN_WRITE   /* the poller found `fd` writable for task `tid` */
} cf_sched_event;

/*
 * pyos7's iotask: polling is a task with a tid of its own, created when
 * cf_sched_run() starts, traced, and ended when it is the only task left.
 * Without it the poller still runs once per round of the ready queue, but
 * takes no tid and is not traced.
 */
#define CF_SCHED_PYOS_IOTASK 0x1u

/* Options for cf_sched_new(). NULL, or a zero field, means the default. */
struct cf_sched_opts {
    const char *poller; /* "epoll", "uring", or NULL: $COFLOW_POLLER, else
                           io_uring when the kernel allows it, else epoll */
    unsigned flags;     /* CF_SCHED_* flags */
    /* Called for each cf_sched_event; may print, must not trap. */
    void (*trace)(void *arg, cf_sched_event ev, int64_t tid, int fd);
    /* Called for a task that ended with an error nobody waited for; NULL
       prints "coflow: task N (name) failed: ..." and the error to stderr. */
    void (*on_error)(void *arg, int64_t tid, const char *name,
                     const cf_error *e);
    void *arg; /* for `trace` and `on_error` */
};

/* Raised by the task calls: an unknown task id, waiting on oneself. */
CF_API extern const cf_error_type cf_task_error; /* TaskError: Exception */
/* Raised in a task cancelled with cf_task_cancel(), and by cf_task_wait()
   when the task it waits for was killed or cancelled. */
CF_API extern const cf_error_type
    cf_task_cancelled; /* CancelledError: BaseException */

/*
 * Creates a scheduler with no tasks and stores it in `*out`. Returns 0,
 * -EINVAL for a NULL `out`, unknown flags or an unknown poller name,
 * -ENOMEM, or the error of the poller that was asked for by name and cannot
 * start (io_uring forbidden by seccomp or kernel.io_uring_disabled gives
 * -EPERM or -ENOSYS; with no name the scheduler falls back to epoll).
 * Returns -errno: -EINVAL (bad arguments or options), -ENOMEM, -EPERM or
 * -ENOSYS (the poller asked for by name cannot start).
 */
CF_API int cf_sched_new(cf_sched **out, const struct cf_sched_opts *opts);

/*
 * Frees `s` (NULL is ignored): the tasks still there are closed (their
 * cleanups run) and freed, the fds they waited on are forgotten (not
 * closed). Must not be called from a task of `s`.
 * Fails: never.
 */
CF_API void cf_sched_free(cf_sched *s);

/*
 * Makes `co` (a body or handler coroutine, CREATED or SUSPENDED) a new task
 * of `s`, at the back of the ready queue, and takes it over: the scheduler
 * frees it when the task ends. Returns the task id (1, 2, 3, ... in
 * creation order, never reused), -EINVAL for a NULL `s` or a NULL or CLOSED
 * `co`, or -ENOMEM. `co` is taken over whatever the outcome: on a failure
 * it is freed (the rule of every call that takes an object over).
 * Returns -errno: -EINVAL (NULL `s`, NULL or CLOSED `co`), -ENOMEM.
 */
CF_API int64_t cf_sched_add(cf_sched *s, cf_coro *co);

/*
 * Runs the tasks of `s` until none is left (pyos's mainloop). Returns 0, the
 * number of tasks (> 0) that ended with an error nobody waited for (each
 * was reported by `on_error`), -EBUSY when `s` is already running, or
 * -EDEADLK when every task left is parked waiting for another task, with no
 * timer and no I/O that could wake one (pyos blocks forever there); those
 * tasks are left for cf_sched_free() or another run.
 * Returns -errno: -EINVAL (NULL `s`), -EBUSY (`s` is running), -EDEADLK (every
 * task left waits for another), -ENOMEM.
 */
CF_API int cf_sched_run(cf_sched *s);

/*
 * "epoll" or "io_uring": the poller `s` uses.
 * Fails: never.
 */
CF_API const char *cf_sched_poller(const cf_sched *s);

/*
 * Inside a task. Each yields a trap to the scheduler; called in a coroutine
 * that no scheduler runs, they raise RuntimeError.
 */

/*
 * The id of the calling task (GetTid).
 * Unwinds: RuntimeError (outside a scheduler task); GeneratorExit when the task
 * is killed.
 */
CF_API int64_t cf_task_id(void);

/*
 * Makes `co` a new task, appended to the ready queue before the caller
 * (NewTask), and takes it over, whatever the outcome (freed on failure).
 * Returns its id; raises MemoryError, or TaskError for a NULL or CLOSED
 * `co`.
 * Unwinds: MemoryError, TaskError (NULL or CLOSED `co`), RuntimeError (outside
 * a scheduler task); GeneratorExit when the task is killed.
 */
CF_API int64_t cf_task_spawn(cf_coro *co);

/*
 * Kills task `tid` (KillTask): its coroutine is closed now, inside this
 * call, so its cleanups run; it is reaped ("terminated") when the scheduler
 * next reaches it, even if it was parked. Killing oneself unwinds the
 * caller. Raises TaskError("no task with id N") for an unknown id.
 * Unwinds: TaskError (no task with id `tid`), RuntimeError (outside a scheduler
 * task); GeneratorExit when the caller is killed, itself included.
 */
CF_API void cf_task_kill(int64_t tid);

/*
 * Cancels task `tid` of `s` (NULL: the scheduler running the caller), as
 * asyncio's Task.cancel() and trio's cancel scopes do, unlike
 * cf_task_kill(): CancelledError (a BaseException) is raised in the task
 * at the wait it is parked in, or, when it is ready or running, at its
 * next checkpoint (a wait, sleep, yield, socket or fd wait, channel,
 * select or sync wait, group wait). While that error is being handled -
 * in its cleanups and except clauses - the task may call every task and
 * socket function, and they wait as usual, until `grace_ms` milliseconds
 * from now (negative: no limit); then it is closed hard, as by
 * cf_task_kill() (GeneratorExit; its remaining checkpoints raise
 * CancelledError at once). Cancellation is level-triggered, as trio's: a
 * task that swallows the error and goes on gets it again at every later
 * checkpoint until it ends. A task that ends with it is not a failure (not
 * reported, no error of its group); its waiters get it. Cancelling again
 * may shorten the grace. Call it on `s`'s thread, in a task or not; it
 * never waits. Returns 0.
 * Returns -errno: -ESRCH (an unknown or ended task), -EINVAL (a NULL `s`
 * outside a task).
 */
CF_API int cf_task_cancel(cf_sched *s, int64_t tid, int64_t grace_ms);

/*
 * Parks until task `tid` ends (WaitTask) and returns its return value. An
 * owned value (cf_str_own()) outlives the task: each waiter gets its own
 * reference and drops it (cf_value_drop()); a borrowed string must outlive
 * the task. Raises the error the task ended
 * with, CancelledError when it was killed, and TaskError for an unknown id
 * or the caller's own.
 * Unwinds: the error the task ended with, CancelledError (it was killed),
 * TaskError (an unknown id or the caller's own), RuntimeError (outside a
 * scheduler task); GeneratorExit when the caller is killed.
 */
CF_API cf_value cf_task_wait(int64_t tid);

/*
 * Gives up the processor: the caller goes to the back of the ready queue.
 * Unwinds: RuntimeError (outside a scheduler task); GeneratorExit when the task
 * is killed.
 */
CF_API void cf_task_yield(void);

/*
 * Parks the caller for `ms` milliseconds (0 or less: just yields).
 * Unwinds: MemoryError, RuntimeError (outside a scheduler task); GeneratorExit
 * when the task is killed.
 */
CF_API void cf_task_sleep(int64_t ms);

/*
 * Park until `fd` is readable / writable (ReadWait / WriteWait), at most
 * `timeout_ms` milliseconds (negative: no limit). Return 0, -ETIMEDOUT,
 * -EBADF for a closed or invalid fd (or one closed with cf_sock_close()
 * while waiting), or the poller's error. Any number of tasks may wait on
 * one fd in each direction (pyos keeps only the last): they queue in the
 * order they came and readiness wakes them all. Outside any scheduler they
 * block in poll(2).
 * Returns -errno: -ETIMEDOUT, -EBADF (a closed or invalid fd), or the poller's
 * error.
 * Unwinds: GeneratorExit when the calling task is killed while it waits.
 */
CF_API int cf_task_readable(int fd, int64_t timeout_ms);
CF_API int cf_task_writable(int fd, int64_t timeout_ms);

/*
 * Socket helpers that wait instead of blocking. `fd` must be non-blocking;
 * `timeout_ms` bounds the whole call (negative: no limit). Each returns
 * -errno on failure: -ETIMEDOUT, -EBADF, -ECONNRESET, -EPIPE, ... A task
 * killed inside one is unwound from it; the fd stays open.
 *
 * cf_sock_accept(): a new connection, non-blocking and close-on-exec, or
 *                   -errno; `addr` and `len` may be NULL.
 * cf_sock_connect(): 0 once connected, or -errno.
 * cf_sock_read():   one read of at most `n` bytes: the count, 0 at end of
 *                   file, or -errno. After a short read from a stream the
 *                   next call waits before it reads; on io_uring a call
 *                   with no deadline lets the ring do the read (when no
 *                   other task waits to read `fd`). Several readers of one
 *                   fd each get whole reads, in the order they came.
 * cf_sock_write():  writes all `n` bytes: `n`, or -errno (some may have
 *                   been written). Never raises SIGPIPE on a socket.
 *                   Writes from several tasks to one fd never interleave:
 *                   a write that has to wait keeps the fd until it ends
 *                   (or its task is killed), and the others wait for it.
 * cf_sock_close():  forgets `fd` in the running scheduler, then closes it.
 *                   Close through this any fd a task has waited on.
 *
 * Returns -errno: -ETIMEDOUT, -EBADF, -ECONNRESET, -ECONNREFUSED, -EPIPE,
 * -EAGAIN, or the system call's error.
 * Unwinds: GeneratorExit when the calling task is killed while it waits.
 */
CF_API int cf_sock_accept(int fd, struct sockaddr *addr, socklen_t *len,
                          int64_t timeout_ms);
CF_API int cf_sock_connect(int fd, const struct sockaddr *addr, socklen_t len,
                           int64_t timeout_ms);
CF_API ssize_t cf_sock_read(int fd, void *buf, size_t n, int64_t timeout_ms);
CF_API ssize_t cf_sock_write(int fd, const void *buf, size_t n,
                             int64_t timeout_ms);
CF_API int cf_sock_close(int fd);

#ifdef __cplusplus
}
#endif

#endif
