/* SPDX-License-Identifier: MIT */
/*
 * Virtual GICv3.
 *
 * Design: the interrupt state of a VM lives in a software model, one
 * struct vgic_irq per INTID: the distributor's SPIs per VM, the SGIs and
 * PPIs per vCPU. The guest programs the model through the emulated
 * distributor (GICD, 64 KiB at VGIC_GICD_IPA) and redistributors (GICR,
 * one 128 KiB RD + SGI frame pair per vCPU from VGIC_GICR_IPA), which have
 * affinity routing always on and a single security state (DS = 1), like
 * QEMU's own GIC. It talks to the CPU interface directly: ICC_* accesses
 * at EL1 go to the virtual CPU interface (ICV_*), fed from the ICH list
 * registers, except ICC_SGI1R_EL1, which traps (HCR_EL2.IMO) and is
 * emulated by vgic_send_sgi().
 *
 * List registers: before entering a vCPU, vgic_flush() writes the
 * interrupts that are active, or pending and enabled, into the list
 * registers, active ones first, then by priority. If there are more than
 * list registers, the underflow maintenance interrupt (ICH_HCR_EL2.UIE)
 * brings the vCPU back for a refill. After an exit, vgic_sync() reads the
 * list registers back: a state that changed (the guest acknowledged or
 * deactivated) is folded into the model. The list registers are only
 * rewritten when the model changed ("dirty"), and then only those whose
 * content changes; ICH_HCR_EL2 too. Under QEMU's TCG every ICH_* access
 * takes the emulator's global lock, which its I/O thread holds while it
 * moves device data, so each access avoided is an exit made shorter.
 *
 * The virtual timer is forwarded with hardware list registers (HW = 1):
 * its physical interrupt stays active until the guest deactivates the
 * virtual one. While the vCPU is put, the physical active state is parked
 * (cleared) so other vCPUs' timers can fire, and restored on load.
 *
 * Locking: vm->arch.vgic.lock protects every vgic_irq of the VM (SPIs and
 * all vCPUs' private interrupts) and the per-vCPU LR bookkeeping. List
 * registers themselves are only touched by the CPU the vCPU is loaded on.
 * Changing another vCPU's state ends with vcpu_kick(), which makes its CPU
 * wake it or refill its list registers.
 */
#include <asm/gic_v3.h>
#include <asm/sysreg.h>
#include <asm/vgic_v3.h>
#include <hv/errno.h>
#include <hv/vcpu.h>
#include <hv/vm.h>
#include <string.h>

#define LR_STATE_PENDING (1UL << 62)
#define LR_STATE_ACTIVE (1UL << 63)
#define LR_STATE_MASK (LR_STATE_PENDING | LR_STATE_ACTIVE)
#define LR_HW (1UL << 61)
#define LR_GROUP1 (1UL << 60)
#define LR_PRIO_SHIFT 48
#define LR_PINTID_SHIFT 32
#define LR_FREE 0xffff

#define ICH_HCR_EN (1UL << 0)
#define ICH_HCR_UIE (1UL << 1)

#define GICD_CTLR 0x0000
#define GICD_TYPER 0x0004
#define GICD_IIDR 0x0008
#define GICD_TYPER2 0x000c
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
#define GICD_CTLR_ENGRP0 (1U << 0)
#define GICD_CTLR_ENGRP1 (1U << 1)
#define GICD_CTLR_ARE (1U << 4)
#define GICD_CTLR_DS (1U << 6)
#define GIC_PIDR2_V3 0x3b
#define GIC_IIDR_SHOJI 0x0000043bU /* implementer Arm, product 0 */

#define GICR_CTLR 0x0000
#define GICR_IIDR 0x0004
#define GICR_TYPER 0x0008
#define GICR_WAKER 0x0014
#define GICR_PIDR2 0xffe8
#define GICR_SGI_BASE 0x10000
#define GICR_WAKER_SLEEP (1U << 1)
#define GICR_WAKER_ASLEEP (1U << 2)
#define GICR_TYPER_LAST (1UL << 4)

/* Which per-interrupt bit a 1-bit-per-INTID register addresses. */
enum irq_bit {
    BIT_GROUP,
    BIT_ENABLE,
    BIT_PENDING,
    BIT_ACTIVE,
};

static unsigned int nr_lrs;

