/* SPDX-License-Identifier: MIT */
/*
 * coflow-grep - GNU grep's everyday interface on coflow's pipe layer.
 *
 *     coflow-grep [OPTION]... PATTERNS [FILE]...
 *
 * Each file is one pipeline, built sink first:
 *
 *     source (blocks of whole lines) -> match -> [take N] -> printer | count
 *
 * The source (cf_pipe_source_fd with `blocks`) sends every read's whole
 * lines as one value; the match stage searches the whole block for the
 * pattern (a cf_finder for a fixed string, PCRE2's JIT in multiline mode
 * for a regular expression), as GNU grep does, finds the line around each
 * hit and sends the selected lines on, one value each; take (-m, -l, -q)
 * ends the stream, which stops the source; the printer writes each line
 * with its file name and number, or count (-c) counts them. --follow is the
 * source's follow mode (tail -F): truncation, rotation, whole lines only,
 * stopped by SIGINT or SIGTERM.
 *
 * Patterns: -G (default, POSIX basic) and -E (extended) are translated to
 * PCRE2 (docs/man/coflow-grep.1.md lists where the two differ); -F fixed
 * strings; -P is PCRE2 as written. Bytes, as GNU grep in the C locale.
 * Exit status: 0 a line was selected, 1 none, 2 an error (with -q a
 * selected line wins over an error, as in GNU grep). Messages are GNU
 * grep's, with argv[0] as the program name, as GNU grep uses it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <coflow.h>
#include <coflow/pipe.h>

static const char *prog = "coflow-grep";

/* ---- options ---- */

enum syntax { BRE, ERE, FIXED, PERL };

static struct {
    enum syntax syntax;
    bool count, invert, icase, number, only, word, line, quiet, list, follow;
    bool no_messages;
    int with_name; /* -1: default (several files), 0: -h, 1: -H */
    long long max; /* -m; -1: none */
    char **pats;
    size_t npats;
} opt = {.with_name = -1, .max = -1};

static bool had_error;

static void usage_error(void)
{
    fprintf(stderr,
            "Usage: %s [OPTION]... PATTERNS [FILE]...\n"
            "Try '%s --help' for more information.\n",
            prog, prog);
    exit(2);
}

static void help(void)
{
    printf(
        "Usage: %s [OPTION]... PATTERNS [FILE]...\n"
        "Search for PATTERNS in each FILE.\n"
        "  -E, --extended-regexp     PATTERNS are extended regular "
        "expressions\n"
        "  -F, --fixed-strings       PATTERNS are strings\n"
        "  -G, --basic-regexp        PATTERNS are basic regular expressions\n"
        "  -P, --perl-regexp         PATTERNS are Perl (PCRE2) regular "
        "expressions\n"
        "  -e, --regexp=PATTERNS     use PATTERNS for matching\n"
        "  -f, --file=FILE           take PATTERNS from FILE\n"
        "  -i, --ignore-case         ignore case distinctions\n"
        "  -w, --word-regexp         match only whole words\n"
        "  -x, --line-regexp         match only whole lines\n"
        "  -v, --invert-match        select non-matching lines\n"
        "  -c, --count               print only a count of selected lines "
        "per FILE\n"
        "  -l, --files-with-matches  print only names of FILEs with "
        "selected lines\n"
        "  -m, --max-count=NUM       stop after NUM selected lines\n"
        "  -n, --line-number         print line number with output lines\n"
        "  -H, --with-filename       print file name with output lines\n"
        "  -h, --no-filename         suppress the file name prefix\n"
        "  -o, --only-matching       show only nonempty parts of lines that "
        "match\n"
        "  -q, --quiet, --silent     suppress all normal output\n"
        "  -s, --no-messages         suppress error messages\n"
        "      --follow              follow FILE as it grows (tail -F)\n"
        "When FILE is '-', read standard input.\n"
        "Exit status is 0 if any line is selected, 1 otherwise;\n"
        "if any error occurs and -q is not given, the exit status is 2.\n",
        prog);
    exit(0);
}

static void add_pattern(const char *s, size_t n)
{
    opt.pats = realloc(opt.pats, (opt.npats + 1) * sizeof *opt.pats);
    if (opt.pats == NULL || (opt.pats[opt.npats] = strndup(s, n)) == NULL) {
        fprintf(stderr, "%s: memory exhausted\n", prog);
        exit(2);
    }
    opt.npats++;
}

