/* SPDX-License-Identifier: MIT */
/*
 * sched/resolve.c - name resolution that never blocks the scheduler. A
 * numeric host is parsed at once; any other name goes to getaddrinfo(3) on
 * a detached thread, which signals an eventfd when it is done while the
 * task waits on that eventfd. The request is shared by the two sides and
 * freed by whichever lets go last, so a task that times out or is killed
 * leaves the thread nothing dangling. The eventfd is the task's: it marks
 * the request abandoned under the lock before closing it, and the thread
 * signals only a request that is not, so a late signal never reaches a
 * reused fd number.
 */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "internal.h"
#include "resolve.h"

struct request {
    atomic_int refs;
    pthread_mutex_t lock;
    bool abandoned; /* under lock: the task let go, efd is closed */
    int efd;
    int gai; /* getaddrinfo()'s code */
    int err; /* and errno, for EAI_SYSTEM */
    struct addrinfo hints;
    struct addrinfo *res;
    char *host, *serv;
};

static void release(struct request *r)
{
    if (atomic_fetch_sub(&r->refs, 1) != 1)
        return;
    if (r->res != NULL)
        freeaddrinfo(r->res);
    pthread_mutex_destroy(&r->lock);
    free(r->host);
    free(r->serv);
    free(r);
}

static void *resolver(void *arg)
{
    struct request *r = arg;
    r->gai = getaddrinfo(r->host, r->serv, &r->hints, &r->res);
    r->err = errno;
    uint64_t one = 1;
    pthread_mutex_lock(&r->lock);
    if (!r->abandoned) {
        ssize_t w = write(r->efd, &one, sizeof one);
        (void)w;
    }
    pthread_mutex_unlock(&r->lock);
    release(r);
    return NULL;
}

/* getaddrinfo()'s codes as -errno (net.h lists them). */
int cf__gai_errno(int gai)
{
    switch (gai) {
    case 0:
        return 0;
    case EAI_NONAME:
#ifdef EAI_NODATA
    case EAI_NODATA:
#endif
#ifdef EAI_ADDRFAMILY
    case EAI_ADDRFAMILY:
#endif
        return -ENXIO;
    case EAI_AGAIN:
        return -EAGAIN;
    case EAI_FAIL:
        return -EIO;
    case EAI_MEMORY:
        return -ENOMEM;
    case EAI_FAMILY:
        return -EAFNOSUPPORT;
    case EAI_SYSTEM:
        return errno ? -errno : -EIO;
    default: /* EAI_SERVICE, EAI_SOCKTYPE, EAI_BADFLAGS */
        return -EINVAL;
    }
}

struct waiting {
    struct request *r;
    bool done;
};

/* The task's side lets go: forgotten by the scheduler, then released. */
static void let_go(void *arg)
{
    struct waiting *w = arg;
    if (w->done)
        return;
    w->done = true;
    pthread_mutex_lock(&w->r->lock);
    w->r->abandoned = true;
    pthread_mutex_unlock(&w->r->lock);
    if (cf__sched_tls != NULL)
        cf__io_forget(cf__sched_tls, w->r->efd);
    close(w->r->efd);
    release(w->r);
}

/*
 * Resolves `host` and `serv` with `hints` into `*res` (free it with
 * freeaddrinfo()) within `timeout_ms` (negative: no limit). Returns 0 or
 * -errno.
 */
int cf__resolve(const char *host, const char *serv,
                const struct addrinfo *hints, struct addrinfo **res,
                int64_t timeout_ms)
{
    struct addrinfo h = *hints;
    *res = NULL;
    h.ai_flags |= AI_NUMERICHOST | AI_NUMERICSERV;
    int gai = getaddrinfo(host, serv, &h, res);
    if (gai != EAI_NONAME && gai != EAI_SERVICE)
        return cf__gai_errno(gai); /* numeric: done, or malformed */
    *res = NULL;

    struct request *r = calloc(1, sizeof *r);
    if (r == NULL)
        return -ENOMEM;
    r->efd = -1;
    r->hints = *hints;
    r->host = host != NULL ? strdup(host) : NULL;
    r->serv = serv != NULL ? strdup(serv) : NULL;
    if ((host != NULL && r->host == NULL) || (serv != NULL && r->serv == NULL))
        goto nomem;
    pthread_mutex_init(&r->lock, NULL);
    r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (r->efd < 0) {
        int rc = -errno;
        atomic_init(&r->refs, 1);
        release(r);
        return rc;
    }
    atomic_init(&r->refs, 2);
    pthread_attr_t attr;
    pthread_t th;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int prc = pthread_create(&th, &attr, resolver, r);
    pthread_attr_destroy(&attr);
    if (prc != 0) {
        close(r->efd);
        atomic_store(&r->refs, 1);
        release(r);
        return -prc;
    }

    struct waiting w = {r, false};
    cf_cleanup c;
    bool in_task = cf_current() != NULL;
    if (in_task)
        cf_cleanup_push(&c, let_go, &w); /* a kill unwinds the wait */
    int rc = cf_task_readable(r->efd, timeout_ms);
    if (rc == 0) {
        pthread_mutex_lock(&r->lock); /* the thread's results are seen */
        errno = r->err;
        rc = cf__gai_errno(r->gai);
        pthread_mutex_unlock(&r->lock);
        if (rc == 0) {
            *res = r->res;
            r->res = NULL;
        }
    }
    if (in_task)
        cf_cleanup_pop(&c, true);
    else
        let_go(&w);
    return rc;
nomem:
    pthread_mutex_init(&r->lock, NULL);
    atomic_init(&r->refs, 1);
    release(r);
    return -ENOMEM;
}
