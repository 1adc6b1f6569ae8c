/* SPDX-License-Identifier: MIT */
/*
 * Host GICv3 driver; see asm/gic_v3.h. QEMU's virt board runs the GIC with
 * a single security state (GICD_CTLR.DS = 1), so Shoji owns group 0 and
 * group 1 alike and uses only group 1.
 *
 * SPIs start disabled; the arch_irq_* hooks (hv/irq.h) turn on those of
 * host devices Shoji drives, each routed to one CPU. They run on one CPU
 * at a time per SPI (the owning driver), and each touches only its own
 * SPI's bits, with the set/clear registers where there are some.
 */
#include <asm/gic_v3.h>
#include <asm/pcpu.h>
#include <asm/platform.h>
#include <asm/sysreg.h>
#include <hv/errno.h>
#include <hv/irq.h>
#include <hv/spinlock.h>

#define GICD_CTLR 0x0000
#define GICD_TYPER 0x0004
#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_ICENABLER 0x0180
#define GICD_ICPENDR 0x0280
#define GICD_IPRIORITYR 0x0400
#define GICD_ICFGR 0x0c00
#define GICD_IROUTER 0x6000 /* 64-bit, one per INTID from 32 */
#define GICD_CTLR_RWP (1U << 31)
#define GICD_CTLR_ARE (1U << 4)
#define GICD_CTLR_ENGRP1 (1U << 1)

#define GICR_FRAME 0x20000 /* RD_base + SGI_base, 64 KiB each */
#define GICR_TYPER 0x0008
#define GICR_WAKER 0x0014
#define GICR_TYPER_LAST (1UL << 4)
#define GICR_WAKER_SLEEP (1U << 1)
#define GICR_WAKER_CHILDREN_ASLEEP (1U << 2)
#define GICR_SGI 0x10000
#define GICR_IGROUPR0 (GICR_SGI + 0x0080)
#define GICR_ISENABLER0 (GICR_SGI + 0x0100)
#define GICR_ICENABLER0 (GICR_SGI + 0x0180)
#define GICR_ISACTIVER0 (GICR_SGI + 0x0300)
#define GICR_ICACTIVER0 (GICR_SGI + 0x0380)
#define GICR_IPRIORITYR (GICR_SGI + 0x0400)

#define GIC_PRIO_DEFAULT 0xa0

static volatile uint8_t *gicd;
static unsigned int gicd_lines; /* INTIDs the distributor implements */
/* GICD_ICFGR is read-modify-write and shared by 16 INTIDs. */
static struct spinlock gicd_cfg_lock = SPINLOCK_INIT;

static inline uint32_t rd32(volatile uint8_t *base, uint64_t off)
{
    return *(volatile uint32_t *)(base + off);
}

static inline void wr32(volatile uint8_t *base, uint64_t off, uint32_t v)
{
    *(volatile uint32_t *)(base + off) = v;
}

static inline uint64_t rd64(volatile uint8_t *base, uint64_t off)
{
    return *(volatile uint64_t *)(base + off);
}

static inline void wr64(volatile uint8_t *base, uint64_t off, uint64_t v)
{
    *(volatile uint64_t *)(base + off) = v;
}

static void gicd_wait_rwp(void)
{
    while (rd32(gicd, GICD_CTLR) & GICD_CTLR_RWP) {
    }
}

void gic_dist_init(uint64_t gicd_base)
{
    unsigned int lines;
    unsigned int i;

    gicd = (volatile uint8_t *)(uintptr_t)gicd_base;
    wr32(gicd, GICD_CTLR, 0);
    gicd_wait_rwp();
    lines = 32 * ((rd32(gicd, GICD_TYPER) & 0x1f) + 1);
    gicd_lines = MIN(lines, (unsigned int)IRQ_NR);
    /* SPIs: group 1, disabled, default priority. */
    for (i = 32; i < lines; i += 32) {
        wr32(gicd, GICD_IGROUPR + i / 8, 0xffffffffU);
        wr32(gicd, GICD_ICENABLER + i / 8, 0xffffffffU);
    }
    for (i = 32; i < lines; i += 4) {
        wr32(gicd, GICD_IPRIORITYR + i, 0xa0a0a0a0U);
    }
    wr32(gicd, GICD_CTLR, GICD_CTLR_ARE);
    gicd_wait_rwp();
    wr32(gicd, GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_ENGRP1);
}

static volatile uint8_t *find_redist(uint64_t base, uint64_t size,
                                     uint64_t mpidr)
{
    uint64_t aff = ((mpidr >> 32) & 0xff) << 24 | (mpidr & 0xffffff);
    uint64_t off;

    for (off = 0; off + GICR_FRAME <= size; off += GICR_FRAME) {
        volatile uint8_t *rd = (volatile uint8_t *)(uintptr_t)(base + off);
        uint64_t typer = rd64(rd, GICR_TYPER);

        if ((typer >> 32) == aff) {
            return rd;
        }
        if (typer & GICR_TYPER_LAST) {
            break;
        }
    }
    return NULL;
}

