/* SPDX-License-Identifier: MIT */
/*
 * Tests of arch/arm64/vgic_v3.c with kernel/mmio.c, on a VM of two vCPUs
 * built by hand: the distributor and redistributor registers as a guest
 * sees them through the VM's MMIO map, interrupt routing and SGIs, and the
 * list registers (arch/fake/sysreg.c) the vGIC fills before entry and
 * reads back after exit. vcpu_current() and vcpu_kick() are faked here.
 */
#include "harness.h"

#include <asm/sysreg.h>
#include <asm/vgic_v3.h>
#include <fake/arch.h>
#include <hv/errno.h>
#include <hv/mmio.h>
#include <hv/vcpu.h>
#include <hv/vm.h>

#define NR_VCPUS 2

#define GICD_CTLR 0x0000
#define GICD_TYPER 0x0004
#define GICD_IIDR 0x0008
#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_ICENABLER 0x0180
#define GICD_ISPENDR 0x0200
#define GICD_ICPENDR 0x0280
#define GICD_ISACTIVER 0x0300
#define GICD_ICACTIVER 0x0380
#define GICD_IPRIORITYR 0x0400
#define GICD_ICFGR 0x0c00
#define GICD_IROUTER 0x6000
#define GICD_PIDR2 0xffe8
#define CTLR_ENGRP0 (1U << 0)
#define CTLR_ENGRP1 (1U << 1)
#define CTLR_ARE (1U << 4)
#define CTLR_DS (1U << 6)

#define GICR_IIDR 0x0004
#define GICR_TYPER 0x0008
#define GICR_WAKER 0x0014
#define GICR_PIDR2 0xffe8
#define GICR_SGI 0x10000 /* SGI frame: same offsets as GICD bank 0 */
#define WAKER_SLEEP (1U << 1)
#define WAKER_ASLEEP (1U << 2)
#define TYPER_LAST (1UL << 4)

#define LR_PENDING (1UL << 62)
#define LR_ACTIVE (1UL << 63)
#define LR_HW (1UL << 61)
#define LR_GROUP1 (1UL << 60)
#define ICH_HCR_EN 1UL
#define ICH_HCR_UIE 2UL

/* Fake register names, as SYSREG_READ/WRITE of vgic_v3.c key them. */
static const char *const lr_name[] = {
    FAKE_SYSREG_NAME(S3_4_C12_C12_0), FAKE_SYSREG_NAME(S3_4_C12_C12_1),
    FAKE_SYSREG_NAME(S3_4_C12_C12_2), FAKE_SYSREG_NAME(S3_4_C12_C12_3),
    FAKE_SYSREG_NAME(S3_4_C12_C12_4), FAKE_SYSREG_NAME(S3_4_C12_C12_5),
};
#define HCR FAKE_SYSREG_NAME(ICH_HCR_EL2)
#define VMCR FAKE_SYSREG_NAME(ICH_VMCR_EL2)
#define AP0R0 FAKE_SYSREG_NAME(ICH_AP0R0_EL2)
#define AP1R0 FAKE_SYSREG_NAME(ICH_AP1R0_EL2)
#define CNTV_CTL FAKE_SYSREG_NAME(cntv_ctl_el0)

/* --- fake hv/vcpu.h ------------------------------------------------------ */

static struct vcpu *current_vcpu;
static unsigned int kicks[NR_VCPUS];

struct vcpu *vcpu_current(void)
{
    return current_vcpu;
}

void vcpu_kick(struct vcpu *v)
{
    assert_true(v->id < NR_VCPUS);
    kicks[v->id]++;
}

/* --- fixture ------------------------------------------------------------- */

struct fixture {
    struct vm *vm;
    struct vcpu *v[NR_VCPUS];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    unsigned int i;

    if (f == NULL) {
        return -1;
    }
    fake_arch_reset();
    current_vcpu = NULL;
    memset(kicks, 0, sizeof(kicks));
    f->vm = calloc(1, sizeof(*f->vm));
    if (f->vm == NULL) {
        return -1;
    }
    f->vm->nr_vcpus = NR_VCPUS;
    for (i = 0; i < NR_VCPUS; i++) {
        f->v[i] = calloc(1, sizeof(*f->v[i]));
        if (f->v[i] == NULL) {
            return -1;
        }
        f->v[i]->vm = f->vm;
        f->v[i]->id = i;
        f->vm->vcpus[i] = f->v[i];
        vgic_vcpu_reset(f->v[i]);
    }
    vgic_vm_reset(f->vm);
    if (vgic_vm_add_mmio(f->vm) != 0) {
        return -1;
    }
    vgic_cpu_init(); /* 4 list registers (fake GIC default) */
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    unsigned int i;

    for (i = 0; i < NR_VCPUS; i++) {
        free(f->v[i]);
    }
    free(f->vm);
    free(f);
    return 0;
}

/* --- register access helpers --------------------------------------------- */

static uint64_t rd(struct fixture *f, uint64_t ipa, unsigned int size)
{
    uint64_t val = 0xdeadbeef;

    assert_int_equal(mmio_access(&f->vm->mmio, NULL, ipa, size, false, &val),
                     0);
    return val;
}

static void wr(struct fixture *f, uint64_t ipa, unsigned int size, uint64_t val)
{
    assert_int_equal(mmio_access(&f->vm->mmio, NULL, ipa, size, true, &val), 0);
}

static uint64_t gicd_rd(struct fixture *f, uint64_t off, unsigned int size)
{
    return rd(f, VGIC_GICD_IPA + off, size);
}

static void gicd_wr(struct fixture *f, uint64_t off, unsigned int size,
                    uint64_t val)
{
    wr(f, VGIC_GICD_IPA + off, size, val);
}

/* Redistributor of vCPU cpu: RD frame at off, SGI frame at GICR_SGI. */
static uint64_t gicr_rd(struct fixture *f, unsigned int cpu, uint64_t off,
                        unsigned int size)
{
    return rd(f, VGIC_GICR_IPA + cpu * VGIC_GICR_STRIDE + off, size);
}

static void gicr_wr(struct fixture *f, unsigned int cpu, uint64_t off,
                    unsigned int size, uint64_t val)
{
    wr(f, VGIC_GICR_IPA + cpu * VGIC_GICR_STRIDE + off, size, val);
}

/* Bit of INTID intid in a 1-bit-per-INTID GICD register bank. */
static uint64_t spi_reg(uint64_t bank, unsigned int intid)
{
    return bank + 4 * (intid / 32);
}

static uint32_t spi_bit(unsigned int intid)
{
    return 1U << (intid % 32);
}

/* Makes SPI intid deliverable: group 1, enabled, priority prio. */
static void spi_setup(struct fixture *f, unsigned int intid, uint8_t prio)
{
    gicd_wr(f, spi_reg(GICD_IGROUPR, intid), 4,
            gicd_rd(f, spi_reg(GICD_IGROUPR, intid), 4) | spi_bit(intid));
    gicd_wr(f, spi_reg(GICD_ISENABLER, intid), 4, spi_bit(intid));
    gicd_wr(f, GICD_IPRIORITYR + intid, 1, prio);
}

