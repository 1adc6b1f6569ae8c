/* SPDX-License-Identifier: MIT */
/*
 * Controls of the host fake arch (arch/fake): the unit tests set the time
 * and the calling CPU, and read back what the code under test programmed.
 * Only the hooks of hv/arch.h that tested files call are implemented, plus
 * the host GIC calls and system registers the vGIC uses (asm/gic_v3.h,
 * asm/sysreg.h through arch/fake/sysreg/asm/sysreg.h).
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

/** How many times arch_cpu_kick(cpu) kicked cpu (not the calling CPU). */
unsigned int fake_cpu_kicks(unsigned int cpu);

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

/* Key of a system register: its name after macro expansion, as a string. */
#define FAKE_SYSREG_STR(name) #name
#define FAKE_SYSREG_NAME(name) FAKE_SYSREG_STR(name)

/** SYSREG_READ() / SYSREG_WRITE() of the shadow asm/sysreg.h. */
uint64_t fake_sysreg_read(const char *name);
void fake_sysreg_write(const char *name, uint64_t val);

/** Test side: sets a register without counting a write (e.g. the guest
 * changing a list register, or an ID register's value). */
void fake_sysreg_set(const char *name, uint64_t val);

/** How many times the code under test wrote a register. */
unsigned int fake_sysreg_writes(const char *name);

/** Forgets every register (all read 0 again). */
void fake_sysreg_reset(void);

/** What the fake host GIC was asked so far. */
struct fake_gic {
    unsigned int nr_lrs;           /* what gic_nr_lrs() returns */
    uint32_t ppi_active;           /* active SGIs/PPIs, one bit per INTID */
    unsigned int set_active_calls; /* gic_ppi_set_active() */
    unsigned int last_set_active;
    unsigned int deactivates; /* gic_deactivate() */
    unsigned int last_deactivated;
};

/** Sets what gic_nr_lrs() returns (4 after a reset). */
void fake_gic_set_nr_lrs(unsigned int n);

/** The recorded host GIC state, for the test to read or change. */
struct fake_gic *fake_gic(void);

/** Puts the fake GIC back in its start state. */
void fake_gic_reset(void);
