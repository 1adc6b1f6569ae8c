/* SPDX-License-Identifier: MIT */
/*
 * Host GICv3 driver: distributor and redistributor set-up, the EL2 CPU
 * interface (system registers) and per-PPI active-state control. All
 * interrupts are group 1; EOImode = 1, so dropping priority (EOIR) and
 * deactivating (DIR) are separate: a physical interrupt forwarded to a
 * guest through a hardware list register stays active until the guest
 * deactivates its virtual twin.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define GIC_SGI_KICK 0 /* reschedule request between CPUs */
#define GIC_FIRST_SPI 32
#define GIC_SPURIOUS 1023

/** Distributor set-up, once, on the boot CPU. */
void gic_dist_init(uint64_t gicd_base);

/** This CPU's redistributor and CPU interface; enables the given PPIs. */
int gic_cpu_init(uint64_t gicr_base, uint64_t gicr_size, uint64_t mpidr,
                 const unsigned int *ppis, unsigned int nr_ppis);

/** Acknowledges the highest-priority pending interrupt (its INTID). */
unsigned int gic_ack(void);

/**
 * Whether the CPU interface signals an interrupt to this CPU (ISR_EL1.I,
 * read at EL2: the physical line). Cheaper than an acknowledge that finds
 * nothing: under QEMU's TCG, ICC_* accesses take the emulator's global
 * lock and ISR_EL1 does not.
 */
bool gic_irq_signalled(void);

/** Drops the running priority of intid (EOImode 1: no deactivation). */
void gic_eoi(unsigned int intid);

/** Deactivates intid. */
void gic_deactivate(unsigned int intid);

/** Sends SGI intid to the CPU with this MPIDR. */
void gic_send_sgi(uint64_t mpidr, unsigned int intid);

/** Reads / sets the active state of one of this CPU's SGIs or PPIs. */
bool gic_ppi_active(unsigned int intid);
void gic_ppi_set_active(unsigned int intid, bool active);

/** Number of list registers the CPU interface has. */
unsigned int gic_nr_lrs(void);

/**
 * SPIs of host devices (intid >= GIC_FIRST_SPI, below the distributor's
 * line count; the caller checks). gic_spi_setup disables the SPI, sets its
 * trigger (edge, else level), routes it to the CPU with this MPIDR and
 * clears a stale pending state; gic_spi_enable then turns it on.
 * gic_spi_disable returns once the distributor has stopped forwarding it.
 */
void gic_spi_setup(unsigned int intid, bool edge, uint64_t mpidr);
void gic_spi_enable(unsigned int intid);
void gic_spi_disable(unsigned int intid);
