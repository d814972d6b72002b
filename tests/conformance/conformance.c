/* SPDX-License-Identifier: MIT */
/*
 * tests/conformance/conformance.c - what a switch must keep on every CPU:
 *
 *   fpenv-*   a CF_CORO_FPENV coroutine keeps its own FP control state
 *             (rounding mode; the x87 precision control and MXCSR masks on
 *             x86-64, FPCR on aarch64, frm on riscv64) and never leaks it
 *             to its caller, nor the caller's to it;
 *   report-*  a debug build (CF_DEBUG) names a coroutine without the option
 *             that changed the FP control state across a yield;
 *   regs-*    callee-saved registers, integer and floating point, survive a
 *             switch: values the compiler keeps in them, and every one of
 *             them filled and checked by an assembly probe.
 *
 * A plain program that never forks, so that it runs under qemu-user too;
 * only the public API is used. Prints one line per check and a final
 * "conformance: N passed, M failed"; exits 1 on a failure. Built with
 * -DCF_TEST_GENERIC=1 against the ucontext switch, whose FP control state
 * is the rounding mode and the traps only.
 */
#include <fenv.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <coflow.h>

#ifndef CF_TEST_GENERIC
#define CF_TEST_GENERIC 0
#endif

#define NOINLINE __attribute__((noinline))

static int passed, failed;

static bool check(bool ok, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static bool check(bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s ", ok ? "PASS" : "FAIL");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    ok ? passed++ : failed++;
    fflush(stdout);
    return ok;
}

static cf_coro *make(cf_body_fn fn, void *arg, const char *name, unsigned flags)
{
    struct cf_coro_opts o = {.name = name, .flags = flags};
    cf_coro *co = NULL;
    if (cf_coro_new(&co, fn, arg, &o) != 0) {
        fprintf(stderr, "conformance: cannot create coroutine '%s'\n", name);
        exit(2);
    }
    return co;
}

/* ---- the FP control state, read raw ---- */

/*
 * The CPU's whole FP control state as two words, `a` and `b`, so that a
 * check can compare it exactly: MXCSR without its status flags and the x87
 * control word on x86-64, FPCR on aarch64, frm on riscv64. The ucontext
 * switch only promises the rounding mode and the traps, so there it is
 * those two.
 */
struct fpctl {
    uint64_t a, b;
};

static void fpctl_get(struct fpctl *c)
{
#if CF_TEST_GENERIC
    c->a = (uint64_t)fegetround();
    c->b = (uint64_t)fegetexcept();
#elif defined(__x86_64__)
    uint32_t mxcsr;
    uint16_t cw;
    __asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(mxcsr), "=m"(cw));
    c->a = mxcsr & 0xffc0u;
    c->b = cw;
#elif defined(__aarch64__)
    uint64_t fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    c->a = fpcr;
    c->b = 0;
#elif defined(__riscv) && __riscv_xlen == 64
    uint64_t frm;
    __asm__ volatile("frrm %0" : "=r"(frm));
    c->a = frm;
    c->b = 0;
#else
#error "conformance: no raw FP control state for this CPU"
#endif
}

static bool fpctl_eq(const struct fpctl *x, const struct fpctl *y)
{
    return x->a == y->a && x->b == y->b;
}

static const char *fpctl_str(const struct fpctl *c)
{
    static char buf[4][64];
    static int i;
    char *s = buf[i++ % 4];
    snprintf(s, sizeof buf[0], "{0x%llx, 0x%llx}", (unsigned long long)c->a,
             (unsigned long long)c->b);
    return s;
}

/*
 * Sets a control state beyond the rounding mode that differs with `v` (0 is
 * the process's default): on x86-64 the x87 precision control (64, 24 or
 * 53 bits) and MXCSR's denormal-operand mask, unmasked for v == 1 (no
 * denormal operand reaches an SSE instruction while it is); on aarch64
 * FPCR's flush-to-zero and default-NaN bits; nothing more on riscv64,
 * whose only control state is frm.
 */