void vgic_cpu_init(void)
{
    nr_lrs = gic_nr_lrs();
    if (nr_lrs > VGIC_MAX_LRS) {
        nr_lrs = VGIC_MAX_LRS;
    }
}

/* --- list register access --------------------------------------------- */

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

/* --- the model ---------------------------------------------------------- */

static struct vgic_dist *dist_of(struct vm *vm)
{
    return &vm->arch.vgic;
}

static struct vgic_irq *irq_of(struct vm *vm, struct vcpu *v,
                               unsigned int intid)
{
    if (intid < 32) {
        return v != NULL ? &v->arch.vgic.priv[intid] : NULL;
    }
    if (intid < VGIC_NR_IRQS) {
        return &dist_of(vm)->spi[intid - 32];
    }
    return NULL;
}

/* The vCPU an interrupt is delivered to (owner for private ones). */
static struct vcpu *irq_target(struct vm *vm, struct vcpu *owner,
                               unsigned int intid)
{
    if (intid < 32) {
        return owner;
    }
    return vm->vcpus[dist_of(vm)->spi[intid - 32].target];
}

/*
 * The live summaries: a bit per interrupt, set by every change that can
 * make it pending or active (a latch, a line going high, activation), and
 * cleared only by live_list() when it finds the interrupt neither. So a
 * clear bit means idle, and the scans on every flush and WFI visit the
 * few live interrupts instead of all VGIC_NR_IRQS. Under d->lock.
 */
_Static_assert(VGIC_NR_SPIS <= 64, "one summary word of SPIs");

static void irq_mark_live(struct vgic_irq *irq)
{
    *irq->live |= irq->live_bit;
}

/* Latches a new edge (or SGI, or ISPENDR write) on irq. */
static void irq_latch(struct vgic_irq *irq)
{
    irq->latch = true;
    irq->edges++;
    irq_mark_live(irq);
}

static bool irq_pending(const struct vgic_irq *irq)
{
    return irq->latch || (!irq->edge && irq->line);
}

static bool group_enabled(struct vm *vm, const struct vgic_irq *irq)
{
    uint32_t ctlr = dist_of(vm)->ctlr;

    return (ctlr & (irq->group1 ? GICD_CTLR_ENGRP1 : GICD_CTLR_ENGRP0)) != 0;
}

/* Would the guest be interrupted by irq (ignoring its PMR and masks)? */
static bool irq_deliverable(struct vm *vm, const struct vgic_irq *irq)
{
    return irq->enabled && irq_pending(irq) && group_enabled(vm, irq);
}

/* Marks v's list registers stale and makes its CPU notice. */
static void notify(struct vcpu *v)
{
    v->arch.vgic.dirty = true;
    if (v != vcpu_current()) {
        vcpu_kick(v);
    }
}

static void irq_reset(struct vgic_irq *irq, bool edge, uint64_t *live,
                      unsigned int bit)
{
    memset(irq, 0, sizeof(*irq));
    irq->edge = edge;
    irq->live = live;
    irq->live_bit = 1ULL << bit;
}

void vgic_vm_reset(struct vm *vm)
{
    struct vgic_dist *d = dist_of(vm);
    unsigned int i;

    d->lock = (struct spinlock)SPINLOCK_INIT;
    d->ctlr = 0;
    d->live = 0;
    for (i = 0; i < VGIC_NR_SPIS; i++) {
        irq_reset(&d->spi[i], false, &d->live, i);
    }
}

void vgic_vcpu_reset(struct vcpu *v)
{
    struct vgic_cpu *c = &v->arch.vgic;
    unsigned int i;

    memset(c, 0, sizeof(*c));
    for (i = 0; i < 32; i++) {
        /* SGIs are edge, PPIs level. */
        irq_reset(&c->priv[i], i < 16, &c->live, i);
    }
    c->priv[VGIC_VTIMER_INTID].hw = true;
    c->sleeping = true;
    for (i = 0; i < VGIC_MAX_LRS; i++) {
        c->lr_intid[i] = LR_FREE;
    }
    c->dirty = true;
}

/* --- injection ----------------------------------------------------------- */

void vgic_inject_hw(struct vcpu *v, unsigned int intid)
{
    struct vgic_dist *d = dist_of(v->vm);

    spin_lock(&d->lock);
    irq_latch(&v->arch.vgic.priv[intid]);
    v->arch.vgic.dirty = true;
    spin_unlock(&d->lock);
}