/* -e PATTERNS: one pattern per line. */
static void add_patterns(const char *s, size_t n)
{
    const char *e = s + n;
    for (;;) {
        const char *nl = memchr(s, '\n', (size_t)(e - s));
        if (nl == NULL) {
            add_pattern(s, (size_t)(e - s));
            return;
        }
        add_pattern(s, (size_t)(nl - s));
        s = nl + 1;
    }
}

static void patterns_from_file(const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
        exit(2);
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] == '\n')
            n--;
        add_pattern(line, (size_t)n);
    }
    free(line);
    if (f != stdin)
        fclose(f);
}

/* ---- POSIX BRE/ERE to PCRE2 ---- */

struct buf {
    char *s;
    size_t n, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->s = realloc(b->s, b->cap);
        if (b->s == NULL) {
            fprintf(stderr, "%s: memory exhausted\n", prog);
            exit(2);
        }
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* A literal byte, escaped if PCRE2 would read it otherwise. */
static void put_literal(struct buf *b, char c)
{
    if (strchr("\\^$.[]|()?*+{}", c) != NULL && c != '\0') {
        char e[2] = {'\\', c};
        put(b, e, 2);
    } else if (c == '\0') {
        puts_(b, "\\x00");
    } else {
        put(b, &c, 1);
    }
}

/* A bracket expression from `s` (at '['): copied, a backslash made
   literal (POSIX has no escapes in brackets). Returns the end. */
static const char *bracket(struct buf *b, const char *s, const char *e)
{
    const char *p = s + 1;
    put(b, "[", 1);
    if (p < e && *p == '^')
        put(b, p++, 1);
    if (p < e && *p == ']') { /* a leading ] is literal */
        puts_(b, "\\]");
        p++;
    }
    while (p < e && *p != ']') {
        if (*p == '[' && p + 1 < e
            && (p[1] == ':' || p[1] == '=' || p[1] == '.')) {
            char kind = p[1];
            const char *close = p + 2;
            while (close + 1 < e && !(close[0] == kind && close[1] == ']'))
                close++;
            if (close + 1 >= e)
                return NULL;
            put(b, p, (size_t)(close + 2 - p));
            p = close + 2;
            continue;
        }
        if (*p == '\\')
            puts_(b, "\\\\");
        else if (*p == '[')
            puts_(b, "\\[");
        else
            put(b, p, 1);
        p++;
    }
    if (p >= e)
        return NULL;
    put(b, "]", 1);
    return p + 1;
}

/*
 * Translates one BRE or ERE to PCRE2. Returns false for an unmatched
 * bracket (GNU grep's "Unmatched [, [^, [:, [., or [=").
 */
static bool translate(struct buf *b, const char *s, size_t n, bool ere)
{
    const char *p = s, *e = s + n;
    bool at_start = true; /* where '*' is literal and '^' an anchor (BRE) */
    while (p < e) {
        char c = *p;
        bool was_start = at_start;
        at_start = false;
        if (c == '[') {
            p = bracket(b, p, e);
            if (p == NULL)
                return false;
            continue;
        }
        if (c == '\\' && p + 1 < e) {
            char d = p[1];
            p += 2;
            if (!ere && (d == '(' || d == '|')) {
                put(b, d == '(' ? "(" : "|", 1);
                at_start = true;
            } else if (!ere
                       && (d == ')' || d == '{' || d == '}' || d == '+'
                           || d == '?')) {
                put(b, &d, 1);
            } else if (d == '<') {
                puts_(b, "\\b(?=\\w)");
            } else if (d == '>') {
                puts_(b, "\\b(?<=\\w)");
            } else if (d == '`') {
                puts_(b, "\\A");
            } else if (d == '\'') {
                puts_(b, "\\z");
            } else if ((d >= '1' && d <= '9') || strchr("wWsSbB", d) != NULL) {
                char esc[2] = {'\\', d};
                put(b, esc, 2);
            } else {
                put_literal(b, d);
            }
            continue;
        }
        p++;
        if (c == '*' && was_start) {
            puts_(b, "\\*");
        } else if (!ere && c == '^' && !was_start) {
            puts_(b, "\\^");
        } else if (!ere && c == '$' && p < e
                   && !(p + 1 < e && p[0] == '\\'
                        && (p[1] == ')' || p[1] == '|'))) {
            puts_(b, "\\$");
        } else if (!ere && strchr("+?(){}|", c) != NULL) {
            put_literal(b, c);
        } else if (ere && (c == '(' || c == '|')) {
            put(b, &c, 1);
            at_start = true;
        } else if (c == '^') {
            put(b, &c, 1);
            at_start = !ere;
        } else {
            put(b, &c, 1);
        }
    }
    return true;
}

/* ---- the matcher ---- */

static struct {
    cf_finder *finder; /* a single fixed string, no -i -w -x */
    pcre2_code *re;
    bool jit;
    pcre2_match_data *md;
    pcre2_match_context *mc;
    pcre2_jit_stack *stack;
} m;

static void compile(void)
{
    if (opt.syntax == FIXED && opt.npats == 1 && !opt.icase && !opt.word
        && !opt.line) {
        if (cf_finder_new(&m.finder, opt.pats[0], strlen(opt.pats[0])) < 0) {
            fprintf(stderr, "%s: memory exhausted\n", prog);
            exit(2);
        }
    }
    struct buf b = {0};
    puts_(&b, "");
    if (opt.line)
        puts_(&b, "^(?:");
    else if (opt.word)
        puts_(&b, "(?<!\\w)(?:");
    for (size_t i = 0; i < opt.npats; i++) {
        if (i > 0)
            puts_(&b, "|");
        puts_(&b, "(?:");
        const char *s = opt.pats[i];
        size_t n = strlen(s);
        if (opt.syntax == FIXED) {
            for (size_t k = 0; k < n; k++)
                put_literal(&b, s[k]);
        } else if (opt.syntax == PERL) {
            put(&b, s, n);
        } else if (!translate(&b, s, n, opt.syntax == ERE)) {
            fprintf(stderr, "%s: Unmatched [, [^, [:, [., or [=\n", prog);
            exit(2);
        }
        puts_(&b, ")");
    }
    if (opt.npats == 0)
        puts_(&b, "(*FAIL)");
    if (opt.line)
        puts_(&b, ")$");
    else if (opt.word)
        puts_(&b, ")(?!\\w)");
    uint32_t o = PCRE2_MULTILINE | PCRE2_DOLLAR_ENDONLY;
    if (opt.icase)
        o |= PCRE2_CASELESS;
    int err;
    PCRE2_SIZE off;
    m.re = pcre2_compile((PCRE2_SPTR)b.s, b.n, o, &err, &off, NULL);
    if (m.re == NULL) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(err, msg, sizeof msg);
        fprintf(stderr, "%s: %s\n", prog, (const char *)msg);
        exit(2);
    }
    free(b.s);
    m.jit = pcre2_jit_compile(m.re, PCRE2_JIT_COMPLETE) == 0;
    m.md = pcre2_match_data_create_from_pattern(m.re, NULL);
    m.mc = pcre2_match_context_create(NULL);
    if (m.jit) {
        m.stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, NULL);
        pcre2_jit_stack_assign(m.mc, NULL, m.stack);
    }
}

