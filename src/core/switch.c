/* SPDX-License-Identifier: MIT */
/*
 * core/switch.c - contexts, and the one place that switches between them,
 * telling AddressSanitizer and ThreadSanitizer about each switch so they
 * follow the program from stack to stack.
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

#if CF_VALGRIND /* src/common.h */
#include <valgrind/valgrind.h>
#endif

#if CF_ASAN
#include <sanitizer/common_interface_defs.h>
#endif
#if CF_TSAN
void *__tsan_get_current_fiber(void);
void __tsan_switch_to_fiber(void *fiber, unsigned flags);
#endif

cf__context cf__nowhere;
CF__TLS struct cf__tls cf__tls = {&cf__nowhere, 0};
static CF__TLS cf__context thread_base;

/*
 * The threads that may hold a coroutine's bias: every thread that has used
 * coflow, from its first use to its exit, each with an entry whose address
 * is its tag. A thread taking a coroutine over reads its owner's cf__cur,
 * which lives in the owner's TLS, so it does that only while the owner is
 * alive, under threads_lock (an exiting thread marks its entry dead under
 * the same lock, before its TLS goes away). Entries are never freed: a
 * dead thread's entry goes to the next new thread, which inherits its
 * biases (the lock orders the old thread's last use before the new one's
 * first).
 */
struct thread_node {
    struct thread_node *next_free;
    cf__context **curp; /* its cf__cur, while alive */
    bool alive;
};

static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;
static struct thread_node *free_nodes;
static pthread_key_t thread_key;
static pthread_once_t thread_once = PTHREAD_ONCE_INIT;

static void thread_unlist(void *arg)
{
    struct thread_node *n = arg;
    pthread_mutex_lock(&threads_lock);
    n->alive = false;
    n->curp = NULL;
    n->next_free = free_nodes;
    free_nodes = n;
    /* Claims after this (a later key destructor) register again. */
    __atomic_store_n(&cf__tls.me, 0, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&threads_lock);
}

static void thread_key_make(void)
{
    pthread_key_create(&thread_key, thread_unlist);
}

static void thread_list(void)
{
    pthread_once(&thread_once, thread_key_make);
    pthread_mutex_lock(&threads_lock);
    struct thread_node *n = free_nodes;
    if (n != NULL)
        free_nodes = n->next_free;
    else if ((n = calloc(1, sizeof *n)) == NULL) {
        fputs("coflow: out of memory for a thread's entry\n", stderr);
        abort();
    }
    n->next_free = NULL;
    n->curp = &cf__tls.cur;
    n->alive = true;
    __atomic_store_n(&cf__tls.me, (uintptr_t)n, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&threads_lock);
    pthread_setspecific(thread_key, n);
}

cf__context *cf__thread_base(void)
{
    cf__context *b = &thread_base;
#if CF_TSAN
    if (b->tsan_fiber == NULL)
        b->tsan_fiber = __tsan_get_current_fiber();
#endif
    if (CF__UNLIKELY(cf__tls.me == 0))
        thread_list();
    if (cf__cur == &cf__nowhere) {
        cf__overflow_thread_init();
        cf__set_cur(b);
    }
    return b;
}

/*
 * The asymmetric fence: when it returns, every other thread of the process
 * has executed a full memory barrier, so a store made before it is seen by
 * their later loads, and their stores made before that barrier are seen by
 * ours after it. membarrier(2) (Linux 4.14) does it with an IPI to the CPUs
 * running our threads. Without it, changing a page's protection from
 * writable to read-only makes the kernel shoot down that page's TLB entries
 * with IPIs to the same CPUs (what HotSpot and folly did before
 * membarrier). Valgrind runs one thread at a time, in order: nothing needed.
 */
enum fence_kind { FENCE_UNKNOWN, FENCE_MEMBARRIER, FENCE_MPROTECT, FENCE_NONE };

static enum fence_kind fence_kind; /* threads_lock */
static volatile char *fence_page;  /* FENCE_MPROTECT */

static void fence_choose(void)
{
#if CF_VALGRIND
    if (RUNNING_ON_VALGRIND) {
        fence_kind = FENCE_NONE;
        return;
    }
#endif
    /* COFLOW_FENCE=mprotect: the fallback, as on a kernel without
     * membarrier (the tests use it). */
    const char *env = getenv("COFLOW_FENCE");
    if ((env == NULL || strcmp(env, "mprotect") != 0)
        && syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0,
                   0)
               == 0) {
        fence_kind = FENCE_MEMBARRIER;
        return;
    }
    void *p = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        fputs("coflow: neither membarrier(2) nor a page for the mprotect "
              "fence: a coroutine cannot be taken over by another thread\n",
              stderr);
        abort();
    }
    fence_page = p;
    fence_kind = FENCE_MPROTECT;
}