/* The same for private INTID intid of vCPU cpu. */
static void priv_setup(struct fixture *f, unsigned int cpu, unsigned int intid,
                       uint8_t prio)
{
    gicr_wr(f, cpu, GICR_SGI + GICD_IGROUPR, 4,
            gicr_rd(f, cpu, GICR_SGI + GICD_IGROUPR, 4) | (1U << intid));
    gicr_wr(f, cpu, GICR_SGI + GICD_ISENABLER, 4, 1U << intid);
    gicr_wr(f, cpu, GICR_SGI + GICD_IPRIORITYR + intid, 1, prio);
}

static bool priv_pending(struct fixture *f, unsigned int cpu,
                         unsigned int intid)
{
    return (gicr_rd(f, cpu, GICR_SGI + GICD_ISPENDR, 4) >> intid) & 1;
}

static bool spi_pending(struct fixture *f, unsigned int intid)
{
    return (gicd_rd(f, spi_reg(GICD_ISPENDR, intid), 4) & spi_bit(intid)) != 0;
}

static uint64_t lr_expect(unsigned int intid, uint8_t prio, uint64_t state)
{
    return state | LR_GROUP1 | ((uint64_t)prio << 48) | intid;
}

/* --- distributor ---------------------------------------------------------- */

static void test_gicd_id_regs(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(gicd_rd(f, GICD_CTLR, 4), CTLR_ARE | CTLR_DS);
    gicd_wr(f, GICD_CTLR, 4, CTLR_ENGRP1);
    assert_int_equal(gicd_rd(f, GICD_CTLR, 4),
                     CTLR_ARE | CTLR_DS | CTLR_ENGRP1);
    /* ARE and DS cannot be cleared, nothing else can be set. */
    gicd_wr(f, GICD_CTLR, 4, 0xffffffff);
    assert_int_equal(gicd_rd(f, GICD_CTLR, 4),
                     CTLR_ARE | CTLR_DS | CTLR_ENGRP0 | CTLR_ENGRP1);
    gicd_wr(f, GICD_CTLR, 4, 0);
    assert_int_equal(gicd_rd(f, GICD_CTLR, 4), CTLR_ARE | CTLR_DS);

    /* ITLinesNumber: 32 * (N + 1) = 96 INTIDs; IDbits: 10-bit INTIDs. */
    assert_int_equal(gicd_rd(f, GICD_TYPER, 4) & 0x1f, 2);
    assert_int_equal((gicd_rd(f, GICD_TYPER, 4) >> 19) & 0x1f, 9);
    assert_int_equal(gicd_rd(f, GICD_PIDR2, 4), 0x3b);
    assert_int_equal(gicd_rd(f, GICD_IIDR, 4), 0x43b);
    assert_int_equal(gicr_rd(f, 1, GICR_PIDR2, 4), 0x3b);
    assert_int_equal(gicr_rd(f, 1, GICR_IIDR, 4), 0x43b);
}

static void test_spi_bits(void **state)
{
    static const struct {
        uint64_t set;
        uint64_t clear;
    } pairs[] = {
        {GICD_ISENABLER, GICD_ICENABLER},
        {GICD_ISPENDR, GICD_ICPENDR},
        {GICD_ISACTIVER, GICD_ICACTIVER},
    };
    struct fixture *f = *state;
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(pairs); i++) {
        uint64_t set = pairs[i].set;
        uint64_t clr = pairs[i].clear;

        gicd_wr(f, set + 4, 4, 0x80000002); /* INTIDs 33 and 63 */
        gicd_wr(f, set + 8, 4, 0x00000005); /* INTIDs 64 and 66 */
        assert_int_equal(gicd_rd(f, set + 4, 4), 0x80000002);
        assert_int_equal(gicd_rd(f, clr + 4, 4), 0x80000002);
        assert_int_equal(gicd_rd(f, set + 8, 4), 0x5);
        /* Writing 1 sets, 0 leaves alone. */
        gicd_wr(f, set + 4, 4, 0x1);
        assert_int_equal(gicd_rd(f, set + 4, 4), 0x80000003);
        gicd_wr(f, clr + 4, 4, 0x80000000);
        assert_int_equal(gicd_rd(f, set + 4, 4), 0x3);
        gicd_wr(f, clr + 4, 4, 0xffffffff);
        gicd_wr(f, clr + 8, 4, 0xffffffff);
        assert_int_equal(gicd_rd(f, set + 4, 4), 0);
        assert_int_equal(gicd_rd(f, set + 8, 4), 0);
    }

    /* IGROUPR is written whole. */
    gicd_wr(f, GICD_IGROUPR + 4, 4, 0xf0f0f0f0);
    assert_int_equal(gicd_rd(f, GICD_IGROUPR + 4, 4), 0xf0f0f0f0);
    gicd_wr(f, GICD_IGROUPR + 4, 4, 0x1);
    assert_int_equal(gicd_rd(f, GICD_IGROUPR + 4, 4), 0x1);
    gicd_wr(f, GICD_IGROUPR + 8, 4, 0xffffffff);
    assert_int_equal(gicd_rd(f, GICD_IGROUPR + 8, 4), 0xffffffff);

    /* A distributor write concerns every vCPU: both are kicked. */
    assert_true(kicks[0] > 0);
    assert_true(kicks[1] > 0);
}

static void test_private_bits(void **state)
{
    struct fixture *f = *state;
    unsigned int before0 = kicks[0];

    gicr_wr(f, 1, GICR_SGI + GICD_ISENABLER, 4, 0x08000001);
    assert_int_equal(gicr_rd(f, 1, GICR_SGI + GICD_ISENABLER, 4), 0x08000001);
    assert_int_equal(gicr_rd(f, 1, GICR_SGI + GICD_ICENABLER, 4), 0x08000001);
    assert_int_equal(gicr_rd(f, 0, GICR_SGI + GICD_ISENABLER, 4), 0);
    gicr_wr(f, 1, GICR_SGI + GICD_ICENABLER, 4, 0x1);
    assert_int_equal(gicr_rd(f, 1, GICR_SGI + GICD_ISENABLER, 4), 0x08000000);
    /* Only the redistributor's own vCPU is told. */
    assert_int_equal(kicks[0], before0);
    assert_true(kicks[1] > 0);

    gicr_wr(f, 0, GICR_SGI + GICD_ISPENDR, 4, 0x00010004);
    assert_int_equal(gicr_rd(f, 0, GICR_SGI + GICD_ISPENDR, 4), 0x00010004);
    gicr_wr(f, 0, GICR_SGI + GICD_ICPENDR, 4, 0x4);
    assert_int_equal(gicr_rd(f, 0, GICR_SGI + GICD_ICPENDR, 4), 0x00010000);
    assert_int_equal(gicr_rd(f, 1, GICR_SGI + GICD_ISPENDR, 4), 0);

    gicr_wr(f, 0, GICR_SGI + GICD_ISACTIVER, 4, 0x80000000);
    assert_int_equal(gicr_rd(f, 0, GICR_SGI + GICD_ICACTIVER, 4), 0x80000000);
    gicr_wr(f, 0, GICR_SGI + GICD_ICACTIVER, 4, 0x80000000);
    assert_int_equal(gicr_rd(f, 0, GICR_SGI + GICD_ISACTIVER, 4), 0);

    gicr_wr(f, 1, GICR_SGI + GICD_IGROUPR, 4, 0xffff00ff);
    assert_int_equal(gicr_rd(f, 1, GICR_SGI + GICD_IGROUPR, 4), 0xffff00ff);
    assert_int_equal(gicr_rd(f, 0, GICR_SGI + GICD_IGROUPR, 4), 0);
}

