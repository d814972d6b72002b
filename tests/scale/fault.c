/* SPDX-License-Identifier: MIT */
/*
 * tests/scale/fault.c - failure injection (make CONFIG=fault, run under
 * Valgrind by make check-fault): for N = 1, 2, 3, ... the Nth allocation or
 * mapping coflow makes fails, through create (a new stack size each time,
 * so a new slab is mapped), a handler's create, a send whose error must be
 * allocated, a raise, a close and a free. Each call must fail cleanly:
 * -ENOMEM from a setup call, MemoryError in place of the error a send
 * raises; and Valgrind must find nothing leaked. The walk ends at the first
 * N that no allocation reaches.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <coflow.h>

#include "fault.h"

static const char *type_name(void)
{
    const cf_error *e = cf_error_last();
    return e != NULL ? cf_error_type_of(e)->name : "none";
}

static bool oom_or(const char *want)
{
    const char *t = type_name();
    return strcmp(t, want) == 0 || strcmp(t, "MemoryError") == 0;
}

static cf_value body(void *arg)
{
    cf_yield(cf_none()); /* primed */
    /* A send that raises: the error is allocated, or is MemoryError. */
    cf_status st = cf_send(cf_current(), cf_none(), NULL);
    cf_value r = cf_str(st == CF_RAISED && oom_or("ValueError") ? "ok" : "bad");
    cf_error_clear();
    cf_yield(r);
    cf_raise(&cf_value_error, "raised %d", 42);
}

static cf_value idle(void *arg)
{
    for (;;)
        cf_yield(cf_none());
    return cf_none();
}

static cf_status step(void *self, cf_op op, cf_value in, cf_value *out)
{
    *out = in;
    return op == CF_OP_THROW ? CF_RAISED : CF_YIELDED;
}

int main(void)
{
    const char *walk = "core"; /* for CHECK() */
    long n, seen = 0, most = 0;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);

    for (n = 1;; n++) {
        cf_coro *a = NULL, *b = NULL, *h = NULL;
        cf_value v;
        cf__fault_arm(n);

        int rc = cf_coro_new(&a, body, NULL,
                             &(struct cf_coro_opts){
                                 .name = "a",
                                 .stack_size = CF_STACK_MIN + (size_t)n * page,
                                 .prime = true});
        CHECK(rc == 0 || rc == -ENOMEM);
        CHECK((rc == 0) == (a != NULL));
        rc =
            cf_handler_new(&h, step, NULL, &(struct cf_coro_opts){.name = "h"});
        CHECK(rc == 0 || rc == -ENOMEM);
        if (a != NULL) {
            CHECK(cf_send(a, cf_int(1), &v) == CF_YIELDED);
            CHECK(cf_kind_of(v) == CF_STR && strcmp(cf_to_str(v), "ok") == 0);
            CHECK(cf_send(a, cf_int(2), &v) == CF_RAISED);
            CHECK(oom_or("ValueError"));
            cf_error_clear();
        }
        rc = cf_coro_new(&b, idle, NULL,
                         &(struct cf_coro_opts){.name = "b", .prime = true});
        CHECK(rc == 0 || rc == -ENOMEM);
        if (b != NULL) {
            CHECK(cf_close(b, NULL) == CF_RETURNED);
            CHECK(cf_coro_state(b) == CF_CLOSED);
        }
        CHECK(cf_coro_free(a) == 0);
        CHECK(cf_coro_free(b) == 0);
        CHECK(cf_coro_free(h) == 0);
        cf_error_clear();

        bool fired = cf__fault_fired(&seen);
        if (seen > most)
            most = seen;
        if (!fired)
            break;
    }
    cf__fault_arm(0);
    printf("fault: failed each of %ld allocations and mappings in turn "
           "(at most %ld in one round): %s\n",
           n - 1, most, failures == 0 ? "all failed cleanly" : "FAILURES");
    return failures == 0 && n > 3 ? 0 : 1;
}
