/* SPDX-License-Identifier: MIT */
/*
 * Physical interrupts of devices Shoji drives itself (shared peripheral
 * interrupts, wired from host devices such as virtio-mmio disks): a table
 * of handlers by interrupt number, and the arch hooks that enable, route
 * and disable a line at the interrupt controller.
 *
 * Interrupts for Shoji's own use (timer, kicks) and for guests (the vGIC)
 * do not go through this table. No physical interrupt is ever passed
 * through to a guest.
 *
 * Handlers run in the arch interrupt path (on the CPU the line is routed
 * to: IRQ_HOST_CPU, unless its driver moved it with irq_follow_cpu), at
 * EL2 with interrupts masked: EL2 never unmasks them, so a
 * handler is never re-entered nor interrupted. A handler must not block or
 * wait for another interrupt.
 */
#pragma once

#include <hv/types.h>

/* Interrupt numbers the table covers (GICv3: INTIDs below 1020). */
#define IRQ_NR 1020

enum irq_trigger {
    IRQ_TRIGGER_LEVEL, /* active high */
    IRQ_TRIGGER_EDGE,  /* rising edge */
};

/* The CPU every host device's interrupt is routed to. */
#define IRQ_HOST_CPU 0

/**
 * Installs fn(intid, ctx) as the handler of interrupt intid, then
 * configures its trigger, routes it to IRQ_HOST_CPU and enables it. 0;
 * -HV_EINVAL when intid is not a shared peripheral interrupt the
 * controller has or fn is NULL; -HV_EBUSY when intid already has a
 * handler.
 */
int irq_register(unsigned int intid, enum irq_trigger trigger,
                 void (*fn)(unsigned int intid, void *ctx), void *ctx);

/**
 * Routes intid, which has a handler, to the calling CPU from now on (no
 * effect when it is routed there already). For a device whose completions
 * are little work that a guest on this CPU waits for (a disk): the
 * handler then runs where the guest does, instead of waking two CPUs per
 * request. An interrupt already on its way may still reach the old CPU;
 * handlers are written for any CPU.
 */
void irq_follow_cpu(unsigned int intid);

/**
 * Disables intid at the controller and removes its handler. May be called
 * from that handler (the arch path finishes the interrupt in flight).
 */
void irq_unregister(unsigned int intid);

/**
 * Runs the handler of intid; false when it has none (the interrupt is then
 * only logged, the first few times). Called by the arch interrupt path
 * between acknowledging the interrupt and deactivating it.
 */
bool irq_dispatch(unsigned int intid);

/* --- arch side (arch/arm64/gic_v3.c) -------------------------------------- */

/**
 * Configures the trigger of shared interrupt intid, routes it to CPU cpu
 * and enables it. 0, or -HV_EINVAL when intid is not a shared interrupt
 * the controller implements or cpu does not exist.
 */
int arch_irq_enable(unsigned int intid, bool edge, unsigned int cpu);

/** Disables shared interrupt intid (no effect on other numbers). */
void arch_irq_disable(unsigned int intid);

/** Routes enabled shared interrupt intid to CPU cpu (which exists). */
void arch_irq_route(unsigned int intid, unsigned int cpu);