void vgic_inject_hw_on_load(struct vcpu *v, unsigned int intid)
{
    struct vgic_dist *d = dist_of(v->vm);
    struct vgic_irq *irq = &v->arch.vgic.priv[intid];

    spin_lock(&d->lock);
    /* Already in flight: vgic_restore() re-activated it physically. */
    if (!irq->latch && !irq->active) {
        gic_ppi_set_active(intid, true);
        irq_latch(irq);
        v->arch.vgic.dirty = true;
    }
    spin_unlock(&d->lock);
}

void vgic_inject_private(struct vcpu *v, unsigned int intid)
{
    struct vgic_dist *d = dist_of(v->vm);

    if (intid >= 32) {
        return;
    }
    spin_lock(&d->lock);
    irq_latch(&v->arch.vgic.priv[intid]);
    spin_unlock(&d->lock);
    notify(v);
}

void vgic_set_level(struct vm *vm, struct vcpu *v, unsigned int intid,
                    bool level)
{
    struct vgic_dist *d = dist_of(vm);
    struct vgic_irq *irq;
    struct vcpu *target;
    bool changed;

    spin_lock(&d->lock);
    irq = irq_of(vm, v, intid);
    if (irq == NULL) {
        spin_unlock(&d->lock);
        return;
    }
    changed = irq->line != level;
    irq->line = level;
    if (level) {
        irq_mark_live(irq);
    }
    if (irq->edge && level && changed) {
        irq_latch(irq);
    }
    target = irq_target(vm, v, intid);
    spin_unlock(&d->lock);
    if (changed && target != NULL) {
        notify(target);
    }
}

void vgic_send_sgi(struct vcpu *src, uint64_t sgi1r)
{
    struct vm *vm = src->vm;
    unsigned int intid = (sgi1r >> 24) & 0xf;
    bool broadcast = (sgi1r >> 40) & 1;
    /* Aff1..3 and the range selector RS: all zero for our vCPUs. */
    uint64_t aff_hi = sgi1r & ((0xffUL << 16) | (0xffUL << 32) | (0xfUL << 44) |
                               (0xffUL << 48));
    uint16_t targets = sgi1r & 0xffff;
    unsigned int i;

    for (i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *t = vm->vcpus[i];

        if (broadcast) {
            if (t == src) {
                continue;
            }
        } else if (aff_hi != 0 || i >= 16 || !((targets >> i) & 1)) {
            /* vCPU i has MPIDR Aff0 = i, higher levels 0. */
            continue;
        }
        vgic_inject_private(t, intid);
    }
}

/* --- list registers ------------------------------------------------------ */

/*
 * Folds the state of LR n back into its interrupt. The guest acknowledging
 * the LR consumes only the edges latched before the LR was written: one
 * that arrived since (say an SGI sent again while the guest handled the
 * previous one) stays pending, so no IPI is lost.
 */
static void lr_fold(struct vcpu *v, unsigned int n, uint64_t lr)
{
    struct vgic_irq *irq = irq_of(v->vm, v, v->arch.vgic.lr_intid[n]);

    irq->active = (lr & LR_STATE_ACTIVE) != 0;
    if (irq->active) {
        irq_mark_live(irq);
    }
    if (!(lr & LR_STATE_PENDING) && irq->edges == v->arch.vgic.lr_edges[n]) {
        irq->latch = false; /* acknowledged by the guest */
    }
}

void vgic_sync(struct vcpu *v)
{
    struct vgic_cpu *c = &v->arch.vgic;
    struct vgic_dist *d = dist_of(v->vm);
    unsigned int n;

    if (c->nr_lrs_used == 0) {
        return;
    }
    spin_lock(&d->lock);
    for (n = 0; n < nr_lrs; n++) {
        uint64_t lr;

        if (c->lr_intid[n] == LR_FREE) {
            continue;
        }
        lr = lr_read(n);
        if ((lr & LR_STATE_MASK) != (c->lr_val[n] & LR_STATE_MASK)) {
            lr_fold(v, n, lr);
            c->lr_val[n] = lr;
            c->dirty = true;
        }
    }
    spin_unlock(&d->lock);
}

