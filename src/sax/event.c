/* SPDX-License-Identifier: MIT */
/*
 * sax/event.c - the event value: its kinds' names, attribute lookup, and
 * the error type malformed XML raises.
 */
#include <string.h>

#include "internal.h"

const cf_error_type cf_sax_error = {"ExpatError", &cf_exception};

const char *cf_sax_kind_name(cf_sax_kind k)
{
    static const char *const names[] = {"start", "text", "end"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

const char *cf_sax_attr(const cf_sax_event *ev, const char *name)
{
    if (ev == NULL || name == NULL || ev->kind != CF_SAX_START
        || ev->attrs == NULL)
        return NULL;
    for (size_t i = 0; i < ev->nattrs; i++)
        if (strcmp(ev->attrs[2 * i], name) == 0)
            return ev->attrs[2 * i + 1];
    return NULL;
}
