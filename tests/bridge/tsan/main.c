/* SPDX-License-Identifier: MIT */
/*
 * tests/bridge/tsan/main.c - runs the tests registered through the
 * stand-in criterion.h, in order, in this process; any failure or TSan
 * report ends it with a non-zero status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "criterion/criterion.h"

#define MAX_TESTS  64
#define MAX_SUITES 8

static struct {
    const char *suite, *name;
    void (*fn)(void);
} tests[MAX_TESTS];
static int ntests;
static const struct tsan_suite *suites[MAX_SUITES];
static int nsuites;

void tsan_register(const char *suite, const char *name, void (*fn)(void))
{
    if (ntests < MAX_TESTS) {
        tests[ntests].suite = suite;
        tests[ntests].name = name;
        tests[ntests].fn = fn;
        ntests++;
    }
}

void tsan_register_suite(const struct tsan_suite *s)
{
    if (nsuites < MAX_SUITES)
        suites[nsuites++] = s;
}

void tsan_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, what);
    exit(1);
}

int main(void)
{
    for (int i = 0; i < ntests; i++) {
        const struct tsan_suite *s = NULL;
        for (int k = 0; k < nsuites; k++)
            if (strcmp(suites[k]->name, tests[i].suite) == 0)
                s = suites[k];
        if (s != NULL && s->init != NULL)
            s->init();
        tests[i].fn();
        if (s != NULL && s->fini != NULL)
            s->fini();
        printf("[PASS] %s::%s\n", tests[i].suite, tests[i].name);
    }
    printf("%d passed, 0 failed\n", ntests);
    return 0;
}