int gic_cpu_init(uint64_t gicr_base, uint64_t gicr_size, uint64_t mpidr,
                 const unsigned int *ppis, unsigned int nr_ppis)
{
    volatile uint8_t *rd = find_redist(gicr_base, gicr_size, mpidr);
    uint32_t enable = 0;
    unsigned int i;

    if (rd == NULL) {
        return -HV_ENOENT;
    }
    this_pcpu()->gicr = (void *)rd;
    wr32(rd, GICR_WAKER, rd32(rd, GICR_WAKER) & ~GICR_WAKER_SLEEP);
    while (rd32(rd, GICR_WAKER) & GICR_WAKER_CHILDREN_ASLEEP) {
    }
    wr32(rd, GICR_ICENABLER0, 0xffffffffU);
    wr32(rd, GICR_ICACTIVER0, 0xffffffffU);
    wr32(rd, GICR_IGROUPR0, 0xffffffffU);
    for (i = 0; i < 32; i += 4) {
        wr32(rd, GICR_IPRIORITYR + i, 0xa0a0a0a0U);
    }
    for (i = 0; i < nr_ppis; i++) {
        enable |= 1U << ppis[i];
    }
    wr32(rd, GICR_ISENABLER0, enable);

    /* CPU interface through system registers, at EL2 and for EL1. */
    SYSREG_WRITE(ICC_SRE_EL2, 0xf); /* SRE | DFB | DIB | Enable */
    isb();
    SYSREG_WRITE(ICC_PMR_EL1, 0xff);
    SYSREG_WRITE(ICC_CTLR_EL1, 1UL << 1); /* EOImode: drop and deactivate
                                             separately */
    SYSREG_WRITE(ICC_IGRPEN1_EL1, 1);
    SYSREG_WRITE(ICH_HCR_EL2, 1); /* En: virtual CPU interface on */
    isb();
    return 0;
}

unsigned int gic_ack(void)
{
    unsigned int intid = (unsigned int)SYSREG_READ(ICC_IAR1_EL1) & 0xffffff;

    __asm__ volatile("dsb sy" ::: "memory");
    return intid;
}

bool gic_irq_signalled(void)
{
    return (SYSREG_READ(isr_el1) & ISR_EL1_I) != 0;
}

void gic_eoi(unsigned int intid)
{
    SYSREG_WRITE(ICC_EOIR1_EL1, intid);
    isb();
}

void gic_deactivate(unsigned int intid)
{
    SYSREG_WRITE(ICC_DIR_EL1, intid);
    isb();
}

void gic_send_sgi(uint64_t mpidr, unsigned int intid)
{
    uint64_t v = ((mpidr >> 32) & 0xff) << 48 | ((mpidr >> 16) & 0xff) << 32 |
                 (uint64_t)(intid & 0xf) << 24 | ((mpidr >> 8) & 0xff) << 16 |
                 (1UL << (mpidr & 0xf));

    dsb_ish();
    SYSREG_WRITE(ICC_SGI1R_EL1, v);
    isb();
}

bool gic_ppi_active(unsigned int intid)
{
    volatile uint8_t *rd = this_pcpu()->gicr;

    return (rd32(rd, GICR_ISACTIVER0) >> intid) & 1;
}

void gic_ppi_set_active(unsigned int intid, bool active)
{
    volatile uint8_t *rd = this_pcpu()->gicr;

    wr32(rd, active ? GICR_ISACTIVER0 : GICR_ICACTIVER0, 1U << intid);
}

unsigned int gic_nr_lrs(void)
{
    return (unsigned int)(SYSREG_READ(ICH_VTR_EL2) & 0x1f) + 1;
}

static bool gic_is_spi(unsigned int intid)
{
    return intid >= GIC_FIRST_SPI && intid < gicd_lines;
}

void gic_spi_disable(unsigned int intid)
{
    wr32(gicd, GICD_ICENABLER + (intid / 32) * 4, 1U << (intid % 32));
    /* RWP: the disable has taken effect once it reads 0. */
    gicd_wait_rwp();
}

void gic_spi_setup(unsigned int intid, bool edge, uint64_t mpidr)
{
    uint64_t reg = GICD_ICFGR + (intid / 16) * 4;
    uint32_t bit = 2U << ((intid % 16) * 2); /* Int_config[1]: 1 = edge */
    uint32_t cfg;

    /* The trigger may only change while the SPI is disabled. */
    gic_spi_disable(intid);
    spin_lock(&gicd_cfg_lock);
    cfg = rd32(gicd, reg);
    wr32(gicd, reg, edge ? cfg | bit : cfg & ~bit);
    spin_unlock(&gicd_cfg_lock);
    /* IRM = 0: to the one PE named by Aff3.Aff2.Aff1.Aff0, which sit at
     * the same bit positions as in MPIDR_EL1. */
    wr64(gicd, GICD_IROUTER + (uint64_t)intid * 8, mpidr & 0xff00ffffffUL);
    wr32(gicd, GICD_ICPENDR + (intid / 32) * 4, 1U << (intid % 32));
}

void gic_spi_enable(unsigned int intid)
{
    wr32(gicd, GICD_ISENABLER + (intid / 32) * 4, 1U << (intid % 32));
}

int arch_irq_enable(unsigned int intid, bool edge, unsigned int cpu)
{
    if (!gic_is_spi(intid) || cpu >= arm_plat.nr_cpus) {
        return -HV_EINVAL;
    }
    gic_spi_setup(intid, edge, arm_plat.mpidr[cpu]);
    gic_spi_enable(intid);
    return 0;
}

void arch_irq_route(unsigned int intid, unsigned int cpu)
{
    if (gic_is_spi(intid) && cpu < arm_plat.nr_cpus) {
        /* As in gic_spi_setup: IRM = 0, the affinity fields of MPIDR. */
        wr64(gicd, GICD_IROUTER + (uint64_t)intid * 8,
             arm_plat.mpidr[cpu] & 0xff00ffffffUL);
    }
}

void arch_irq_disable(unsigned int intid)
{
    if (gic_is_spi(intid)) {
        gic_spi_disable(intid);
    }
}