/* Regex search in [s, s + n) from `from`: 1 found (offsets in md), 0 none,
   -1 PCRE2 gave up (limit). */
static int re_search(const char *s, size_t n, size_t from)
{
    int rc;
    if (m.jit) {
        rc = pcre2_jit_match(m.re, (PCRE2_SPTR)s, n, from, 0, m.md, m.mc);
        if (rc != PCRE2_ERROR_JIT_STACKLIMIT)
            goto done;
    }
    rc = pcre2_match(m.re, (PCRE2_SPTR)s, n, from, PCRE2_NO_JIT, m.md, m.mc);
done:
    if (rc >= 0)
        return 1;
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    return -1;
}

static void limit_warning(const char *name)
{
    fprintf(stderr, "%s: %s: exceeded PCRE's backtracking limit\n", prog, name);
    had_error = true;
}

/* Does line [s, s + n) (no newline) match? */
static bool line_matches(const char *s, size_t n, const char *name)
{
    if (m.finder != NULL)
        return cf_finder_find(m.finder, s, n) != NULL;
    int rc = re_search(n > 0 ? s : "", n, 0);
    if (rc < 0)
        limit_warning(name);
    return rc == 1;
}

/*
 * The next line at or after `pos` in [b, e) (e[-1] is '\n' unless the
 * input ended without one) that contains a match: its start in *ls, its
 * end (the newline or e) in *le; false when there is none.
 */
