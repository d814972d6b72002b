/* SPDX-License-Identifier: MIT */
/*
 * tests/sax/buses.c - the bus example (examples/buses.c) run as a program:
 * on the committed sample, and on the Chicago Transit Authority's
 * allroutes.xml (committed as tests/data/allroutes.xml), where Beazley's
 * buses.py, coexpat.py and buses2.py all print the same 16 lines for route
 * 22 North Bound (docs/semantics.md, item 67).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

#ifndef CF_SAX_BUSES
#define CF_SAX_BUSES "build/debug/examples/buses"
#endif

/*
 * Runs the example with `args` (a NULL-terminated list after the program),
 * collecting its stdout. Returns its exit status; `*out` is malloc'd.
 */
static int run(const char *const *args, char **out)
{
    const char *argv[16] = {CF_SAX_BUSES};
    size_t n = 1;
    while (args[n - 1] != NULL && n < 15) {
        argv[n] = args[n - 1];
        n++;
    }
    argv[n] = NULL;
    int pfd[2];
    cr_assert_eq(pipe(pfd), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        dup2(pfd[1], 1);
        close(pfd[0]);
        close(pfd[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(pfd[1]);
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    ssize_t k;
    while ((k = read(pfd[0], buf + len, cap - len - 1)) > 0) {
        len += (size_t)k;
        if (cap - len < 1024)
            buf = realloc(buf, cap *= 2);
    }
    buf[len] = '\0';
    close(pfd[0]);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    *out = buf;
    cr_assert(WIFEXITED(status), "%s died", CF_SAX_BUSES);
    return WEXITSTATUS(status);
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s != '\0'; s++)
        n += *s == '\n';
    return n;
}

TestSuite(sax_buses);

/* The sample is pipe_bus_events's excerpt: two North Bound 22s. */
Test(sax_buses, sample)
{
    char *out;
    const char *args[] = {"examples/data/buses.xml", NULL};
    if (access(CF_SAX_BUSES, X_OK) != 0)
        cr_skip_test("%s not built", CF_SAX_BUSES);
    cr_assert_eq(run(args, &out), 0);
    cr_assert_str_eq(out, "22,1485,\"North Bound\",41.880481123924255,"
                          "-87.62948191165924\n"
                          "22,1629,\"North Bound\",42.01851969751819,"
                          "-87.6730209876751\n");
    free(out);
}

/*
 * buses.py on allroutes.xml: 16 lines, the first and last as Python's
 * buses.py prints them.
 */
Test(sax_buses, allroutes, .timeout = 120)
{
    const char *path = "tests/data/allroutes.xml";
    cr_assert_eq(access(path, R_OK), 0, "%s: %s", path, strerror(errno));
    if (access(CF_SAX_BUSES, X_OK) != 0)
        cr_skip_test("%s not built", CF_SAX_BUSES);
    char *out;
    const char *args[] = {path, NULL};
    cr_assert_eq(run(args, &out), 0);
    cr_assert_eq(count_lines(out), 16, "%s", out);
    const char *first =
        "22,1485,\"North Bound\",41.880481123924255,-87.62948191165924\n";
    const char *last =
        "22,1499,\"North Bound\",41.96970504369491,-87.66764088166066\n";
    cr_assert_eq(strncmp(out, first, strlen(first)), 0, "%s", out);
    size_t len = strlen(out);
    cr_assert_str_eq(out + len - strlen(last), last);
    /* Every line is route 22 North Bound, and no bus is printed twice. */
    for (char *line = out; *line != '\0'; line = strchr(line, '\n') + 1) {
        cr_assert_eq(strncmp(line, "22,", 3), 0);
        cr_assert(strstr(line, ",\"North Bound\",") != NULL);
        char id[32];
        snprintf(id, sizeof id, ",%.*s,", (int)strcspn(line + 3, ","),
                 line + 3);
        cr_assert_null(strstr(strchr(line, '\n') + 1, id), "%s twice", id);
    }

    /* buses_to_dicts as a handler (-H) prints the same. */
    char *again;
    const char *handler[] = {"-H", path, NULL};
    cr_assert_eq(run(handler, &again), 0);
    cr_assert_str_eq(again, out);
    free(again);
    free(out);

    /* Route 22 has 24 buses in all: 16 North, 8 South. */
    const char *south[] = {"-d", "South Bound", path, NULL};
    cr_assert_eq(run(south, &out), 0);
    cr_assert_eq(count_lines(out), 8, "%s", out);
    free(out);
}

/* A file that is not XML: the example says why, with the position. */
Test(sax_buses, bad_file)
{
    char path[] = "/tmp/cf_buses_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_eq(write(fd, "<buses><bus></buses>", 20), 20);
    close(fd);
    if (access(CF_SAX_BUSES, X_OK) != 0)
        cr_skip_test("%s not built", CF_SAX_BUSES);
    char *out;
    const char *args[] = {path, NULL};
    stderr_capture();
    int rc = run(args, &out);
    char *err = stderr_captured();
    unlink(path);
    cr_assert_eq(rc, 1);
    cr_assert_str_eq(out, "");
    cr_assert(strstr(err, "ExpatError: mismatched tag: line 1, column 14")
                  != NULL,
              "%s", err);
    free(out);
}
