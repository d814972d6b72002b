/* SPDX-License-Identifier: MIT */
/* tests/cases/check.c - each trace case as a Criterion test. */
#include <criterion/criterion.h>

#include "cases/cases.h"

#define CF_CASE_TEST(name)                                                     \
    Test(cases, name)                                                          \
    {                                                                          \
        cr_assert(run_case(#name, case_##name),                                \
                  "trace of " #name " differs from " #name ".expected");       \
    }
CF_CASES(CF_CASE_TEST)