static bool next_match(const char *b, const char *e, const char *pos,
                       const char **ls, const char **le, const char *name)
{
    /* The subject stops before a final newline, so that $ matches there
       and nothing matches the "line" after it. */
    size_t n = (size_t)(e - b);
    if (n > 0 && e[-1] == '\n')
        n--;
    while (pos <= b + n) {
        const char *hit;
        if (m.finder != NULL) {
            hit = cf_finder_find(m.finder, pos, (size_t)(b + n - pos));
            if (hit == NULL)
                return false;
        } else {
            int rc = re_search(b, n, (size_t)(pos - b));
            if (rc == 0)
                return false;
            if (rc < 0) { /* too hard in one piece: line by line */
                for (const char *l = pos; l <= b + n;) {
                    const char *nl = memchr(l, '\n', (size_t)(b + n - l));
                    const char *end = nl != NULL ? nl : b + n;
                    if (line_matches(l, (size_t)(end - l), name)) {
                        *ls = l;
                        *le = end;
                        return true;
                    }
                    l = end + 1;
                }
                return false;
            }
            hit = b + pcre2_get_ovector_pointer(m.md)[0];
        }
        const char *start = hit;
        while (start > pos && start[-1] != '\n')
            start--;
        const char *nl = memchr(hit, '\n', (size_t)(b + n - hit));
        const char *end = nl != NULL ? nl : b + n;
        /* A regex match may run over a newline: check the line alone. */
        if (m.finder != NULL
            || pcre2_get_ovector_pointer(m.md)[1] <= (size_t)(end - b)
            || line_matches(start, (size_t)(end - start), name)) {
            *ls = start;
            *le = end;
            return true;
        }
        pos = end + 1;
    }
    return false;
}

/* ---- the pipeline's stages ---- */

struct file {
    const char *name; /* as printed */
    bool binary;      /* a NUL byte in the first block */
    bool first_block;
    uint64_t lineno;     /* of the line last sent */
    const char *counted; /* lines counted up to here in the current block */
    cf_coro *next;       /* take, printer or count */
    bool selected;
};

static struct file cur;

static uint64_t count_newlines(const char *s, const char *e)
{
    uint64_t n = 0;
    while (s < e && (s = memchr(s, '\n', (size_t)(e - s))) != NULL) {
        n++;
        s++;
    }
    return n;
}

/* Sends line [ls, le) on: CF_YIELDED to go on, else the stream ends. */
static cf_status emit(const char *ls, const char *le, cf_value *out)
{
    if (opt.number) {
        cur.lineno += count_newlines(cur.counted, ls) + 1;
        cur.counted = le + 1;
    }
    cur.selected = true;
    cf_value r;
    cf_status st = cf_send(cur.next, cf_strn(ls, (size_t)(le - ls)), &r);
    if (st == CF_RETURNED)
        *out = r;
    return st;
}

/* The match stage: a block of whole lines in, the selected lines out. */
static cf_status match_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    (void)self;
    *out = cf_none();
    if (op == CF_OP_THROW) {
        if (!cf_error_is(cf_error_last(), &cf_generator_exit))
            return CF_RAISED;
        return cf_close(cur.next, out); /* the count, for -c */
    }
    if (cf_is_none(in))
        return CF_YIELDED; /* priming */
    const char *b = cf_to_str(in), *e = b + cf_len(in);
    if (cur.first_block) {
        cur.first_block = false;
        cur.binary = memchr(b, '\0', cf_len(in)) != NULL;
    }
    cur.counted = b;
    const char *pos = b, *ls, *le;
    cf_status st;
    if (!opt.invert) {
        while (pos < e && next_match(b, e, pos, &ls, &le, cur.name)) {
            st = emit(ls, le, out);
            if (st != CF_YIELDED)
                return st;
            pos = le + 1;
        }
    } else {
        while (pos < e) {
            bool found = next_match(b, e, pos, &ls, &le, cur.name);
            const char *upto = found ? ls : e;
            /* Every line from pos up to the matching one is selected. */
            while (pos < upto) {
                const char *nl = memchr(pos, '\n', (size_t)(e - pos));
                const char *end = nl != NULL ? nl : e;
                st = emit(pos, end, out);
                if (st != CF_YIELDED)
                    return st;
                pos = end + 1;
            }
            if (!found)
                break;
            pos = le + 1;
        }
    }
    if (opt.number) {
        cur.lineno += count_newlines(cur.counted, e);
    }
    return CF_YIELDED;
}

static FILE *out_f;

static void prefix(void)
{
    if (opt.with_name == 1)
        fprintf(out_f, "%s:", cur.name);
    if (opt.number)
        fprintf(out_f, "%llu:", (unsigned long long)cur.lineno);
}