static void test_gicd_bank0_raz_wi(void **state)
{
    struct fixture *f = *state;
    uint64_t off;

    /* Under ARE the private interrupts live in the redistributors. */
    for (off = GICD_IGROUPR; off < GICD_IPRIORITYR; off += 0x80) {
        gicd_wr(f, off, 4, 0xffffffff);
        assert_int_equal(gicd_rd(f, off, 4), 0);
    }
    gicd_wr(f, GICD_IPRIORITYR, 4, 0xffffffff);
    gicd_wr(f, GICD_IPRIORITYR + 27, 1, 0xff);
    assert_int_equal(gicd_rd(f, GICD_IPRIORITYR, 4), 0);
    assert_int_equal(gicd_rd(f, GICD_IPRIORITYR + 27, 1), 0);
    gicd_wr(f, GICD_ICFGR + 4, 4, 0xffffffff);
    assert_int_equal(gicd_rd(f, GICD_ICFGR, 4), 0);
    assert_int_equal(gicd_rd(f, GICD_ICFGR + 4, 4), 0);

    assert_int_equal(gicr_rd(f, 0, GICR_SGI + GICD_IGROUPR, 4), 0);
    assert_int_equal(gicr_rd(f, 0, GICR_SGI + GICD_ISENABLER, 4), 0);
    assert_int_equal(gicr_rd(f, 0, GICR_SGI + GICD_ISPENDR, 4), 0);
    assert_int_equal(gicr_rd(f, 0, GICR_SGI + GICD_ISACTIVER, 4), 0);
    assert_int_equal(gicr_rd(f, 0, GICR_SGI + GICD_IPRIORITYR + 24, 4), 0);
    assert_int_equal(gicr_rd(f, 0, GICR_SGI + GICD_ICFGR + 4, 4), 0);
}

static void test_beyond_nr_irqs(void **state)
{
    struct fixture *f = *state;
    uint64_t off;

    /* GICD: register 3 of each bank would be INTIDs 96..127. */
    for (off = GICD_IGROUPR; off < GICD_IPRIORITYR; off += 0x80) {
        gicd_wr(f, off + 12, 4, 0xffffffff);
        assert_int_equal(gicd_rd(f, off + 12, 4), 0);
        gicd_wr(f, off + 0x7c, 4, 0xffffffff);
        assert_int_equal(gicd_rd(f, off + 0x7c, 4), 0);
    }
    gicd_wr(f, GICD_IPRIORITYR + 96, 4, 0xffffffff);
    gicd_wr(f, GICD_IPRIORITYR + 0x3ff, 1, 0xff);
    assert_int_equal(gicd_rd(f, GICD_IPRIORITYR + 96, 4), 0);
    assert_int_equal(gicd_rd(f, GICD_IPRIORITYR + 0x3ff, 1), 0);
    /* A word straddling INTID 95/96. */
    gicd_wr(f, GICD_IPRIORITYR + 94, 4, 0xffffffff);
    assert_int_equal(gicd_rd(f, GICD_IPRIORITYR + 92, 4), 0);
    gicd_wr(f, GICD_ICFGR + 4 * 6, 4, 0xffffffff);
    assert_int_equal(gicd_rd(f, GICD_ICFGR + 4 * 6, 4), 0);
    gicd_wr(f, GICD_ICFGR + 0xfc, 4, 0xffffffff);
    assert_int_equal(gicd_rd(f, GICD_ICFGR + 0xfc, 4), 0);
    gicd_wr(f, GICD_IROUTER + 8 * 96, 8, 1);
    assert_int_equal(gicd_rd(f, GICD_IROUTER + 8 * 96, 8), 0);
    /* IROUTER has no entries for the private INTIDs. */
    gicd_wr(f, GICD_IROUTER + 8 * 31, 8, 1);
    assert_int_equal(gicd_rd(f, GICD_IROUTER + 8 * 31, 8), 0);

    /* The SGI frame has one register per bank (INTIDs 0..31). */
    for (off = GICD_IGROUPR; off < GICD_IPRIORITYR; off += 0x80) {
        gicr_wr(f, 0, GICR_SGI + off + 4, 4, 0xffffffff);
        assert_int_equal(gicr_rd(f, 0, GICR_SGI + off + 4, 4), 0);
    }
    gicr_wr(f, 0, GICR_SGI + GICD_IPRIORITYR + 32, 4, 0xffffffff);
    assert_int_equal(gicr_rd(f, 0, GICR_SGI + GICD_IPRIORITYR + 32, 4), 0);
    gicr_wr(f, 0, GICR_SGI + GICD_ICFGR + 8, 4, 0xffffffff);
    assert_int_equal(gicr_rd(f, 0, GICR_SGI + GICD_ICFGR + 8, 4), 0);
    /* None of it reached a real interrupt. */
    assert_int_equal(gicd_rd(f, GICD_ISENABLER + 8, 4), 0);
    assert_int_equal(gicr_rd(f, 0, GICR_SGI + GICD_ISENABLER, 4), 0);
}

static void test_priority(void **state)
{
    struct fixture *f = *state;

    gicd_wr(f, GICD_IPRIORITYR + 40, 1, 0xa0);
    assert_int_equal(gicd_rd(f, GICD_IPRIORITYR + 40, 1), 0xa0);
    assert_int_equal(gicd_rd(f, GICD_IPRIORITYR + 40, 4), 0xa0);
    gicd_wr(f, GICD_IPRIORITYR + 44, 4, 0x11223344);
    assert_int_equal(gicd_rd(f, GICD_IPRIORITYR + 44, 1), 0x44);
    assert_int_equal(gicd_rd(f, GICD_IPRIORITYR + 45, 1), 0x33);
    assert_int_equal(gicd_rd(f, GICD_IPRIORITYR + 46, 1), 0x22);
    assert_int_equal(gicd_rd(f, GICD_IPRIORITYR + 47, 1), 0x11);
    assert_int_equal(gicd_rd(f, GICD_IPRIORITYR + 44, 4), 0x11223344);
    gicd_wr(f, GICD_IPRIORITYR + 95, 1, 0xf0);
    assert_int_equal(gicd_rd(f, GICD_IPRIORITYR + 92, 4), 0xf0000000);

    /* Private priorities are per vCPU. */
    gicr_wr(f, 0, GICR_SGI + GICD_IPRIORITYR + 3, 1, 0x80);
    gicr_wr(f, 1, GICR_SGI + GICD_IPRIORITYR + 28, 4, 0x01020304);
    assert_int_equal(gicr_rd(f, 0, GICR_SGI + GICD_IPRIORITYR, 4), 0x80000000);
    assert_int_equal(gicr_rd(f, 1, GICR_SGI + GICD_IPRIORITYR, 4), 0);
    assert_int_equal(gicr_rd(f, 1, GICR_SGI + GICD_IPRIORITYR + 31, 1), 0x01);
    assert_int_equal(gicr_rd(f, 0, GICR_SGI + GICD_IPRIORITYR + 28, 4), 0);
    /* Half-word accesses are not supported: RAZ/WI. */
    gicd_wr(f, GICD_IPRIORITYR + 48, 2, 0xffff);
    assert_int_equal(gicd_rd(f, GICD_IPRIORITYR + 48, 4), 0);
}

