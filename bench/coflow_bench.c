/* SPDX-License-Identifier: MIT */
/*
 * bench/coflow_bench.c - coflow's figures and the floors, in one binary so
 * that the floor is measured beside what it is the floor of.
 */
#include "coflow_cases.h"
#include "floor.h"

static const struct bench_case cases[] = {
    {"roundtrip", "coflow", coflow_roundtrip},
    {"roundtrip", "coflow-fpenv", coflow_roundtrip_fpenv},
    {"roundtrip", "floor", floor_roundtrip},
    {"roundtrip_owned_str", "coflow", coflow_roundtrip_owned_str},
    {"indirect_call", "floor", floor_indirect_call},
    {"handler_send", "coflow", coflow_handler_send},
    {"yield_from_d1", "coflow", coflow_yield_from_d1},
    {"yield_from_d8", "coflow", coflow_yield_from_d8},
    {"yield_from_d64", "coflow", coflow_yield_from_d64},
    {"grep_coroutine", "coflow", coflow_grep_coroutine},
    {"grep_object", "coflow", coflow_grep_object},
    {"create_destroy", "coflow", coflow_create_destroy},
};

int main(int argc, char **argv)
{
    return bench_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
