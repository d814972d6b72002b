/* SPDX-License-Identifier: MIT */
/* coflow/export.h - CF_API marks the functions the library exports. */
#ifndef COFLOW_EXPORT_H
#define COFLOW_EXPORT_H

#if defined(CF_BUILDING) && defined(__GNUC__)
#define CF_API __attribute__((visibility("default")))
#else
#define CF_API
#endif

#if defined(__GNUC__)
#define CF_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define CF_PRINTF(fmt, args)
#endif

#if defined(__cplusplus)
#define CF_NORETURN [[noreturn]]
#else
#define CF_NORETURN _Noreturn
#endif

#endif