static void test_icfgr(void **state)
{
    struct fixture *f = *state;

    /* SGIs: always edge, read-only. */
    assert_int_equal(gicr_rd(f, 0, GICR_SGI + GICD_ICFGR, 4), 0xaaaaaaaa);
    gicr_wr(f, 0, GICR_SGI + GICD_ICFGR, 4, 0);
    assert_int_equal(gicr_rd(f, 0, GICR_SGI + GICD_ICFGR, 4), 0xaaaaaaaa);
    /* PPIs: level after reset, configurable. */
    assert_int_equal(gicr_rd(f, 0, GICR_SGI + GICD_ICFGR + 4, 4), 0);
    gicr_wr(f, 0, GICR_SGI + GICD_ICFGR + 4, 4, 2U << (2 * 11));
    assert_int_equal(gicr_rd(f, 0, GICR_SGI + GICD_ICFGR + 4, 4),
                     2U << (2 * 11));
    assert_int_equal(gicr_rd(f, 1, GICR_SGI + GICD_ICFGR + 4, 4), 0);
    /* SPIs: level after reset, configurable; only Int_config[1] sticks. */
    assert_int_equal(gicd_rd(f, GICD_ICFGR + 8, 4), 0);
    gicd_wr(f, GICD_ICFGR + 8, 4, 0xc000000f);
    assert_int_equal(gicd_rd(f, GICD_ICFGR + 8, 4), 0x8000000a);
    gicd_wr(f, GICD_ICFGR + 20, 4, 0x80000000); /* INTID 95 */
    assert_int_equal(gicd_rd(f, GICD_ICFGR + 20, 4), 0x80000000);
    gicd_wr(f, GICD_ICFGR + 8, 4, 0);
    assert_int_equal(gicd_rd(f, GICD_ICFGR + 8, 4), 0);
}

/* --- routing ---------------------------------------------------------------
 */

static void test_irouter(void **state)
{
    struct fixture *f = *state;
    const uint64_t r40 = GICD_IROUTER + 8 * 40;

    gicd_wr(f, GICD_CTLR, 4, CTLR_ENGRP1);
    spi_setup(f, 40, 0x80);
    assert_int_equal(gicd_rd(f, r40, 8), 0);
    gicd_wr(f, r40, 8, 1); /* Aff0 = 1: vCPU 1 */
    assert_int_equal(gicd_rd(f, r40, 8), 1);
    gicd_wr(f, spi_reg(GICD_ISPENDR, 40), 4, spi_bit(40));
    assert_true(vgic_irq_pending(f->v[1]));
    assert_false(vgic_irq_pending(f->v[0]));

    /* 1-of-N goes to vCPU 0. */
    gicd_wr(f, r40, 8, (1UL << 31) | 1);
    assert_int_equal(gicd_rd(f, r40, 8), (1UL << 31) | 1);
    assert_true(vgic_irq_pending(f->v[0]));
    assert_false(vgic_irq_pending(f->v[1]));

    /* So do affinities no vCPU has. */
    gicd_wr(f, r40, 8, 5);
    assert_true(vgic_irq_pending(f->v[0]));
    assert_false(vgic_irq_pending(f->v[1]));
    gicd_wr(f, r40, 8, 1);
    assert_true(vgic_irq_pending(f->v[1]));
    gicd_wr(f, r40, 8, 0x101); /* Aff1 = 1 */
    assert_true(vgic_irq_pending(f->v[0]));
    assert_false(vgic_irq_pending(f->v[1]));

    /* 32-bit halves: low then high, each kept. */
    gicd_wr(f, r40, 4, 1);
    assert_int_equal(gicd_rd(f, r40, 8), 1);
    assert_true(vgic_irq_pending(f->v[1]));
    gicd_wr(f, r40 + 4, 4, 0x12); /* Aff3 = 0x12 */
    assert_int_equal(gicd_rd(f, r40, 8), 0x1200000001UL);
    assert_int_equal(gicd_rd(f, r40, 4), 1);
    assert_int_equal(gicd_rd(f, r40 + 4, 4), 0x12);
    assert_true(vgic_irq_pending(f->v[0]));
    assert_false(vgic_irq_pending(f->v[1]));
    gicd_wr(f, r40 + 4, 4, 0);
    assert_true(vgic_irq_pending(f->v[1]));

    /* Reserved bits read as zero. */
    gicd_wr(f, r40, 8, UINT64_MAX);
    assert_int_equal(gicd_rd(f, r40, 8), 0xff80ffffffUL);
    /* Other SPIs still go to vCPU 0. */
    assert_int_equal(gicd_rd(f, GICD_IROUTER + 8 * 41, 8), 0);
}

/* --- redistributor frame ----------------------------------------------- */

static void test_gicr_typer_waker(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(gicr_rd(f, 0, GICR_TYPER, 8), 0);
    assert_int_equal(gicr_rd(f, 1, GICR_TYPER, 8),
                     (1UL << 32) | (1UL << 8) | TYPER_LAST);
    assert_int_equal(gicr_rd(f, 1, GICR_TYPER, 4), (1UL << 8) | TYPER_LAST);
    assert_int_equal(gicr_rd(f, 1, GICR_TYPER + 4, 4), 1);
    assert_int_equal(gicr_rd(f, 0, GICR_TYPER + 4, 4), 0);

    /* Asleep after reset; waking one leaves the other asleep. */
    assert_int_equal(gicr_rd(f, 0, GICR_WAKER, 4), WAKER_SLEEP | WAKER_ASLEEP);
    gicr_wr(f, 0, GICR_WAKER, 4, 0);
    assert_int_equal(gicr_rd(f, 0, GICR_WAKER, 4), 0);
    assert_int_equal(gicr_rd(f, 1, GICR_WAKER, 4), WAKER_SLEEP | WAKER_ASLEEP);
    gicr_wr(f, 0, GICR_WAKER, 4, WAKER_SLEEP);
    assert_int_equal(gicr_rd(f, 0, GICR_WAKER, 4), WAKER_SLEEP | WAKER_ASLEEP);
}

/* --- interrupt sources -----------------------------------------------------
 */

static void test_level_spi(void **state)
{
    struct fixture *f = *state;
    unsigned int k;

    gicd_wr(f, GICD_CTLR, 4, CTLR_ENGRP1);
    spi_setup(f, 34, 0x80);
    memset(kicks, 0, sizeof(kicks));

    vgic_set_level(f->vm, NULL, 34, true);
    assert_true(spi_pending(f, 34));
    assert_true(vgic_irq_pending(f->v[0]));
    assert_int_equal(kicks[0], 1);
    assert_int_equal(kicks[1], 0);
    /* No change, no kick. */
    vgic_set_level(f->vm, NULL, 34, true);
    assert_int_equal(kicks[0], 1);
    /* ICPENDR does not clear an asserted level. */
    gicd_wr(f, spi_reg(GICD_ICPENDR, 34), 4, spi_bit(34));
    assert_true(spi_pending(f, 34));

    k = kicks[0];
    vgic_set_level(f->vm, NULL, 34, false);
    assert_false(spi_pending(f, 34));
    assert_false(vgic_irq_pending(f->v[0]));
    assert_int_equal(kicks[0], k + 1);

    /* Edge: the rising edge latches until cleared. */
    gicd_wr(f, GICD_ICFGR + 8, 4, 2U << (2 * 3)); /* INTID 35 edge */
    spi_setup(f, 35, 0x80);
    vgic_set_level(f->vm, NULL, 35, true);
    vgic_set_level(f->vm, NULL, 35, false);
    assert_true(spi_pending(f, 35));
    assert_true(vgic_irq_pending(f->v[0]));
    gicd_wr(f, spi_reg(GICD_ICPENDR, 35), 4, spi_bit(35));
    assert_false(spi_pending(f, 35));
    /* A falling edge alone latches nothing. */
    vgic_set_level(f->vm, NULL, 35, false);
    assert_false(spi_pending(f, 35));

    /* Out of range: ignored. */
    vgic_set_level(f->vm, NULL, VGIC_NR_IRQS, true);
    vgic_set_level(f->vm, NULL, 20, true); /* private without a vCPU */
    assert_false(vgic_irq_pending(f->v[0]));
}

