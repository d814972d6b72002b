/* SPDX-License-Identifier: MIT */
/*
 * coflow/error.h - errors as typed exceptions.
 *
 * An error type is a static descriptor with a name and a base type, so "is a"
 * checks work as Python's except clauses do, and users define their own:
 *
 *     static const cf_error_type parse_error = {"ParseError", &cf_exception};
 *
 * An error is a reference-counted object that carries its type, a message,
 * the name of the coroutine it came from, its context (the error that was
 * being handled when it was raised, Python's __context__) and its cause
 * (Python's __cause__, set by the PEP 479 rule).
 *
 * Every context of execution - each coroutine, and each thread outside any
 * coroutine - has one "error being handled" slot, Python's
 * sys.exception(). A call that ends in CF_RAISED leaves its error there;
 * cf_error_last() reads it, cf_error_clear() ends the handling, and
 * cf_raise() gives a new error that slot's error as its context.
 *
 * How each call reports failure (-errno, CF_RAISED, or raising into the
 * body) is stated once in docs/design.md, "Error conventions"; every
 * contract in these headers ends in the errors line defined there.
 */
#ifndef COFLOW_ERROR_H
#define COFLOW_ERROR_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "coflow/export.h"
#include "coflow/value.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A type of error: a name, and the type it derives from (NULL for the root). */
typedef struct cf_error_type {
    const char *name;
    const struct cf_error_type *base;
} cf_error_type;

/* An error object. Opaque; reference-counted. */
typedef struct cf_error cf_error;

/* The built-in types, arranged as in Python's exception hierarchy. */
CF_API extern const cf_error_type cf_base_exception; /* BaseException */
CF_API extern const cf_error_type
    cf_generator_exit; /* GeneratorExit: BaseException */
CF_API extern const cf_error_type cf_exception; /* Exception: BaseException */
CF_API extern const cf_error_type
    cf_stop_iteration; /* StopIteration: Exception */
CF_API extern const cf_error_type
    cf_runtime_error;                              /* RuntimeError: Exception */
CF_API extern const cf_error_type cf_value_error;  /* ValueError: Exception */
CF_API extern const cf_error_type cf_type_error;   /* TypeError: Exception */
CF_API extern const cf_error_type cf_memory_error; /* MemoryError: Exception */
CF_API extern const cf_error_type
    cf_attribute_error; /* AttributeError: Exception */

/* The three outcomes of a send, next, throw, close or protected call. */
typedef enum cf_status {
    CF_YIELDED = 0, /* the coroutine yielded; `*out` holds the value */
    CF_RETURNED,    /* it returned (StopIteration); `*out` holds the result */
    CF_RAISED       /* it raised; cf_error_last() describes the error */
} cf_status;

/*
 * True when `t` is `base` or derives from it. Both may be any type, built in
 * or the user's.
 * Fails: never.
 */
CF_API bool cf_type_is(const cf_error_type *t, const cf_error_type *base);

/*
 * Makes a new error of type `t` (NULL means cf_exception) with a printf-style
 * message (NULL or "" for none). The coroutine name is that of the coroutine
 * running now, if any. The caller owns the one reference. Never returns NULL:
 * when memory runs out, a shared MemoryError is returned instead.
 * Fails: never (the shared MemoryError when memory runs out).
 */
CF_API cf_error *cf_error_new(const cf_error_type *t, const char *fmt, ...)
    CF_PRINTF(2, 3);

/*
 * cf_error_new() of an error that also carries `v` as its argument, as
 * Python's StopIteration(value) or ValueError(arg) do: cf_error_value()
 * gives it back, and with an empty message (NULL or "") the error prints as
 * "Type: str(v)", as Python prints it. The error keeps `v`
 * (cf_value_keep(): a borrowed string or bytes value is copied, an owned
 * one gets a reference) until it is freed. Never returns NULL (the shared
 * MemoryError, which carries none, when memory runs out).
 * Fails: never (the shared MemoryError when memory runs out).
 */
CF_API cf_error *cf_error_new_value(const cf_error_type *t, cf_value v,
                                    const char *fmt, ...) CF_PRINTF(3, 4);

/*
 * The argument `e` carries (cf_error_new_value()), none for NULL or an
 * error made without one. A StopIteration raised by cf_next_in() or
 * cf_send_in() carries the coroutine's return value: Python's e.value.
 * Fails: never.
 */
CF_API cf_value cf_error_value(const cf_error *e);

/*
 * Adds a reference to `e` and returns it.
 * Fails: never.
 */
