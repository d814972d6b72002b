/* SPDX-License-Identifier: MIT */
/*
 * core/builtins.c - Python's conveniences over the core: next() and send()
 * that raise StopIteration with the value, try/except/else/finally as a
 * statement, and delegation that owns its delegate.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

cf_value cf_send_in(cf_coro *co, cf_value v)
{
    cf_value out = cf_none();

    if (co == NULL)
        cf_raise(&cf_type_error, "send to a NULL coroutine");
    switch (cf_send(co, v, &out)) {
    case CF_YIELDED:
        break;
    case CF_RETURNED:
        cf_raise_error(cf_error_new_value(&cf_stop_iteration, out, NULL));
    case CF_RAISED:
        cf_reraise();
    }
    return out;
}

cf_value cf_next_in(cf_coro *co)
{
    return cf_send_in(co, cf_none());
}