static void test_send_sgi(void **state)
{
    struct fixture *f = *state;

    /* Target list: vCPU 1 only, SGI 5. */
    vgic_send_sgi(f->v[0], (5UL << 24) | 0x2);
    assert_true(priv_pending(f, 1, 5));
    assert_false(priv_pending(f, 0, 5));
    assert_int_equal(kicks[1], 1);
    assert_int_equal(kicks[0], 0);

    /* Target list naming both, and a bit past the last vCPU. */
    vgic_send_sgi(f->v[0], (6UL << 24) | 0x8003);
    assert_true(priv_pending(f, 0, 6));
    assert_true(priv_pending(f, 1, 6));

    /* Broadcast (IRM): everyone but the sender, target list ignored. */
    vgic_send_sgi(f->v[1], (1UL << 40) | (7UL << 24) | 0x2);
    assert_true(priv_pending(f, 0, 7));
    assert_false(priv_pending(f, 1, 7));

    /* Aff1, Aff2 or Aff3 != 0: no vCPU has that affinity. */
    vgic_send_sgi(f->v[0], (1UL << 16) | (8UL << 24) | 0x3);
    vgic_send_sgi(f->v[0], (1UL << 32) | (8UL << 24) | 0x3);
    vgic_send_sgi(f->v[0], (1UL << 48) | (8UL << 24) | 0x3);
    assert_false(priv_pending(f, 0, 8));
    assert_false(priv_pending(f, 1, 8));

    /* The sender itself, when loaded, is not kicked but refilled. */
    current_vcpu = f->v[0];
    memset(kicks, 0, sizeof(kicks));
    f->v[0]->arch.vgic.dirty = false;
    vgic_send_sgi(f->v[0], (9UL << 24) | 0x1);
    assert_true(priv_pending(f, 0, 9));
    assert_int_equal(kicks[0], 0);
    assert_true(f->v[0]->arch.vgic.dirty);
}

/*
 * ICC_SGI1R_EL1.RS (bits 47:44) selects which 16 Aff0 values the target
 * list covers: RS = 1 means Aff0 16..31, and no vCPU of this VM has one.
 */
static void test_send_sgi_range_selector(void **state)
{
    struct fixture *f = *state;

    vgic_send_sgi(f->v[1], (1UL << 44) | (3UL << 24) | 0x1);
    assert_false(priv_pending(f, 0, 3));
    assert_int_equal(kicks[0], 0);
}

static void test_irq_pending_needs_enable_and_group(void **state)
{
    struct fixture *f = *state;

    gicr_wr(f, 0, GICR_SGI + GICD_ISPENDR, 4, 1U << 3);
    assert_false(vgic_irq_pending(f->v[0])); /* disabled */
    gicr_wr(f, 0, GICR_SGI + GICD_ISENABLER, 4, 1U << 3);
    assert_false(vgic_irq_pending(f->v[0])); /* group 0 disabled */
    gicd_wr(f, GICD_CTLR, 4, CTLR_ENGRP0);
    assert_true(vgic_irq_pending(f->v[0]));
    gicr_wr(f, 0, GICR_SGI + GICD_IGROUPR, 4, 1U << 3);
    assert_false(vgic_irq_pending(f->v[0])); /* group 1 disabled */
    gicd_wr(f, GICD_CTLR, 4, CTLR_ENGRP1);
    assert_true(vgic_irq_pending(f->v[0]));
    assert_false(vgic_irq_pending(f->v[1]));
    /* Already active: not a new interrupt for the guest. */
    gicr_wr(f, 0, GICR_SGI + GICD_ISACTIVER, 4, 1U << 3);
    assert_false(vgic_irq_pending(f->v[0]));
    gicr_wr(f, 0, GICR_SGI + GICD_ICACTIVER, 4, 1U << 3);
    gicr_wr(f, 0, GICR_SGI + GICD_ICENABLER, 4, 1U << 3);
    assert_false(vgic_irq_pending(f->v[0]));
}

/* --- list registers ---------------------------------------------------- */

static void test_flush_order_and_hw(void **state)
{
    struct fixture *f = *state;
    struct vcpu *v = f->v[0];

    gicd_wr(f, GICD_CTLR, 4, CTLR_ENGRP1);
    spi_setup(f, 40, 0xa0);
    spi_setup(f, 41, 0x20);
    priv_setup(f, 0, 2, 0x80);
    priv_setup(f, 0, 27, 0x40);
    gicd_wr(f, spi_reg(GICD_ISPENDR, 40), 4, spi_bit(40) | spi_bit(41));
    gicr_wr(f, 0, GICR_SGI + GICD_ISPENDR, 4, 1U << 2);
    fake_sysreg_set(CNTV_CTL, CNT_CTL_ENABLE | CNT_CTL_ISTATUS);
    vgic_inject_hw(v, 27);
    /* Pending on vCPU 1 only: not in vCPU 0's list registers. */
    priv_setup(f, 1, 4, 0x00);
    gicr_wr(f, 1, GICR_SGI + GICD_ISPENDR, 4, 1U << 4);

    current_vcpu = v;
    vgic_flush(v);
    assert_int_equal(fake_sysreg_read(lr_name[0]),
                     lr_expect(41, 0x20, LR_PENDING));
    assert_int_equal(fake_sysreg_read(lr_name[1]),
                     lr_expect(27, 0x40, LR_PENDING) | LR_HW | (27UL << 32));
    assert_int_equal(fake_sysreg_read(lr_name[2]),
                     lr_expect(2, 0x80, LR_PENDING));
    assert_int_equal(fake_sysreg_read(lr_name[3]),
                     lr_expect(40, 0xa0, LR_PENDING));
    assert_int_equal(fake_sysreg_writes(lr_name[4]), 0); /* only 4 LRs */
    assert_int_equal(fake_sysreg_read(HCR), ICH_HCR_EN);
    assert_int_equal(v->arch.vgic.nr_lrs_used, 4);
    assert_int_equal(fake_gic()->deactivates, 0); /* timer still fires */

    /* A fifth candidate, of the highest priority: first, and underflow. */
    spi_setup(f, 42, 0x10);
    gicd_wr(f, spi_reg(GICD_ISPENDR, 42), 4, spi_bit(42));
    vgic_flush(v);
    assert_int_equal(fake_sysreg_read(lr_name[0]),
                     lr_expect(42, 0x10, LR_PENDING));
    assert_int_equal(fake_sysreg_read(lr_name[1]),
                     lr_expect(41, 0x20, LR_PENDING));
    assert_int_equal(fake_sysreg_read(lr_name[3]),
                     lr_expect(2, 0x80, LR_PENDING));
    assert_int_equal(fake_sysreg_read(HCR), ICH_HCR_EN | ICH_HCR_UIE);

    /* Back to four: no underflow interrupt. */
    gicd_wr(f, spi_reg(GICD_ICPENDR, 42), 4, spi_bit(42));
    vgic_flush(v);
    assert_int_equal(fake_sysreg_read(HCR), ICH_HCR_EN);
    assert_int_equal(fake_sysreg_read(lr_name[0]),
                     lr_expect(41, 0x20, LR_PENDING));
}

