/* SPDX-License-Identifier: MIT */
/*
 * logsim - writes a deterministic Apache "combined"-style access log, the
 * data Beazley's logsim.py replays, for the demos and the grep_log
 * benchmark. The same arguments always give the same bytes (a fixed-seed
 * xorshift generator, no clock).
 *
 *     logsim [-n LINES] [-b BYTES] [-s SEED] [-o FILE]
 *
 * Defaults: 1000 lines to stdout, seed 1. With -b it writes whole lines
 * until at least BYTES bytes are out.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t state = 1;

static uint64_t rnd(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

static unsigned pick(unsigned n)
{
    return (unsigned)(rnd() % n);
}

static const char *const paths[] = {"/index.html",
                                    "/python/index.html",
                                    "/python/tutorial.pdf",
                                    "/ply/index.html",
                                    "/ply/ply-2.3.tar.gz",
                                    "/swig/python-swig.html",
                                    "/images/logo.gif",
                                    "/images/header.png",
                                    "/cgi-bin/search.cgi?q=ply",
                                    "/robots.txt",
                                    "/favicon.ico",
                                    "/ply/ply-swig-python.tar.gz",
                                    "/papers/GIL.pdf",
                                    "/css/site.css",
                                    "/js/site.js",
                                    "/python/generators/genfind.py"};
static const char *const methods[] = {"GET", "GET", "GET",  "GET",
                                      "GET", "GET", "POST", "HEAD"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const agents[] = {
    "Mozilla/5.0 (X11; Linux x86_64)", "Mozilla/5.0 (Macintosh)",
    "Googlebot/2.1 (+http://www.google.com/bot.html)", "curl/7.88.1",
    "Python-urllib/3.11"};

/* Mostly 200, some 304 and 404, a few 500. */
static int status(void)
{
    unsigned r = pick(100);
    return r < 80 ? 200 : r < 88 ? 304 : r < 97 ? 404 : r < 99 ? 403 : 500;
}

int main(int argc, char **argv)
{
    unsigned long long lines = 1000, bytes = 0;
    const char *path = NULL;
    int c;
    while ((c = getopt(argc, argv, "n:b:s:o:")) != -1) {
        switch (c) {
        case 'n':
            lines = strtoull(optarg, NULL, 0);
            break;
        case 'b':
            bytes = strtoull(optarg, NULL, 0);
            lines = 0;
            break;
        case 's':
            state = strtoull(optarg, NULL, 0) * 2654435761u + 1;
            break;
        case 'o':
            path = optarg;
            break;
        default:
            fprintf(stderr, "usage: logsim [-n LINES] [-b BYTES] [-s SEED] "
                            "[-o FILE]\n");
            return 2;
        }
    }
    FILE *f = path != NULL ? fopen(path, "w") : stdout;
    if (f == NULL) {
        perror(path);
        return 1;
    }
    static char obuf[1 << 20];
    setvbuf(f, obuf, _IOFBF, sizeof obuf);
    unsigned long long written = 0, n = 0;
    unsigned day = 1, month = 1, sec = 0; /* a clock that only moves on */
    while (bytes > 0 ? written < bytes : n < lines) {
        sec += pick(3);
        if (sec >= 86400) {
            sec -= 86400;
            if (++day > 28) {
                day = 1;
                month = month % 12 + 1;
            }
        }
        int st = status();
        unsigned size = st == 304 ? 0 : 200 + pick(100000);
        char line[512];
        int len = snprintf(
            line, sizeof line,
            "%u.%u.%u.%u - - [%02u/%s/2008:%02u:%02u:%02u -0600] \"%s %s "
            "HTTP/1.1\" %d %u \"-\" \"%s\"\n",
            10 + pick(200), pick(256), pick(256), 1 + pick(254), day,
            months[month - 1], sec / 3600, sec / 60 % 60, sec % 60,
            methods[pick(8)], paths[pick(16)], st, size, agents[pick(5)]);
        fwrite(line, 1, (size_t)len, f);
        written += (unsigned long long)len;
        n++;
    }
    if (fclose(f) != 0) {
        perror("logsim");
        return 1;
    }
    return 0;
}
