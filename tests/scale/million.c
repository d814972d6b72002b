/* SPDX-License-Identifier: MIT */
/*
 * tests/scale/million.c - one million live, suspended, guarded coroutines
 * in one process (make check-scale). Each is created and started to its
 * first yield, all stay alive; the test checks that the process stayed far
 * within vm.max_map_count, that each costs little memory, that they all
 * still answer, and that freeing them all works. Skipped, with a message,
 * where the machine has too little memory.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <coflow.h>

#define N 1000000L

static long status_kib(const char *field)
{
    char line[256];
    long v = -1;
    FILE *f = fopen("/proc/self/status", "r");
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, field, strlen(field)) == 0)
            v = atol(line + strlen(field) + 1);
    if (f != NULL)
        fclose(f);
    return v;
}

static long available_kib(void)
{
    char line[256];
    long v = -1;
    FILE *f = fopen("/proc/meminfo", "r");
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "MemAvailable:", 13) == 0)
            v = atol(line + 13);
    if (f != NULL)
        fclose(f);
    return v;
}

static long count_maps(void)
{
    char line[512];
    long n = 0;
    FILE *f = fopen("/proc/self/maps", "r");
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        n++;
    if (f != NULL)
        fclose(f);
    return n;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static cf_value idle(void *arg)
{
    intptr_t id = (intptr_t)arg;
    for (;;)
        cf_yield(cf_int(id));
    return cf_none();
}

int main(void)
{
    long avail = available_kib();
    if (avail < 8L * 1024 * 1024) {
        printf("million: skipped: %ld MiB available, the test wants 8 GiB\n",
               avail / 1024);
        return 0;
    }
    cf_coro **cs = malloc(N * sizeof *cs);
    if (cs == NULL)
        return 1;
    long rss0 = status_kib("VmRSS:"), pte0 = status_kib("VmPTE:");
    double t0 = now();
    for (long i = 0; i < N; i++) {
        int rc = cf_coro_new(&cs[i], idle, (void *)(intptr_t)i,
                             &(struct cf_coro_opts){.prime = true});
        if (rc != 0) {
            printf("million: FAIL: coroutine %ld: %s\n", i, cf_strerror(rc));
            return 1;
        }
    }
    double t1 = now();
    long rss = status_kib("VmRSS:") - rss0, pte = status_kib("VmPTE:") - pte0;
    long maps = count_maps();
    int bad = 0;
    for (long i = 0; i < N; i += 9973) {
        cf_value v;
        if (cf_send(cs[i], cf_none(), &v) != CF_YIELDED || cf_to_int(v) != i)
            bad++;
    }
    double t2 = now();
    for (long i = 0; i < N; i++)
        cf_coro_free(cs[i]);
    double t3 = now();
    free(cs);
    printf("million: %ld coroutines created and started in %.2f s; "
           "%.2f KiB RSS (+%.2f KiB page tables) each; %ld mappings "
           "(vm.max_map_count 65530 by default); freed in %.2f s\n",
           N, t1 - t0, (double)rss / (double)N, (double)pte / (double)N, maps,
           t3 - t2);
    if (bad != 0 || maps > 30000 || rss / 1024 > N * 8 / 1024) {
        printf("million: FAIL: %d did not answer; %ld mappings; %ld KiB\n", bad,
               maps, rss);
        return 1;
    }
    return 0;
}
