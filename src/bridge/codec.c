/* SPDX-License-Identifier: MIT */
/*
 * bridge/codec.c - values as MessagePack: the scalar kinds as themselves,
 * user pointers through the codecs registered per tag, and the registry
 * of error types that errors crossing a bridge are rebuilt with.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define CODECS_MAX 64
#define TYPES_MAX  64

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;

static struct {
    uint16_t tag;
    cf_codec codec;
} codecs[CODECS_MAX];
static size_t ncodecs;

int cf_codec_register(uint16_t tag, const cf_codec *codec)
{
    if (codec != NULL && (codec->encode == NULL || codec->decode == NULL))
        return -EINVAL;
    int rc = 0;
    pthread_mutex_lock(&reg_lock);
    size_t i = 0;
    while (i < ncodecs && codecs[i].tag != tag)
        i++;
    if (codec == NULL) {
        if (i < ncodecs)
            codecs[i] = codecs[--ncodecs];
    } else if (i < ncodecs) {
        codecs[i].codec = *codec;
    } else if (ncodecs == CODECS_MAX) {
        rc = -ENOSPC;
    } else {
        codecs[ncodecs].tag = tag;
        codecs[ncodecs].codec = *codec;
        ncodecs++;
    }
    pthread_mutex_unlock(&reg_lock);
    return rc;
}

bool cf__codec_get(uint16_t tag, cf_codec *out)
{
    bool found = false;
    pthread_mutex_lock(&reg_lock);
    for (size_t i = 0; i < ncodecs; i++)
        if (codecs[i].tag == tag) {
            *out = codecs[i].codec;
            found = true;
            break;
        }
    pthread_mutex_unlock(&reg_lock);
    return found;
}

/* ---- error types by name ---- */

const cf_error_type cf_bridge_error = {"BridgeError", &cf_exception};

static const cf_error_type *types[TYPES_MAX];
static size_t ntypes;

/*
 * Types made up for names nobody registered; kept for the process. A peer
 * could send endless new names, so there are at most MADE_MAX; past that
 * an unknown name is plain Exception.
 */
#define MADE_MAX 256
static size_t nmade;
struct made_type {
    struct made_type *next;
    cf_error_type type;
    char name[];
};
static struct made_type *made;

int cf_bridge_error_type_register(const cf_error_type *t)
{
    if (t == NULL || t->name == NULL)
        return -EINVAL;
    int rc = 0;
    pthread_mutex_lock(&reg_lock);
    size_t i = 0;
    while (i < ntypes && strcmp(types[i]->name, t->name) != 0)
        i++;
    if (i < ntypes)
        types[i] = t;
    else if (ntypes == TYPES_MAX)
        rc = -ENOSPC;
    else
        types[ntypes++] = t;
    pthread_mutex_unlock(&reg_lock);
    return rc;
}

static bool named(const char *a, const char *name, size_t len)
{
    return strlen(a) == len && (len == 0 || memcmp(a, name, len) == 0);
}

const cf_error_type *cf__error_type_named(const char *name, size_t len)
{
    static const cf_error_type *const builtin[] = {
        &cf_base_exception, &cf_generator_exit, &cf_exception,
        &cf_stop_iteration, &cf_runtime_error,  &cf_value_error,
        &cf_type_error,     &cf_memory_error,   &cf_os_error,
        &cf_bridge_error,
    };
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
        if (named(builtin[i]->name, name, len))
            return builtin[i];
    const cf_error_type *t = &cf_exception;
    pthread_mutex_lock(&reg_lock);
    for (size_t i = 0; i < ntypes; i++)
        if (named(types[i]->name, name, len)) {
            t = types[i];
            goto out;
        }
    for (struct made_type *m = made; m != NULL; m = m->next)
        if (named(m->name, name, len)) {
            t = &m->type;
            goto out;
        }
    struct made_type *m =
        nmade < MADE_MAX && len > 0 ? malloc(sizeof *m + len + 1) : NULL;
    if (m != NULL) {
        nmade++;
        memcpy(m->name, name, len);
        m->name[len] = '\0';
        m->type.name = m->name;
        m->type.base = &cf_exception;
        m->next = made;
        made = m;
        t = &m->type;
    }
out:
    pthread_mutex_unlock(&reg_lock);
    return t;
}