static void fpctl_alter(int v)
{
#if CF_TEST_GENERIC
    (void)v;
#elif defined(__x86_64__)
    static const uint16_t pc[3] = {0x0300, 0x0000, 0x0200};
    uint32_t mxcsr;
    uint16_t cw;
    __asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(mxcsr), "=m"(cw));
    cw = (uint16_t)((cw & ~0x0300u) | pc[v]);
    mxcsr = v == 1 ? mxcsr & ~0x0100u : mxcsr | 0x0100u;
    __asm__ volatile("ldmxcsr %0\n\tfldcw %1" : : "m"(mxcsr), "m"(cw));
#elif defined(__aarch64__)
    static const uint64_t bits[3] = {0, 1u << 24, 1u << 25};
    uint64_t fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    fpcr = (fpcr & ~(uint64_t)(3u << 24)) | bits[v];
    __asm__ volatile("msr fpcr, %0" : : "r"(fpcr));
#else
    (void)v;
#endif
}

/* 1/3 in the current rounding mode; the operands hide it from the compiler. */
static volatile double one = 1.0, three = 3.0;

static double third(void)
{
    return one / three;
}

/* ---- (a) CF_CORO_FPENV: its own state, in both directions ---- */

struct fp_seen {
    struct fpctl at_start;  /* what the body started with */
    struct fpctl set;       /* what it set for itself */
    struct fpctl at_resume; /* what it had after the caller's change */
    double third_up;        /* 1/3 it computed after the caller's change */
    int round_at_resume;
};

static cf_value fp_owner(void *arg)
{
    struct fp_seen *s = arg;
    fpctl_get(&s->at_start);
    fesetround(FE_UPWARD);
    fpctl_alter(1);
    fpctl_get(&s->set);
    cf_yield(cf_int(1));
    fpctl_get(&s->at_resume);
    s->round_at_resume = fegetround();
    s->third_up = third();
    cf_yield(cf_int(2));
    fesetround(FE_TOWARDZERO); /* and returns with it */
    fpctl_alter(2);
    return cf_int(3);
}

/* A coroutine without the option runs in its resumer's FP state. */
static cf_value fp_borrower(void *arg)
{
    int *round = arg;
    *round = fegetround();
    return cf_none();
}

static cf_value fp_owner_nesting(void *arg)
{
    int *round = arg;
    fesetround(FE_DOWNWARD);
    cf_coro *b = make(fp_borrower, round, "fp-borrower", 0);
    cf_next(b, NULL);
    cf_coro_free(b);
    cf_yield(cf_none());
    return cf_none();
}

