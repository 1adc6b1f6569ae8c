/* SPDX-License-Identifier: MIT */
/*
 * mediaprobe time base: the EL1 virtual counter (CNTVCT_EL0) and exact,
 * overflow-free conversions between its ticks and nanoseconds.
 */
#pragma once

#include <stdint.h>

#define CLOCK_NS_PER_S 1000000000ULL
#define CLOCK_NS_PER_US 1000ULL

/** Latches CNTFRQ_EL0; call once before the conversions. */
void clock_init(void);

/** Returns the counter frequency in Hz latched by clock_init(). */
uint64_t clock_freq(void);

/** Returns CNTVCT_EL0, read after an ISB so it is not taken early. */
uint64_t clock_now(void);

/** Converts counter ticks to nanoseconds, rounding down. */
uint64_t clock_ticks_to_ns(uint64_t ticks);

/** Converts nanoseconds to counter ticks, rounding down. */
uint64_t clock_ns_to_ticks(uint64_t ns);
