/* SPDX-License-Identifier: MIT */
/*
 * bench/sax_token.c - one large XML token (issue 15, item 5): parses
 * stdin with the fd source in 64 KiB chunks (or argv[1] bytes) and prints
 * how long it took (wall clock and CPU time: the machine may be shared)
 * and how it ended. The input comes through a pipe:
 *
 *   python3 -c 'import sys; w = sys.stdout.buffer.write; w(b"<a b=\"");
 *       [w(b"x" * (1 << 20)) for _ in range(16)]; w(b"\"/>")' \
 *     | build/bench/sax_token 65536 [MAX_TOKEN_MIB]
 *
 * Built with -DCF_SAX_NO_MAX_TOKEN against a library from before the
 * limit, it measures the old behaviour.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <coflow.h>
#include <coflow/sax.h>

static cf_status step(void *self, cf_op op, cf_value in, cf_value *out)
{
    (void)in;
    *out = cf_none();
    if (op == CF_OP_THROW && !cf_error_is(cf_error_last(), &cf_generator_exit))
        return CF_RAISED;
    if (op == CF_OP_THROW)
        return CF_RETURNED;
    ++*(long *)self;
    return CF_YIELDED;
}

int main(int argc, char **argv)
{
    long events = 0;
    cf_coro *co;
    if (cf_handler_new(&co, step, &events,
                       &(struct cf_coro_opts){.name = "count", .prime = true})
        != 0)
        return 2;
    struct cf_sax_opts o = {.chunk_size =
                                argc > 1 ? strtoul(argv[1], 0, 0) : 65536};
#ifndef CF_SAX_NO_MAX_TOKEN
    if (argc > 2)
        o.max_token = strtoul(argv[2], 0, 0) << 20;
#endif
    struct timespec t0, t1;
    clock_t c0 = clock();
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cf_status st = cf_sax_source_fd(NULL, STDIN_FILENO, co, &o, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
    double s = (double)(t1.tv_sec - t0.tv_sec)
               + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    char err[256] = "";
    if (st == CF_RAISED)
        cf_error_format(cf_error_last(), err, sizeof err);
    printf("%.2f s (CPU %.2f s), %ld events, %s%s\n", s, cpu, events,
           st == CF_RETURNED ? "parsed" : "refused: ", err);
    cf_coro_free(co);
    return 0;
}
