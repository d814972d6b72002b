/* SPDX-License-Identifier: MIT */
/*
 * examples/coprocess.c - Beazley's coprocess.py and busproc.py: the
 * filters and the printer run in a child process, fed over a pipe with
 * encoded values (the seeds pickle; coflow uses MessagePack). The seeds'
 * input is the bus XML; this one generates log lines, so it needs no file.
 * The child prints; the parent gets the count back at the close.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <coflow.h>

static cf_status upper(void *arg, cf_value in, cf_value *out)
{
    static char buf[128];
    (void)arg;
    size_t n = cf_len(in) < sizeof buf ? cf_len(in) : sizeof buf;
    for (size_t i = 0; i < n; i++) {
        char c = cf_to_str(in)[i];
        buf[i] = c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
    }
    *out = cf_strn(buf, n);
    return CF_YIELDED;
}

int main(void)
{
    char lines[10][64];
    cf_value v[10];
    for (int i = 0; i < 10; i++) {
        int n = snprintf(lines[i], sizeof lines[i], "line %d: %s", i,
                         i % 3 == 0 ? "python rocks" : "perl is fine");
        v[i] = cf_strn(lines[i], (size_t)n);
    }

    /* parent: source -> sendto(child);  child: grep -> map -> broadcast
       (printer, count) */
    cf_pipe *p;
    cf_coro *printer, *count, *bc, *map, *grep, *bridge;
    if (cf_pipe_new(&p) != 0)
        return 1;
    cf_pipe_printer(p, &printer, NULL, stdout, "child: ");
    cf_pipe_count(p, &count, NULL);
    cf_coro *both[2] = {count, printer};
    cf_pipe_broadcast(p, &bc, NULL, both, 2);
    cf_pipe_map(p, &map, "upper", upper, NULL, bc);
    cf_pipe_grep(p, &grep, NULL, "python", map);
    if (cf_bridge_process(p, &bridge, grep, NULL) != 0)
        return 1;
    cf_value r;
    if (cf_pipe_source_array(p, v, 10, bridge, NULL, &r) != CF_RETURNED) {
        cf_error_print(cf_error_last(), stderr);
        return 1;
    }
    /* broadcast returns none; ask the child's count another way: a
       second pipeline whose end is a counter. */
    cf_coro *count2, *bridge2;
    cf_pipe_count(p, &count2, NULL);
    if (cf_bridge_process(p, &bridge2, count2, NULL) != 0)
        return 1;
    if (cf_pipe_source_array(p, v, 10, bridge2, NULL, &r) != CF_RETURNED)
        return 1;
    printf("parent: the child counted %lld lines\n", (long long)cf_to_int(r));
    cf_pipe_free(p);
    return cf_to_int(r) == 10 ? 0 : 1;
}
