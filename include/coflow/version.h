/* SPDX-License-Identifier: MIT */
/*
 * coflow/version.h - the version of the headers, and of the library at run
 * time.
 */
#ifndef COFLOW_VERSION_H
#define COFLOW_VERSION_H

#include "coflow/export.h"

#define CF_VERSION_MAJOR 0
#define CF_VERSION_MINOR 1
#define CF_VERSION_PATCH 0
#define CF_VERSION_NUM                                                         \
    ((CF_VERSION_MAJOR << 16) | (CF_VERSION_MINOR << 8) | CF_VERSION_PATCH)

/* True when the headers are at least version `major`.`minor`. */
#define CF_CHECK_VERSION(major, minor)                                         \
    (CF_VERSION_MAJOR > (major)                                                \
     || (CF_VERSION_MAJOR == (major) && CF_VERSION_MINOR >= (minor)))

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Returns CF_VERSION_NUM of the library actually linked, so an application
 * can check that its headers and the shared library agree.
 * Fails: never.
 */
CF_API int cf_version(void);

#ifdef __cplusplus
}
#endif

#endif
