/* SPDX-License-Identifier: MIT */
/*
 * The arch contract: every hook that common code (kernel/, drivers/) calls
 * into architecture code. Implemented by arch/arm64 for the hypervisor and
 * by arch/fake for host tests. Nothing else in kernel/ includes arch
 * headers, except the per-object state structs (asm/vm.h, asm/vcpu.h) that
 * are embedded by value as vm->arch and vcpu->arch.
 *
 * Unless stated otherwise the hooks run at EL2 with interrupts masked.
 */
#pragma once

#include <hv/types.h>

struct vm;
struct vcpu;
struct arch_regs;

/* --- CPUs ----------------------------------------------------------------- */

/** Number of CPUs found in the host device tree (at most CONFIG_NR_CPUS). */
unsigned int arch_cpu_count(void);

/** Logical index of the calling CPU. */
unsigned int arch_cpu_id(void);

/** Starts secondary CPU cpu; it calls kernel_secondary_main(). 0 or -HV_E*. */
int arch_cpu_start(unsigned int cpu);

/** Waits for an interrupt, then handles whatever is pending; returns. */
void arch_cpu_idle(void);

/** Asks CPU cpu to reschedule (an IPI); a no-op for the calling CPU. */
void arch_cpu_kick(unsigned int cpu);

/** Powers the whole board off; does not return. */
void arch_system_off(void) __attribute__((noreturn));

/* --- time -------------------------------------------------------------------
 */

/** Nanoseconds since the counter started. */
uint64_t arch_timer_now_ns(void);

/** Programs this CPU's hypervisor timer to fire at deadline_ns (0 = off). */
void arch_timer_set_deadline(uint64_t deadline_ns);

/* --- VMs and vCPUs ----------------------------------------------------------
 */

/** Creates the VM's stage-2 tables, VMID and interrupt controller. */
int arch_vm_init(struct vm *vm);

/** After the vCPUs exist: registers the VM's arch devices (vGIC). */
int arch_vm_finalize(struct vm *vm);

/**
 * Resets the VM's arch state for a reboot (interrupt controller, timers,
 * cached translations). No vCPU of the VM may be loaded anywhere.
 */
void arch_vm_reset(struct vm *vm);

/** Sets the level of shared interrupt spi (0-based SPI number). */
void arch_vm_set_irq_line(struct vm *vm, unsigned int spi, bool level);

/**
 * Where a kernel image goes in guest RAM: its offset from the RAM base
 * and how much memory it occupies once running (its BSS included), from
 * the image's own header if it has one. -HV_EINVAL for a bad header.
 */
int arch_image_layout(const void *image, size_t size, uint64_t *offset,
                      uint64_t *span);

/**
 * Writes the guest's device tree (memory, CPUs, interrupt controller,
 * timer, console, /chosen) into buf. 0, -HV_E2BIG or -HV_EINVAL.
 */
struct vm_boot;
int arch_vm_build_dt(const struct vm *vm, const struct vm_boot *boot, void *buf,
                     size_t size);

/** Zeroes [p, p + size) (page aligned), as fast as the CPU allows. */
void arch_zero_pages(void *p, size_t size);

/** Makes memory the hypervisor wrote visible to a guest with its caches
 * off (clean to the point of coherency). */
void arch_clean_dcache(const void *p, size_t size);

/**
 * Maps [ipa, ipa + size) to [pa, pa + size) as normal RAM in the VM's
 * stage-2 (page aligned). 0 or -HV_E*.
 */
int arch_vm_map_ram(struct vm *vm, ipaddr_t ipa, paddr_t pa, uint64_t size);

/** Once, when a vCPU is created: its interrupt controller state. */
void arch_vcpu_create(struct vcpu *v);

/** Resets a vCPU's registers to enter at entry (EL1h, MMU off), x0 = arg. */
void arch_vcpu_init(struct vcpu *v, uint64_t entry, uint64_t arg);

/** Loads a vCPU's state onto this CPU (stage-2, EL1 sysregs, vGIC, timer). */
void arch_vcpu_load(struct vcpu *v);

/** Saves the loaded vCPU's state off this CPU. */
void arch_vcpu_put(struct vcpu *v);

/**
 * On the CPU that owns v, put and about to give it to CPU `to` (work
 * stealing): moves v's per-CPU resources, its software timers, there.
 */
void arch_vcpu_move_out(struct vcpu *v, unsigned int to);

/** On v's new CPU, once it owns v: re-arms what move_out took away. */
void arch_vcpu_move_in(struct vcpu *v);

/** Returns the loaded vCPU's register context for the entry code. */
struct arch_regs *arch_vcpu_regs(struct vcpu *v);

/** True when the vCPU has an interrupt it would take if it ran now. */
bool arch_vcpu_irq_pending(struct vcpu *v);

/**
 * When the vCPU's own timer will next raise its interrupt, in ns of
 * arch_timer_now_ns(), or 0 when it is not armed. For a put vCPU.
 */
uint64_t arch_vcpu_next_timer_ns(struct vcpu *v);

/** Enters a vCPU for the first time on this CPU; never returns. */
void arch_vcpu_enter(struct vcpu *v) __attribute__((noreturn));