static void test_flush_only_when_dirty(void **state)
{
    struct fixture *f = *state;
    struct vcpu *v = f->v[0];
    unsigned int hcr_writes;
    unsigned int lr_writes;

    gicd_wr(f, GICD_CTLR, 4, CTLR_ENGRP1);
    priv_setup(f, 0, 1, 0x80);
    gicr_wr(f, 0, GICR_SGI + GICD_ISPENDR, 4, 1U << 1);
    current_vcpu = v;
    vgic_flush(v);
    assert_false(v->arch.vgic.dirty);
    hcr_writes = fake_sysreg_writes(HCR);
    lr_writes = fake_sysreg_writes(lr_name[0]);
    assert_int_equal(hcr_writes, 1);
    assert_int_equal(lr_writes, 1);

    vgic_flush(v);
    vgic_sync(v); /* LR unchanged by the guest: nothing to fold */
    vgic_flush(v);
    assert_int_equal(fake_sysreg_writes(HCR), hcr_writes);
    assert_int_equal(fake_sysreg_writes(lr_name[0]), lr_writes);

    /* A change elsewhere in the VM (vCPU 1's redistributor) neither. */
    gicr_wr(f, 1, GICR_SGI + GICD_ISENABLER, 4, 1);
    vgic_flush(v);
    assert_int_equal(fake_sysreg_writes(HCR), hcr_writes);
}

/*
 * A rebuild rewrites only the list registers whose content changes, and
 * ICH_HCR_EL2 only when it changes: under TCG every ICH_* access takes
 * QEMU's global lock, so exits that write nothing new stay short.
 */
static void test_flush_writes_only_changes(void **state)
{
    struct fixture *f = *state;
    struct vcpu *v = f->v[0];
    unsigned int lr0_writes;
    unsigned int hcr_writes;
    uint64_t lr;

    gicd_wr(f, GICD_CTLR, 4, CTLR_ENGRP1);
    spi_setup(f, 40, 0x80);
    spi_setup(f, 41, 0x90);
    gicd_wr(f, spi_reg(GICD_ISPENDR, 40), 4, spi_bit(40));
    current_vcpu = v;
    vgic_flush(v);
    lr = lr_expect(40, 0x80, LR_PENDING);
    assert_int_equal(fake_sysreg_read(lr_name[0]), lr);
    lr0_writes = fake_sysreg_writes(lr_name[0]);
    hcr_writes = fake_sysreg_writes(HCR);

    /* The guest acknowledges 40 (LR 0 then says what the model will),
     * and 41 becomes pending: only LR 1 is written. */
    fake_sysreg_set(lr_name[0], (lr & ~LR_PENDING) | LR_ACTIVE);
    vgic_sync(v);
    gicd_wr(f, spi_reg(GICD_ISPENDR, 41), 4, spi_bit(41));
    assert_true(v->arch.vgic.dirty);
    vgic_flush(v);
    assert_int_equal(fake_sysreg_read(lr_name[0]),
                     lr_expect(40, 0x80, LR_ACTIVE));
    assert_int_equal(fake_sysreg_writes(lr_name[0]), lr0_writes);
    assert_int_equal(fake_sysreg_read(lr_name[1]),
                     lr_expect(41, 0x90, LR_PENDING));
    assert_int_equal(fake_sysreg_writes(HCR), hcr_writes);

    /* 40 pending again while active: LR 0 changes, so it is written. */
    gicd_wr(f, spi_reg(GICD_ISPENDR, 40), 4, spi_bit(40));
    vgic_flush(v);
    assert_int_equal(fake_sysreg_read(lr_name[0]),
                     lr_expect(40, 0x80, LR_PENDING | LR_ACTIVE));
    assert_int_equal(fake_sysreg_writes(lr_name[0]), lr0_writes + 1);
    assert_int_equal(fake_sysreg_writes(HCR), hcr_writes);
}

static void test_flush_active_first(void **state)
{
    struct fixture *f = *state;
    struct vcpu *v = f->v[0];

    gicd_wr(f, GICD_CTLR, 4, CTLR_ENGRP1);
    spi_setup(f, 40, 0xf0);
    spi_setup(f, 41, 0x00);
    gicd_wr(f, spi_reg(GICD_ISACTIVER, 40), 4, spi_bit(40));
    gicd_wr(f, spi_reg(GICD_ISPENDR, 41), 4, spi_bit(41));
    /* Active even though disabled: the guest must be able to end it. */
    priv_setup(f, 0, 6, 0x10);
    gicr_wr(f, 0, GICR_SGI + GICD_ISACTIVER, 4, 1U << 6);
    gicr_wr(f, 0, GICR_SGI + GICD_ICENABLER, 4, 1U << 6);

    current_vcpu = v;
    vgic_flush(v);
    assert_int_equal(fake_sysreg_read(lr_name[0]),
                     lr_expect(6, 0x10, LR_ACTIVE));
    assert_int_equal(fake_sysreg_read(lr_name[1]),
                     lr_expect(40, 0xf0, LR_ACTIVE));
    assert_int_equal(fake_sysreg_read(lr_name[2]),
                     lr_expect(41, 0x00, LR_PENDING));
    assert_int_equal(v->arch.vgic.nr_lrs_used, 3);

    /* Fewer afterwards: the LR no longer used is cleared. */
    gicd_wr(f, spi_reg(GICD_ICACTIVER, 40), 4, spi_bit(40));
    vgic_flush(v);
    assert_int_equal(fake_sysreg_read(lr_name[1]),
                     lr_expect(41, 0x00, LR_PENDING));
    assert_int_equal(fake_sysreg_read(lr_name[2]), 0);
    assert_int_equal(fake_sysreg_writes(lr_name[3]), 0);
}

