/* SPDX-License-Identifier: MIT */
/* tests/core/value.c - values: constructors, accessors, repr (Python's). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "support.h"

static void check_repr(cf_value v, const char *want)
{
    char buf[128];
    size_t n = cf_value_repr(v, buf, sizeof buf);
    cr_assert_str_eq(buf, want, "repr: got %s, want %s", buf, want);
    cr_assert_eq(n, strlen(want));
}

Test(value, is_sixteen_bytes)
{
    cr_assert_eq(sizeof(cf_value), 16);
}

/* Mirrors Python: repr(None), repr(True), repr(42), repr(-7). */
Test(value, repr_scalars)
{
    check_repr(cf_none(), "None");
    check_repr(cf_bool(true), "True");
    check_repr(cf_bool(false), "False");
    check_repr(cf_int(42), "42");
    check_repr(cf_int(-7), "-7");
    check_repr(cf_int(INT64_MIN), "-9223372036854775808");
}

/* Mirrors Python's float repr: shortest round-trip digits. */
Test(value, repr_doubles)
{
    check_repr(cf_double(1.0), "1.0");
    check_repr(cf_double(2.5), "2.5");
    check_repr(cf_double(0.1), "0.1");
    check_repr(cf_double(-0.0), "-0.0");
    check_repr(cf_double(1e16), "1e+16");
    check_repr(cf_double(1.5e-5), "1.5e-05");
    check_repr(cf_double(0.0001), "0.0001");
    check_repr(cf_double(123456789012345678.0), "1.2345678901234568e+17");
    check_repr(cf_double(1e15), "1000000000000000.0");
    check_repr(cf_double(INFINITY), "inf");
    check_repr(cf_double(-INFINITY), "-inf");
    check_repr(cf_double(NAN), "nan");
}

/* Mirrors Python: repr('abc'), repr("it's"), repr('a\n'), repr(b'\x00'). */
Test(value, repr_strings)
{
    check_repr(cf_str("abc"), "'abc'");
    check_repr(cf_str("it's"), "\"it's\"");
    check_repr(cf_str("both ' and \""), "'both \\' and \"'");
    check_repr(cf_str("a\nb\t\\"), "'a\\nb\\t\\\\'");
    check_repr(cf_strn("\x01", 1), "'\\x01'");
    check_repr(cf_bytes("\x00\xff"
                        "a",
                        3),
               "b'\\x00\\xffa'");
    check_repr(cf_str("caf\xc3\xa9"), "'caf\xc3\xa9'");
}

Test(value, str_has_no_quotes)
{
    char buf[32];
    cf_value_str(cf_str("spam"), buf, sizeof buf);
    cr_assert_str_eq(buf, "spam");
}

Test(value, repr_truncates_like_snprintf)
{
    char buf[4];
    size_t n = cf_value_repr(cf_str("abcdef"), buf, sizeof buf);
    cr_assert_eq(n, 8);
    cr_assert_str_eq(buf, "'ab");
    cr_assert_eq(cf_value_repr(cf_int(5), NULL, 0), 1);
}

Test(value, accessors_answer_zero_for_other_kinds)
{
    cf_value s = cf_str("x");
    cr_assert_eq(cf_to_int(s), 0);
    cr_assert_eq(cf_to_double(s), 0.0);
    cr_assert_not(cf_to_bool(s));
    cr_assert_null(cf_to_ptr(s, 1));
    cr_assert_null(cf_to_str(cf_int(1)));
    cr_assert_eq(cf_len(cf_int(1)), 0);
    int x;
    cr_assert_eq(cf_to_ptr(cf_ptr(&x, 7), 7), &x);
    cr_assert_null(cf_to_ptr(cf_ptr(&x, 7), 8));
    cr_assert(cf_is_none(cf_str(NULL)));
}

Test(value, equality_as_python)
{
    cr_assert(cf_value_eq(cf_int(1), cf_double(1.0)));
    cr_assert(cf_value_eq(cf_bool(true), cf_int(1)));
    cr_assert(cf_value_eq(cf_str("ab"), cf_strn("abc", 2)));
    cr_assert_not(cf_value_eq(cf_str("ab"), cf_bytes("ab", 2)));
    cr_assert_not(cf_value_eq(cf_none(), cf_int(0)));
    cr_assert(cf_value_eq(cf_none(), cf_none()));
}

Test(value, long_strings_are_cut_at_the_limit)
{
    cr_assert(cf_str_fits(100));
    cr_assert_not(cf_str_fits((size_t)UINT32_MAX + 1));
    cf_value v = cf_strn("x", (size_t)UINT32_MAX + 10);
    cr_assert_eq(cf_len(v), UINT32_MAX);
}
