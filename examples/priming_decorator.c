/* SPDX-License-Identifier: MIT */
/*
 * priming_decorator - Beazley's coroutine.py: the @coroutine decorator,
 * which creates a generator and advances it to its first yield, is the
 * `prime` option. Without priming, a first send that is not None raises
 * TypeError, exactly as in Python.
 */
#include <stdio.h>
#include <string.h>

#include <coflow.h>

static cf_value grep(void *arg)
{
    const char *pattern = arg;
    printf("Looking for %s\n", pattern);
    for (;;) {
        cf_value line = cf_yield(cf_none());
        if (strstr(cf_to_str(line), pattern) != NULL)
            printf("%s\n", cf_to_str(line));
    }
    return cf_none();
}

int main(void)
{
    static char pattern[] = "python";
    char msg[128];
    cf_coro *raw, *primed;

    /* Unprimed: the first send must be None. */
    if (cf_coro_new(&raw, grep, pattern, NULL) < 0)
        return 1;
    if (cf_send(raw, cf_str("python rocks"), NULL) == CF_RAISED) {
        cf_error_format(cf_error_last(), msg, sizeof msg);
        printf("unprimed send: %s\n", msg);
        cf_error_clear();
    }
    printf("state: %s\n", cf_state_name(cf_coro_state(raw)));
    cf_coro_free(raw);

    /* @coroutine: created and already at its first yield. */
    if (cf_coro_new(&primed, grep, pattern,
                    &(struct cf_coro_opts){.name = "grep", .prime = true})
        < 0)
        return 1;
    printf("state: %s\n", cf_state_name(cf_coro_state(primed)));
    cf_send(primed, cf_str("Yeah, but no, but yeah, but no"), NULL);
    cf_send(primed, cf_str("python generators rock!"), NULL);
    cf_coro_free(primed); /* closes it first */
    return 0;
}