/* A pending, not yet acknowledged virtual timer interrupt whose timer no
 * longer asserts its output is withdrawn, as the level would drop. */
static void vtimer_retire(struct vcpu *v)
{
    struct vgic_irq *irq = &v->arch.vgic.priv[VGIC_VTIMER_INTID];
    uint64_t ctl;

    if (!irq->latch || irq->active) {
        return;
    }
    ctl = SYSREG_READ(cntv_ctl_el0);
    if ((ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK | CNT_CTL_ISTATUS)) !=
        (CNT_CTL_ENABLE | CNT_CTL_ISTATUS)) {
        irq->latch = false;
        gic_deactivate(VGIC_VTIMER_INTID);
    }
}

static uint64_t lr_build(const struct vgic_irq *irq, unsigned int intid,
                         bool pending)
{
    uint64_t lr = (uint64_t)intid | ((uint64_t)irq->priority << LR_PRIO_SHIFT);

    if (irq->group1) {
        lr |= LR_GROUP1;
    }
    if (pending) {
        lr |= LR_STATE_PENDING;
    }
    if (irq->active) {
        lr |= LR_STATE_ACTIVE;
    }
    if (irq->hw) {
        lr |= LR_HW | ((uint64_t)intid << LR_PINTID_SHIFT);
    }
    return lr;
}

/* Collects the INTIDs of v's live interrupts in ascending order (its
 * private ones, then the SPIs it is the target of), dropping from the
 * summaries those found neither pending nor active. */
static unsigned int live_list(struct vcpu *v, uint16_t *out)
{
    struct vgic_cpu *c = &v->arch.vgic;
    struct vgic_dist *d = dist_of(v->vm);
    uint64_t bits = c->live;
    unsigned int n = 0;

    while (bits != 0) {
        unsigned int i = (unsigned int)__builtin_ctzll(bits);
        struct vgic_irq *irq = &c->priv[i];

        bits &= bits - 1;
        if (!irq->active && !irq_pending(irq)) {
            c->live &= ~irq->live_bit;
        } else {
            out[n++] = (uint16_t)i;
        }
    }
    bits = d->live;
    while (bits != 0) {
        unsigned int i = (unsigned int)__builtin_ctzll(bits);
        struct vgic_irq *irq = &d->spi[i];

        bits &= bits - 1;
        if (!irq->active && !irq_pending(irq)) {
            d->live &= ~irq->live_bit;
        } else if (irq->target == v->id) {
            out[n++] = (uint16_t)(32 + i);
        }
    }
    return n;
}

/* Does pending candidate a go before b: higher priority (lower value),
 * then lower INTID? */
static bool lr_before(struct vm *vm, struct vcpu *v, unsigned int a,
                      unsigned int b)
{
    uint8_t pa = irq_of(vm, v, a)->priority;
    uint8_t pb = irq_of(vm, v, b)->priority;

    return pa < pb || (pa == pb && a < b);
}

/*
 * Picks up to nr_lrs interrupts for v: active ones first (they must stay
 * visible so the guest can deactivate them), then deliverable pending
 * ones by priority. Returns how many candidates there were in total.
 * One scan over the interrupts, then a selection of the best pending
 * ones for the free list registers: this runs on every flush, which is
 * on the path of every wake-up.
 */
static unsigned int lr_choose(struct vcpu *v, uint16_t *out)
{
    struct vm *vm = v->vm;
    uint16_t live[VGIC_NR_IRQS];
    uint16_t pending[VGIC_NR_IRQS];
    unsigned int nr_live = live_list(v, live);
    unsigned int nr_pending = 0;
    unsigned int count = 0;
    unsigned int total = 0;
    unsigned int k;

    for (k = 0; k < nr_live; k++) {
        unsigned int intid = live[k];
        struct vgic_irq *irq = irq_of(vm, v, intid);

        if (irq->active) {
            total++;
            if (count < nr_lrs) {
                out[count++] = (uint16_t)intid;
            }
        } else if (irq_deliverable(vm, irq)) {
            pending[nr_pending++] = (uint16_t)intid;
        }
    }
    total += nr_pending;
    while (count < nr_lrs && nr_pending > 0) {
        unsigned int best = 0;
        unsigned int i;

        for (i = 1; i < nr_pending; i++) {
            if (lr_before(vm, v, pending[i], pending[best])) {
                best = i;
            }
        }
        out[count++] = pending[best];
        pending[best] = pending[--nr_pending];
    }
    return total;
}

