/* SPDX-License-Identifier: MIT */
/*
 * List-register management; see asm/vgic.h.
 *
 * A hardware-linked list register (HW = 1) forwards a physical PPI (the
 * virtual timer) that Shoji acknowledged but left active: the guest's
 * deactivation of the virtual interrupt deactivates the physical one. When
 * such a vCPU is put, the physical active state is saved and cleared so
 * the next vCPU's timer can fire, and set again when it is loaded.
 */
#include <asm/gic_v3.h>
#include <asm/sysreg.h>
#include <asm/vgic.h>
#include <hv/vcpu.h>

#define LR_STATE_SHIFT 62
#define LR_STATE_MASK (3UL << LR_STATE_SHIFT)
#define LR_PENDING (1UL << LR_STATE_SHIFT)
#define LR_HW (1UL << 61)
#define LR_GROUP1 (1UL << 60)
#define LR_PRIO(p) ((uint64_t)(p) << 48)
#define LR_PINTID(i) ((uint64_t)(i) << 32)
#define LR_VINTID_MASK 0xffffffffUL

#define VGIC_PRIO 0xa0

static unsigned int nr_lrs;

void vgic_cpu_init(void)
{
    nr_lrs = gic_nr_lrs();
    if (nr_lrs > VGIC_MAX_LRS) {
        nr_lrs = VGIC_MAX_LRS;
    }
}

