/* SPDX-License-Identifier: MIT */
/*
 * Per-physical-CPU data reached through TPIDR_EL2. The first fields are read
 * by the exception entry code, so their offsets are fixed numbers.
 */
#pragma once

#define PCPU_REGS 0      /* struct arch_regs * of the loaded vCPU */
#define PCPU_STACK_TOP 8 /* EL2 stack reset on every guest exit */

#ifndef __ASSEMBLY__
#include <stddef.h>
#include <stdint.h>

struct vcpu;
struct arch_regs;

struct pcpu {
    struct arch_regs *regs; /* guest context the entry code saves into */
    uint64_t stack_top;
    unsigned int id; /* logical CPU index, 0 = boot CPU */
    uint64_t mpidr;
    struct vcpu *current; /* loaded vCPU, NULL when idle */
    void *gicr;           /* this CPU's redistributor frame */
    unsigned int online;
    struct vcpu *el1_owner; /* whose EL1 registers this CPU holds */
};

_Static_assert(offsetof(struct pcpu, regs) == PCPU_REGS, "pcpu layout");
_Static_assert(offsetof(struct pcpu, stack_top) == PCPU_STACK_TOP,
               "pcpu layout");

static inline struct pcpu *this_pcpu(void)
{
    struct pcpu *p;
    __asm__ volatile("mrs %0, tpidr_el2" : "=r"(p));
    return p;
}
#endif