void vgic_flush(struct vcpu *v)
{
    struct vgic_cpu *c = &v->arch.vgic;
    struct vgic_dist *d = dist_of(v->vm);
    uint16_t chosen[VGIC_MAX_LRS];
    unsigned int total;
    unsigned int n;
    uint64_t hcr = ICH_HCR_EN;

    if (!c->dirty) {
        return;
    }
    spin_lock(&d->lock);
    vtimer_retire(v);
    total = lr_choose(v, chosen);
    for (n = 0; n < nr_lrs; n++) {
        if (n < total && n < nr_lrs) {
            struct vgic_irq *irq = irq_of(v->vm, v, chosen[n]);
            uint64_t lr = lr_build(irq, chosen[n], irq_deliverable(v->vm, irq));

            if (c->lr_intid[n] != chosen[n] || c->lr_val[n] != lr) {
                lr_write(n, lr);
            }
            c->lr_intid[n] = chosen[n];
            c->lr_val[n] = lr;
            c->lr_edges[n] = irq->edges;
        } else {
            if (c->lr_intid[n] != LR_FREE) {
                lr_write(n, 0);
            }
            c->lr_intid[n] = LR_FREE;
        }
    }
    c->nr_lrs_used = total < nr_lrs ? total : nr_lrs;
    c->dirty = false;
    spin_unlock(&d->lock);
    if (total > nr_lrs) {
        hcr |= ICH_HCR_UIE; /* refill when the guest has drained them */
    }
    if (hcr != c->hcr) {
        SYSREG_WRITE(ICH_HCR_EL2, hcr);
        c->hcr = hcr;
    }
}

void vgic_save(struct vcpu *v)
{
    struct vgic_cpu *c = &v->arch.vgic;
    struct vgic_dist *d = dist_of(v->vm);
    unsigned int n;

    vgic_sync(v);
    spin_lock(&d->lock);
    for (n = 0; n < nr_lrs; n++) {
        if (c->lr_intid[n] != LR_FREE) {
            lr_write(n, 0);
            c->lr_intid[n] = LR_FREE;
        }
    }
    c->nr_lrs_used = 0;
    c->dirty = true;
    /* A forwarded PPI still in flight keeps its physical active state
     * until the guest deactivates it: park it while the vCPU is away. */
    c->hw_parked = 0;
    for (n = 0; n < 32; n++) {
        struct vgic_irq *irq = &c->priv[n];

        if (irq->hw && (irq->latch || irq->active)) {
            c->hw_parked |= 1U << n;
            gic_ppi_set_active(n, false);
        }
    }
    spin_unlock(&d->lock);
    c->vmcr = SYSREG_READ(ICH_VMCR_EL2);
    c->ap0r0 = SYSREG_READ(ICH_AP0R0_EL2);
    c->ap1r0 = SYSREG_READ(ICH_AP1R0_EL2);
    SYSREG_WRITE(ICH_HCR_EL2, ICH_HCR_EN);
}

void vgic_restore(struct vcpu *v)
{
    struct vgic_cpu *c = &v->arch.vgic;
    unsigned int n;

    for (n = 0; n < 32; n++) {
        if ((c->hw_parked >> n) & 1) {
            gic_ppi_set_active(n, true);
        }
    }
    c->hw_parked = 0;
    SYSREG_WRITE(ICH_VMCR_EL2, c->vmcr);
    SYSREG_WRITE(ICH_AP0R0_EL2, c->ap0r0);
    SYSREG_WRITE(ICH_AP1R0_EL2, c->ap1r0);
    c->hcr = ICH_HCR_EN; /* as vgic_save, or gic_cpu_init, left it */
    c->dirty = true;
}

bool vgic_irq_pending(struct vcpu *v)
{
    struct vm *vm = v->vm;
    struct vgic_dist *d = dist_of(vm);
    uint16_t live[VGIC_NR_IRQS];
    bool found = false;
    unsigned int nr_live;
    unsigned int k;

    spin_lock(&d->lock);
    nr_live = live_list(v, live);
    for (k = 0; k < nr_live && !found; k++) {
        struct vgic_irq *irq = irq_of(vm, v, live[k]);

        found = irq_deliverable(vm, irq) && !irq->active;
    }
    spin_unlock(&d->lock);
    return found;
}