#define LR_CASE(n, op, c1, c2)                                                 \
    case n:                                                                    \
        op(S3_4_C12_##c1##_##c2);                                              \
        break

static uint64_t lr_read(unsigned int n)
{
    uint64_t v = 0;

#define LR_RD(reg) v = SYSREG_READ(reg)
    switch (n) {
        LR_CASE(0, LR_RD, C12, 0);
        LR_CASE(1, LR_RD, C12, 1);
        LR_CASE(2, LR_RD, C12, 2);
        LR_CASE(3, LR_RD, C12, 3);
        LR_CASE(4, LR_RD, C12, 4);
        LR_CASE(5, LR_RD, C12, 5);
        LR_CASE(6, LR_RD, C12, 6);
        LR_CASE(7, LR_RD, C12, 7);
        LR_CASE(8, LR_RD, C13, 0);
        LR_CASE(9, LR_RD, C13, 1);
        LR_CASE(10, LR_RD, C13, 2);
        LR_CASE(11, LR_RD, C13, 3);
        LR_CASE(12, LR_RD, C13, 4);
        LR_CASE(13, LR_RD, C13, 5);
        LR_CASE(14, LR_RD, C13, 6);
        LR_CASE(15, LR_RD, C13, 7);
    default:
        break;
    }
#undef LR_RD
    return v;
}

static void lr_write(unsigned int n, uint64_t v)
{
#define LR_WR(reg) SYSREG_WRITE(reg, v)
    switch (n) {
        LR_CASE(0, LR_WR, C12, 0);
        LR_CASE(1, LR_WR, C12, 1);
        LR_CASE(2, LR_WR, C12, 2);
        LR_CASE(3, LR_WR, C12, 3);
        LR_CASE(4, LR_WR, C12, 4);
        LR_CASE(5, LR_WR, C12, 5);
        LR_CASE(6, LR_WR, C12, 6);
        LR_CASE(7, LR_WR, C12, 7);
        LR_CASE(8, LR_WR, C13, 0);
        LR_CASE(9, LR_WR, C13, 1);
        LR_CASE(10, LR_WR, C13, 2);
        LR_CASE(11, LR_WR, C13, 3);
        LR_CASE(12, LR_WR, C13, 4);
        LR_CASE(13, LR_WR, C13, 5);
        LR_CASE(14, LR_WR, C13, 6);
        LR_CASE(15, LR_WR, C13, 7);
    default:
        break;
    }
#undef LR_WR
}

/* Index of a list register already holding intid, or of a free one. */
static int lr_find(unsigned int intid, bool *already)
{
    uint64_t empty = SYSREG_READ(ICH_ELRSR_EL2);
    int free_lr = -1;
    unsigned int n;

    *already = false;
    for (n = 0; n < nr_lrs; n++) {
        if (empty & (1UL << n)) {
            if (free_lr < 0) {
                free_lr = (int)n;
            }
            continue;
        }
        if ((lr_read(n) & LR_VINTID_MASK) == intid) {
            *already = true;
            return (int)n;
        }
    }
    return free_lr;
}

static bool lr_place(unsigned int intid, bool hw)
{
    bool already;
    int n = lr_find(intid, &already);
    uint64_t lr;

    if (n < 0) {
        return false;
    }
    if (already) {
        /* Still active in the guest: mark it pending as well. */
        lr_write((unsigned int)n, lr_read((unsigned int)n) | LR_PENDING);
        return true;
    }
    lr = LR_PENDING | LR_GROUP1 | LR_PRIO(VGIC_PRIO) | intid;
    if (hw) {
        lr |= LR_HW | LR_PINTID(intid);
    }
    lr_write((unsigned int)n, lr);
    return true;
}

void vgic_inject(struct vcpu *v, unsigned int intid, bool hw)
{
    if (intid >= VGIC_NR_PRIVATE) {
        return;
    }
    if (hw) {
        v->arch.vgic.hw_active |= 1U << intid;
    }
    if (!lr_place(intid, hw)) {
        v->arch.vgic.pending |= 1U << intid;
    }
}

void vgic_flush(struct vcpu *v)
{
    struct arch_vgic_cpu *g = &v->arch.vgic;
    unsigned int intid;

    for (intid = 0; g->pending != 0 && intid < VGIC_NR_PRIVATE; intid++) {
        bool hw = (g->hw_active >> intid) & 1;

        if (((g->pending >> intid) & 1) && lr_place(intid, hw)) {
            g->pending &= ~(1U << intid);
        }
    }
}

bool vgic_irq_pending(struct vcpu *v)
{
    uint64_t empty = SYSREG_READ(ICH_ELRSR_EL2);
    unsigned int n;

    if (v->arch.vgic.pending != 0) {
        return true;
    }
    for (n = 0; n < nr_lrs; n++) {
        if (!(empty & (1UL << n)) && (lr_read(n) & LR_PENDING)) {
            return true;
        }
    }
    return false;
}

void vgic_save(struct vcpu *v)
{
    struct arch_vgic_cpu *g = &v->arch.vgic;
    uint32_t still_hw = 0;
    unsigned int n;

    for (n = 0; n < nr_lrs; n++) {
        g->lr[n] = lr_read(n);
        if ((g->lr[n] & LR_HW) && (g->lr[n] & LR_STATE_MASK)) {
            still_hw |= 1U << (g->lr[n] & 0x1f);
        }
        lr_write(n, 0);
    }
    g->vmcr = SYSREG_READ(ICH_VMCR_EL2);
    g->ap0r0 = SYSREG_READ(ICH_AP0R0_EL2);
    g->ap1r0 = SYSREG_READ(ICH_AP1R0_EL2);
    /* Physical PPIs the guest has not deactivated yet, in a list register
     * or still queued: park them. */
    still_hw |= g->pending & g->hw_active;
    g->hw_active = still_hw;
    for (n = 0; n < VGIC_NR_PRIVATE; n++) {
        if ((still_hw >> n) & 1) {
            gic_ppi_set_active(n, false);
        }
    }
}

void vgic_restore(struct vcpu *v)
{
    struct arch_vgic_cpu *g = &v->arch.vgic;
    unsigned int n;

    for (n = 0; n < VGIC_NR_PRIVATE; n++) {
        if ((g->hw_active >> n) & 1) {
            gic_ppi_set_active(n, true);
        }
    }
    for (n = 0; n < nr_lrs; n++) {
        lr_write(n, g->lr[n]);
    }
    SYSREG_WRITE(ICH_VMCR_EL2, g->vmcr);
    SYSREG_WRITE(ICH_AP0R0_EL2, g->ap0r0);
    SYSREG_WRITE(ICH_AP1R0_EL2, g->ap1r0);
}