CF_API cf_error *cf_error_ref(cf_error *e);

/*
 * Drops a reference to `e` (NULL is ignored); the last one frees it.
 * Fails: never.
 */
CF_API void cf_error_unref(cf_error *e);

/*
 * The parts of an error. Each accepts NULL and then answers NULL or "".
 * Fails: never.
 */
CF_API const cf_error_type *cf_error_type_of(const cf_error *e);
CF_API const char *cf_error_message(const cf_error *e);
/*
 * The name of the coroutine the error came from ("" outside any).
 * Fails: never.
 */
CF_API const char *cf_error_coro(const cf_error *e);
/*
 * The error that was being handled when `e` was raised, or NULL.
 * Fails: never.
 */
CF_API const cf_error *cf_error_context(const cf_error *e);
/*
 * The error that directly caused `e` (PEP 479), or NULL.
 * Fails: never.
 */
CF_API const cf_error *cf_error_cause(const cf_error *e);

/*
 * The stages an error passed through on its way up a pipeline (its "via"
 * chain), first the one nearest to where it was raised. The pipe and bridge
 * layers add a stage's name as the error leaves it; the chain is data, kept
 * apart from the message: cf_error_message() gives the message alone, and
 * cf_error_format() and cf_error_print() show the chain after it as
 * " (via 'a' <- 'b')". cf_error_via_count() gives the chain's length (0 for
 * NULL); cf_error_via() its i-th name, or NULL when `i` is past the end.
 * Fails: never.
 */
CF_API size_t cf_error_via_count(const cf_error *e);
CF_API const char *cf_error_via(const cf_error *e, size_t i);

/*
 * A new error that is `e` having passed through `n` more stages: the same
 * type, message, coroutine, context and cause, and a chain that is `e`'s
 * followed by `names` (NUL-terminated; the array may be NULL when `n` is 0).
 * Errors do not change once made, so this is how a stage adds itself. The
 * caller owns the one reference. Returns NULL for a NULL `e`; when memory
 * runs out, the shared MemoryError (which carries no chain).
 * Fails: returns NULL for a NULL `e`, the shared MemoryError when memory runs
 * out.
 */
CF_API cf_error *cf_error_via_add(const cf_error *e, size_t n,
                                  const char *const *names);

/*
 * True when `e` is of type `t` or a type derived from it.
 * Fails: never.
 */
CF_API bool cf_error_is(const cf_error *e, const cf_error_type *t);

/*
 * Writes `e` as Python's tests print it: "Type: message", "Type: str(value)"
 * when the message is empty and the error carries a value, or "Type" when
 * it carries neither, followed by its via chain, if any, as
 * " (via 'a' <- 'b')" (after "Type:" when the message and value are empty).
 * Returns the length the full text needs, as snprintf().
 * Fails: never.
 */
CF_API size_t cf_error_format(const cf_error *e, char *buf, size_t n);

/*
 * Prints `e` to `f` the way Python prints a traceback's text: first the
 * error's cause if it has one, else its context (recursively), each followed
 * by the line that links it, then "Type: message (in coroutine 'name')"
 * (the message followed by the via chain, as cf_error_format() writes it);
 * the parenthesis is left out when the error came from no coroutine.
 * Fails: never (write errors on `f` are ignored).
 */
CF_API void cf_error_print(const cf_error *e, FILE *f);

/*
 * The error being handled in the current context: the one the last CF_RAISED
 * call left, or the one a catching yield or protected call caught. NULL when
 * none. A running coroutine whose own slot is empty sees its delegators'
 * error, then its resumer's, as Python's sys.exception() does inside a
 * generator. The pointer stays valid until the slot changes (the next error,
 * or cf_error_clear()); take a reference to keep it longer.
 * Fails: never.
 */
CF_API const cf_error *cf_error_last(void);

/*
 * Takes the error being handled out of the slot; the caller owns it.
 * Fails: never.
 */
CF_API cf_error *cf_error_take(void);

/*
 * Ends the handling: the slot is emptied, as leaving an except block does.
 * Fails: never.
 */
CF_API void cf_error_clear(void);

/*
 * Raises an error of type `t` with a printf-style message. Its context is the
 * error being handled, if any. Inside a coroutine the error unwinds to the
 * nearest protected call (cf_try) or, if there is none, to the coroutine's
 * base, running the cleanups registered on the way; the coroutine then ends
 * and the error comes out of the send, throw or close that resumed it.
 * Outside any coroutine there must be an enclosing cf_try(); if there is
 * none the process aborts with a message, since nothing could catch it.
 * Unwinds: the new error, always (the process aborts when nothing can catch
 * it).
 */