static void test_sync_ack_complete_repend(void **state)
{
    struct fixture *f = *state;
    struct vcpu *v = f->v[0];
    uint64_t lr;

    gicd_wr(f, GICD_CTLR, 4, CTLR_ENGRP1);
    gicd_wr(f, GICD_ICFGR + 8, 4, 2U << (2 * 8)); /* INTID 40 edge */
    spi_setup(f, 40, 0x80);
    vgic_set_level(f->vm, NULL, 40, true);
    current_vcpu = v;
    vgic_flush(v);
    lr = lr_expect(40, 0x80, LR_PENDING);
    assert_int_equal(fake_sysreg_read(lr_name[0]), lr);

    /* The guest acknowledges: pending -> active in the LR. */
    fake_sysreg_set(lr_name[0], (lr & ~LR_PENDING) | LR_ACTIVE);
    vgic_sync(v);
    assert_false(spi_pending(f, 40));
    assert_true(gicd_rd(f, spi_reg(GICD_ISACTIVER, 40), 4) & spi_bit(40));
    assert_true(v->arch.vgic.dirty);
    assert_false(vgic_irq_pending(v));

    /* A new edge while active: pending and active. */
    vgic_set_level(f->vm, NULL, 40, false);
    vgic_set_level(f->vm, NULL, 40, true);
    assert_true(spi_pending(f, 40));
    vgic_flush(v);
    assert_int_equal(fake_sysreg_read(lr_name[0]),
                     lr_expect(40, 0x80, LR_PENDING | LR_ACTIVE));

    /* The guest deactivates the first: pending remains. */
    fake_sysreg_set(lr_name[0], lr_expect(40, 0x80, LR_PENDING));
    vgic_sync(v);
    assert_true(spi_pending(f, 40));
    assert_false(gicd_rd(f, spi_reg(GICD_ISACTIVER, 40), 4) & spi_bit(40));
    vgic_flush(v);
    assert_int_equal(fake_sysreg_read(lr_name[0]),
                     lr_expect(40, 0x80, LR_PENDING));

    /* Acknowledged and completed between two exits: LR reads 0. */
    fake_sysreg_set(lr_name[0], 0);
    vgic_sync(v);
    assert_false(spi_pending(f, 40));
    assert_false(gicd_rd(f, spi_reg(GICD_ISACTIVER, 40), 4) & spi_bit(40));
    vgic_flush(v);
    assert_int_equal(v->arch.vgic.nr_lrs_used, 0);
    assert_int_equal(fake_sysreg_read(HCR), ICH_HCR_EN);
}

/*
 * An SGI sent again after the LR was written but before the exit that
 * folds the guest's acknowledgement must stay pending: dropping it would
 * lose an IPI.
 */
static void test_sync_keeps_edge_after_lr_written(void **state)
{
    struct fixture *f = *state;
    struct vcpu *v = f->v[0];
    uint64_t lr;

    gicd_wr(f, GICD_CTLR, 4, CTLR_ENGRP1);
    priv_setup(f, 0, 3, 0x80);
    vgic_inject_private(v, 3);
    current_vcpu = v;
    vgic_flush(v);
    lr = fake_sysreg_read(lr_name[0]);
    assert_int_equal(lr & 0xffffffffUL, 3);

    /* The guest acknowledges SGI 3; meanwhile it is sent once more. */
    fake_sysreg_set(lr_name[0], (lr & ~LR_PENDING) | LR_ACTIVE);
    vgic_inject_private(v, 3);
    vgic_sync(v);
    assert_true(priv_pending(f, 0, 3));
    vgic_flush(v);
    assert_int_equal(fake_sysreg_read(lr_name[0]) & (LR_PENDING | LR_ACTIVE),
                     LR_PENDING | LR_ACTIVE);
}

static void test_sync_level_ack(void **state)
{
    struct fixture *f = *state;
    struct vcpu *v = f->v[1];
    uint64_t lr;

    gicd_wr(f, GICD_CTLR, 4, CTLR_ENGRP1);
    spi_setup(f, 50, 0x40);
    gicd_wr(f, GICD_IROUTER + 8 * 50, 8, 1);
    memset(kicks, 0, sizeof(kicks));
    vgic_set_level(f->vm, NULL, 50, true);
    assert_int_equal(kicks[1], 1); /* routed: vCPU 1 is told */
    assert_int_equal(kicks[0], 0);
    current_vcpu = v;
    vgic_flush(v);
    lr = lr_expect(50, 0x40, LR_PENDING);
    assert_int_equal(fake_sysreg_read(lr_name[0]), lr);

    /* Acknowledged while the line stays high: active, still pending. */
    fake_sysreg_set(lr_name[0], (lr & ~LR_PENDING) | LR_ACTIVE);
    vgic_sync(v);
    vgic_flush(v);
    assert_int_equal(fake_sysreg_read(lr_name[0]),
                     lr_expect(50, 0x40, LR_ACTIVE | LR_PENDING));
    /* The device drops the line, the guest deactivates: nothing left. */
    vgic_set_level(f->vm, NULL, 50, false);
    fake_sysreg_set(lr_name[0], 0);
    vgic_sync(v);
    vgic_flush(v);
    assert_int_equal(v->arch.vgic.nr_lrs_used, 0);
    assert_false(vgic_irq_pending(v));
}

static void test_save_restore_hw_ppi(void **state)
{
    struct fixture *f = *state;
    struct vcpu *v = f->v[0];
    uint64_t lr;

    gicd_wr(f, GICD_CTLR, 4, CTLR_ENGRP1);
    priv_setup(f, 0, 27, 0x40);
    fake_sysreg_set(CNTV_CTL, CNT_CTL_ENABLE | CNT_CTL_ISTATUS);
    fake_gic()->ppi_active = 1U << 27; /* the host took the timer PPI */
    current_vcpu = v;
    vgic_inject_hw(v, 27);
    vgic_flush(v);
    lr = lr_expect(27, 0x40, LR_PENDING) | LR_HW | (27UL << 32);
    assert_int_equal(fake_sysreg_read(lr_name[0]), lr);

    /* The guest acknowledged it; the vCPU is put. */
    fake_sysreg_set(lr_name[0], (lr & ~LR_PENDING) | LR_ACTIVE);
    fake_sysreg_set(VMCR, 0x1234);
    fake_sysreg_set(AP1R0, 0x1);
    vgic_save(v);
    assert_int_equal(fake_gic()->set_active_calls, 1);
    assert_int_equal(fake_gic()->last_set_active, 27);
    assert_int_equal(fake_gic()->ppi_active, 0);
    assert_int_equal(fake_sysreg_read(lr_name[0]), 0);
    assert_int_equal(fake_sysreg_read(HCR), ICH_HCR_EN);
    assert_true(gicr_rd(f, 0, GICR_SGI + GICD_ISACTIVER, 4) & (1U << 27));

    /* Another vCPU ran meanwhile. */
    fake_sysreg_set(VMCR, 0);
    fake_sysreg_set(AP1R0, 0);
    vgic_restore(v);
    assert_int_equal(fake_gic()->set_active_calls, 2);
    assert_int_equal(fake_gic()->ppi_active, 1U << 27);
    assert_int_equal(fake_sysreg_read(VMCR), 0x1234);
    assert_int_equal(fake_sysreg_read(AP1R0), 0x1);
    assert_int_equal(fake_sysreg_read(AP0R0), 0);
    assert_true(v->arch.vgic.dirty);
    vgic_flush(v);
    assert_int_equal(fake_sysreg_read(lr_name[0]),
                     (lr & ~LR_PENDING) | LR_ACTIVE);

    /* Deactivated by the guest: nothing to park next time. */
    fake_sysreg_set(lr_name[0], 0);
    vgic_save(v);
    vgic_restore(v);
    assert_int_equal(fake_gic()->set_active_calls, 2);
}

static void test_vtimer_retire(void **state)
{
    struct fixture *f = *state;
    struct vcpu *v = f->v[0];

    gicd_wr(f, GICD_CTLR, 4, CTLR_ENGRP1);
    priv_setup(f, 0, 27, 0x40);
    current_vcpu = v;
    vgic_inject_hw(v, 27);
    /* The guest masked its timer before the interrupt was delivered. */
    fake_sysreg_set(CNTV_CTL, CNT_CTL_ENABLE | CNT_CTL_IMASK | CNT_CTL_ISTATUS);
    vgic_flush(v);
    assert_int_equal(fake_gic()->deactivates, 1);
    assert_int_equal(fake_gic()->last_deactivated, 27);
    assert_int_equal(v->arch.vgic.nr_lrs_used, 0);
    assert_false(priv_pending(f, 0, 27));
}

