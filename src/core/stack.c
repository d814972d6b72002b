/* SPDX-License-Identifier: MIT */
/*
 * core/stack.c - the stack pool. A body coroutine lives at the top of its
 * own stack slot:
 *
 *     slot: [guard page][stack ...................][cf_coro]
 *            lowest                                  highest
 *
 * Slots are carved, one at a time, out of slabs: large mappings
 * (MAP_NORESERVE, so only touched pages cost memory) of many slots of one
 * size. A slab is one mapping whatever it holds, so a million coroutines
 * need a few thousand mappings, not a million: the guard below each stack
 * is MADV_GUARD_INSTALL (Linux 6.13), which costs no mapping; without it,
 * mprotect (two mappings each) while the process stays within its share of
 * vm.max_map_count, and beyond that no guard but a canary, said once.
 *
 * A freed slot goes to a per-thread list of recently freed slots (no lock,
 * no system call: create+destroy stays in user space), and from there, a
 * batch at a time, to the global pool. Pages go back to the kernel
 * (MADV_DONTNEED) when a coroutine used more than its top page, and for
 * slots that enter the pool while it holds more than POOL_WARM of them.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "internal.h"
#include "slot.h"

#if CF_ASAN
#include <sanitizer/asan_interface.h>
#endif
#if CF_VALGRIND
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>
#endif

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102 /* Linux 6.13 */
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif
#define PIDFD_SELF_PROCESS (-10001) /* PIDFD_SELF_THREAD_GROUP, Linux 6.15 */

#define HOT_FLUSH  16          /* moved to the pool at once when full */
#define POOL_WARM  1024        /* pooled slots that keep their top page */
#define SLAB_BYTES (32u << 20) /* a slab's size, when slots are small */
#define SLAB_MAX   1024u       /* slots per slab at most */
#define BATCH_MAX  256u        /* fresh slots made ready at once, at most */
#define CANARY     0xca9a27c0f1ca9a27ULL
#define CANARY_N   8 /* words of canary just below the stack */

