/* SPDX-License-Identifier: MIT */
/*
 * bench/bus_xml.c - the bus_xml benchmark's C programs (bench/README.md):
 *
 *   bus_xml coflow FILE        the bus pipeline of examples/buses.c (route
 *                              22 North Bound) over FILE, lines to /dev/null,
 *                              with buses_to_dicts a handler (buses -H)
 *   bus_xml coflow-body FILE   the same with buses_to_dicts a body coroutine
 *                              (the example's default): a switch per event
 *   bus_xml floor FILE         expat alone with empty handlers, fed the
 *                              same way (64 KiB reads into XML_GetBuffer)
 *   bus_xml make SRC OUT MB    writes OUT: SRC's <bus> records repeated
 *                              inside one <buses> until it has MB MiB
 *
 * These print "SECONDS<TAB>LINES" (LINES is - for the floor):
 * the time of the parse alone, from open to close, as the Python versions
 * (bus_xml_sax.py, bus_xml_expat.py) time theirs. bench/bus_xml.sh runs
 * them all.
 */
#define BUSES_NO_MAIN
#include "../examples/buses.c"

#include <expat.h>
#include <fcntl.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void XMLCALL on_start(void *ud, const XML_Char *name,
                             const XML_Char **attrs)
{
    (void)ud;
    (void)name;
    (void)attrs;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    (void)ud;
    (void)name;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    (void)ud;
    (void)s;
    (void)len;
}

/* The floor: what any expat-based front end must spend. */
static int floor_run(const char *path)
{
    double t0 = now();
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        perror(path);
        return 1;
    }
    XML_Parser xp = XML_ParserCreate(NULL);
    XML_SetElementHandler(xp, on_start, on_end);
    XML_SetCharacterDataHandler(xp, on_text);
    enum XML_Status rs;
    do {
        void *buf = XML_GetBuffer(xp, 64 * 1024);
        ssize_t k = read(fd, buf, 64 * 1024);
        if (k < 0) {
            perror(path);
            return 1;
        }
        rs = XML_ParseBuffer(xp, (int)k, k == 0);
        if (k == 0)
            break;
    } while (rs == XML_STATUS_OK);
    if (rs != XML_STATUS_OK) {
        fprintf(stderr, "%s: %s\n", path,
                XML_ErrorString(XML_GetErrorCode(xp)));
        return 1;
    }
    XML_ParserFree(xp);
    close(fd);
    printf("%.6f\t-\n", now() - t0);
    return 0;
}

static int coflow_run(const char *path, bool handler)
{
    FILE *null = fopen("/dev/null", "w");
    struct buses_stats stats;
    double t0 = now();
    int rc =
        buses_run(path, NULL, 0, "22", "North Bound", handler, null, &stats);
    double t = now() - t0;
    fclose(null);
    if (rc == 0)
        printf("%.6f\t%ld\n", t, stats.printed);
    return rc;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *s = malloc((size_t)n + 1);
    if (s == NULL || fread(s, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(s);
        return NULL;
    }
    fclose(f);
    s[n] = '\0';
    *len = (size_t)n;
    return s;
}

/* Repeats what lies between <buses ...> and </buses> in `src`. */
static int make_file(const char *src, const char *out, long mb)
{
    size_t len;
    char *s = slurp(src, &len);
    if (s == NULL) {
        perror(src);
        return 1;
    }
    char *open_tag = strstr(s, "<buses");
    char *body = open_tag != NULL ? strchr(open_tag, '>') : NULL;
    char *end = strstr(s, "</buses>");
    if (body == NULL || end == NULL || end < body) {
        fprintf(stderr, "%s: no <buses> element\n", src);
        return 1;
    }
    body++;
    FILE *f = fopen(out, "w");
    if (f == NULL) {
        perror(out);
        return 1;
    }
    size_t want = (size_t)mb << 20, wrote = 0;
    fwrite(s, 1, (size_t)(body - s), f);
    while (wrote < want) {
        fwrite(body, 1, (size_t)(end - body), f);
        wrote += (size_t)(end - body);
    }
    fputs(end, f);
    free(s);
    return fclose(f) != 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "coflow") == 0)
        return coflow_run(argv[2], true);
    if (argc == 3 && strcmp(argv[1], "coflow-body") == 0)
        return coflow_run(argv[2], false);
    if (argc == 3 && strcmp(argv[1], "floor") == 0)
        return floor_run(argv[2]);
    if (argc == 5 && strcmp(argv[1], "make") == 0)
        return make_file(argv[2], argv[3], atol(argv[4]));
    fprintf(stderr,
            "usage: bus_xml coflow|coflow-body|floor FILE | make SRC OUT MB\n");
    return 2;
}