/* --- register emulation helpers ------------------------------------------ */

static bool irq_bit_get(const struct vgic_irq *irq, enum irq_bit b)
{
    switch (b) {
    case BIT_GROUP:
        return irq->group1;
    case BIT_ENABLE:
        return irq->enabled;
    case BIT_PENDING:
        return irq_pending(irq);
    case BIT_ACTIVE:
    default:
        return irq->active;
    }
}

/* Applies one set (value true) or clear write to a bit of irq. */
static void irq_bit_set(struct vgic_irq *irq, enum irq_bit b, bool value)
{
    switch (b) {
    case BIT_GROUP:
        irq->group1 = value;
        break;
    case BIT_ENABLE:
        irq->enabled = value;
        break;
    case BIT_PENDING:
        if (value) {
            irq_latch(irq);
        } else {
            irq->latch = false;
        }
        break;
    case BIT_ACTIVE:
        irq->active = value;
        if (value) {
            irq_mark_live(irq);
        }
        break;
    }
}

/*
 * A 1-bit-per-INTID register covering INTIDs base..base+31. For the
 * write-1-to-set / write-1-to-clear pairs, set says which one; a plain
 * register (IGROUPR) is written whole.
 */
static uint32_t bits_read(struct vm *vm, struct vcpu *v, unsigned int base,
                          enum irq_bit b)
{
    uint32_t val = 0;
    unsigned int i;

    for (i = 0; i < 32; i++) {
        struct vgic_irq *irq = irq_of(vm, v, base + i);

        if (irq != NULL && irq_bit_get(irq, b)) {
            val |= 1U << i;
        }
    }
    return val;
}

static void bits_write(struct vm *vm, struct vcpu *v, unsigned int base,
                       enum irq_bit b, uint32_t val, int set)
{
    unsigned int i;

    for (i = 0; i < 32; i++) {
        struct vgic_irq *irq = irq_of(vm, v, base + i);

        if (irq == NULL) {
            continue;
        }
        if (set < 0) {
            irq_bit_set(irq, b, (val >> i) & 1);
        } else if ((val >> i) & 1) {
            irq_bit_set(irq, b, set != 0);
        }
    }
}

static void notify_all(struct vm *vm)
{
    unsigned int i;

    for (i = 0; i < vm->nr_vcpus; i++) {
        notify(vm->vcpus[i]);
    }
}

/*
 * Emulates the registers shared by GICD (SPIs, base >= 32) and the GICR
 * SGI frame (private, base 0): offset off within that range group.
 * Returns false when off is not one of them.
 */
static bool irq_regs_access(struct vm *vm, struct vcpu *v, uint64_t off,
                            unsigned int size, bool write, uint64_t *val,
                            bool private)
{
    static const struct {
        uint64_t off;
        enum irq_bit bit;
        int set; /* -1 plain, 1 set, 0 clear */
    } banks[] = {
        {GICD_IGROUPR, BIT_GROUP, -1},   {GICD_ISENABLER, BIT_ENABLE, 1},
        {GICD_ICENABLER, BIT_ENABLE, 0}, {GICD_ISPENDR, BIT_PENDING, 1},
        {GICD_ICPENDR, BIT_PENDING, 0},  {GICD_ISACTIVER, BIT_ACTIVE, 1},
        {GICD_ICACTIVER, BIT_ACTIVE, 0},
    };
    unsigned int nr_regs = private ? 1 : VGIC_NR_IRQS / 32;
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(banks); i++) {
        unsigned int reg;

        if (off < banks[i].off || off >= banks[i].off + 0x80) {
            continue;
        }
        reg = (unsigned int)(off - banks[i].off) / 4;
        if (size != 4 || reg >= nr_regs || (!private && reg == 0)) {
            /* Private bank in GICD under ARE, or beyond our INTIDs. */
            if (!write) {
                *val = 0;
            }
            return true;
        }
        if (write) {
            bits_write(vm, v, reg * 32, banks[i].bit, (uint32_t)*val,
                       banks[i].set);
        } else {
            *val = bits_read(vm, v, reg * 32, banks[i].bit);
        }
        return true;
    }
    if (off >= GICD_IPRIORITYR && off < GICD_IPRIORITYR + 0x400) {
        unsigned int first = (unsigned int)(off - GICD_IPRIORITYR);

        if ((size != 1 && size != 4) ||
            first + size > (private ? 32U : VGIC_NR_IRQS) ||
            (!private && first < 32)) {
            if (!write) {
                *val = 0;
            }
            return true;
        }
        if (!write) {
            *val = 0;
        }
        for (i = 0; i < size; i++) {
            struct vgic_irq *irq = irq_of(vm, v, first + i);

            if (write) {
                irq->priority = (uint8_t)(*val >> (8 * i));
            } else {
                *val |= (uint64_t)irq->priority << (8 * i);
            }
        }
        return true;
    }
    if (off >= GICD_ICFGR && off < GICD_ICFGR + 0x100) {
        unsigned int reg = (unsigned int)(off - GICD_ICFGR) / 4;

        if (size != 4 || reg >= (private ? 2U : VGIC_NR_IRQS / 16) ||
            (!private && reg < 2)) {
            if (!write) {
                *val = 0;
            }
            return true;
        }
        if (!write) {
            *val = 0;
        }
        for (i = 0; i < 16; i++) {
            struct vgic_irq *irq = irq_of(vm, v, reg * 16 + i);

            if (write) {
                if (reg * 16 + i >= 16) { /* SGIs are always edge */
                    irq->edge = (*val >> (2 * i + 1)) & 1;
                }
            } else if (irq->edge) {
                *val |= 2UL << (2 * i);
            }
        }
        return true;
    }
    return false;
}