static void test_fpenv(void)
{
    struct fp_seen s;
    struct fpctl base, now, caller;
    cf_value v;

    fesetround(FE_TONEAREST);
    fpctl_alter(0);
    fpctl_get(&base);
    double third_near = third();

    cf_coro *co = make(fp_owner, &s, "fp-owner", CF_CORO_FPENV);
    /* The caller changes its state after creating, before the first send. */
    fesetround(FE_DOWNWARD);
    fpctl_alter(2);
    fpctl_get(&caller);
    cf_status st = cf_next(co, &v);
    check(st == CF_YIELDED && cf_to_int(v) == 1, "fpenv-first-yield");
    check(fpctl_eq(&s.at_start, &base),
          "fpenv-starts-with-creators-state: %s, created at %s",
          fpctl_str(&s.at_start), fpctl_str(&base));
    fpctl_get(&now);
    check(fpctl_eq(&now, &caller) && fegetround() == FE_DOWNWARD,
          "fpenv-yield-keeps-callers: caller has %s, had %s (body set %s)",
          fpctl_str(&now), fpctl_str(&caller), fpctl_str(&s.set));
    check(!fpctl_eq(&s.set, &caller), "fpenv-body-state-differs: %s vs %s",
          fpctl_str(&s.set), fpctl_str(&caller));

    /* The caller changes again; the body must not see it. */
    fesetround(FE_TONEAREST);
    fpctl_alter(0);
    fpctl_get(&caller);
    st = cf_next(co, &v);
    check(st == CF_YIELDED && cf_to_int(v) == 2, "fpenv-second-yield");
    check(fpctl_eq(&s.at_resume, &s.set) && s.round_at_resume == FE_UPWARD,
          "fpenv-resume-restores-own: body has %s, set %s",
          fpctl_str(&s.at_resume), fpctl_str(&s.set));
    check(s.third_up > third_near,
          "fpenv-body-rounds-upward: 1/3 = %a (to nearest %a)", s.third_up,
          third_near);
    fpctl_get(&now);
    check(fpctl_eq(&now, &caller) && third() == third_near,
          "fpenv-caller-rounds-to-nearest: %s, had %s", fpctl_str(&now),
          fpctl_str(&caller));

    /* It returns with yet another state; the caller keeps its own. */
    st = cf_next(co, &v);
    fpctl_get(&now);
    check(st == CF_RETURNED && fpctl_eq(&now, &caller),
          "fpenv-return-keeps-callers: %s, had %s", fpctl_str(&now),
          fpctl_str(&caller));
    cf_coro_free(co);

    /* Closing one suspended with its own state. */
    co = make(fp_owner, &s, "fp-owner-closed", CF_CORO_FPENV);
    cf_next(co, NULL);
    st = cf_close(co, NULL);
    fpctl_get(&now);
    check(st == CF_RETURNED && fpctl_eq(&now, &caller),
          "fpenv-close-keeps-callers: %s, had %s", fpctl_str(&now),
          fpctl_str(&caller));
    cf_coro_free(co);

    /* A coroutine it resumes without the option runs in its state. */
    int round = -1;
    co = make(fp_owner_nesting, &round, "fp-owner-nesting", CF_CORO_FPENV);
    cf_next(co, NULL);
    fpctl_get(&now);
    check(round == FE_DOWNWARD && fpctl_eq(&now, &caller),
          "fpenv-nested-plain-coroutine-inherits: %d (want %d), caller %s",
          round, FE_DOWNWARD, fpctl_str(&now));
    cf_coro_free(co);
    fesetround(FE_TONEAREST);
    fpctl_alter(0);
}

/* ---- (b) debug builds report a coroutine that changed it ---- */

#ifdef CF_DEBUG
static cf_value fp_leaker(void *arg)
{
    (void)arg;
    fesetround(FE_UPWARD);
    cf_yield(cf_none()); /* reported */
    fesetround(FE_TONEAREST);
    return cf_none();
}

static cf_value fp_restorer(void *arg)
{
    (void)arg;
    fesetround(FE_UPWARD);
    fesetround(FE_TONEAREST);
    cf_yield(cf_none()); /* not reported: nothing changed across it */
    return cf_none();
}

/* Runs `fn` with stderr going to a temporary file, and returns its text. */
static char *capture_stderr(void (*fn)(void))
{
    FILE *tmp = tmpfile();
    int saved = dup(STDERR_FILENO);
    if (tmp == NULL || saved < 0) {
        perror("conformance: capture");
        exit(2);
    }
    fflush(stderr);
    dup2(fileno(tmp), STDERR_FILENO);
    fn();
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);

    fseek(tmp, 0, SEEK_END);
    long n = ftell(tmp);
    char *text = calloc(1, n > 0 ? (size_t)n + 1 : 1);
    rewind(tmp);
    if (text == NULL || (n > 0 && fread(text, 1, (size_t)n, tmp) != (size_t)n))
        exit(2);
    fclose(tmp);
    return text;
}

static void run_reporters(void)
{
    struct fp_seen s;
    cf_coro *a = make(fp_leaker, NULL, "fp-leaker", 0);
    cf_coro *b = make(fp_restorer, NULL, "fp-restorer", 0);
    cf_coro *c = make(fp_owner, &s, "fp-owner-quiet", CF_CORO_FPENV);

    cf_next(a, NULL);
    fesetround(FE_TONEAREST); /* the caller puts its own back */
    cf_next(a, NULL);
    cf_next(b, NULL);
    cf_next(b, NULL);
    cf_next(c, NULL);
    cf_next(c, NULL);
    cf_next(c, NULL);
    cf_coro_free(a);
    cf_coro_free(b);
    cf_coro_free(c);
    fesetround(FE_TONEAREST);
    fpctl_alter(0);
}

