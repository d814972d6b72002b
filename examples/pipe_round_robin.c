/* SPDX-License-Identifier: MIT */
/*
 * pipe_round_robin - the course exercise (pipe_round_robin.py): a producer
 * squares 1..7 and a dispatcher hands the squares to consumers A and B in
 * turn; closing the producer closes the dispatcher, which closes A then B,
 * and each prints the list it collected: A [1, 9, 25, 49], B [4, 16, 36].
 */
#include <stdio.h>
#include <string.h>

#include <coflow.h>
#include <coflow/pipe.h>

static cf_pipe *p;
static cf_coro *consumers[2];

static cf_status square(void *arg, cf_value in, cf_value *out)
{
    (void)arg;
    *out = cf_int(cf_to_int(in) * cf_to_int(in));
    return CF_YIELDED;
}

/* Each consumer prints its list when it is closed. */
static void on_event(void *arg, const char *stage, cf_pipe_event ev, cf_value v)
{
    (void)arg;
    (void)v;
    if (ev != CF_PIPE_RESULT)
        return;
    size_t n;
    const cf_value *xs = cf_pipe_collected(p, consumers[stage[0] == 'B'], &n);
    printf("%s list [", stage);
    for (size_t i = 0; i < n; i++)
        printf("%s%lld", i > 0 ? ", " : "", (long long)cf_to_int(xs[i]));
    printf("]\n");
}

int main(void)
{
    cf_coro *d, *producer;
    if (cf_pipe_new(&p) < 0 || cf_pipe_collect(p, &consumers[0], "A") < 0
        || cf_pipe_collect(p, &consumers[1], "B") < 0
        || cf_pipe_dispatch(p, &d, "dispatcher", consumers, 2) < 0
        || cf_pipe_map(p, &producer, "squarer", square, NULL, d) < 0)
        return 1;
    cf_pipe_trace(p, on_event, NULL);
    cf_status st = cf_pipe_source_range(p, 1, 8, 1, producer, NULL, NULL);
    cf_pipe_free(p);
    return st != CF_RETURNED;
}
