/* SPDX-License-Identifier: MIT */
/*
 * sched/trap.c - the system calls: the scheduler's side (pyos's
 * SystemCall.handle(), SEMANTICS items 71 and 72) and the task calls that
 * build a trap and yield it.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "internal.h"

#if CF_VALGRIND
#include <valgrind/memcheck.h>
#endif

static void handle_spawn(cf_sched *s, cf__task *t, cf_trap *trap)
{
    if (trap->co == NULL || cf_coro_state(trap->co) == CF_CLOSED) {
        cf_coro_free(trap->co); /* taken over whatever the outcome */
        trap->rc = -EINVAL;
        t->sendval = cf_none();
    } else {
        int64_t id = cf__task_add(s, trap->co);
        trap->rc = id < 0 ? (int)id : 0;
        trap->id = id < 0 ? 0 : id;
        t->sendval = id < 0 ? cf_none() : cf_int(id);
    }
    cf__ready_push(s, t);
}

static void handle_kill(cf_sched *s, cf__task *t, cf_trap *trap)
{
    cf__task *target = cf__task_find(s, trap->tid);
    t->sendval = cf_bool(target != NULL);
    if (target == NULL)
        trap->rc = -ESRCH;
    else
        cf__task_kill(s, target);
    cf__ready_push(s, t);
}

static void handle_wait(cf_sched *s, cf__task *t, cf_trap *trap)
{
    cf__task *target = cf__task_find(s, trap->tid);
    if (target == NULL || target == t) {
        /* Waiting on oneself would never end: refuse it. */
        trap->rc = target == t ? -EDEADLK : -ESRCH;
        t->sendval = cf_bool(false);
        cf__ready_push(s, t);
        return;
    }
    t->sendval = cf_bool(true);
    t->where = CF__PARKED_WAIT;
    t->waiting_on = target;
    t->next_waiter = NULL;
    if (target->waiters_tail != NULL)
        target->waiters_tail->next_waiter = t;
    else
        target->waiters_head = t;
    target->waiters_tail = t;
}

static void handle_sleep(cf_sched *s, cf__task *t, cf_trap *trap)
{
    if (trap->ms <= 0) {
        cf__ready_push(s, t);
        return;
    }
    if (cf__timer_add(s, t, cf__now_ns() + trap->ms * 1000000) < 0) {
        trap->rc = -ENOMEM;
        cf__ready_push(s, t);
        return;
    }
    t->where = CF__PARKED_SLEEP;
}

/*
 * Handles the trap `t` yielded. `t` is parked (not queued) unless the trap
 * says it goes on at once; `trap->rc` is set here or when it is woken.
 */
void cf__trap_handle(cf_sched *s, cf__task *t, cf_trap *trap)
{
    t->trap = trap;
    trap->rc = 0;
    if (trap->kind != CF_TRAP_YIELD && trap->kind != CF_TRAP_SLEEP)
        t->mobile = false; /* an fd, a task id: it stays (multi.c) */
    switch ((int)trap->kind) {
    case CF__TRAP_READ_OK:
    case CF__TRAP_WRITE_OK:
        cf__io_wait(s, t, trap->fd, trap->kind == CF__TRAP_WRITE_OK, trap->ms,
                    false);
        break;
    case CF__TRAP_RING_READ:
    case CF__TRAP_RING_WRITE:
        cf__io_ring(s, t, trap->fd, trap->kind == CF__TRAP_RING_WRITE);
        break;
    case CF_TRAP_READ:
    case CF_TRAP_WRITE:
        cf__io_wait(s, t, trap->fd, trap->kind == CF_TRAP_WRITE, trap->ms,
                    true);
        break;
    case CF_TRAP_GETTID:
        trap->id = t->tid;
        t->sendval = cf_int(t->tid);
        cf__ready_push(s, t);
        break;
    case CF_TRAP_SPAWN:
        handle_spawn(s, t, trap);
        break;
    case CF_TRAP_KILL:
        handle_kill(s, t, trap);
        break;
    case CF_TRAP_WAIT:
        handle_wait(s, t, trap);
        break;
    case CF_TRAP_YIELD:
        cf__ready_push(s, t);
        break;
    case CF_TRAP_SLEEP:
        handle_sleep(s, t, trap);
        break;
    default:
        trap->rc = -EINVAL;
        t->throw_in = cf_error_new(&cf_value_error, "unknown trap kind %d",
                                   (int)trap->kind);
        cf__ready_push(s, t);
        break;
    }
}

/* ---- the task calls ---- */

/* Yields `trap` to the scheduler; raises outside a scheduler task. */
static void trap_yield(cf_trap *trap, const char *fn)
{
    if (cf__sched_tls == NULL || cf_current() == NULL)
        cf_raise(&cf_runtime_error, "%s: not called from a scheduler task", fn);
    cf_yield(cf_ptr(trap, CF_TRAP_TAG));
}

cf_value cf_trap_call(cf_trap *trap)
{
    if (trap == NULL)
        cf_raise(&cf_type_error, "cf_trap_call: NULL trap");
    if (cf__sched_tls == NULL || cf_current() == NULL)
        cf_raise(&cf_runtime_error,
                 "cf_trap_call: not called from a scheduler task");
    if (trap->kind >= CF_TRAP_WAIT && trap->kind <= CF_TRAP_WRITE)
        cf__checkpoint(); /* the kinds that wait, and YIELD */
    return cf_yield(cf_ptr(trap, CF_TRAP_TAG));
}

int64_t cf_task_id(void)
{
    cf_trap t = {.kind = CF_TRAP_GETTID};
    trap_yield(&t, "cf_task_id");
    return t.id;
}