/* The printer stage: prefixes, the line (or its matches, -o), newline. */
static cf_status print_step(void *self, cf_op op, cf_value in, cf_value *out)
{
    (void)self;
    *out = cf_none();
    if (op == CF_OP_THROW)
        return CF_RAISED;
    if (cf_is_none(in))
        return CF_YIELDED;
    const char *s = cf_to_str(in);
    size_t n = cf_len(in);
    if (cur.binary) {
        fflush(out_f);
        fprintf(stderr, "%s: %s: binary file matches\n", prog, cur.name);
        return CF_RETURNED; /* nothing more from this file */
    }
    if (!opt.only) {
        prefix();
        fwrite(s, 1, n, out_f);
        putc('\n', out_f);
        return CF_YIELDED;
    }
    if (opt.invert)
        return CF_YIELDED; /* -o -v prints nothing */
    for (size_t from = 0; from <= n;) {
        size_t a, z;
        if (m.finder != NULL) {
            const char *hit = cf_finder_find(m.finder, s + from, n - from);
            if (hit == NULL || cf_finder_len(m.finder) == 0)
                break;
            a = (size_t)(hit - s);
            z = a + cf_finder_len(m.finder);
        } else {
            if (re_search(n > 0 ? s : "", n, from) != 1)
                break;
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m.md);
            a = ov[0];
            z = ov[1];
        }
        if (z == a) { /* an empty match: step over it */
            from = a + 1;
            continue;
        }
        prefix();
        fwrite(s + a, 1, z - a, out_f);
        putc('\n', out_f);
        from = z;
    }
    return CF_YIELDED;
}

/* ---- per file ---- */

/* Greps one file; false when it could not be read. */
static bool grep_file(const char *path)
{
    bool is_stdin = strcmp(path, "-") == 0;
    memset(&cur, 0, sizeof cur);
    cur.name = is_stdin ? "(standard input)" : path;
    cur.first_block = true;
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (!opt.no_messages)
            fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
        return false;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (!opt.no_messages)
            fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(EISDIR));
        if (!is_stdin)
            close(fd);
        return false;
    }
    cf_pipe *p;
    cf_coro *sink = NULL, *take = NULL, *match = NULL;
    bool counting = opt.count || opt.list || opt.quiet;
    int rc = cf_pipe_new(&p);
    if (rc == 0)
        rc = counting ? cf_pipe_count(p, &sink, "count")
                      : cf_handler_new(&sink, print_step, NULL,
                                       &(struct cf_coro_opts){.name = "printer",
                                                              .prime = true});
    if (rc == 0 && !counting && (rc = cf_pipe_add(p, sink, NULL, 0)) < 0)
        cf_coro_free(sink);
    long long max = opt.max;
    if ((opt.list || opt.quiet) && (max < 0 || max > 1))
        max = 1;
    cur.next = sink;
    if (rc == 0 && max >= 0) {
        rc = cf_pipe_take(p, &take, "take", (uint64_t)max, sink);
        cur.next = take;
    }
    if (rc == 0) {
        rc = cf_handler_new(
            &match, match_step, NULL,
            &(struct cf_coro_opts){.name = "match", .prime = true});
        if (rc == 0 && (rc = cf_pipe_add(p, match, &cur.next, 1)) < 0)
            cf_coro_free(match);
    }
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", prog, cf_strerror(rc));
        exit(2);
    }
    struct cf_source_opts so = {.name = cur.name,
                                .blocks = true,
                                .follow = opt.follow,
                                .stop_signals = {SIGINT, SIGTERM}};
    cf_value n = cf_none();
    cf_status s = cf_pipe_source_fd(p, fd, match, &so, &n);
    bool ok = true;
    if (s == CF_RAISED) {
        /* OSError: "[Errno 21] Is a directory": GNU grep's words are
           strerror's, after the number. */
        const char *msg = cf_error_message(cf_error_last());
        const char *words = strstr(msg, "] ");
        if (!opt.no_messages)
            fprintf(stderr, "%s: %s: %s\n", prog, cur.name,
                    words != NULL ? words + 2 : msg);
        cf_error_clear();
        ok = false;
    }
    if (opt.count) {
        cf_value c = cf_int(0);
        cf_pipe_result(p, sink, &c);
        if (opt.with_name == 1)
            fprintf(out_f, "%s:", cur.name);
        fprintf(out_f, "%lld\n", (long long)cf_to_int(c));
    } else if (opt.list && cur.selected) {
        fprintf(out_f, "%s\n", cur.name);
    }
    cf_pipe_free(p);
    if (!is_stdin)
        close(fd);
    return ok;
}

