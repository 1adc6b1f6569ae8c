/* SPDX-License-Identifier: MIT */
/*
 * Virtual GICv3: a distributor per VM, a redistributor per vCPU, and the
 * CPU interface through the ICH_* list registers. See vgic_v3.c.
 */
#pragma once

#include <hv/spinlock.h>
#include <stdbool.h>
#include <stdint.h>

#define VGIC_NR_SPIS 64
#define VGIC_NR_IRQS (32 + VGIC_NR_SPIS)
#define VGIC_MAX_LRS 16

/* Guest physical layout, as on QEMU's virt board. */
#define VGIC_GICD_IPA 0x08000000UL
#define VGIC_GICD_SIZE 0x10000UL
#define VGIC_GICR_IPA 0x080a0000UL
#define VGIC_GICR_STRIDE 0x20000UL

/* Guest-visible interrupt numbers. */
#define VGIC_MAINT_PPI 9 /* maintenance interrupt: INTID 25 */
#define VGIC_VTIMER_INTID 27
#define VGIC_PTIMER_INTID 30
#define VGIC_UART_SPI 1 /* PL011: INTID 33 */

struct vcpu;
struct vm;

struct vgic_irq {
    uint8_t priority;
    uint8_t target; /* index of the vCPU it is delivered to */
    bool enabled;
    bool group1;
    bool edge;  /* ICFGR: edge-triggered, else level-sensitive */
    bool latch; /* pending from an edge, an SGI or an ISPENDR write */
    bool line;  /* input level of a level-sensitive source */
    bool active;
    bool hw;       /* forwarded physical PPI of the same INTID */
    uint8_t edges; /* counts latching events, see lr_fold() */
    uint64_t irouter;
    /* Its bit in a summary word (the vCPU's or the distributor's `live`),
     * set whenever it may have become pending or active. */
    uint64_t *live;
    uint64_t live_bit;
};

/* Per VM, embedded in struct arch_vm. */
struct vgic_dist {
    struct spinlock lock; /* all interrupt state of the VM's vGIC */
    uint32_t ctlr;
    uint64_t live; /* SPIs that may be pending or active, bit n = SPI n */
    struct vgic_irq spi[VGIC_NR_SPIS];
};

/* Per vCPU, embedded in struct arch_vcpu. */
struct vgic_cpu {
    struct vgic_irq priv[32];
    uint64_t live; /* private interrupts that may be pending or active */
    bool sleeping; /* GICR_WAKER.ProcessorSleep */
    uint16_t lr_intid[VGIC_MAX_LRS]; /* INTID held by each used LR */
    uint64_t lr_val[VGIC_MAX_LRS];   /* what the LR holds, as last known */
    uint8_t lr_edges[VGIC_MAX_LRS];  /* its irq->edges at that time */
    unsigned int nr_lrs_used;
    bool dirty;         /* model changed: rebuild the LRs before entry */
    uint64_t hcr;       /* ICH_HCR_EL2 as last written while loaded */
    uint32_t hw_parked; /* physical PPIs deactivated while put */
    uint64_t vmcr;
    uint64_t ap0r0;
    uint64_t ap1r0;
};

/** Per physical CPU: reads the number of list registers. */
void vgic_cpu_init(void);

/** Resets a VM's distributor / a vCPU's redistributor to power-on state. */
void vgic_vm_reset(struct vm *vm);
void vgic_vcpu_reset(struct vcpu *v);

/** Registers the distributor and redistributor MMIO regions. */
int vgic_vm_add_mmio(struct vm *vm);

/** Exit path, vCPU loaded: folds list-register state into the model. */
void vgic_sync(struct vcpu *v);

/** Entry path, vCPU loaded: (re)fills the list registers if needed. */
void vgic_flush(struct vcpu *v);

/** Put / load: list registers and virtual CPU interface state. */
void vgic_save(struct vcpu *v);
void vgic_restore(struct vcpu *v);

/** True when an enabled interrupt is pending for v (model only). */
bool vgic_irq_pending(struct vcpu *v);

/** Raises a forwarded physical PPI (virtual timer) on the loaded vCPU. */
void vgic_inject_hw(struct vcpu *v, unsigned int intid);

/**
 * Delivers forwarded PPI intid that fired while v was not loaded, as if
 * it had been taken here: latched for v and held physically active, so
 * the hardware does not raise it again on entry. Call while loading v,
 * after vgic_restore() and before the device's state is restored.
 */
void vgic_inject_hw_on_load(struct vcpu *v, unsigned int intid);

/** Latches an edge on private INTID intid of v (any CPU). */
void vgic_inject_private(struct vcpu *v, unsigned int intid);

/** Sets the input level of a level-sensitive interrupt (any CPU). */
void vgic_set_level(struct vm *vm, struct vcpu *v, unsigned int intid,
                    bool level);

/** Emulates a guest write of ICC_SGI1R_EL1. */
void vgic_send_sgi(struct vcpu *src, uint64_t sgi1r);
