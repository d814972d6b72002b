/* SPDX-License-Identifier: MIT */
/*
 * log_follower - Beazley's follow() (tail -f) feeding grep -> printer:
 * waits at the end of FILE for new lines (inotify) and prints those that
 * contain PATTERN, until SECONDS have passed, Ctrl-C or SIGTERM. A
 * truncated or rotated FILE is followed as tail -F follows it.
 *
 *     log_follower FILE PATTERN [SECONDS]
 *
 * So that the demo has something to follow, with SECONDS given a thread
 * appends a few lines to FILE meanwhile.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <coflow.h>
#include <coflow/pipe.h>

static double deadline;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static bool time_up(void *arg)
{
    (void)arg;
    return deadline > 0 && now() >= deadline;
}

static void *appender(void *arg)
{
    static const char *const lines[] = {
        "10.0.0.1 - - [01/Jan/2008:12:00:00 -0600] \"GET /python/new.html "
        "HTTP/1.1\" 200 123\n",
        "10.0.0.2 - - [01/Jan/2008:12:00:01 -0600] \"GET /images/a.gif "
        "HTTP/1.1\" 200 456\n",
        "10.0.0.3 - - [01/Jan/2008:12:00:02 -0600] \"GET /python/more.html "
        "HTTP/1.1\" 404 0\n"};
    int fd = open(arg, O_WRONLY | O_APPEND);
    if (fd < 0)
        return NULL;
    for (int i = 0; i < 3; i++) {
        usleep(150 * 1000);
        if (write(fd, lines[i], strlen(lines[i])) < 0)
            break;
    }
    close(fd);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: log_follower FILE PATTERN [SECONDS]\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    lseek(fd, 0, SEEK_END); /* thefile.seek(0, 2): only new lines */
    cf_pipe *p;
    cf_coro *printer, *grep;
    if (cf_pipe_new(&p) < 0
        || cf_pipe_printer(p, &printer, NULL, stdout, "new: ") < 0
        || cf_pipe_grep(p, &grep, NULL, argv[2], printer) < 0)
        return 1;
    pthread_t t;
    bool appending = false;
    if (argc > 3) {
        deadline = now() + atof(argv[3]);
        appending = pthread_create(&t, NULL, appender, argv[1]) == 0;
    }
    struct cf_source_opts o = {.follow = true,
                               .stop = time_up,
                               .stop_signals = {SIGINT, SIGTERM},
                               .poll_ms = 50};
    cf_status st = cf_pipe_source_fd(p, fd, grep, &o, NULL);
    if (appending)
        pthread_join(t, NULL);
    if (st == CF_RAISED)
        cf_error_print(cf_error_last(), stderr);
    printf("follower stopped\n");
    cf_pipe_free(p);
    close(fd);
    return st == CF_RAISED;
}
