/* SPDX-License-Identifier: MIT */
/*
 * tests/trace_check.h - what the trace tests share: a trace file's path,
 * its text, counting what it holds, and tools/check-trace's verdict.
 */
#ifndef CF_TESTS_TRACE_CHECK_H
#define CF_TESTS_TRACE_CHECK_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A fresh path for a trace, under $TMPDIR or /tmp. */
static inline const char *trace_path(const char *tag)
{
    static char path[256];
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/coflow-trace-%s-%ld.json",
             dir != NULL ? dir : "/tmp", tag, (long)getpid());
    return path;
}

/* The whole file, NUL-terminated (the caller frees it). */
static inline char *trace_file_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    cr_assert_not_null(s);
    cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

/* How many times `needle` occurs in `s`. */
static inline int count_of(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

/* Where `needle` first occurs in `s` (file order is time order), or -1. */
static inline long pos_of(const char *s, const char *needle)
{
    const char *p = strstr(s, needle);
    return p != NULL ? (long)(p - s) : -1;
}

/*
 * tools/check-trace's verdict on `path` with extra arguments `args`: the
 * JSON parses, every event has what Perfetto needs, B/E balance and ts
 * never goes back per track. Skips (passes) without python3 or under
 * Valgrind.
 */
static inline void trace_checked(const char *path, const char *args)
{
    /* Under Valgrind (--trace-children) the shell and Python would be
       checked too: the counts the tests assert stand alone there. */
    const char *pre = getenv("LD_PRELOAD");
    if (pre != NULL && strstr(pre, "vgpreload") != NULL)
        return;
    if (system("python3 -c '' 2>/dev/null") != 0)
        return;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "python3 tools/check-trace %s '%s' >/dev/null",
             args != NULL ? args : "", path);
    cr_assert_eq(system(cmd), 0, "tools/check-trace failed on %s", path);
}

#endif
