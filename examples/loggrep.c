/* SPDX-License-Identifier: MIT */
/*
 * loggrep - greps an Apache access log and broadcasts the matching lines
 * to a counter per status code, a total of bytes sent, and a printer:
 *
 *     source -> grep|regex -> broadcast -> status   (a user handler stage)
 *                                       -> bytes -> sum
 *                                       -> printer
 *
 *     loggrep [-E] [-i] [-f] [-q] [-d FILE.dot] PATTERN [LOG]
 *
 *   -E  PATTERN is a PCRE2 regular expression (else a fixed string)
 *   -i  ignore case (with -E)
 *   -f  follow LOG as it grows (tail -F) until Ctrl-C or SIGTERM
 *   -q  do not print the matching lines, only the summary
 *   -d  write the pipeline as Graphviz DOT to FILE.dot
 * LOG defaults to stdin ("-"). For grep's own interface (-c -v -n -l -o
 * -w -x -m, several files, exit statuses), see coflow-grep(1), the tool
 * built on the same layer (cmd/coflow-grep/).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <coflow.h>
#include <coflow/pipe.h>

/* The status and bytes fields follow the quoted request: "..." 200 1234 */
static const char *after_request(cf_value line, const char **end)
{
    const char *s = cf_to_str(line), *e = s + cf_len(line);
    const char *q = memchr(s, '"', (size_t)(e - s));
    if (q != NULL)
        q = memchr(q + 1, '"', (size_t)(e - q - 1));
    *end = e;
    return q != NULL ? q + 1 : NULL;
}

static long field(const char **p, const char *e)
{
    const char *s = *p;
    while (s < e && *s == ' ')
        s++;
    long v = -1;
    if (s < e && *s >= '0' && *s <= '9')
        for (v = 0; s < e && *s >= '0' && *s <= '9'; s++)
            v = v * 10 + (*s - '0');
    else
        while (s < e && *s != ' ')
            s++;
    *p = s;
    return v;
}

/* The per-status counter: a user handler stage in the same graph. */
struct status_count {
    long n[600];
    long other;
};

static cf_status status_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    struct status_count *c = self;
    *out = cf_none();
    if (op == CF_OP_THROW) {
        if (!cf_error_is(cf_error_last(), &cf_generator_exit))
            return CF_RAISED;
        printf("status counts:\n");
        for (int i = 0; i < 600; i++)
            if (c->n[i] > 0)
                printf("  %d  %ld\n", i, c->n[i]);
        if (c->other > 0)
            printf("  ?    %ld\n", c->other);
        return CF_RETURNED;
    }
    if (cf_is_none(in))
        return CF_YIELDED; /* priming */
    const char *e, *p = after_request(in, &e);
    long st = p != NULL ? field(&p, e) : -1;
    if (st >= 100 && st < 600)
        c->n[st]++;
    else
        c->other++;
    return CF_YIELDED;
}

static cf_status bytes_of(void *arg, cf_value in, cf_value *out)
{
    (void)arg;
    const char *e, *p = after_request(in, &e);
    if (p == NULL)
        return CF_RETURNED; /* not a log line: drop it */
    field(&p, e);
    long b = field(&p, e); /* "-" counts as 0 */
    *out = cf_int(b > 0 ? b : 0);
    return CF_YIELDED;
}

int main(int argc, char **argv)
{
    bool regex = false, caseless = false, follow = false, quiet = false;
    const char *dotfile = NULL;
    int c;
    while ((c = getopt(argc, argv, "Eifqd:")) != -1) {
        switch (c) {
        case 'E':
            regex = true;
            break;
        case 'i':
            caseless = true;
            break;
        case 'f':
            follow = true;
            break;
        case 'q':
            quiet = true;
            break;
        case 'd':
            dotfile = optarg;
            break;
        default:
            fprintf(stderr, "usage: loggrep [-E] [-i] [-f] [-q] [-d FILE.dot] "
                            "PATTERN [LOG]\n");
            return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "loggrep: no PATTERN\n");
        return 2;
    }
    const char *pattern = argv[optind];
    const char *log = optind + 1 < argc ? argv[optind + 1] : "-";

    cf_pipe *p;
    cf_coro *status = NULL, *sum = NULL, *bytes = NULL, *printer = NULL;
    cf_coro *targets[3], *b, *grep;
    static struct status_count counts;
    int rc = cf_pipe_new(&p);
    if (rc == 0)
        rc = cf_handler_new(
            &status, status_step, &counts,
            &(struct cf_coro_opts){.name = "status", .prime = true});
    if (rc == 0 && (rc = cf_pipe_add(p, status, NULL, 0)) < 0)
        cf_coro_free(status);
    if (rc == 0)
        rc = cf_pipe_sum(p, &sum, "bytes total");
    if (rc == 0)
        rc = cf_pipe_map(p, &bytes, "bytes", bytes_of, NULL, sum);
    FILE *sink = quiet ? fopen("/dev/null", "w") : stdout;
    if (rc == 0)
        rc = sink != NULL ? cf_pipe_printer(p, &printer, NULL, sink, NULL) : -1;
    targets[0] = status;
    targets[1] = bytes;
    targets[2] = printer;
    if (rc == 0)
        rc = cf_pipe_broadcast(p, &b, NULL, targets, 3);
    if (rc == 0)
        rc = regex ? cf_pipe_regex(p, &grep, NULL, pattern,
                                   caseless ? CF_REGEX_CASELESS : 0, b)
                   : cf_pipe_grep(p, &grep, NULL, pattern, b);
    if (rc < 0) {
        if (cf_error_last() != NULL)
            cf_error_print(cf_error_last(), stderr);
        else
            fprintf(stderr, "loggrep: %s\n", cf_strerror(rc));
        cf_pipe_free(p);
        return 2;
    }

    /* The source closes grep, which closes everything downstream; the sum
       behind the broadcast keeps its result (cf_pipe_result). */
    struct cf_source_opts o = {
        .name = log, .follow = follow, .stop_signals = {SIGINT, SIGTERM}};
    cf_status st = cf_pipe_source_path(p, log, grep, &o, NULL);
    if (st == CF_RAISED) {
        cf_error_print(cf_error_last(), stderr);
        cf_pipe_free(p);
        return 1;
    }
    cf_value total = cf_int(0);
    cf_pipe_result(p, sum, &total);
    printf("bytes total: %lld\n", (long long)cf_to_int(total));
    if (dotfile != NULL) {
        FILE *f = fopen(dotfile, "w");
        if (f != NULL) {
            cf_pipe_write_dot(p, f);
            fclose(f);
            printf("pipeline graph: %s\n", dotfile);
        }
    }
    cf_pipe_free(p);
    if (sink != stdout)
        fclose(sink);
    return 0;
}
