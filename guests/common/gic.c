/* SPDX-License-Identifier: MIT */
/*
 * Minimal GICv3 bring-up for a single-vCPU bare-metal guest, as a real OS
 * does it: enable group 1 in the distributor, wake this CPU's
 * redistributor, then put the virtual timer PPI in group 1 with a
 * priority and enable it. Addresses are those of QEMU's virt board, which
 * Shoji's guests see too.
 */
#include <stdint.h>

#include "gic.h"

#define GICD_BASE 0x08000000UL
#define GICR_BASE 0x080a0000UL /* vCPU 0's RD frame */
#define GICR_SGI_BASE (GICR_BASE + 0x10000UL)

#define GICD_CTLR 0x0000
#define GICD_CTLR_ARE (1U << 4)
#define GICD_CTLR_ENGRP1 (1U << 1)
#define GICR_WAKER 0x0014
#define GICR_WAKER_SLEEP (1U << 1)
#define GICR_WAKER_ASLEEP (1U << 2)
#define GICR_IGROUPR0 0x0080
#define GICR_ISENABLER0 0x0100
#define GICR_IPRIORITYR 0x0400

#define GIC_PRIO 0xa0

static inline void mmio_write32(uint64_t addr, uint32_t v)
{
    *(volatile uint32_t *)(uintptr_t)addr = v;
}

static inline uint32_t mmio_read32(uint64_t addr)
{
    return *(volatile uint32_t *)(uintptr_t)addr;
}

void gic_init(unsigned int intid)
{
    uint32_t prio;

    mmio_write32(GICD_BASE + GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_ENGRP1);
    mmio_write32(GICR_BASE + GICR_WAKER,
                 mmio_read32(GICR_BASE + GICR_WAKER) & ~GICR_WAKER_SLEEP);
    while (mmio_read32(GICR_BASE + GICR_WAKER) & GICR_WAKER_ASLEEP) {
    }
    mmio_write32(GICR_SGI_BASE + GICR_IGROUPR0, 0xffffffffU);
    /* Priorities are bytes in 32-bit registers; keep the others. */
    prio = mmio_read32(GICR_SGI_BASE + GICR_IPRIORITYR + (intid & ~3U));
    prio &= ~(0xffU << (8 * (intid & 3)));
    prio |= (uint32_t)GIC_PRIO << (8 * (intid & 3));
    mmio_write32(GICR_SGI_BASE + GICR_IPRIORITYR + (intid & ~3U), prio);
    mmio_write32(GICR_SGI_BASE + GICR_ISENABLER0, 1U << intid);
}
