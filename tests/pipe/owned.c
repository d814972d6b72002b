/* SPDX-License-Identifier: MIT */
/* tests/pipe/owned.c - owned values kept by a stage that buffers them. */
#include <criterion/criterion.h>
#include <errno.h>

#include "support.h"

static int freed;

static void count_free(void *p)
{
    (void)p;
    freed++;
}

/* The pipe's collect sink keeps what it is sent: a copy or a reference. */
Test(pipe_owned, collected_values_outlive_the_send)
{
    static int obj;
    freed = 0;
    cf_pipe *p;
    cf_coro *sink;
    cr_assert_eq(cf_pipe_new(&p), 0);
    cr_assert_eq(cf_pipe_collect(p, &sink, "c"), 0);
    char buf[] = "borrowed";
    cf_value own = cf_str_own("owned");
    cf_value ptr = cf_ptr_own(&obj, 2, count_free);
    cr_assert_eq(cf_send(sink, cf_str(buf), NULL), CF_YIELDED);
    cr_assert_eq(cf_send(sink, own, NULL), CF_YIELDED);
    cr_assert_eq(cf_send(sink, ptr, NULL), CF_YIELDED);
    buf[0] = 'X';
    cf_value_drop(own);
    cf_value_drop(ptr);
    cr_assert_eq(freed, 0);
    size_t n;
    const cf_value *v = cf_pipe_collected(p, sink, &n);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(str_of(v[0]), "borrowed");
    cr_assert_str_eq(str_of(v[1]), "owned");
    cr_assert_eq(cf_to_ptr(v[2], 2), &obj);
    cf_pipe_free(p);
    cr_assert_eq(freed, 1);
}

static int count_live(cf_coro *co, void *arg)
{
    (void)co;
    ++*(int *)arg;
    return 0;
}

static cf_value idle(void *arg)
{
    return cf_none();
}

/* One rule on failure: cf_pipe_add frees the coroutine it was given. */
Test(pipe_owned, add_frees_the_coroutine_on_failure)
{
    int before = 0, after = 0;
    cf_coro_foreach(count_live, &before);
    cf_pipe *p;
    cr_assert_eq(cf_pipe_new(&p), 0);
    cr_assert_eq(cf_pipe_add(NULL, new_coro(idle, NULL, "a", false), NULL, 0),
                 -EINVAL);
    cr_assert_eq(cf_pipe_add(p, new_coro(idle, NULL, "b", false), NULL, 2),
                 -EINVAL);
    cf_coro_foreach(count_live, &after);
    cr_assert_eq(after, before);
    cf_pipe_free(p);
}
