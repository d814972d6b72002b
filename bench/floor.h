/* SPDX-License-Identifier: MIT */
/* bench/floor.h - the floor figures (bench/floor.c). */
#ifndef BENCH_FLOOR_H
#define BENCH_FLOOR_H

#include "bench.h"

double floor_roundtrip(long iters, long warmup, int64_t *check);
double floor_indirect_call(long iters, long warmup, int64_t *check);

#endif
