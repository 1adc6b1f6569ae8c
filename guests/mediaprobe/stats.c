/* SPDX-License-Identifier: MIT */
/*
 * Statistics helpers. Newlib nano's printf has no %f or %ll, so values
 * are printed as unsigned long integers and decimals are made by hand.
 * The histogram walks the sorted samples, so it needs no bucket array.
 */
#include <stdio.h>
#include <stdlib.h>

#include "stats.h"

#define STATS_NS_PER_US 1000U
#define STATS_NS_PER_TENTH_US 100U

static int stats_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;

    return (x > y) - (x < y);
}

void stats_sort(uint64_t *v, size_t n)
{
    qsort(v, n, sizeof(*v), stats_cmp);
}

uint64_t stats_percentile(const uint64_t *sorted, size_t n, unsigned int pct)
{
    size_t rank;

    if (n == 0) {
        return 0;
    }
    rank = (n * pct + 99) / 100;
    return sorted[rank > 0 ? rank - 1 : 0];
}

const char *stats_fmt_us(char buf[STATS_US_LEN], uint64_t ns)
{
    uint64_t tenths = (ns + STATS_NS_PER_TENTH_US / 2) / STATS_NS_PER_TENTH_US;

    snprintf(buf, STATS_US_LEN, "%lu.%lu", (unsigned long)(tenths / 10),
             (unsigned long)(tenths % 10));
    return buf;
}

/* Lower bound in us of the histogram bucket holding us. */
static uint64_t stats_bucket_us(uint64_t us)
{
    if (us < 100) {
        return us;
    }
    if (us < 1000) {
        return us - us % 10;
    }
    return us - us % 100;
}

void stats_print_hist(const char *prefix, const uint64_t *sorted, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint64_t lo = stats_bucket_us(sorted[i] / STATS_NS_PER_US);
        size_t count = 0;

        while (i < n && stats_bucket_us(sorted[i] / STATS_NS_PER_US) == lo) {
            count++;
            i++;
        }
        printf("%s hist %lu %lu\n", prefix, (unsigned long)lo,
               (unsigned long)count);
    }
}
