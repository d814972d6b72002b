/* SPDX-License-Identifier: MIT */
/*
 * tests/tsan/main.c - runs the tests registered through the Criterion shim
 * (criterion/criterion.h here) whose "suite/name" matches an argument.
 */
#include <fnmatch.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "criterion/criterion.h"

static struct shim_test *tests, **tail = &tests;

void shim_register(struct shim_test *t)
{
    *tail = t;
    tail = &t->next;
}

void shim_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, what);
    fflush(stderr);
    _exit(1);
}

static void run(struct shim_test *t)
{
    if (t->init != NULL)
        t->init();
    t->fn();
    if (t->fini != NULL)
        t->fini();
}

static bool wanted(const struct shim_test *t, int argc, char **argv)
{
    char full[256];
    snprintf(full, sizeof full, "%s/%s", t->suite, t->name);
    for (int i = 1; i < argc; i++)
        if (fnmatch(argv[i], full, 0) == 0)
            return true;
    return argc < 2;
}

int main(int argc, char **argv)
{
    int ran = 0;
    for (struct shim_test *t = tests; t != NULL; t = t->next) {
        if (t->disabled || !wanted(t, argc, argv))
            continue;
        if (t->signal != 0 || t->exit_code != 0) {
            fflush(NULL);
            pid_t pid = fork();
            if (pid == 0) {
                run(t);
                _exit(0);
            }
            int status;
            waitpid(pid, &status, 0);
            bool ok =
                t->signal != 0
                    ? WIFSIGNALED(status) && WTERMSIG(status) == t->signal
                    : WIFEXITED(status) && WEXITSTATUS(status) == t->exit_code;
            if (!ok) {
                fprintf(stderr, "[FAIL] %s::%s: status 0x%x\n", t->suite,
                        t->name, status);
                return 1;
            }
        } else {
            run(t);
        }
        printf("[PASS] %s::%s\n", t->suite, t->name);
        ran++;
    }
    printf("tsan: %d tests passed\n", ran);
    return ran > 0 ? 0 : 1;
}
