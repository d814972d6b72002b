/* SPDX-License-Identifier: MIT */
/*
 * tests/cases/runner.c - runs every trace case in one process, without
 * forking: for Valgrind and for emulated CPUs, where Criterion's runner
 * cannot be used. Usage: cases [NAME...]
 */
#include <string.h>

#include "cases/cases.h"

struct entry {
    const char *name;
    case_fn fn;
};

#define CF_CASE_ENTRY(name) {#name, case_##name},
static const struct entry all[] = {CF_CASES(CF_CASE_ENTRY)};

static bool wanted(const char *name, int argc, char **argv)
{
    if (argc < 2)
        return true;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return true;
    return false;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (!wanted(all[i].name, argc, argv))
            continue;
        bool ok = run_case(all[i].name, all[i].fn);
        printf("%s %s\n", ok ? "PASS" : "FAIL", all[i].name);
        ok ? passed++ : failed++;
    }
    printf("cases: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
