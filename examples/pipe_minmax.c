/* SPDX-License-Identifier: MIT */
/*
 * pipe_minmax - min, max, count and sum consumers behind one broadcast,
 * each reporting its result when the stream ends (pipe_minmax.py).
 */
#include <stdio.h>

#include <coflow.h>
#include <coflow/pipe.h>

static void report(void *arg, const char *stage, cf_pipe_event ev, cf_value v)
{
    (void)arg;
    if (ev == CF_PIPE_RESULT) {
        char buf[64];
        cf_value_str(v, buf, sizeof buf);
        printf("%-5s result %s\n", stage, buf);
    } else if (ev == CF_PIPE_UPDATE) {
        char buf[64];
        cf_value_str(v, buf, sizeof buf);
        printf("%-5s now %s\n", stage, buf);
    }
}

int main(void)
{
    static const double xs[] = {5, 3, 9.5, 1, 7, 9};
    cf_value in[6];
    cf_pipe *p;
    cf_coro *r[4], *b;

    if (cf_pipe_new(&p) < 0 || cf_pipe_min(p, &r[0], NULL) < 0
        || cf_pipe_max(p, &r[1], NULL) < 0 || cf_pipe_count(p, &r[2], NULL) < 0
        || cf_pipe_sum(p, &r[3], NULL) < 0
        || cf_pipe_broadcast(p, &b, NULL, r, 4) < 0)
        return 1;
    cf_pipe_trace(p, report, NULL);
    for (int i = 0; i < 6; i++)
        in[i] = xs[i] == (double)(int64_t)xs[i] ? cf_int((int64_t)xs[i])
                                                : cf_double(xs[i]);
    cf_status st = cf_pipe_source_array(p, in, 6, b, NULL, NULL);
    cf_pipe_free(p);
    return st != CF_RETURNED;
}
