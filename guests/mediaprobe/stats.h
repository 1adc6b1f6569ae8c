/* SPDX-License-Identifier: MIT */
/*
 * mediaprobe statistics over latency samples in nanoseconds: sorting,
 * nearest-rank percentiles, and microsecond formatting without %f.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Buffer size for stats_fmt_us(): 20 digits, '.', 1 digit, NUL. */
#define STATS_US_LEN 24

/** Sorts n values in ascending order, in place. */
void stats_sort(uint64_t *v, size_t n);

/**
 * Nearest-rank percentile pct (1..100) of n sorted values: the smallest
 * value with at least pct % of the samples at or below it. 0 if n == 0.
 */
uint64_t stats_percentile(const uint64_t *sorted, size_t n, unsigned int pct);

/** Formats ns as microseconds with one decimal, rounded ("12.3"). */
const char *stats_fmt_us(char buf[STATS_US_LEN], uint64_t ns);

/**
 * Prints "<prefix> hist <lo_us> <count>" for every non-empty bucket of n
 * sorted values. Buckets are 1 us wide below 100 us, 10 us wide up to
 * 1 ms and 100 us wide above; lo_us is a bucket's lower bound.
 */
void stats_print_hist(const char *prefix, const uint64_t *sorted, size_t n);