static int count(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

static void test_report(void)
{
    static const char want[] =
        "coflow: coroutine 'fp-leaker' changed the FP control state";
    char *err = capture_stderr(run_reporters);

    check(strncmp(err, want, sizeof want - 1) == 0,
          "report-names-the-coroutine: stderr was \"%.200s\"", err);
    check(count(err, "coflow:") == 1,
          "report-only-the-one-that-changed-it: %d reports",
          count(err, "coflow:"));
    check(strstr(err, "fp-restorer") == NULL && strstr(err, "fp-owner") == NULL,
          "report-none-for-restored-or-owned-state");
    free(err);
}
#else
static void test_report(void)
{
    printf("skip report-*: not a debug build (CF_DEBUG)\n");
}
#endif

/* ---- (c) callee-saved registers, kept by the compiler ---- */

/* "" when `k` < 0, else which `what` came back wrong (and in which round). */
static const char *wrong(const char *what, int k, int round)
{
    static char buf[2][64];
    static int i;
    char *s = buf[i++ % 2];
    if (k < 0)
        return "";
    if (round < 0)
        snprintf(s, sizeof buf[0], "; %s %d wrong", what, k);
    else
        snprintf(s, sizeof buf[0], "; %s %d wrong (round %d)", what, k, round);
    return s;
}

/*
 * Writes a pattern into every callee-saved register that inline assembly
 * may name (not the frame pointer, which -fno-omit-frame-pointer reserves;
 * the probe below covers it), then switches. The function's own prologue
 * and epilogue keep its caller's values, so what the switch must preserve
 * for the other side is exactly what the switch saved.
 */
static void clobber_callee_saved(void)
{
#if defined(__x86_64__)
    __asm__ volatile("movabsq $0x5a5a5a5a5a5a5a5a, %%rbx\n\t"
                     "movq %%rbx, %%r12\n\t"
                     "movq %%rbx, %%r13\n\t"
                     "movq %%rbx, %%r14\n\t"
                     "movq %%rbx, %%r15\n\t"
                     :
                     :
                     : "rbx", "r12", "r13", "r14", "r15");
#elif defined(__aarch64__)
    __asm__ volatile("movz x19, #0x5a5a\n\t"
                     "mov x20, x19\n\tmov x21, x19\n\tmov x22, x19\n\t"
                     "mov x23, x19\n\tmov x24, x19\n\tmov x25, x19\n\t"
                     "mov x26, x19\n\tmov x27, x19\n\tmov x28, x19\n\t"
                     "fmov d8, x19\n\tfmov d9, x19\n\tfmov d10, x19\n\t"
                     "fmov d11, x19\n\tfmov d12, x19\n\tfmov d13, x19\n\t"
                     "fmov d14, x19\n\tfmov d15, x19\n\t"
                     :
                     :
                     : "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26",
                       "x27", "x28", "v8", "v9", "v10", "v11", "v12", "v13",
                       "v14", "v15");
#elif defined(__riscv)
    __asm__ volatile("li s1, 0x5a5a\n\t"
                     "mv s2, s1\n\tmv s3, s1\n\tmv s4, s1\n\tmv s5, s1\n\t"
                     "mv s6, s1\n\tmv s7, s1\n\tmv s8, s1\n\tmv s9, s1\n\t"
                     "mv s10, s1\n\tmv s11, s1\n\t"
                     "fmv.d.x fs0, s1\n\tfmv.d.x fs1, s1\n\t"
                     "fmv.d.x fs2, s1\n\tfmv.d.x fs3, s1\n\t"
                     "fmv.d.x fs4, s1\n\tfmv.d.x fs5, s1\n\t"
                     "fmv.d.x fs6, s1\n\tfmv.d.x fs7, s1\n\t"
                     "fmv.d.x fs8, s1\n\tfmv.d.x fs9, s1\n\t"
                     "fmv.d.x fs10, s1\n\tfmv.d.x fs11, s1\n\t"
                     :
                     :
                     : "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9",
                       "s10", "s11", "fs0", "fs1", "fs2", "fs3", "fs4", "fs5",
                       "fs6", "fs7", "fs8", "fs9", "fs10", "fs11");
#endif
}

static NOINLINE void send_clobbered(cf_coro *co)
{
    clobber_callee_saved();
    if (cf_next(co, NULL) != CF_YIELDED)
        abort();
}

static NOINLINE void yield_clobbered(void)
{
    clobber_callee_saved();
    cf_yield(cf_none());
}

/*
 * Sixteen integers and sixteen doubles, more than any of these CPUs has
 * callee-saved registers of either kind, live across every switch. Each
 * round changes each one, so the compiler has to keep all of them.
 */
/*
 * An empty asm that wants each value in a scalar register of its kind, so
 * that the compiler cannot pack them into vector registers, which no call
 * preserves whole (that would leave them all on the stack).
 */
#if defined(__x86_64__)
#define LIVE_FREG(d) "+x"(d)
#elif defined(__aarch64__)
#define LIVE_FREG(d) "+w"(d)
#else
#define LIVE_FREG(d) "+f"(d)
#endif

/* clang-format off */
#define LIVE(X)                                                                \
    X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)                                    \
    X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)
