/* SPDX-License-Identifier: MIT */
/*
 * Arch part of a vCPU, embedded as vcpu->arch (first, so the register
 * context is at offset 0). EL1 system registers, the virtual timer and the
 * vGIC list registers live in hardware while the vCPU is loaded and here
 * while it is not.
 */
#pragma once

#include <asm/regs.h>
#include <asm/vgic_v3.h>
#include <asm/vptimer.h>
#include <stdint.h>

struct arch_sysregs {
    uint64_t sctlr_el1, ttbr0_el1, ttbr1_el1, tcr_el1, mair_el1, amair_el1;
    uint64_t vbar_el1, esr_el1, far_el1, elr_el1, spsr_el1, sp_el1, sp_el0;
    uint64_t tpidr_el0, tpidrro_el0, tpidr_el1, contextidr_el1, cpacr_el1;
    uint64_t cntkctl_el1, par_el1, afsr0_el1, afsr1_el1, csselr_el1;
    uint64_t mdscr_el1, vmpidr_el2;
};

struct arch_vcpu {
    struct arch_regs regs;
    struct arch_sysregs sys;
    struct vgic_cpu vgic;
    struct vptimer ptimer;
    uint64_t cntv_ctl;
    uint64_t cntv_cval;
    /* The CPU whose EL1 registers still hold `sys` (see arch_vcpu_load),
     * or -1. Only the CPU that owns the vCPU reads or writes it. */
    int sys_cpu;
};
