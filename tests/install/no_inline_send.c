/* SPDX-License-Identifier: MIT */
/*
 * tests/install/no_inline_send.c - compiled by make check-install against
 * an installed CONFIG=generic build (the portable switch), with the flags
 * its .pc files or its CMake package give: the inline half of cf_send()
 * and the inline cf_yield() must be left out (the one reads the native
 * cf_coro's offsets, the other enters the native switch), and a send into
 * a handler through the library must work.
 */
#include <coflow.h>
#include <stdio.h>

#ifdef CF__INLINE_SEND
#error                                                                         \
    "the inline cf_send() is compiled against a build without it: CF_NO_INLINE_SEND is missing from the flags"
#endif
#ifdef CF__INLINE_YIELD
#error                                                                         \
    "the inline cf_yield() is compiled against a build without it: CF_NO_INLINE_YIELD is missing from the flags"
#endif

static cf_status add_one(void *self, cf_op op, cf_value in, cf_value *out)
{
    (void)self;
    if (op != CF_OP_SEND)
        return CF_RAISED;
    *out = cf_int(cf_is_none(in) ? 0 : cf_to_int(in) + 1); /* primed: none */
    return CF_YIELDED;
}

int main(void)
{
    cf_coro *h = NULL;
    if (cf_handler_new(&h, add_one, NULL,
                       &(struct cf_coro_opts){.name = "add_one", .prime = true})
        != 0)
        return 1;
    int64_t sum = 0;
    for (int i = 0; i < 1000; i++) {
        cf_value v;
        if (cf_send(h, cf_int(i), &v) != CF_YIELDED)
            return 1;
        sum += cf_to_int(v);
    }
    cf_coro_free(h);
    printf("no_inline_send: %lld\n", (long long)sum);
    return sum == 1000LL * 1001 / 2 ? 0 : 1;
}