CF_API CF_NORETURN void cf_raise(const cf_error_type *t, const char *fmt, ...)
    CF_PRINTF(2, 3);

/*
 * Raises `e`, taking over the caller's reference; otherwise as cf_raise().
 * Unwinds: `e`, always (the process aborts when nothing can catch it).
 */
CF_API CF_NORETURN void cf_raise_error(cf_error *e);

/*
 * Raises the error being handled again (Python's bare `raise`). Raising
 * with nothing being handled raises RuntimeError("No active exception to
 * reraise"), as Python does.
 * Unwinds: the error being handled, or RuntimeError when there is none.
 */
CF_API CF_NORETURN void cf_reraise(void);

/*
 * Makes the error being handled a new error of type `t` (its context is the
 * one that was being handled) and returns CF_RAISED, without unwinding. This
 * is how a handler coroutine's step function, or any C function that returns
 * a cf_status, raises: `return cf_fail(&cf_value_error, "bad %d", x);`.
 * Returns CF_RAISED: the new error, always.
 */
CF_API cf_status cf_fail(const cf_error_type *t, const char *fmt, ...)
    CF_PRINTF(2, 3);

/* The function a protected call runs. */
typedef cf_value (*cf_try_fn)(void *arg);

/*
 * Calls fn(arg) as Python's try/except around a call would. Returns
 * CF_RETURNED with fn's result in `*out` (`out` may be NULL), or CF_RAISED
 * when fn raised, which is then the error being handled (cf_error_last()).
 * Cleanups registered inside fn run before cf_try() returns. Works inside a
 * coroutine and outside one; fn may yield when called inside a coroutine.
 * Locals of the caller changed inside fn must be volatile if read after a
 * CF_RAISED, as with setjmp().
 * Returns CF_RAISED: the error fn raised.
 */
CF_API cf_status cf_try(cf_try_fn fn, void *arg, cf_value *out);

/*
 * A cleanup: fn(arg) runs when the enclosing code ends, however it ends -
 * Python's `finally`. The record lives in the caller's frame.
 */
typedef struct cf_cleanup {
    struct cf_cleanup *prev; /* private */
    void (*fn)(void *arg);
    void *arg;
    void *frame; /* private: set for cf_try records */
} cf_cleanup;

/*
 * Registers `c` to run fn(arg) if an error unwinds past it - a throw, a
 * close, or a raise - before cf_cleanup_pop() unregisters it. `c` lives in
 * the caller's frame and must be popped before that frame returns (a body
 * that returns with a cleanup registered is a broken invariant: the process
 * aborts with a message naming the coroutine). Python's
 * `try: ... finally: F` is push, the body, then cf_cleanup_pop(c, true).
 * Cleanups run innermost first. A cleanup may yield, raise (its error
 * replaces the one unwinding, which becomes its context), and call anything
 * a body may call.
 * Fails: never.
 */
CF_API void cf_cleanup_push(cf_cleanup *c, void (*fn)(void *), void *arg);

/*
 * Unregisters `c`, which must be the innermost cleanup, and runs it when
 * `run` is true (the normal way out of a try/finally). Popping another
 * record is a broken invariant: the process aborts with a message.
 * Unwinds: what the cleanup raises, when `run` is true.
 */
CF_API void cf_cleanup_pop(cf_cleanup *c, bool run);

/*
 * try/except/else/finally as a statement, over the same unwinding as
 * cf_try(), with no callback:
 *
 *     CF_TRY {
 *         ...                          // may raise, yield, call anything
 *     } CF_EXCEPT (&cf_value_error, e) {
 *         ...                          // e: the error, as `except ... as e`
 *     } CF_EXCEPT (&cf_exception, e2) {
 *         ...
 *     } CF_ELSE {
 *         ...                          // the body raised nothing
 *     } CF_FINALLY {
 *         ...                          // always
 *     } CF_END_TRY;
 *
 * Each clause but CF_TRY's is optional; their order is Python's. An except
 * clause matches by type, hierarchy included, the first that matches runs;
 * while it runs, its error is the error being handled (cf_error_last()),
 * and when it ends the error being handled is again the one before the try,
 * as CPython restores it. An error no clause matches, or one raised in an
 * except or else clause, runs the finally clause (with that error being
 * handled) and is then raised again from CF_END_TRY; one raised in the
 * finally clause replaces it, with it as its context. CF_FINALLY_RETURN(v)
 * in the finally clause drops such an error and returns v from the
 * enclosing function, as Python's `return` in `finally` does.
 *
 * Rules, as for setjmp(): (1) a local variable of the enclosing function
 * that a clause assigns and that is read after an error reached this try -
 * in a later clause or after CF_END_TRY - must be volatile (GCC's -Wclobbered
 * finds the ones that are not); (2) `break` and `continue` leave the clause
 * they are in, and the try goes on as if it had ended there; `return`,
 * `goto` and longjmp() out of a clause are not allowed (use
 * CF_FINALLY_RETURN); (3) two CF_TRY on one source line are not allowed;
 * (4) under -Wshadow, nested except clauses need distinct names for `e`.
 * A cleanup pushed in a clause must be popped in it. Works in a body and
 * outside any coroutine; a clause may yield.
 */
