/* SPDX-License-Identifier: MIT */
/*
 * Controls of the host fake arch (arch/fake): the unit tests set the time
 * and the calling CPU, and read back what the code under test programmed.
 * Only the hooks of hv/arch.h that tested files call are implemented.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct vm;

/** Sets what arch_timer_now_ns() returns (starts at 0). */
void fake_timer_set_now(uint64_t now_ns);

/** The last value passed to arch_timer_set_deadline() (0 = off). */
uint64_t fake_timer_deadline(void);

/** How many times arch_timer_set_deadline() has been called. */
unsigned int fake_timer_deadline_writes(void);

/** Sets what arch_cpu_id() returns (starts at 0). */
void fake_cpu_set_id(unsigned int cpu);

/** Forgets the recorded interrupt-line calls. */
void fake_irq_reset(void);

/** Puts the fake clock and timer back in their start state. */
void fake_timer_reset(void);

/** Puts every fake back in its start state; call from test setup. */
void fake_arch_reset(void);

/** The last arch_vm_set_irq_line() call, and how many there were. */
struct fake_irq_line {
    struct vm *vm;
    unsigned int spi;
    bool level;
    unsigned int calls;
};

/** What arch_vm_set_irq_line() has been asked so far. */
const struct fake_irq_line *fake_irq_line(void);