static void fence_others(void)
{
    switch (fence_kind) {
    case FENCE_UNKNOWN:
        fence_choose();
        fence_others();
        return;
    case FENCE_MEMBARRIER:
        if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0)
            == 0)
            return;
        /* Refused (a seccomp filter, say): fall back. */
        if (fence_page == NULL) {
            fence_page = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE),
                              PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (fence_page == MAP_FAILED)
                abort();
        }
        fence_kind = FENCE_MPROTECT;
        fence_others();
        return;
    case FENCE_MPROTECT: {
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        mprotect((void *)fence_page, page, PROT_READ | PROT_WRITE);
        *fence_page = 1; /* mapped and dirty: the downgrade must flush */
        mprotect((void *)fence_page, page, PROT_READ);
        return;
    }
    case FENCE_NONE:
        atomic_thread_fence(memory_order_seq_cst);
        return;
    }
}

/*
 * The taker's half of the handshake (docs/design.md, "The guard"): under
 * threads_lock, which serialises takers, it stores its own tag in t's bias,
 * fences every other thread, then looks at what the owner was doing. If the
 * owner has announced a claim of t (its cf__cur is t) or t is RUNNING, the
 * owner wins: the bias goes back and the taker sees t as RUNNING. Else the
 * owner can no longer claim t (its next check of the bias fails), and t is
 * biased to the taker.
 */
bool cf__take_bias(cf_coro *t)
{
    uintptr_t me = cf__tag();
    bool took = true;

    pthread_mutex_lock(&threads_lock);
    uintptr_t b = atomic_load_explicit(&t->bias, memory_order_relaxed);
    uintptr_t owner = b & ~(uintptr_t)CF__BIAS_FLAGS;
    if (owner != me) {
        atomic_store_explicit(&t->bias, me | (b & CF__BIAS_FLAGS),
                              memory_order_seq_cst);
        const struct thread_node *n = (const struct thread_node *)owner;
        if (n != NULL && n->alive) {
            fence_others();
            cf__context *c = __atomic_load_n(n->curp, __ATOMIC_ACQUIRE);
            int s = atomic_load_explicit(&t->state, memory_order_acquire);
            if (c == &t->base || s == CF_RUNNING) {
                atomic_store_explicit(&t->bias, b, memory_order_relaxed);
                took = false;
            }
        }
    }
    pthread_mutex_unlock(&threads_lock);
    return took;
}

void cf__slow_set(cf_coro *t, unsigned char slow)
{
    pthread_mutex_lock(&threads_lock);
    if (slow != 0) { /* the byte first: a slow path sent by the bit sees it */
        __atomic_store_n(&t->slow, slow, __ATOMIC_RELAXED);
        __atomic_store_n(&t->base.is_coro, (unsigned char)CF__CORO_SLOW,
                         __ATOMIC_RELAXED);
        atomic_fetch_or_explicit(&t->bias, (uintptr_t)CF__BIAS_SLOW,
                                 memory_order_seq_cst);
    } else {
        atomic_fetch_and_explicit(&t->bias, ~(uintptr_t)CF__BIAS_SLOW,
                                  memory_order_seq_cst);
        __atomic_store_n(&t->base.is_coro, (unsigned char)CF__CORO_PLAIN,
                         __ATOMIC_RELAXED);
        __atomic_store_n(&t->slow, slow, __ATOMIC_RELAXED);
    }
    pthread_mutex_unlock(&threads_lock);
}

bool cf__claim_from(cf_coro *t, int s, int *seen)
{
    cf__registered();
    cf__context *cur = cf__cur;
    for (;;) {
        int r = cf__owner_claim(t, cur, s);
        if (r == CF__CLAIMED)
            return true;
        if (r != CF__MOVED) {
            *seen = r;
            return false;
        }
        if (!cf__take_bias(t)) {
            *seen = CF_RUNNING;
            return false;
        }
    }
}

cf_coro *cf_current(void)
{
    cf__context *c = cf__cur;
    return c->is_coro ? cf__handle_of((cf_coro *)c) : NULL;
}

/*
 * `dying` says that `from` will never run again (its coroutine finished), so
 * ASan can drop its fake stack instead of keeping it for a later resume.
 */
void *cf__jump(cf__context *from, cf__context *to, void *arg, bool dying)
{
#if CF_ASAN
    __sanitizer_start_switch_fiber(dying ? NULL : &from->asan_fake,
                                   to->stack_lo, to->stack_size);
#else
    (void)dying;
#endif
#if CF_TSAN
    __tsan_switch_to_fiber(to->tsan_fiber, 0);
#endif
    void *r = cf__switch(&from->ctx, &to->ctx, arg);
    cf__jumped(from);
    return r;
}

#if CF_ASAN
/*
 * Completes a switch on the side that now runs, and keeps the bounds of the
 * stack we came from: the first switch away from a thread's base context is
 * the only way to learn that stack's bounds, which ASan needs to switch back.
 */
void cf__jumped(cf__context *self)
{
    __sanitizer_finish_switch_fiber(self->asan_fake, &self->peer_lo,
                                    &self->peer_size);
}

void cf__learn_caller(cf_coro *co)
{
    cf__context *c = co->caller;
    if (c != NULL && c->stack_lo == NULL) {
        c->stack_lo = co->base.peer_lo;
        c->stack_size = co->base.peer_size;
    }
}
#endif
