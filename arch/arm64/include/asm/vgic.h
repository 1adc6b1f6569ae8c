/* SPDX-License-Identifier: MIT */
/*
 * Virtual interrupt delivery through the GICv3 list registers (ICH_LR<n>).
 * This milestone virtualises the CPU interface only: private interrupts
 * (SGIs, PPIs) are injected into list registers; the virtual distributor
 * comes with the Linux-guest work.
 *
 * Locking: only the vCPU's own CPU touches its vGIC state, with the vCPU
 * loaded (list registers live) or put (saved copy).
 */
#pragma once

#include <stdbool.h>

struct vcpu;

/** Per-CPU: reads how many list registers there are. */
void vgic_cpu_init(void);

/** Queues private INTID intid for the loaded vCPU v. With hw, the virtual
 * interrupt is linked to the physical one of the same number. */
void vgic_inject(struct vcpu *v, unsigned int intid, bool hw);

/** Moves queued interrupts into free list registers (before entry). */
void vgic_flush(struct vcpu *v);

/** True when the loaded vCPU has a pending virtual interrupt. */
bool vgic_irq_pending(struct vcpu *v);

/** Saves / restores the list registers and the virtual CPU interface. */
void vgic_save(struct vcpu *v);
void vgic_restore(struct vcpu *v);