/* --- distributor ------------------------------------------------------------
 */

static void spi_route(struct vm *vm, struct vgic_irq *irq, uint64_t irouter)
{
    uint64_t aff0 = irouter & 0xff;

    irq->irouter = irouter & ((1UL << 31) | 0xff00ffffffUL);
    /* 1-of-N (IRM) and unknown targets go to vCPU 0. */
    irq->target = (!(irouter >> 31 & 1) && (irouter & 0xff00ffff00UL) == 0 &&
                   aff0 < vm->nr_vcpus)
                      ? (uint8_t)aff0
                      : 0;
}

static int dist_read(void *dev, struct vcpu *v, uint64_t off, unsigned int size,
                     uint64_t *val)
{
    struct vm *vm = dev;
    struct vgic_dist *d = dist_of(vm);

    /* Misaligned accesses read as zero / are ignored. */
    if ((off & (size - 1)) != 0) {
        *val = 0;
        return 0;
    }
    spin_lock(&d->lock);
    *val = 0;
    if (off >= GICD_IROUTER + 8 * 32 && off < GICD_IROUTER + 8 * VGIC_NR_IRQS &&
        (size == 8 || size == 4)) {
        unsigned int intid = (unsigned int)(off - GICD_IROUTER) / 8;
        uint64_t r = d->spi[intid - 32].irouter;

        *val = size == 8 ? r : (off & 4) ? r >> 32 : r & 0xffffffffUL;
    } else if (size != 4 && !(size == 1 && off >= GICD_IPRIORITYR &&
                              off < GICD_IPRIORITYR + 0x400)) {
        *val = 0;
    } else if (off == GICD_CTLR) {
        *val = d->ctlr | GICD_CTLR_ARE | GICD_CTLR_DS;
    } else if (off == GICD_TYPER) {
        *val = (VGIC_NR_IRQS / 32 - 1) | (9U << 19) | (1U << 25);
    } else if (off == GICD_IIDR) {
        *val = GIC_IIDR_SHOJI;
    } else if (off == GICD_PIDR2) {
        *val = GIC_PIDR2_V3;
    } else {
        irq_regs_access(vm, NULL, off, size, false, val, false);
    }
    spin_unlock(&d->lock);
    return 0;
}

