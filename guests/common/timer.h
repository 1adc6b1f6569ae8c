/* SPDX-License-Identifier: MIT */
/*
 * EL1 virtual timer helpers (CNTV_*, CNTVCT_EL0, CNTFRQ_EL0).
 */
#pragma once

#include <stdint.h>

/** Returns the counter frequency in Hz (CNTFRQ_EL0). */
uint64_t timer_freq(void);

/** Returns the virtual counter (CNTVCT_EL0), after an ISB. */
uint64_t timer_now(void);

/** Converts microseconds to counter ticks, rounding up. */
uint64_t timer_us_to_ticks(uint64_t us);

/** Converts counter ticks to microseconds, rounding down. */
uint64_t timer_ticks_to_us(uint64_t ticks);

/**
 * Sleeps at least us microseconds: arms the virtual timer and WFIs until
 * its interrupt (INTID 27) has been taken. Sets up the GIC CPU interface
 * and unmasks IRQs on first use.
 */
void timer_sleep_us(uint64_t us);
