/* SPDX-License-Identifier: MIT */
/*
 * core/stack.c - coroutine stacks: an mmap'd region with an inaccessible
 * guard page below it, and a small cache so that creating and freeing
 * coroutines does not enter the kernel each time (a fresh mapping costs
 * microseconds here, shared/PERF.md).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#if CF_ASAN
#include <sanitizer/asan_interface.h>
#endif
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define CF_VALGRIND 1
#endif
#endif
#ifndef CF_VALGRIND
#define CF_VALGRIND 0
#endif

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102 /* Linux 6.13 */
#endif

#define CACHE_MAX 64

struct cached {
    void *map;
    size_t size;
    unsigned vg_id;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cached cache[CACHE_MAX];
static int cached;

static size_t page_size(void)
{
    static size_t page;
    if (page == 0)
        page = (size_t)sysconf(_SC_PAGESIZE);
    return page;
}

/*
 * A guard that costs no extra mapping where the kernel has
 * MADV_GUARD_INSTALL; mprotect splits the mapping in two otherwise.
 */
static int guard(void *map, size_t page)
{
    if (madvise(map, page, MADV_GUARD_INSTALL) == 0)
        return 0;
    return mprotect(map, page, PROT_NONE) == 0 ? 0 : -errno;
}

static bool take_cached(size_t size, struct cached *out)
{
    bool found = false;

    pthread_mutex_lock(&cache_lock);
    for (int i = cached - 1; i >= 0; i--) {
        if (cache[i].size == size) {
            *out = cache[i];
            cache[i] = cache[--cached];
            found = true;
            break;
        }
    }
    pthread_mutex_unlock(&cache_lock);
    return found;
}

int cf__stack_alloc(cf_coro *co, size_t size)
{
    size_t page = page_size();
    size_t usable = (size + page - 1) & ~(page - 1);
    size_t map_size = usable + page;
    struct cached c = {NULL, 0, 0};

    if (!take_cached(map_size, &c)) {
        void *map = mmap(
            NULL, map_size, PROT_READ | PROT_WRITE,
            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
        if (map == MAP_FAILED)
            return -errno;
        int rc = guard(map, page);
        if (rc < 0) {
            munmap(map, map_size);
            return rc;
        }
        c.map = map;
        c.size = map_size;
#if CF_VALGRIND
        c.vg_id =
            VALGRIND_STACK_REGISTER((char *)map + page, (char *)map + map_size);
#endif
    }
    co->stack = c.map;
    co->stack_map = c.size;
    co->valgrind_id = c.vg_id;
    co->base.stack_lo = (char *)c.map + page;
    co->base.stack_size = usable;
#if CF_ASAN
    /* A reused stack may hold the poison of frames abandoned on it. */
    __asan_unpoison_memory_region(co->base.stack_lo, usable);
#endif
    return 0;
}

void cf__stack_release(cf_coro *co)
{
    struct cached c = {co->stack, co->stack_map, co->valgrind_id};
    bool kept = false;

    if (c.map == NULL)
        return;
    co->stack = NULL;
    pthread_mutex_lock(&cache_lock);
    if (cached < CACHE_MAX) {
        cache[cached++] = c;
        kept = true;
    }
    pthread_mutex_unlock(&cache_lock);
    if (kept)
        return;
#if CF_VALGRIND
    VALGRIND_STACK_DEREGISTER(c.vg_id);
#endif
    munmap(c.map, c.size);
}
