/* SPDX-License-Identifier: MIT */
/*
 * pipe_round_robin: a squaring map feeds a round-robin dispatcher over two
 * collecting consumers; closing the map closes everything downstream and
 * each consumer prints its list. Mirrors tests/cases/py/pipe_round_robin.py
 * (SEMANTICS items 64, 65).
 */
#include <string.h>

#include <coflow/pipe.h>

#include "cases/cases.h"

static FILE *out;
static cf_pipe *pipe_;
static cf_coro *consumers[2];

static cf_status square(void *arg, cf_value in, cf_value *o)
{
    (void)arg;
    *o = cf_int(cf_to_int(in) * cf_to_int(in));
    return CF_YIELDED;
}

static void print_list(cf_coro *co, const char *name)
{
    size_t n;
    const cf_value *v = cf_pipe_collected(pipe_, co, &n);
    fprintf(out, "%s list [", name);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s%s", i > 0 ? ", " : "", repr_of(v[i]));
    fprintf(out, "]\n");
}

static void trace(void *arg, const char *stage, cf_pipe_event ev, cf_value v)
{
    (void)arg;
    if (ev == CF_PIPE_RECV && strcmp(stage, "dispatcher") != 0)
        fprintf(out, "%s recv %s\n", stage, str_of(v));
    else if (ev == CF_PIPE_CLOSE && strcmp(stage, "squarer") == 0)
        fprintf(out, "squarer closing dispatcher\n");
    else if (ev == CF_PIPE_CLOSE && strcmp(stage, "dispatcher") == 0)
        fprintf(out, "dispatcher closing consumers\n");
    else if (ev == CF_PIPE_RESULT)
        print_list(consumers[stage[0] == 'A' ? 0 : 1], stage);
}

void case_pipe_round_robin(FILE *o)
{
    cf_coro *d, *producer;
    out = o;
    cf_pipe_new(&pipe_);
    cf_pipe_collect(pipe_, &consumers[0], "A");
    cf_pipe_collect(pipe_, &consumers[1], "B");
    cf_pipe_dispatch(pipe_, &d, "dispatcher", consumers, 2);
    cf_pipe_map(pipe_, &producer, "squarer", square, NULL, d);
    cf_pipe_trace(pipe_, trace, NULL);
    for (int64_t x = 1; x < 8; x++)
        cf_send(producer, cf_int(x), NULL);
    cf_close(producer, NULL);
    fprintf(out, "done\n");
    cf_pipe_free(pipe_);
}