/* --- hostile accesses -------------------------------------------------- */

static void test_hostile_sizes(void **state)
{
    struct fixture *f = *state;
    uint64_t off;

    gicd_wr(f, GICD_CTLR, 8, CTLR_ENGRP1);
    assert_int_equal(gicd_rd(f, GICD_CTLR, 4), CTLR_ARE | CTLR_DS);
    assert_int_equal(gicd_rd(f, GICD_CTLR, 8), 0);
    assert_int_equal(gicd_rd(f, GICD_TYPER, 2), 0);
    for (off = GICD_IGROUPR; off < GICD_IPRIORITYR; off += 0x80) {
        gicd_wr(f, off + 8, 8, UINT64_MAX);
        gicd_wr(f, off + 8, 1, 0xff);
        gicd_wr(f, off + 8, 2, 0xffff);
        assert_int_equal(gicd_rd(f, off + 8, 8), 0);
        assert_int_equal(gicd_rd(f, off + 8, 4), 0);
        gicr_wr(f, 1, GICR_SGI + off, 8, UINT64_MAX);
        gicr_wr(f, 1, GICR_SGI + off, 1, 0xff);
        assert_int_equal(gicr_rd(f, 1, GICR_SGI + off, 4), 0);
    }
    gicd_wr(f, GICD_IPRIORITYR + 40, 8, UINT64_MAX);
    assert_int_equal(gicd_rd(f, GICD_IPRIORITYR + 40, 4), 0);
    gicd_wr(f, GICD_ICFGR + 8, 8, UINT64_MAX);
    gicd_wr(f, GICD_ICFGR + 8, 1, 0xff);
    assert_int_equal(gicd_rd(f, GICD_ICFGR + 8, 4), 0);
    gicd_wr(f, GICD_IROUTER + 8 * 40, 2, 1);
    gicd_wr(f, GICD_IROUTER + 8 * 40, 1, 1);
    assert_int_equal(gicd_rd(f, GICD_IROUTER + 8 * 40, 8), 0);
    gicr_wr(f, 0, GICR_WAKER, 8, 0);
    gicr_wr(f, 0, GICR_WAKER, 1, 0);
    assert_int_equal(gicr_rd(f, 0, GICR_WAKER, 4), WAKER_SLEEP | WAKER_ASLEEP);
    assert_int_equal(gicr_rd(f, 0, GICR_WAKER, 8), 0);
    assert_int_equal(gicr_rd(f, 1, GICR_TYPER, 2), 0);
    assert_int_equal(gicr_rd(f, 1, GICR_PIDR2, 8), 0);
}

static void test_hostile_offsets(void **state)
{
    struct fixture *f = *state;
    uint64_t off;
    uint64_t val = 0;

    /* Every offset of both frames, every size: no crash, no effect on
     * the interrupts checked below (only whole registers count). */
    for (off = 0; off < VGIC_GICD_SIZE; off += 0x41) {
        (void)gicd_rd(f, off, 4);
        (void)gicd_rd(f, off, 1);
    }
    for (off = 0; off < NR_VCPUS * VGIC_GICR_STRIDE; off += 0x83) {
        (void)rd(f, VGIC_GICR_IPA + off, 4);
        (void)rd(f, VGIC_GICR_IPA + off, 8);
    }

    /* Past the end of each region: no device there. */
    assert_int_equal(mmio_access(&f->vm->mmio, NULL,
                                 VGIC_GICD_IPA + VGIC_GICD_SIZE - 2, 4, false,
                                 &val),
                     -HV_EFAULT);
    assert_int_equal(mmio_access(&f->vm->mmio, NULL,
                                 VGIC_GICR_IPA + NR_VCPUS * VGIC_GICR_STRIDE, 4,
                                 true, &val),
                     -HV_EFAULT);
    assert_int_equal(
        mmio_access(&f->vm->mmio, NULL,
                    VGIC_GICR_IPA + NR_VCPUS * VGIC_GICR_STRIDE - 4, 8, false,
                    &val),
        -HV_EFAULT);
    /* Last words of the regions are fine. */
    assert_int_equal(gicd_rd(f, VGIC_GICD_SIZE - 4, 4), 0);
    assert_int_equal(gicr_rd(f, 1, VGIC_GICR_STRIDE - 4, 4), 0);
}

/*
 * Misaligned accesses (Normal-memory guest mappings can make them) are
 * RAZ/WI: they must not hit the register next to them.
 */
static void test_hostile_misaligned(void **state)
{
    /* A misaligned write, then the aligned register it must not reach. */
    static const struct {
        bool gicr; /* vCPU 0's redistributor, else the distributor */
        uint64_t off;
        unsigned int size;
        uint64_t check;
        unsigned int check_size;
    } cases[] = {
        {false, GICD_ISENABLER + 5, 4, GICD_ISENABLER + 4, 4},
        {false, GICD_IGROUPR + 6, 4, GICD_IGROUPR + 4, 4},
        {true, GICR_SGI + GICD_ISPENDR + 2, 4, GICR_SGI + GICD_ISPENDR, 4},
        {false, GICD_IPRIORITYR + 41, 4, GICD_IPRIORITYR + 40, 4},
        {false, GICD_IPRIORITYR + 41, 4, GICD_IPRIORITYR + 44, 4},
        {false, GICD_ICFGR + 9, 4, GICD_ICFGR + 8, 4},
        {false, GICD_IROUTER + 8 * 40 + 2, 4, GICD_IROUTER + 8 * 40, 8},
        {false, GICD_IROUTER + 8 * 41 + 4, 8, GICD_IROUTER + 8 * 41, 8},
    };
    struct fixture *f = *state;
    unsigned int bad = 0;
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        uint64_t got;

        if (cases[i].gicr) {
            gicr_wr(f, 0, cases[i].off, cases[i].size, UINT64_MAX);
            got = gicr_rd(f, 0, cases[i].check, cases[i].check_size);
        } else {
            gicd_wr(f, cases[i].off, cases[i].size, UINT64_MAX);
            got = gicd_rd(f, cases[i].check, cases[i].check_size);
        }
        if (got != 0) {
            printf("misaligned %s+0x%llx (%u bytes) changed 0x%llx: "
                   "0x%llx\n",
                   cases[i].gicr ? "GICR" : "GICD",
                   (unsigned long long)cases[i].off, cases[i].size,
                   (unsigned long long)cases[i].check, (unsigned long long)got);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_gicd_id_regs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spi_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_private_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gicd_bank0_raz_wi, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_beyond_nr_irqs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_priority, setup, teardown),
        cmocka_unit_test_setup_teardown(test_icfgr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_irouter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gicr_typer_waker, setup, teardown),
        cmocka_unit_test_setup_teardown(test_level_spi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_sgi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_sgi_range_selector, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_irq_pending_needs_enable_and_group,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_flush_order_and_hw, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_flush_only_when_dirty, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_flush_writes_only_changes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_flush_active_first, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sync_ack_complete_repend, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sync_keeps_edge_after_lr_written,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_level_ack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_restore_hw_ppi, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_vtimer_retire, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_offsets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_misaligned, setup,
                                        teardown),
    };

    return cmocka_run_group_tests_name("vgic_v3", tests, NULL, NULL);
}
