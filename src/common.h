/* SPDX-License-Identifier: MIT */
/*
 * common.h - the few definitions every layer's sources share, defined once.
 * Header-only (no code, nothing exported): branch hints, the length of a
 * coroutine's or stage's name, the sanitizer and Valgrind detection, the
 * mark of a function a library exports for the layers above it only, and
 * the failure-injection hook.
 * Each layer's internal.h includes it; nothing in include/ does.
 */
#ifndef CF_COMMON_H
#define CF_COMMON_H

#include <stdbool.h>

#define CF__LIKELY(x)   __builtin_expect(!!(x), 1)
#define CF__UNLIKELY(x) __builtin_expect(!!(x), 0)

/* The bytes a coroutine's or a stage's name is kept in (NUL included). */
#define CF__NAME_MAX 48

/*
 * A function a library exports only for the layers built on it (through
 * the layer's layer.h): its version script lists it under the library's
 * *_PRIVATE node, never in include/coflow/.
 */
#define CF__LAYER_API __attribute__((visibility("default")))

/* AddressSanitizer and ThreadSanitizer, with gcc's or clang's spelling. */
#if defined(__SANITIZE_ADDRESS__)
#define CF_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CF_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define CF_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CF_TSAN 1
#endif
#endif
#ifndef CF_ASAN
#define CF_ASAN 0
#endif
#ifndef CF_TSAN
#define CF_TSAN 0
#endif

/*
 * Valgrind's client requests, when its headers are installed: a file that
 * uses them includes <valgrind/valgrind.h> or <valgrind/memcheck.h> under
 * `#if CF_VALGRIND`.
 */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>) && __has_include(<valgrind/memcheck.h>)
#define CF_VALGRIND 1
#endif
#endif
#ifndef CF_VALGRIND
#define CF_VALGRIND 0
#endif

/*
 * Failure injection (core/fault.c), built with -DCF_FAULT_INJECTION (make
 * CONFIG=fault): every allocation and mapping a layer makes asks
 * cf__fault() first, and the one armed to fail does, as if out of memory.
 * One counter for all the layers, so that a walk over N = 1, 2, ... fails
 * each in turn; a program using it links the static libraries.
 */
#ifndef __ASSEMBLER__ /* arch/x86_64/switch.S includes the macros above */
#ifdef CF_FAULT_INJECTION
bool cf__fault(void);
#else
static inline bool cf__fault(void)
{
    return false;
}
#endif
#endif

#endif
