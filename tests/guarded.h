/* SPDX-License-Identifier: MIT */
/*
 * tests/guarded.h - input at the end of a guarded page: the bytes are
 * copied so that their last one is the last byte before a PROT_NONE page,
 * so reading one byte past them faults at once (ASan does not see every
 * overread: a "%.*s" with a bad length, a memchr that runs on). The fuzz
 * targets and the hostile-input tests put every input there.
 */
#ifndef CF_TESTS_GUARDED_H
#define CF_TESTS_GUARDED_H

#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef struct guarded {
    void *map;
    size_t maplen;
} guarded;

/*
 * Copies `n` bytes of `data` to the end of readable pages followed by a
 * guard page; returns where they start (NULL when mmap fails). The copy
 * lives until guarded_free(g).
 */
static inline const void *guarded_copy(guarded *g, const void *data, size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t pages = (n + page - 1) / page;
    if (pages == 0)
        pages = 1;
    g->maplen = (pages + 1) * page;
    g->map = mmap(NULL, g->maplen, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g->map == MAP_FAILED) {
        g->map = NULL;
        return NULL;
    }
    char *guard = (char *)g->map + pages * page;
    if (mprotect(guard, page, PROT_NONE) != 0) {
        munmap(g->map, g->maplen);
        g->map = NULL;
        return NULL;
    }
    char *at = guard - n;
    if (n > 0)
        memcpy(at, data, n);
    mprotect(g->map, pages * page, PROT_READ);
    return at;
}

static inline void guarded_free(guarded *g)
{
    if (g->map != NULL)
        munmap(g->map, g->maplen);
    g->map = NULL;
}

#endif