/* clang-format on */
#define ROUNDS 200

static volatile uint64_t seed_i = 0x9e3779b97f4a7c15u;
static volatile double seed_d = 1.0 / 1024;

struct live {
    uint64_t i[16];
    double d[16];
};

#define LIVE_DECL(k)                                                           \
    uint64_t i##k = seed_i * (2 * k + 1);                                      \
    double d##k = seed_d * (k + 1);
#define LIVE_STEP(k)                                                           \
    i##k = i##k * 6364136223846793005u + (uint64_t)(k + r);                    \
    d##k = d##k * 0.5 + (double)(k + r);                                       \
    __asm__("" : "+r"(i##k), LIVE_FREG(d##k));
#define LIVE_STORE(k)                                                          \
    out->i[k] = i##k;                                                          \
    out->d[k] = d##k;

/* The values without any switch, to compare with. */
static NOINLINE void live_expected(struct live *out)
{
    LIVE(LIVE_DECL)
    for (int r = 0; r < ROUNDS; r++) {
        LIVE(LIVE_STEP)
        __asm__ volatile("" ::: "memory");
    }
    LIVE(LIVE_STORE)
}

static NOINLINE void live_caller(cf_coro *co, struct live *out)
{
    LIVE(LIVE_DECL)
    for (int r = 0; r < ROUNDS; r++) {
        LIVE(LIVE_STEP)
        send_clobbered(co);
    }
    LIVE(LIVE_STORE)
}

static cf_value live_body(void *arg)
{
    struct live *out = arg;
    LIVE(LIVE_DECL)
    for (int r = 0; r < ROUNDS; r++) {
        LIVE(LIVE_STEP)
        yield_clobbered();
    }
    LIVE(LIVE_STORE)
    return cf_none();
}

static int live_diff(const struct live *x, const struct live *y)
{
    for (int k = 0; k < 16; k++)
        if (x->i[k] != y->i[k] || memcmp(&x->d[k], &y->d[k], sizeof x->d[k]))
            return k;
    return -1;
}

static void test_live_values(void)
{
    struct live want, caller, body;
    memset(&caller, 0, sizeof caller);
    memset(&body, 0, sizeof body);
    live_expected(&want);

    cf_coro *co = make(live_body, &body, "live-body", 0);
    live_caller(co, &caller);
    cf_status st = cf_next(co, NULL);
    cf_coro_free(co);

    int k = live_diff(&caller, &want);
    check(k < 0, "regs-live-values-across-send: 16 integers, 16 doubles%s",
          wrong("value", k, -1));
    k = live_diff(&body, &want);
    check(st == CF_RETURNED && k < 0,
          "regs-live-values-across-yield: 16 integers, 16 doubles%s",
          wrong("value", k, -1));
}

/* ---- (c) callee-saved registers, every one, by an assembly probe ---- */

/*
 * conf_probe(in, out, fn, arg) loads in[0..PROBE_N) into every callee-saved
 * register (frame pointer included), calls fn(arg), stores the registers in
 * out[], and returns with its own caller's registers restored. When fn
 * switches away, the other side runs its own probe with another pattern.
 */
void conf_probe(const uint64_t *in, uint64_t *out, void (*fn)(void *),
                void *arg);

#if defined(__x86_64__)
#define PROBE_N 6 /* rbx, rbp, r12-r15 */
__asm__(".text\n"
        ".p2align 4\n"
        ".type conf_probe, @function\n"
        "conf_probe:\n"
        "    pushq %rbp\n"
        "    pushq %rbx\n"
        "    pushq %r12\n"
        "    pushq %r13\n"
        "    pushq %r14\n"
        "    pushq %r15\n"
        "    subq $24, %rsp\n" /* out, and rsp 16-byte aligned at the call */
        "    movq %rsi, (%rsp)\n"
        "    movq %rdi, %r11\n"
        "    movq %rdx, %rax\n"
        "    movq %rcx, %rdi\n"
        "    movq 0(%r11), %rbx\n"
        "    movq 8(%r11), %rbp\n"
        "    movq 16(%r11), %r12\n"
        "    movq 24(%r11), %r13\n"
        "    movq 32(%r11), %r14\n"
        "    movq 40(%r11), %r15\n"
        "    call *%rax\n"
        "    movq (%rsp), %r11\n"
        "    movq %rbx, 0(%r11)\n"
        "    movq %rbp, 8(%r11)\n"
        "    movq %r12, 16(%r11)\n"
        "    movq %r13, 24(%r11)\n"
        "    movq %r14, 32(%r11)\n"
        "    movq %r15, 40(%r11)\n"
        "    addq $24, %rsp\n"
        "    popq %r15\n"
        "    popq %r14\n"
        "    popq %r13\n"
        "    popq %r12\n"
        "    popq %rbx\n"
        "    popq %rbp\n"
        "    ret\n"
        ".size conf_probe, .-conf_probe\n");
#elif defined(__aarch64__)
#define PROBE_N 19 /* x19-x28, d8-d15, x29 */
__asm__(".text\n"
        ".p2align 4\n"
        ".type conf_probe, %function\n"
        "conf_probe:\n"
        "    hint #34\n" /* bti c */
        "    stp x29, x30, [sp, #-176]!\n"
        "    stp x19, x20, [sp, #16]\n"
        "    stp x21, x22, [sp, #32]\n"
        "    stp x23, x24, [sp, #48]\n"
        "    stp x25, x26, [sp, #64]\n"
        "    stp x27, x28, [sp, #80]\n"
        "    stp d8, d9, [sp, #96]\n"
        "    stp d10, d11, [sp, #112]\n"
        "    stp d12, d13, [sp, #128]\n"
        "    stp d14, d15, [sp, #144]\n"
        "    str x1, [sp, #160]\n"
        "    mov x9, x0\n"
        "    mov x10, x2\n"
        "    mov x0, x3\n"
        "    ldp x19, x20, [x9, #0]\n"
        "    ldp x21, x22, [x9, #16]\n"
        "    ldp x23, x24, [x9, #32]\n"
        "    ldp x25, x26, [x9, #48]\n"
        "    ldp x27, x28, [x9, #64]\n"
        "    ldp d8, d9, [x9, #80]\n"
        "    ldp d10, d11, [x9, #96]\n"
        "    ldp d12, d13, [x9, #112]\n"
        "    ldp d14, d15, [x9, #128]\n"
        "    ldr x29, [x9, #144]\n"
        "    blr x10\n"
        "    ldr x9, [sp, #160]\n"
        "    stp x19, x20, [x9, #0]\n"
        "    stp x21, x22, [x9, #16]\n"
        "    stp x23, x24, [x9, #32]\n"
        "    stp x25, x26, [x9, #48]\n"
        "    stp x27, x28, [x9, #64]\n"
        "    stp d8, d9, [x9, #80]\n"
        "    stp d10, d11, [x9, #96]\n"
        "    stp d12, d13, [x9, #112]\n"
        "    stp d14, d15, [x9, #128]\n"
        "    str x29, [x9, #144]\n"
        "    ldp x19, x20, [sp, #16]\n"
        "    ldp x21, x22, [sp, #32]\n"
        "    ldp x23, x24, [sp, #48]\n"
        "    ldp x25, x26, [sp, #64]\n"
        "    ldp x27, x28, [sp, #80]\n"
        "    ldp d8, d9, [sp, #96]\n"
        "    ldp d10, d11, [sp, #112]\n"
        "    ldp d12, d13, [sp, #128]\n"
        "    ldp d14, d15, [sp, #144]\n"
        "    ldp x29, x30, [sp], #176\n"
        "    ret\n"
        ".size conf_probe, .-conf_probe\n");
#elif defined(__riscv) && __riscv_xlen == 64
#define PROBE_N 24 /* s0-s11, fs0-fs11 */
__asm__(".text\n"
        ".p2align 2\n"
        ".type conf_probe, @function\n"
        "conf_probe:\n"
        "    addi sp, sp, -224\n"
        "    sd ra, 0(sp)\n"
        "    sd s0, 8(sp)\n    sd s1, 16(sp)\n    sd s2, 24(sp)\n"
        "    sd s3, 32(sp)\n    sd s4, 40(sp)\n    sd s5, 48(sp)\n"
        "    sd s6, 56(sp)\n    sd s7, 64(sp)\n    sd s8, 72(sp)\n"
        "    sd s9, 80(sp)\n    sd s10, 88(sp)\n    sd s11, 96(sp)\n"
        "    fsd fs0, 104(sp)\n    fsd fs1, 112(sp)\n    fsd fs2, 120(sp)\n"
        "    fsd fs3, 128(sp)\n    fsd fs4, 136(sp)\n    fsd fs5, 144(sp)\n"
        "    fsd fs6, 152(sp)\n    fsd fs7, 160(sp)\n    fsd fs8, 168(sp)\n"
        "    fsd fs9, 176(sp)\n    fsd fs10, 184(sp)\n    fsd fs11, 192(sp)\n"
        "    sd a1, 200(sp)\n"
        "    mv t0, a0\n"
        "    mv t1, a2\n"
        "    mv a0, a3\n"
        "    ld s0, 0(t0)\n    ld s1, 8(t0)\n    ld s2, 16(t0)\n"
        "    ld s3, 24(t0)\n    ld s4, 32(t0)\n    ld s5, 40(t0)\n"
        "    ld s6, 48(t0)\n    ld s7, 56(t0)\n    ld s8, 64(t0)\n"
        "    ld s9, 72(t0)\n    ld s10, 80(t0)\n    ld s11, 88(t0)\n"
        "    fld fs0, 96(t0)\n    fld fs1, 104(t0)\n    fld fs2, 112(t0)\n"
        "    fld fs3, 120(t0)\n    fld fs4, 128(t0)\n    fld fs5, 136(t0)\n"
        "    fld fs6, 144(t0)\n    fld fs7, 152(t0)\n    fld fs8, 160(t0)\n"
        "    fld fs9, 168(t0)\n    fld fs10, 176(t0)\n    fld fs11, 184(t0)\n"
        "    jalr t1\n"
        "    ld t0, 200(sp)\n"
        "    sd s0, 0(t0)\n    sd s1, 8(t0)\n    sd s2, 16(t0)\n"
        "    sd s3, 24(t0)\n    sd s4, 32(t0)\n    sd s5, 40(t0)\n"
        "    sd s6, 48(t0)\n    sd s7, 56(t0)\n    sd s8, 64(t0)\n"
        "    sd s9, 72(t0)\n    sd s10, 80(t0)\n    sd s11, 88(t0)\n"
        "    fsd fs0, 96(t0)\n    fsd fs1, 104(t0)\n    fsd fs2, 112(t0)\n"
        "    fsd fs3, 120(t0)\n    fsd fs4, 128(t0)\n    fsd fs5, 136(t0)\n"
        "    fsd fs6, 144(t0)\n    fsd fs7, 152(t0)\n    fsd fs8, 160(t0)\n"
        "    fsd fs9, 168(t0)\n    fsd fs10, 176(t0)\n    fsd fs11, 184(t0)\n"
        "    ld ra, 0(sp)\n"
        "    ld s0, 8(sp)\n    ld s1, 16(sp)\n    ld s2, 24(sp)\n"
        "    ld s3, 32(sp)\n    ld s4, 40(sp)\n    ld s5, 48(sp)\n"
        "    ld s6, 56(sp)\n    ld s7, 64(sp)\n    ld s8, 72(sp)\n"
        "    ld s9, 80(sp)\n    ld s10, 88(sp)\n    ld s11, 96(sp)\n"
        "    fld fs0, 104(sp)\n    fld fs1, 112(sp)\n    fld fs2, 120(sp)\n"
        "    fld fs3, 128(sp)\n    fld fs4, 136(sp)\n    fld fs5, 144(sp)\n"
        "    fld fs6, 152(sp)\n    fld fs7, 160(sp)\n    fld fs8, 168(sp)\n"
        "    fld fs9, 176(sp)\n    fld fs10, 184(sp)\n    fld fs11, 192(sp)\n"
        "    addi sp, sp, 224\n"
        "    ret\n"
        ".size conf_probe, .-conf_probe\n");
#else
#error "conformance: no register probe for this CPU"
#endif

struct probe_side {
    uint64_t in[PROBE_N], out[PROBE_N];
    int bad_round, bad_reg;
};

static void probe_fill(struct probe_side *p, uint64_t side, int round)
{
    for (int k = 0; k < PROBE_N; k++)
        p->in[k] = 0xc0f1000000000000u | side << 40 | (uint64_t)round << 16
                   | (uint64_t)k;
    memset(p->out, 0, sizeof p->out);
}

static void probe_compare(struct probe_side *p, int round)
{
    for (int k = 0; k < PROBE_N; k++)
        if (p->out[k] != p->in[k] && p->bad_reg < 0) {
            p->bad_round = round;
            p->bad_reg = k;
        }
}

static void probe_do_send(void *arg)
{
    if (cf_next(arg, NULL) != CF_YIELDED)
        abort();
}

static void probe_do_yield(void *arg)
{
    (void)arg;
    cf_yield(cf_none());
}

static cf_value probe_body(void *arg)
{
    struct probe_side *p = arg;
    for (int r = 0; r < ROUNDS; r++) {
        probe_fill(p, 2, r);
        conf_probe(p->in, p->out, probe_do_yield, NULL);
        probe_compare(p, r);
    }
    return cf_none();
}

static void test_probe(void)
{
    struct probe_side caller = {.bad_reg = -1}, body = {.bad_reg = -1};
    cf_coro *co = make(probe_body, &body, "probe-body", 0);

    for (int r = 0; r < ROUNDS; r++) {
        probe_fill(&caller, 1, r);
        conf_probe(caller.in, caller.out, probe_do_send, co);
        probe_compare(&caller, r);
    }
    cf_status st = cf_next(co, NULL);
    cf_coro_free(co);
    check(caller.bad_reg < 0, "regs-probe-caller-side: %d registers%s", PROBE_N,
          wrong("register", caller.bad_reg, caller.bad_round));
    check(st == CF_RETURNED && body.bad_reg < 0,
          "regs-probe-coroutine-side: %d registers%s", PROBE_N,
          wrong("register", body.bad_reg, body.bad_round));
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_fpenv();
    test_report();
    test_live_values();
    test_probe();
    printf("conformance: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