typedef struct cf_try_block {
    jmp_buf jb;        /* private: where an error lands */
    cf_error *err;     /* private: the error that landed */
    cf_cleanup rec;    /* private: registered while the try runs */
    cf_error *outer;   /* private: the error handled before the try */
    cf_error *caught;  /* private: the error the except clauses see */
    cf_error *pending; /* private: raised again at the end */
    unsigned magic;    /* private */
    unsigned char phase, once, matched, landed;
} cf_try_block;

/* The clauses of a try block, for cf_try_clause(). */
enum cf_try_phase {
    CF_TRY_BODY = 1,
    CF_TRY_EXCEPT,
    CF_TRY_ELSE,
    CF_TRY_FINALLY
};

/*
 * CF_TRY's parts; called only by the macros below.
 * Fails: never.
 */
CF_API void cf_try_begin(cf_try_block *b);

/*
 * CF_TRY's driver: ends the clause that ran and returns nonzero while a
 * clause is still to run; at the end, raises the error the try lets
 * through.
 * Unwinds: the error no except clause handled, or the one an except, else or
 * finally clause raised.
 */
CF_API int cf_try_next(void);

/*
 * True when the clause of `phase` runs now; for CF_TRY_EXCEPT, when the
 * error caught is of type `t` (hierarchy included) and no earlier clause
 * took it, which makes it the error being handled.
 * Fails: never.
 */
CF_API bool cf_try_clause(int phase, const cf_error_type *t);

/*
 * True the first time it is called in a clause: CF_TRY's loop.
 * Fails: never.
 */
CF_API bool cf_try_once(const void *unused);

/*
 * In a finally clause: drops the error the try would raise again, restores
 * the error handled before the try and ends the try, so that the enclosing
 * function may return (CF_FINALLY_RETURN). Elsewhere the process aborts
 * with a message.
 * Fails: never.
 */
CF_API void cf_try_leave(void);

#define CF__TRY_CAT2(a, b) a##b
#define CF__TRY_CAT(a, b)  CF__TRY_CAT2(a, b)
#define CF__TRY_NAME       CF__TRY_CAT(cf__try_block_, __LINE__)

#define CF_TRY                                                                 \
    {                                                                          \
        cf_try_block CF__TRY_NAME;                                             \
        cf_try_begin(&CF__TRY_NAME);                                           \
        (void)setjmp(CF__TRY_NAME.jb);                                         \
        while (cf_try_next())                                                  \
            if (cf_try_clause(CF_TRY_BODY, NULL))                              \
                for (; cf_try_once(NULL);)

#define CF_EXCEPT(type, e)                                                     \
    else if (cf_try_clause(CF_TRY_EXCEPT, (type))) for (const cf_error *e =    \
                                                            cf_error_last();   \
                                                        cf_try_once(e);)

#define CF_ELSE                                                                \
    else if (cf_try_clause(CF_TRY_ELSE, NULL)) for (; cf_try_once(NULL);)

#define CF_FINALLY                                                             \
    else if (cf_try_clause(CF_TRY_FINALLY, NULL)) for (; cf_try_once(NULL);)

#define CF_END_TRY                                                             \
    }                                                                          \
    ((void)0)

/* In a finally clause: Python's `return v` there (it swallows the error). */
#define CF_FINALLY_RETURN(v)                                                   \
    do {                                                                       \
        cf_try_leave();                                                        \
        return v;                                                              \
    } while (0)

/*
 * Text for a negative errno code returned by a coflow setup call
 * (cf_strerror(-ENOMEM) is "Cannot allocate memory"); never NULL.
 * Fails: never.
 */
CF_API const char *cf_strerror(int rc);

#ifdef __cplusplus
}
#endif

#endif
