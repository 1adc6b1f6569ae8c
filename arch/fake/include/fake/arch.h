/* SPDX-License-Identifier: MIT */
/*
 * Controls of the host fake arch (arch/fake): the unit tests set the time
 * and the calling CPU, and read back what the code under test programmed.
 * Only the hooks of hv/arch.h that tested files call are implemented.
 */
#pragma once

#include <stdint.h>

/** Sets what arch_timer_now_ns() returns (starts at 0). */
void fake_timer_set_now(uint64_t now_ns);

/** The last value passed to arch_timer_set_deadline() (0 = off). */
uint64_t fake_timer_deadline(void);

/** How many times arch_timer_set_deadline() has been called. */
unsigned int fake_timer_deadline_writes(void);

/** Sets what arch_cpu_id() returns (starts at 0). */
void fake_cpu_set_id(unsigned int cpu);

/** Puts the fake clock and timer back in their start state. */
void fake_timer_reset(void);

/** Puts every fake back in its start state; call from test setup. */
void fake_arch_reset(void);
