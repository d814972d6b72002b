/* SPDX-License-Identifier: MIT */
/*
 * tests/conformance/pcre2_absent.c - stands in for libpcre2-8 in the cross
 * builds (mk/cross.mk): Debian 12 has no riscv64 PCRE2 and an arm64 one
 * only through multiarch, and the pipe layer's regex filter is its only
 * user, which no trace case or conformance check calls. Compiling a
 * pattern fails with a message that says so; nothing else is reachable.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>

static const char why[] = "PCRE2 is not part of this cross build";

pcre2_code *pcre2_compile(PCRE2_SPTR pattern, PCRE2_SIZE length,
                          uint32_t options, int *errorcode,
                          PCRE2_SIZE *erroroffset,
                          pcre2_compile_context *ccontext)
{
    (void)pattern, (void)length, (void)options, (void)ccontext;
    *errorcode = PCRE2_ERROR_INTERNAL_UNEXPECTED_REPEAT; /* any positive */
    *erroroffset = 0;
    return NULL;
}

int pcre2_get_error_message(int errorcode, PCRE2_UCHAR *buffer,
                            PCRE2_SIZE bufflen)
{
    (void)errorcode;
    return snprintf((char *)buffer, bufflen, "%s", why);
}

/* Only reachable with a compiled pattern, which there never is. */
static void unreachable(const char *what)
{
    fprintf(stderr, "%s called: %s\n", what, why);
    abort();
}

void pcre2_code_free(pcre2_code *code)
{
    if (code != NULL)
        unreachable("pcre2_code_free");
}

int pcre2_jit_compile(pcre2_code *code, uint32_t options)
{
    (void)code, (void)options;
    unreachable("pcre2_jit_compile");
    return PCRE2_ERROR_JIT_BADOPTION;
}

pcre2_match_data *
pcre2_match_data_create_from_pattern(const pcre2_code *code,
                                     pcre2_general_context *gcontext)
{
    (void)code, (void)gcontext;
    unreachable("pcre2_match_data_create_from_pattern");
    return NULL;
}

void pcre2_match_data_free(pcre2_match_data *match_data)
{
    if (match_data != NULL)
        unreachable("pcre2_match_data_free");
}

int pcre2_match(const pcre2_code *code, PCRE2_SPTR subject, PCRE2_SIZE length,
                PCRE2_SIZE startoffset, uint32_t options,
                pcre2_match_data *match_data, pcre2_match_context *mcontext)
{
    (void)code, (void)subject, (void)length, (void)startoffset, (void)options,
        (void)match_data, (void)mcontext;
    unreachable("pcre2_match");
    return PCRE2_ERROR_INTERNAL;
}

int pcre2_jit_match(const pcre2_code *code, PCRE2_SPTR subject,
                    PCRE2_SIZE length, PCRE2_SIZE startoffset, uint32_t options,
                    pcre2_match_data *match_data, pcre2_match_context *mcontext)
{
    (void)code, (void)subject, (void)length, (void)startoffset, (void)options,
        (void)match_data, (void)mcontext;
    unreachable("pcre2_jit_match");
    return PCRE2_ERROR_INTERNAL;
}
