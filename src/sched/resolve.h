/* SPDX-License-Identifier: MIT */
/* sched/resolve.h - what resolve.c gives net.c. */
#ifndef CF_SCHED_RESOLVE_H
#define CF_SCHED_RESOLVE_H

#include <netdb.h>
#include <stdint.h>

int cf__gai_errno(int gai);
int cf__resolve(const char *host, const char *serv,
                const struct addrinfo *hints, struct addrinfo **res,
                int64_t timeout_ms);

#endif
