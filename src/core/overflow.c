/* SPDX-License-Identifier: MIT */
/*
 * core/overflow.c - a stack overflow reported by name. A body that runs off
 * its stack hits the guard page below it; the SIGSEGV that follows is
 * handled on an alternate signal stack (each thread that runs coroutines
 * gets one, unless it has its own), which says which coroutine overflowed
 * and aborts. Any other fault goes to the handler that was there before,
 * untouched.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#define ALTSTACK_SIZE (64u * 1024u)

static struct sigaction previous;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static pthread_key_t altstack_key;
static CF__TLS bool thread_ready;

static size_t put(char *buf, size_t at, const char *s)
{
    while (*s != '\0' && at < 255)
        buf[at++] = *s++;
    return at;
}

/* The message, with write(2) only: this runs in a signal handler. */
void cf__overflow_report(const cf_coro *co)
{
    char buf[256], num[24];
    size_t n = 0, k = sizeof num;
    size_t kib = co->stack_req / 1024;

    num[--k] = '\0';
    do {
        num[--k] = (char)('0' + kib % 10);
        kib /= 10;
    } while (kib > 0);
    n = put(buf, n, "coflow: coroutine '");
    n = put(buf, n, co->name);
    n = put(buf, n, "' overflowed its ");
    n = put(buf, n, num + k);
    n = put(buf, n, " KiB stack\n");
    ssize_t w = write(STDERR_FILENO, buf, n);
    (void)w;
    abort();
}

/* Whether `addr` is in the page below the stack of the running coroutine. */
static bool guard_hit(const void *addr)
{
    cf__context *c = cf__cur;
    if (c == NULL || !c->is_coro || c->stack_lo == NULL)
        return false;
    uintptr_t a = (uintptr_t)addr;
    uintptr_t lo = (uintptr_t)c->stack_lo;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return a < lo && a >= lo - page;
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    if (si->si_code > 0 && guard_hit(si->si_addr))
        cf__overflow_report((const cf_coro *)cf__cur);
    /* Not ours: as if coflow had never installed a handler. */
    if ((previous.sa_flags & SA_SIGINFO) != 0) {
        previous.sa_sigaction(sig, si, uc);
    } else if (previous.sa_handler == SIG_DFL
               || previous.sa_handler == SIG_IGN) {
        /* Returning re-runs the faulting instruction, now with the default
         * action; a SIGSEGV sent (kill, raise) is sent again, and arrives
         * as this handler returns. */
        sigaction(sig, &previous, NULL);
        if (si->si_code <= 0)
            raise(sig);
    } else {
        previous.sa_handler(sig);
    }
}

static void altstack_free(void *p)
{
    stack_t ss = {.ss_flags = SS_DISABLE};
    stack_t old;
    if (sigaltstack(NULL, &old) == 0 && old.ss_sp == p)
        sigaltstack(&ss, NULL);
    munmap(p, ALTSTACK_SIZE);
}

static void install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    pthread_key_create(&altstack_key, altstack_free);
    if (getenv("COFLOW_NO_SEGV_HANDLER") == NULL)
        sigaction(SIGSEGV, &sa, &previous);
}

/* Called once per thread, before it first switches to a coroutine. */
void cf__overflow_thread_init(void)
{
    stack_t old;

    if (thread_ready)
        return;
    thread_ready = true;
    pthread_once(&install_once, install);
    if (sigaltstack(NULL, &old) != 0 || (old.ss_flags & SS_DISABLE) == 0)
        return; /* it has one already */
    void *p = mmap(NULL, ALTSTACK_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return;
    stack_t ss = {.ss_sp = p, .ss_size = ALTSTACK_SIZE, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) {
        munmap(p, ALTSTACK_SIZE);
        return;
    }
    pthread_setspecific(altstack_key, p);
}