int main(int argc, char **argv)
{
    prog = argv[0];
    static const struct option longs[] = {
        {"extended-regexp", no_argument, NULL, 'E'},
        {"fixed-strings", no_argument, NULL, 'F'},
        {"basic-regexp", no_argument, NULL, 'G'},
        {"perl-regexp", no_argument, NULL, 'P'},
        {"regexp", required_argument, NULL, 'e'},
        {"file", required_argument, NULL, 'f'},
        {"ignore-case", no_argument, NULL, 'i'},
        {"word-regexp", no_argument, NULL, 'w'},
        {"line-regexp", no_argument, NULL, 'x'},
        {"invert-match", no_argument, NULL, 'v'},
        {"count", no_argument, NULL, 'c'},
        {"files-with-matches", no_argument, NULL, 'l'},
        {"max-count", required_argument, NULL, 'm'},
        {"line-number", no_argument, NULL, 'n'},
        {"with-filename", no_argument, NULL, 'H'},
        {"no-filename", no_argument, NULL, 'h'},
        {"only-matching", no_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"silent", no_argument, NULL, 'q'},
        {"no-messages", no_argument, NULL, 's'},
        {"follow", no_argument, NULL, 'F' + 256},
        {"help", no_argument, NULL, 'h' + 256},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    bool have_pattern = false;
    int c;
    while (
        (c = getopt_long(argc, argv, "EFGPe:f:iywxvclm:nHhoqsV", longs, NULL))
        != -1) {
        switch (c) {
        case 'E':
            opt.syntax = ERE;
            break;
        case 'F':
            opt.syntax = FIXED;
            break;
        case 'G':
            opt.syntax = BRE;
            break;
        case 'P':
            opt.syntax = PERL;
            break;
        case 'e':
            add_patterns(optarg, strlen(optarg));
            have_pattern = true;
            break;
        case 'f':
            patterns_from_file(optarg);
            have_pattern = true;
            break;
        case 'i':
        case 'y':
            opt.icase = true;
            break;
        case 'w':
            opt.word = true;
            break;
        case 'x':
            opt.line = true;
            break;
        case 'v':
            opt.invert = true;
            break;
        case 'c':
            opt.count = true;
            break;
        case 'l':
            opt.list = true;
            break;
        case 'm': {
            char *end;
            errno = 0;
            long long v = strtoll(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || errno != 0) {
                fprintf(stderr, "%s: invalid max count\n", prog);
                return 2;
            }
            opt.max = v < 0 ? -1 : v;
            break;
        }
        case 'n':
            opt.number = true;
            break;
        case 'H':
            opt.with_name = 1;
            break;
        case 'h':
            opt.with_name = 0;
            break;
        case 'o':
            opt.only = true;
            break;
        case 'q':
            opt.quiet = true;
            break;
        case 's':
            opt.no_messages = true;
            break;
        case 'F' + 256:
            opt.follow = true;
            break;
        case 'h' + 256:
            help();
            break;
        case 'V':
            printf("coflow-grep (coflow %d.%d)\n", cf_version() / 10000,
                   cf_version() / 100 % 100);
            return 0;
        default:
            usage_error();
        }
    }
    if (!have_pattern) {
        if (optind >= argc)
            usage_error();
        const char *s = argv[optind++];
        add_patterns(s, strlen(s));
    }
    int nfiles = argc - optind;
    if (opt.with_name < 0)
        opt.with_name = nfiles > 1;
    if (opt.follow && nfiles > 1) {
        fprintf(stderr, "%s: --follow takes one FILE\n", prog);
        return 2;
    }
    out_f = stdout;
    if (opt.follow)
        setvbuf(stdout, NULL, _IOLBF, 0);
    else
        setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    if (opt.max == 0)
        return 1; /* GNU grep reads nothing */
    compile();
    bool any = false;
    for (int i = optind; i < argc || (i == optind && nfiles == 0); i++) {
        const char *path = nfiles == 0 ? "-" : argv[i];
        if (!grep_file(path))
            had_error = true;
        any |= cur.selected;
        if (opt.quiet && any)
            break;
        if (nfiles == 0)
            break;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%s: write error: %s\n", prog, strerror(errno));
        return 2;
    }
    if (opt.quiet && any)
        return 0;
    return had_error ? 2 : any ? 0 : 1;
}
