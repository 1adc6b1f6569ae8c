/* SPDX-License-Identifier: MIT */
/*
 * Counter conversions. Both split the value into whole seconds and a
 * remainder, so every product stays below 2^64 for any 64-bit input and a
 * frequency up to 1 GHz (remainder < 1e9 times frequency <= 1e9): the
 * absolute deadlines start + k * P never drift from rounding per period.
 */
#include "clock.h"
#include "sysreg.h"

static uint64_t clock_hz;

void clock_init(void)
{
    clock_hz = SYSREG_READ("cntfrq_el0");
}

uint64_t clock_freq(void)
{
    return clock_hz;
}

uint64_t clock_now(void)
{
    isb();
    return SYSREG_READ("cntvct_el0");
}

uint64_t clock_ticks_to_ns(uint64_t ticks)
{
    if (clock_hz == 0) {
        return 0;
    }
    return ticks / clock_hz * CLOCK_NS_PER_S +
           ticks % clock_hz * CLOCK_NS_PER_S / clock_hz;
}

uint64_t clock_ns_to_ticks(uint64_t ns)
{
    return ns / CLOCK_NS_PER_S * clock_hz +
           ns % CLOCK_NS_PER_S * clock_hz / CLOCK_NS_PER_S;
}
