/* SPDX-License-Identifier: MIT */
/*
 * bench/grep_log.c - grep_log (bench/README.md), coflow's side: the
 * pipeline source -> grep -> count over a log file, every line its own
 * send into the grep stage (with -E, the regex stage: PCRE2's JIT).
 * Prints "seconds<TAB>matching lines".
 *
 *     grep_log [-E] FILE PATTERN
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <coflow.h>
#include <coflow/pipe.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    bool regex = argc == 4 && strcmp(argv[1], "-E") == 0;
    if (regex) {
        argv++;
        argc--;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: grep_log [-E] FILE PATTERN\n");
        return 2;
    }
    cf_pipe *p;
    cf_coro *count, *grep;
    cf_value n;
    if (cf_pipe_new(&p) < 0 || cf_pipe_count(p, &count, "count") < 0
        || (regex ? cf_pipe_regex(p, &grep, "regex", argv[2], 0, count)
                  : cf_pipe_grep(p, &grep, "grep", argv[2], count))
               < 0) {
        fprintf(stderr, "grep_log: cannot build the pipeline\n");
        return 1;
    }
    double t0 = now();
    cf_status st = cf_pipe_source_path(NULL, argv[1], grep, NULL, &n);
    double t1 = now();
    if (st != CF_RETURNED) {
        cf_error_print(cf_error_last(), stderr);
        cf_pipe_free(p);
        return 1;
    }
    printf("%.6f\t%lld\n", t1 - t0, (long long)cf_to_int(n));
    cf_pipe_free(p);
    return 0;
}