/* The pooled slots of one slot size. */
struct sizeclass {
    struct sizeclass *next;
    size_t slot_size;
    struct cf__slab *cur; /* being carved */
    struct cf__ref *free; /* capacity: every slot of its slabs */
    size_t nfree, cap, slots;
    unsigned batch; /* the next batch of fresh slots (see prepare) */
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sizeclass *classes;
struct cf__slab *cf__slabs; /* for the registry and debuggers */
static _Atomic size_t pooled;
static int guard_mode; /* enum guard; 0 until decided */
static bool guard_chosen;
static long mprotect_budget, mprotect_used;
_Atomic size_t cf__page_sz;

CF__TLS struct cf__hot cf__hot;
static pthread_key_t hot_key;
static pthread_once_t hot_once = PTHREAD_ONCE_INIT;

static size_t page_size(void)
{
    size_t p = atomic_load_explicit(&cf__page_sz, memory_order_relaxed);
    if (CF__UNLIKELY(p == 0)) {
        p = (size_t)sysconf(_SC_PAGESIZE);
        atomic_store_explicit(&cf__page_sz, p, memory_order_relaxed);
    }
    return p;
}

#define CLEAR_SPACE ((offsetof(cf_coro, slab) + 15) & ~(size_t)15)

/* The bottom of the top page: untouched means the pages below are clean. */
static inline uint64_t *sentinel_of(const cf_coro *co)
{
    return (uint64_t *)(void *)((char *)co + CORO_SPACE - page_size());
}

/*
 * The canary and the sentinel lie below where the stack's frames ended, which
 * Valgrind (and ASan, after abandoned frames) mark as not addressable: they
 * are read from outside on purpose.
 */
static bool vg_running; /* RUNNING_ON_VALGRIND, asked once (choose_guard) */
/*
 * Whether a tool checks the addresses read - ASan, or Memcheck (the Valgrind
 * tool that preloads vgpreload_memcheck; the others ignore its requests) -
 * so that reading the sentinel needs unpoison() first: create and free then
 * take their slow paths, and the fast ones make no call. Set with the guard
 * mode (choose_guard), before any slot exists.
 */
bool cf__addr_checked;

static inline void unpoison(void *p, size_t n)
{
#if CF_VALGRIND
    if (vg_running)
        VALGRIND_MAKE_MEM_DEFINED(p, n);
#endif
#if CF_ASAN
    __asan_unpoison_memory_region(p, n);
#endif
    (void)p;
    (void)n;
}

/* Writes the sentinel, or says whether it is still there, in few stores. */
static inline void sentinel_set(uint64_t *sw)
{
    for (int k = 0; k < SENTINEL_N; k++)
        sw[k] = SENTINEL;
}

/*
 * Clears a reused slot's coroutine object below `slab`, in plain 16-byte
 * stores (memset() here compiles to `rep stos`, which costs more than the
 * rest of a create). From `slab` up, creating it sets every field (slab,
 * slot, magic, stack_req, name) or a body never writes it (a handler's
 * registry links, step, self and before: handlers are never in a slot).
 */
_Static_assert(offsetof(cf_coro, name) + CF__NAME_MAX == sizeof(cf_coro),
               "cf_coro's name is its last member");
_Static_assert(CLEAR_SPACE % 16 == 0 && CLEAR_SPACE <= CORO_SPACE,
               "CLEAR_SPACE is whole 16-byte stores");
_Static_assert(offsetof(cf_coro, stack_req) + sizeof(size_t)
                   == offsetof(cf_coro, reg_prev),
               "a field between stack_req and the handler's part: clear it "
               "(stack.c, coro_clear) or set it at each create");
static inline void coro_clear(cf_coro *co)
{
    typedef uint64_t v2 __attribute__((vector_size(16)));
    v2 *b = (v2 *)(void *)co;
    const v2 z = {0, 0};
#pragma GCC unroll 32
    for (size_t k = 0; k < CLEAR_SPACE / 16; k++) {
        __asm__("" : "+r"(b)); /* keeps the loop from becoming memset() */
        b[k] = z;
    }
}

static inline uint64_t *canary_of(const struct cf__slab *s, unsigned i)
{
    return (uint64_t *)(void *)(slot_base(s, i) + page_size()) - CANARY_N;
}

void cf__stack_guard_mode(int mode)
{
    pthread_mutex_lock(&pool_lock);
    guard_mode = mode;
    pthread_mutex_unlock(&pool_lock);
}

/* Decides, once, how stacks are guarded (COFLOW_GUARD overrides). */
static void choose_guard(void)
{
    const char *env = getenv("COFLOW_GUARD");
    long max_maps = 65530;
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
    if (f != NULL) {
        if (fscanf(f, "%ld", &max_maps) != 1)
            max_maps = 65530;
        fclose(f);
    }
    /* Each mprotect guard may split a mapping in two: guards may use half
     * of the process's budget. */
    mprotect_budget = max_maps / 4;
#if CF_VALGRIND
    vg_running = RUNNING_ON_VALGRIND != 0;
    const char *pre = getenv("LD_PRELOAD");
    cf__addr_checked =
        vg_running && pre != NULL && strstr(pre, "memcheck") != NULL;
#endif
    cf__addr_checked = cf__addr_checked || CF_ASAN;
    guard_chosen = true;
    if (guard_mode != 0)
        return; /* set by cf__stack_guard_mode() */
    guard_mode = G_MADVISE;
    if (env != NULL && strcmp(env, "mprotect") == 0)
        guard_mode = G_MPROTECT;
    else if (env != NULL && strcmp(env, "none") == 0)
        guard_mode = G_CANARY;
}

static void say_unguarded(const char *why)
{
    static bool said;
    if (said)
        return;
    said = true;
    fprintf(stderr,
            "coflow: %s; further coroutine stacks have no guard page, only "
            "a canary checked when they are freed\n",
            why);
}

/* Guards slot `i` of `s` (pool lock held). */
static void guard_slot(struct cf__slab *s, unsigned i)
{
    char *g = slot_base(s, i);
    size_t page = page_size();

    if (guard_mode == G_MADVISE) {
        if (madvise(g, page, MADV_GUARD_INSTALL) == 0) {
            s->meta[i].guard = G_MADVISE;
            return;
        }
        guard_mode = G_MPROTECT; /* before Linux 6.13 */
    }
    if (guard_mode == G_MPROTECT) {
        if (mprotect_used < mprotect_budget && !cf__fault()
            && mprotect(g, page, PROT_NONE) == 0) {
            mprotect_used++;
            s->meta[i].guard = G_MPROTECT;
            return;
        }
        guard_mode = G_CANARY;
        say_unguarded(mprotect_used >= mprotect_budget
                          ? "guard pages would exceed the process's share "
                            "of vm.max_map_count"
                          : "mprotect failed for a guard page");
    }
    s->meta[i].guard = G_CANARY;
}

/*
 * Fresh slots are made ready a batch at a time, with a system call or two
 * per batch instead of one per slot and a page fault per slot:
 * process_madvise() on our own process (PIDFD_SELF, Linux 6.15) takes a
 * list of ranges, so one call installs the guard pages of a whole batch and
 * one more populates their top pages (the page a coroutine at rest uses).
 * Where it is missing (or under Valgrind, which does not know it), each
 * slot is guarded on its own and its top page faults in on first use.
 */
#ifdef SYS_process_madvise
static _Atomic bool batch_off; /* process_madvise() refused: not tried again */

/* One process_madvise() on ourselves: whether all `bytes` were advised. */
static bool advise_iov(const struct iovec *iov, unsigned n, size_t bytes,
                       int advice)
{
    if (atomic_load_explicit(&batch_off, memory_order_relaxed) || vg_running
        || cf__fault())
        return false;
    long rc = syscall(SYS_process_madvise, PIDFD_SELF_PROCESS, iov, (size_t)n,
                      advice, 0u);
    if (rc == (long)bytes)
        return true;
    if (rc < 0 && errno != ENOMEM && errno != EAGAIN && errno != EINTR)
        atomic_store_explicit(&batch_off, true, memory_order_relaxed);
    return false;
}

/* `advice` for the page at `off` in each of slots i..i+n-1 of `s`. */
static bool advise_batch(struct cf__slab *s, unsigned i, unsigned n, size_t off,
                         int advice)
{
    static struct iovec iov[BATCH_MAX]; /* pool lock held */
    size_t page = page_size();

    for (unsigned k = 0; k < n; k++) {
        iov[k].iov_base = slot_base(s, i + k) + off;
        iov[k].iov_len = page;
    }
    return advise_iov(iov, n, n * page, advice);
}
#endif

/* Guards the next fresh slots of `c`'s current slab (pool lock held). */
static void prepare(struct sizeclass *c, struct cf__slab *s)
{
    unsigned i = s->ready, n = c->batch;
    bool guarded = false;

    if (n == 0)
        n = 1;
    if (n > s->nslots - i)
        n = s->nslots - i;
    /* Doubling from one: a program with a few coroutines pays for a few. */
    c->batch = n * 2 < BATCH_MAX ? n * 2 : BATCH_MAX;
#ifdef SYS_process_madvise
    if (!vg_running) {
        if (guard_mode == G_MADVISE
            && advise_batch(s, i, n, 0, MADV_GUARD_INSTALL)) {
            for (unsigned k = 0; k < n; k++)
                s->meta[i + k].guard = G_MADVISE;
            guarded = true;
        }
        /* Best effort: if it fails, the top pages fault in when used. */
        (void)advise_batch(s, i, n, s->slot_size - page_size(),
                           MADV_POPULATE_WRITE);
    }
#endif
    if (!guarded)
        for (unsigned k = 0; k < n; k++)
            guard_slot(s, i + k);
    s->ready = i + n;
}

static struct sizeclass *find_class(size_t slot_size)
{
    for (struct sizeclass *c = classes; c != NULL; c = c->next)
        if (c->slot_size == slot_size)
            return c;
    struct sizeclass *c = cf__fault() ? NULL : calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->slot_size = slot_size;
    c->next = classes;
    classes = c;
    return c;
}

/* A new slab for `c` (pool lock held). */
static int new_slab(struct sizeclass *c)
{
    size_t n = SLAB_BYTES / c->slot_size;
    if (n < 1)
        n = 1;
    if (n > SLAB_MAX)
        n = SLAB_MAX;
    if (c->cap < c->slots + n) { /* room to pool every slot there is */
        struct cf__ref *f =
            cf__fault() ? NULL : realloc(c->free, (c->cap + n) * sizeof *f);
        if (f == NULL)
            return -ENOMEM;
        c->free = f;
        c->cap += n;
    }
    struct cf__slab *s =
        cf__fault() ? NULL : calloc(1, sizeof *s + n * sizeof s->meta[0]);
    if (s == NULL)
        return -ENOMEM;
    void *map = MAP_FAILED;
    if (!cf__fault())
        map = mmap(NULL, n * c->slot_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1,
                   0);
    if (map == MAP_FAILED) {
        free(s);
        return -ENOMEM;
    }
    c->slots += n;
    s->base = map;
    s->slot_size = c->slot_size;
    s->nslots = (unsigned)n;
    s->next = cf__slabs;
    cf__slabs = s;
    c->cur = s;
    return 0;
}

/* A slot from the global pool, or a new one (pool lock taken here). */
static int pool_take(size_t slot_size, struct cf__ref *r, bool *fresh)
{
    int rc = 0;

    pthread_mutex_lock(&pool_lock);
    if (!guard_chosen)
        choose_guard();
    struct sizeclass *c = find_class(slot_size);
    if (c == NULL) {
        rc = -ENOMEM;
    } else if (c->nfree > 0) {
        *r = c->free[--c->nfree];
        atomic_fetch_sub_explicit(&pooled, 1, memory_order_relaxed);
        *fresh = false;
    } else if ((c->cur != NULL && c->cur->carved < c->cur->nslots)
               || (rc = new_slab(c)) == 0) {
        struct cf__slab *s = c->cur;
        unsigned i = s->carved;
        if (i == s->ready)
            prepare(c, s);
#if CF_VALGRIND
        s->meta[i].vg_id = VALGRIND_STACK_REGISTER(
            slot_base(s, i) + page_size(), (char *)slot_coro(s, i));
#endif
        atomic_store_explicit(&s->carved, i + 1, memory_order_release);
        r->slab = s;
        r->slot = i;
        *fresh = true;
    }
    pthread_mutex_unlock(&pool_lock);
    return rc;
}

/* Gives `n` slots back to the pool; the pages of cold ones to the kernel. */
static void pool_give(struct cf__ref *e, unsigned n)
{
    size_t page = page_size();

    if (atomic_load_explicit(&pooled, memory_order_relaxed) + n > POOL_WARM) {
        struct iovec iov[HOT_MAX];
        size_t bytes = 0;
        for (unsigned k = 0; k < n; k++) {
            iov[k].iov_base = slot_base(e[k].slab, e[k].slot) + page;
            iov[k].iov_len = e[k].slab->slot_size - page;
            bytes += iov[k].iov_len;
        }
        (void)bytes;
        /* One call for them all where we can (the kernel batches the TLB
         * flushes too), else one each. */
#ifdef SYS_process_madvise
        if (!advise_iov(iov, n, bytes, MADV_DONTNEED))
#endif
            for (unsigned k = 0; k < n; k++)
                madvise(iov[k].iov_base, iov[k].iov_len, MADV_DONTNEED);
    }
    pthread_mutex_lock(&pool_lock);
    for (unsigned k = 0; k < n; k++) {
        struct sizeclass *c = classes;
        while (c->slot_size != e[k].slab->slot_size)
            c = c->next;
        c->free[c->nfree++] = e[k];
    }
    atomic_fetch_add_explicit(&pooled, n, memory_order_relaxed);
    pthread_mutex_unlock(&pool_lock);
}

static void hot_exit(void *arg)
{
    struct cf__hot *h = arg;
    pool_give(h->e, h->n);
    h->n = 0;
    h->keyed = false;
}

static void hot_key_make(void)
{
    pthread_key_create(&hot_key, hot_exit);
}

/* Writes the canary below a stack that has no guard page. */
static __attribute__((noinline)) void canary_set(struct cf__slab *s, unsigned i)
{
    uint64_t *w = canary_of(s, i);
    unpoison(w, CANARY_N * sizeof *w);
    for (int k = 0; k < CANARY_N; k++)
        w[k] = CANARY;
}

/* Gives back a slot whose address cannot carry a handle; -ENOMEM. */
static __attribute__((noinline)) int slot_unusable(cf_coro *co)
{
    cf__stack_free(co); /* an address in a widened address space */
    return -ENOMEM;
}

/*
 * Makes slot `i` of `s` a zeroed coroutine object at the top of a stack
 * ready to run. A slot used before is cleared up to `slab` only: a body
 * never writes the handler's fields above it (see CLEAR_SPACE).
 */
static inline __attribute__((always_inline)) int
slot_ready(cf_coro **out, struct cf__slab *s, unsigned i, size_t size,
           bool fresh)
{
    size_t page = page_size();
    cf_coro *co = slot_coro(s, i);
    char *lo = slot_base(s, i) + page;
    struct cf__meta *m = &s->meta[i];

    if (!fresh)
        coro_clear(co);
    co->slab = s;
    co->slot = i;
    if (CF__UNLIKELY(m->gen == 0))
        m->gen = 1;
    co->stack_req = size;
    co->base.stack_lo = lo;
    co->base.stack_size = (size_t)((char *)co - lo);
    if (CF__UNLIKELY(m->guard == G_CANARY))
        canary_set(s, i);
#if CF_ASAN
    /* A reused stack may hold the poison of frames abandoned on it. */
    if (!fresh)
        __asan_unpoison_memory_region(lo, co->base.stack_size);
#endif
    co->magic = CF__LIVE;
    if (CF__UNLIKELY(!cf__handle_set(co, m->gen)))
        return slot_unusable(co);
    *out = co;
    return 0;
}

/*
 * A slot from the global pool. Its sentinel is written here: a fresh slot
 * has none yet, and a cold one lost its top page (pool_give). A slot from
 * the thread's hot list kept it (cf__stack_free checked it, or wrote it
 * anew after giving the pages below back), so its create writes nothing
 * there.
 */
static __attribute__((noinline)) int stack_coro_pool(cf_coro **out, size_t size)
{
    size_t page = page_size();
    size_t slot_size = ((size + page - 1) & ~(page - 1)) + 2 * page;
    struct cf__ref r = {NULL, 0, 0};
    bool fresh = false;
    int rc = pool_take(slot_size, &r, &fresh);
    if (rc < 0)
        return rc;
    uint64_t *sw = sentinel_of(slot_coro(r.slab, r.slot));
    unpoison(sw, SENTINEL_N * sizeof *sw);
    sentinel_set(sw);
    return slot_ready(out, r.slab, r.slot, size, fresh);
}

/* slot_ready() of a slot from the hot list that needs more than the
 * common case: a canary to write, or the sanitizers' bookkeeping. */
static __attribute__((noinline)) int
slot_ready_slow(cf_coro **out, struct cf__ref r, size_t size)
{
    return slot_ready(out, r.slab, r.slot, size, false);
}

/*
 * The common case makes no call and saves no register: a slot the thread
 * freed lately, guarded by a guard page (no canary). It is slot_ready()
 * with the branches it cannot take left out.
 */
int cf__stack_coro(cf_coro **out, size_t size)
{
    size_t page = atomic_load_explicit(&cf__page_sz, memory_order_relaxed);
    size_t slot_size = ((size + page - 1) & ~(page - 1)) + 2 * page;
    unsigned kib = (unsigned)(slot_size >> 10);

    for (unsigned k = cf__hot.n; page != 0 && k-- > 0;) {
        if (cf__hot.e[k].kib != kib)
            continue;
        struct cf__ref r = cf__hot.e[k];
        cf__hot.e[k] = cf__hot.e[--cf__hot.n];
        struct cf__slab *s = r.slab;
        struct cf__meta *m = &s->meta[r.slot];
        if (CF__UNLIKELY(cf__addr_checked || m->guard == G_CANARY))
            return slot_ready_slow(out, r, size);
        cf_coro *co = slot_coro(s, r.slot);
        char *lo = slot_base(s, r.slot) + page;
        coro_reset(co);
        co->slab = s;
        co->slot = r.slot;
        co->stack_req = size;
        co->base.stack_lo = lo;
        co->base.stack_size = (size_t)((char *)co - lo);
        co->magic = CF__LIVE;
        if (CF__UNLIKELY(!cf__handle_set(co, m->gen))) /* gen: 1 and up */
            return slot_unusable(co);
        *out = co;
        return 0;
    }
    return stack_coro_pool(out, size);
}

/*
 * cf__stack_free() of a slot that needs more than going on the hot list:
 * a canary to check, pages below the top one to give back (the sentinel
 * is written anew for the next coroutine), or a hot list to set up or
 * make room in.
 */
static __attribute__((noinline)) void stack_free_slow(cf_coro *co)
{
    struct cf__slab *s = co->slab;
    unsigned i = co->slot;
    size_t page = page_size();

    if (s->meta[i].guard == G_CANARY) {
        uint64_t *w = canary_of(s, i);
        unpoison(w, CANARY_N * sizeof *w);
        for (int k = 0; k < CANARY_N; k++)
            if (w[k] != CANARY)
                cf__overflow_report(co);
    }
    co->magic = 0;
    s->meta[i].gen = (unsigned short)cf__gen_next(s->meta[i].gen);
    uint64_t *sw = sentinel_of(co);
    unpoison(sw, SENTINEL_N * sizeof *sw);
    if (!sentinel_intact(sw)) {
        madvise(slot_base(s, i) + page, s->slot_size - 2 * page, MADV_DONTNEED);
        sentinel_set(sw);
    }
    if (!cf__hot.keyed) {
        pthread_once(&hot_once, hot_key_make);
        pthread_setspecific(hot_key, &cf__hot);
        cf__hot.keyed = true;
    }
    if (cf__hot.n == HOT_MAX) {
        pool_give(cf__hot.e, HOT_FLUSH);
        memmove(cf__hot.e, cf__hot.e + HOT_FLUSH,
                (HOT_MAX - HOT_FLUSH) * sizeof cf__hot.e[0]);
        cf__hot.n -= HOT_FLUSH;
    }
    cf__hot.e[cf__hot.n].slab = s;
    cf__hot.e[cf__hot.n].slot = i;
    cf__hot.e[cf__hot.n].kib = (unsigned)(s->slot_size >> 10);
    cf__hot.n++;
}

/*
 * The common case makes no call: a guard page (no canary), a coroutine
 * that stayed in its top page (the sentinel is intact), room on the hot
 * list.
 */
void cf__stack_free(cf_coro *co)
{
    if (CF__UNLIKELY(!cf__stack_hot_give(co)))
        stack_free_slow(co);
}

/*
 * The stack's high-water mark, in whole pages: from the top down to the
 * lowest page that holds memory. A slot's pages below its top page are
 * clean when a coroutine gets it (see cf__stack_free).
 */
size_t cf__stack_used(const cf_coro *co)
{
    size_t page = page_size();
    const char *lo = co->base.stack_lo;
    const char *hi = lo + co->base.stack_size;
    const char *lo_page =
        (const char *)((uintptr_t)lo & ~(uintptr_t)(page - 1));
    const char *top_page =
        (const char *)((uintptr_t)(hi - 1) & ~(uintptr_t)(page - 1));
    size_t npages = (size_t)(top_page - lo_page) / page + 1;
    unsigned char vec[256];
    const char *lowest = top_page;

    for (const char *p = lo_page; p < top_page;) {
        size_t n = (size_t)(top_page - p) / page;
        if (n > sizeof vec)
            n = sizeof vec;
        if (mincore((void *)p, n * page, vec) != 0)
            break;
        size_t k = 0;
        while (k < n && (vec[k] & 1) == 0)
            k++;
        if (k < n) {
            lowest = p + k * page;
            break;
        }
        p += n * page;
    }
    (void)npages;
    if (lowest < lo)
        lowest = lo;
    return (size_t)(hi - lowest);
}

/* Calls fn for every live body coroutine, from a snapshot. */
int cf__stack_each(int (*fn)(cf_coro *co, void *arg), void *arg)
{
    size_t n = 0, cap = 0;
    cf_coro **all = NULL;

    pthread_mutex_lock(&pool_lock);
    for (struct cf__slab *s = cf__slabs; s != NULL; s = s->next)
        cap += atomic_load_explicit(&s->carved, memory_order_acquire);
    if (cap > 0 && (all = malloc(cap * sizeof *all)) == NULL) {
        pthread_mutex_unlock(&pool_lock);
        return -ENOMEM;
    }
    for (struct cf__slab *s = cf__slabs; s != NULL; s = s->next) {
        unsigned carved =
            atomic_load_explicit(&s->carved, memory_order_acquire);
        for (unsigned i = 0; i < carved && n < cap; i++) {
            cf_coro *co = slot_coro(s, i);
            if (co->magic == CF__LIVE)
                all[n++] = co;
        }
    }
    pthread_mutex_unlock(&pool_lock);
    int rc = 0;
    for (size_t k = n; k-- > 0 && rc == 0;)
        rc = fn(all[k], arg);
    free(all);
    return rc;
}
