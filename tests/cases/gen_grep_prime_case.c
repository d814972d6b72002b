/* SPDX-License-Identifier: MIT */
/*
 * gen_grep_prime: Beazley's first coroutine (grep.py), primed by hand.
 * Mirrors tests/cases/py/gen_grep_prime.py (SEMANTICS items 1, 8, 9).
 */
#include <string.h>

#include "cases/cases.h"

static FILE *out;

static cf_value grep(void *arg)
{
    const char *pattern = arg;
    fprintf(out, "looking for %s\n", pattern);
    for (;;) {
        cf_value line = cf_yield(cf_none());
        fprintf(out, "recv %s\n", str_of(line));
        if (strstr(str_of(line), pattern) != NULL)
            fprintf(out, "match %s\n", str_of(line));
    }
    return cf_none();
}

void case_gen_grep_prime(FILE *o)
{
    static const char *lines[] = {"Yeah, but no, but yeah, but no",
                                  "A series of tubes",
                                  "python generators rock!"};
    cf_value r;
    out = o;
    cf_coro *g = new_coro(grep, "python", "grep", false);
    fprintf(out, "created\n");
    fprintf(out, "state %s\n", state_of(g));
    cf_next(g, &r);
    fprintf(out, "primed, next returned %s\n", str_of(r));
    fprintf(out, "state %s\n", state_of(g));
    for (int i = 0; i < 3; i++) {
        cf_send(g, cf_str(lines[i]), &r);
        fprintf(out, "send returned %s\n", str_of(r));
    }
    fprintf(out, "state %s\n", state_of(g));
    cf_close(g, &r);
    fprintf(out, "close returned %s\n", str_of(r));
    fprintf(out, "state %s\n", state_of(g));
    cf_coro_free(g);
}
