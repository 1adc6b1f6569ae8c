/* SPDX-License-Identifier: MIT */
/*
 * Fake time for host tests: a clock the test sets by hand, and a hardware
 * timer that only records the deadline it was given.
 */
#include <fake/arch.h>
#include <hv/arch.h>

static uint64_t fake_now_ns;
static uint64_t fake_deadline_ns;
static unsigned int fake_deadline_count;

uint64_t arch_timer_now_ns(void)
{
    return fake_now_ns;
}

void arch_timer_set_deadline(uint64_t deadline_ns)
{
    fake_deadline_ns = deadline_ns;
    fake_deadline_count++;
}

void fake_timer_set_now(uint64_t now_ns)
{
    fake_now_ns = now_ns;
}

uint64_t fake_timer_deadline(void)
{
    return fake_deadline_ns;
}

unsigned int fake_timer_deadline_writes(void)
{
    return fake_deadline_count;
}

void fake_timer_reset(void)
{
    fake_now_ns = 0;
    fake_deadline_ns = 0;
    fake_deadline_count = 0;
}
