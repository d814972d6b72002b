/* SPDX-License-Identifier: MIT */
/*
 * pipe_exercises - the square and minimize exercises: a squaring stage
 * sends the squares of what it gets to a minimizer, and the minimizer
 * reports its result when the pipeline is closed (close() returns it, as
 * in Python 3.13):
 *
 *     @coroutine
 *     def square(target):
 *         while True: target.send((yield) ** 2)
 *     @coroutine
 *     def minimize():
 *         lo = None
 *         try:
 *             while True:
 *                 x = yield lo
 *                 if lo is None or x < lo: lo = x
 *         except GeneratorExit:
 *             return lo
 */
#include <stdio.h>

#include <coflow.h>
#include <coflow/pipe.h>

static cf_status square(void *arg, cf_value in, cf_value *out)
{
    (void)arg;
    if (cf_kind_of(in) != CF_INT)
        return cf_fail(&cf_type_error, "square: not an int");
    *out = cf_int(cf_to_int(in) * cf_to_int(in));
    return CF_YIELDED;
}

int main(void)
{
    static const int64_t xs[] = {-3, 4, 7, -1, 5, 2};
    cf_value in[6], lo;
    cf_pipe *p;
    cf_coro *mini, *sq;

    if (cf_pipe_new(&p) < 0 || cf_pipe_min(p, &mini, "minimize") < 0
        || cf_pipe_map(p, &sq, "square", square, NULL, mini) < 0)
        return 1;
    for (int i = 0; i < 6; i++)
        in[i] = cf_int(xs[i]);
    /* The source closes `square`, which closes `minimize`; the close
       returns the minimum all the way back. */
    if (cf_pipe_source_array(p, in, 6, sq, NULL, &lo) != CF_RETURNED) {
        cf_error_print(cf_error_last(), stderr);
        return 1;
    }
    char buf[32];
    cf_value_repr(lo, buf, sizeof buf);
    printf("squares of -3 4 7 -1 5 2: minimum %s\n", buf);

    /* A sum of squares over a range, the same way. */
    cf_coro *sum, *sq2;
    cf_value total;
    if (cf_pipe_sum(p, &sum, "sum") < 0
        || cf_pipe_map(p, &sq2, "square", square, NULL, sum) < 0
        || cf_pipe_source_range(p, 1, 11, 1, sq2, NULL, &total) != CF_RETURNED)
        return 1;
    printf("sum of squares of 1..10: %lld\n", (long long)cf_to_int(total));
    cf_pipe_free(p);
    return 0;
}