int64_t cf_task_spawn(cf_coro *co)
{
    cf_trap t = {.kind = CF_TRAP_SPAWN, .co = co};
    trap_yield(&t, "cf_task_spawn");
    if (t.rc == -ENOMEM)
        cf_raise(&cf_memory_error, "cf_task_spawn: out of memory");
    if (t.rc < 0)
        cf_raise(&cf_task_error, "cf_task_spawn: %s coroutine",
                 co == NULL ? "NULL" : "closed");
    return t.id;
}

void cf_task_kill(int64_t tid)
{
    cf_trap t = {.kind = CF_TRAP_KILL, .tid = tid};
    trap_yield(&t, "cf_task_kill");
    if (t.rc == -ESRCH)
        cf_raise(&cf_task_error, "cf_task_kill: no task with id %lld",
                 (long long)tid);
}

cf_value cf_task_wait(int64_t tid)
{
    cf_trap t = {.kind = CF_TRAP_WAIT, .tid = tid};
    cf__checkpoint();
    trap_yield(&t, "cf_task_wait");
    if (t.rc == -EDEADLK)
        cf_raise(&cf_task_error,
                 "cf_task_wait: task %lld cannot wait for "
                 "itself",
                 (long long)tid);
    if (t.rc == -ESRCH)
        cf_raise(&cf_task_error, "cf_task_wait: no task with id %lld",
                 (long long)tid);
    return t.result;
}

int cf_task_cancel(cf_sched *s, int64_t tid, int64_t grace_ms)
{
    cf__bind();
    if (s == NULL)
        s = cf_sched_self();
    if (s == NULL)
        return -EINVAL;
    cf__task *t = cf__task_find(s, tid);
    if (t == NULL)
        return -ESRCH;
    return cf__task_cancel(s, t, grace_ms);
}

void cf_task_yield(void)
{
    cf_trap t = {.kind = CF_TRAP_YIELD};
    cf__checkpoint();
    trap_yield(&t, "cf_task_yield");
}

void cf_task_sleep(int64_t ms)
{
    cf_trap t = {.kind = CF_TRAP_SLEEP, .ms = ms};
    cf__checkpoint();
    trap_yield(&t, "cf_task_sleep");
    if (t.rc == -ENOMEM)
        cf_raise(&cf_memory_error, "cf_task_sleep: out of memory");
}

/* Outside any scheduler the fd waits block in poll(2). */
static int poll_fd(int fd, short events, int64_t timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = events};
    int r;
    do
        r = poll(&p, 1, timeout_ms < 0 ? -1 : (int)timeout_ms);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return -errno;
    if (r == 0)
        return -ETIMEDOUT;
    return p.revents & POLLNVAL ? -EBADF : 0;
}

/* Waits for `fd` in direction `dir`; `checked`: the fd is known valid. */
int cf__fd_wait(int fd, int dir, int64_t timeout_ms, bool checked);
int cf__fd_wait(int fd, int dir, int64_t timeout_ms, bool checked)
{
    if (cf__sched_tls == NULL || cf_current() == NULL)
        return poll_fd(fd, dir ? POLLOUT : POLLIN, timeout_ms);
    cf__checkpoint();
    cf_trap t = {.fd = fd, .ms = timeout_ms};
    if (checked)
        t.kind = (cf_trap_kind)(dir ? CF__TRAP_WRITE_OK : CF__TRAP_READ_OK);
    else
        t.kind = dir ? CF_TRAP_WRITE : CF_TRAP_READ;
    cf_yield(cf_ptr(&t, CF_TRAP_TAG));
    return t.rc;
}

/*
 * Has the poller read at most `n` bytes of `fd` into `buf` and waits for it
 * without a limit: the count, 0 at end of file, or -errno (-EAGAIN: do it
 * the other way). Only in a task, and only when the poller can.
 */
ssize_t cf__fd_ring_read(int fd, void *buf, unsigned n);
ssize_t cf__fd_ring_read(int fd, void *buf, unsigned n)
{
    cf__checkpoint();
    cf__task *t = cf__sched_tls->current;
    cf_trap trap = {
        .kind = (cf_trap_kind)CF__TRAP_RING_READ, .fd = fd, .ms = -1};
    t->io_buf = buf;
    t->io_len = n;
    cf_yield(cf_ptr(&trap, CF_TRAP_TAG));
#if CF_VALGRIND
    /* The kernel wrote them from the ring, which Memcheck cannot see. */
    if (trap.rc > 0)
        VALGRIND_MAKE_MEM_DEFINED(buf, (size_t)trap.rc);
#endif
    return trap.rc;
}

/*
 * Has the poller write the `n` bytes at `buf` to `fd` and waits for it
 * without a limit: the count sent or -errno (-EAGAIN: do it the other way).
 * Only in a task, and only when the poller can.
 */
ssize_t cf__fd_ring_write(int fd, const void *buf, unsigned n);
ssize_t cf__fd_ring_write(int fd, const void *buf, unsigned n)
{
    cf__checkpoint();
    cf__task *t = cf__sched_tls->current;
    cf_trap trap = {
        .kind = (cf_trap_kind)CF__TRAP_RING_WRITE, .fd = fd, .ms = -1};
    t->io_buf = (void *)(uintptr_t)buf; /* only read from */
    t->io_len = n;
    cf_yield(cf_ptr(&trap, CF_TRAP_TAG));
    return trap.rc;
}

int cf_task_readable(int fd, int64_t timeout_ms)
{
    return cf__fd_wait(fd, 0, timeout_ms, false);
}

int cf_task_writable(int fd, int64_t timeout_ms)
{
    return cf__fd_wait(fd, 1, timeout_ms, false);
}
