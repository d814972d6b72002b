/* SPDX-License-Identifier: MIT */
/*
 * grep_coroutine - Beazley's first coroutine (grep.py and grepclose.py):
 * a body that receives lines with yield, primed by hand with next(), fed
 * with send(), and closed. The Python:
 *
 *     def grep(pattern):
 *         print("Looking for %s" % pattern)
 *         try:
 *             while True:
 *                 line = (yield)
 *                 if pattern in line:
 *                     print(line)
 *         except GeneratorExit:
 *             print("Going away. Goodbye")
 */
#include <stdio.h>
#include <string.h>

#include <coflow.h>

static cf_value grep(void *arg)
{
    const char *pattern = arg;
    cf_value line;

    printf("Looking for %s\n", pattern);
    while (cf_yield_catch(cf_none(), &line) == CF_YIELDED)
        if (strstr(cf_to_str(line), pattern) != NULL)
            printf("%s\n", cf_to_str(line));
    /* A GeneratorExit was thrown in: clean up and return. */
    if (cf_error_is(cf_error_last(), &cf_generator_exit))
        printf("Going away. Goodbye\n");
    return cf_none();
}

int main(void)
{
    static const char *lines[] = {"Yeah, but no, but yeah, but no",
                                  "A series of tubes",
                                  "python generators rock!"};
    static char pattern[] = "python";
    cf_coro *g;
    int rc =
        cf_coro_new(&g, grep, pattern, &(struct cf_coro_opts){.name = "grep"});
    if (rc < 0) {
        fprintf(stderr, "grep: %s\n", cf_strerror(rc));
        return 1;
    }
    cf_next(g, NULL); /* prime it: run to the first yield */
    for (int i = 0; i < 3; i++)
        cf_send(g, cf_str(lines[i]), NULL);
    cf_close(g, NULL);
    printf("state after close: %s\n", cf_state_name(cf_coro_state(g)));
    cf_coro_free(g);
    return 0;
}