static int dist_write(void *dev, struct vcpu *v, uint64_t off,
                      unsigned int size, uint64_t val)
{
    struct vm *vm = dev;
    struct vgic_dist *d = dist_of(vm);

    /* Misaligned accesses read as zero / are ignored. */
    if ((off & (size - 1)) != 0) {
        (void)val;
        return 0;
    }
    spin_lock(&d->lock);
    if (off >= GICD_IROUTER + 8 * 32 && off < GICD_IROUTER + 8 * VGIC_NR_IRQS &&
        (size == 8 || size == 4)) {
        unsigned int intid = (unsigned int)(off - GICD_IROUTER) / 8;
        struct vgic_irq *irq = &d->spi[intid - 32];
        uint64_t r = irq->irouter;

        if (size == 8) {
            r = val;
        } else if (off & 4) {
            r = (r & 0xffffffffUL) | (val << 32);
        } else {
            r = (r & ~0xffffffffUL) | (val & 0xffffffffUL);
        }
        spi_route(vm, irq, r);
    } else if (off == GICD_CTLR && size == 4) {
        d->ctlr = (uint32_t)val & (GICD_CTLR_ENGRP0 | GICD_CTLR_ENGRP1);
    } else if (size == 4 || size == 1) {
        irq_regs_access(vm, NULL, off, size, true, &val, false);
    }
    spin_unlock(&d->lock);
    notify_all(vm);
    return 0;
}

/* --- redistributors ------------------------------------------------------- */

static int redist_read(void *dev, struct vcpu *v, uint64_t off,
                       unsigned int size, uint64_t *val)
{
    struct vm *vm = dev;
    struct vgic_dist *d = dist_of(vm);
    unsigned int idx = (unsigned int)(off / VGIC_GICR_STRIDE);
    struct vcpu *t = vm->vcpus[idx];
    uint64_t r = off % VGIC_GICR_STRIDE;

    *val = 0;
    /* Misaligned accesses read as zero / are ignored. */
    if ((off & (size - 1)) != 0) {
        *val = 0;
        return 0;
    }
    spin_lock(&d->lock);
    if (r == GICR_TYPER && (size == 8 || size == 4)) {
        uint64_t typer = ((uint64_t)idx << 32) | ((uint64_t)idx << 8);

        if (idx == vm->nr_vcpus - 1) {
            typer |= GICR_TYPER_LAST;
        }
        *val = size == 8 ? typer : typer & 0xffffffffUL;
    } else if (r == GICR_TYPER + 4 && size == 4) {
        *val = idx; /* affinity: Aff0 = vCPU index */
    } else if (r == GICR_WAKER && size == 4) {
        *val = t->arch.vgic.sleeping ? GICR_WAKER_SLEEP | GICR_WAKER_ASLEEP : 0;
    } else if (r == GICR_IIDR && size == 4) {
        *val = GIC_IIDR_SHOJI;
    } else if (r == GICR_PIDR2 && size == 4) {
        *val = GIC_PIDR2_V3;
    } else if (r >= GICR_SGI_BASE) {
        irq_regs_access(vm, t, r - GICR_SGI_BASE, size, false, val, true);
    }
    spin_unlock(&d->lock);
    return 0;
}

static int redist_write(void *dev, struct vcpu *v, uint64_t off,
                        unsigned int size, uint64_t val)
{
    struct vm *vm = dev;
    struct vgic_dist *d = dist_of(vm);
    unsigned int idx = (unsigned int)(off / VGIC_GICR_STRIDE);
    struct vcpu *t = vm->vcpus[idx];
    uint64_t r = off % VGIC_GICR_STRIDE;

    /* Misaligned accesses read as zero / are ignored. */
    if ((off & (size - 1)) != 0) {
        (void)val;
        return 0;
    }
    spin_lock(&d->lock);
    if (r == GICR_WAKER && size == 4) {
        t->arch.vgic.sleeping = (val & GICR_WAKER_SLEEP) != 0;
    } else if (r >= GICR_SGI_BASE) {
        irq_regs_access(vm, t, r - GICR_SGI_BASE, size, true, &val, true);
    }
    spin_unlock(&d->lock);
    notify(t);
    return 0;
}

int vgic_vm_add_mmio(struct vm *vm)
{
    struct mmio_region gicd = {
        .base = VGIC_GICD_IPA,
        .size = VGIC_GICD_SIZE,
        .dev = vm,
        .read = dist_read,
        .write = dist_write,
    };
    struct mmio_region gicr = {
        .base = VGIC_GICR_IPA,
        .size = VGIC_GICR_STRIDE * vm->nr_vcpus,
        .dev = vm,
        .read = redist_read,
        .write = redist_write,
    };
    int rc = mmio_add(&vm->mmio, &gicd);

    return rc != 0 ? rc : mmio_add(&vm->mmio, &gicr);
}
